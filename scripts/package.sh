#!/usr/bin/env bash
# Builds the release artefacts into dist/ (docs/install.md says how to install them):
#
#   postgresql-15-facesign_<version>_<arch>.deb
#       the extension for Debian's PostgreSQL 15 (cargo pgrx package, laid out by dpkg-deb):
#       the library, the control file, the install script and the upgrade scripts from every
#       released version; Depends: postgresql-15 and the C libraries the library links
#       (dpkg-shlibdeps). Installs with dpkg -i on a machine without Rust.
#   facesign-analytics-<version>-<target>.tar.gz
#       the toolkit's binary (its data files are compiled in) with README.md, LICENSE,
#       CHANGELOG.md and docs/analytics.md.
#   SHA256SUMS
#
# Usage: scripts/package.sh [--profile PROFILE] [--out DIR]
#   --profile  the cargo profile (default release, the shipped one: fat LTO, a first build of
#              the toolkit takes tens of minutes; scripts/test.sh --only package builds quick)
#   --out      where to write them (default dist/)
# The version is the workspace's (Cargo.toml); FACESIGN_MAINTAINER sets the package's
# Maintainer field (default: the author of the commit it is built from).
source "$(dirname "$0")/common.sh"
cd "$ROOT"

PROFILE=release
OUT="$ROOT/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) [ $# -ge 2 ] || fail "--profile needs a cargo profile"; PROFILE="$2"; shift 2 ;;
    --out) [ $# -ge 2 ] || fail "--out needs a directory"; OUT="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) fail "unknown argument $1 (usage: scripts/package.sh [--profile PROFILE] [--out DIR])" ;;
  esac
done
trap step_failed ERR

setup_machine
command -v dpkg-shlibdeps >/dev/null || apt_install dpkg-dev
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
VERSION="$(extension_version)"
ARCH="$(dpkg --print-architecture)"
TARGET="$(rustc -vV | sed -n 's/^host: //p')"
PG_MAJOR="$("$PG_CONFIG" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')"
PACKAGE="postgresql-$PG_MAJOR-facesign"
MAINTAINER="${FACESIGN_MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || true)}"
[ -n "$MAINTAINER" ] || fail "no maintainer for the package: set FACESIGN_MAINTAINER='Name <email>'"
# Reproducible archives: every file dated by the commit they are built from. (Not exported
# as SOURCE_DATE_EPOCH: the cc crate's build scripts rerun when it changes, and with them
# every crate above, polars included.)
DATED="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Every released version must reach this one through the upgrade scripts the package ships.
for released in $(released_versions); do
  from="$released" hops=0
  while [ "$from" != "$VERSION" ] && [ $hops -lt 50 ]; do
    from="$(ls extension/sql/ | sed -n "s/^facesign--$from--\(.*\)\.sql$/\1/p" | sort -V | tail -1)"
    [ -n "$from" ] || break
    hops=$((hops + 1))
  done
  [ "$from" = "$VERSION" ] \
    || fail "no chain of upgrade scripts from $released (released) to $VERSION in extension/sql/: add facesign--<version>--$VERSION.sql (docs/development.md, \"Releasing\")"
done

step "The extension for PostgreSQL $PG_MAJOR: cargo pgrx package (profile $PROFILE)"
ROOTFS="$WORK/deb"
cargo pgrx package -p facesign --profile "$PROFILE" --pg-config "$PG_CONFIG" --out-dir "$ROOTFS" \
  | grep -vE 'Copying|Writing|Discovered|Installing|Running|Using|Building' || true
LIB="$ROOTFS$("$PG_CONFIG" --pkglibdir)/facesign.so"
EXTDIR="$ROOTFS$("$PG_CONFIG" --sharedir)/extension"
[ -f "$LIB" ] && [ -f "$EXTDIR/facesign.control" ] && [ -f "$EXTDIR/facesign--$VERSION.sql" ] \
  || fail "cargo pgrx package did not write the library, the control file and facesign--$VERSION.sql under $ROOTFS"
# Debian strips shared libraries of what linking does not need; the dynamic symbols
# PostgreSQL looks up (pg_finfo_*, the *_wrapper functions) stay.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$LIB"
DOC="$ROOTFS/usr/share/doc/$PACKAGE"
mkdir -p "$DOC"
gzip -9n < CHANGELOG.md > "$DOC/changelog.gz"
cat > "$DOC/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: facesign

Files: *
License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
EOF

# The C libraries the library links, as Debian dependencies (libc6, libgcc-s1).
mkdir -p "$WORK/shlibs/debian"
printf 'Source: facesign\n\nPackage: %s\nArchitecture: any\n' "$PACKAGE" > "$WORK/shlibs/debian/control"
SHLIBS="$(cd "$WORK/shlibs" && dpkg-shlibdeps -O "$LIB" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
[ -n "$SHLIBS" ] || fail "dpkg-shlibdeps found no library dependencies for $LIB"

find "$ROOTFS" -type d -exec chmod 755 {} + && find "$ROOTFS" -type f -exec chmod 644 {} +
mkdir -p "$ROOTFS/DEBIAN"
(cd "$ROOTFS" && find usr -type f | sort | xargs md5sum > DEBIAN/md5sums)
cat > "$ROOTFS/DEBIAN/control" <<EOF
Package: $PACKAGE
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$ROOTFS" | cut -f1)
Depends: postgresql-$PG_MAJOR, $SHLIBS
Section: database
Priority: optional
Description: FaceSign sessions in PostgreSQL $PG_MAJOR: flow validation and report readers
 The facesign extension validates FaceSign flows inside the database (every
 problem at once, with a JSON Pointer to it), reads node outcomes, transcripts,
 risk signals and an explainable risk score out of stored sessions, and merges
 snapshots of a session that arrive out of order.
 .
 After installing: CREATE EXTENSION facesign; in a database, or, where an
 older version is installed, ALTER EXTENSION facesign UPDATE; in each database
 that has it. The extension is trusted: a database owner can create it.
EOF
DEB="$OUT/${PACKAGE}_${VERSION}_${ARCH}.deb"
SOURCE_DATE_EPOCH="$DATED" dpkg-deb --root-owner-group -Zxz --build "$ROOTFS" "$DEB" >/dev/null
echo "$(basename "$DEB"): $(du -k "$DEB" | cut -f1) kB"
dpkg-deb --contents "$DEB" | awk '{ print "    " $NF }' | grep -v '/$'

step "facesign-analytics (profile $PROFILE; with release, the first build takes tens of minutes)"
cargo build -q -p facesign-analytics --profile "$PROFILE"
BINARY="$CARGO_TARGET_DIR/$PROFILE/facesign-analytics"
NAME="facesign-analytics-$VERSION-$TARGET"
mkdir -p "$WORK/$NAME/docs"
install -m 755 "$BINARY" "$WORK/$NAME/"
strip "$WORK/$NAME/facesign-analytics"
install -m 644 README.md LICENSE CHANGELOG.md "$WORK/$NAME/"
install -m 644 docs/analytics.md "$WORK/$NAME/docs/"
ARCHIVE="$OUT/$NAME.tar.gz"
tar -C "$WORK" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$DATED" -cf - "$NAME" \
  | gzip -9n > "$ARCHIVE"
echo "$(basename "$ARCHIVE"): $(du -k "$ARCHIVE" | cut -f1) kB"
tar -tzf "$ARCHIVE" | sed 's/^/    /'

(cd "$OUT" && sha256sum "$(basename "$DEB")" "$(basename "$ARCHIVE")" > SHA256SUMS)
echo "written to $OUT: $(basename "$DEB"), $(basename "$ARCHIVE"), SHA256SUMS"
