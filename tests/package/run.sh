#!/usr/bin/env bash
# The package test (scripts/test.sh --only package): scripts/package.sh builds the .deb and
# the toolkit's archive (profile quick, the tests' build); then, on this machine:
#   - the .deb's fields and files, and the library's links: only system libraries;
#   - the extension cargo installed is moved aside and the .deb installed with dpkg -i; a
#     database made by the released version (its install script, as a DBA's database is) is
#     updated with ALTER EXTENSION facesign UPDATE, and a fresh database creates the
#     extension, as a database owner without superuser too, and calls a few functions;
#   - dpkg -r removes every file; the cargo-installed files come back. PostgreSQL's
#     extension directory is shared by every checkout on the machine: the files are away only
#     while the package is tested (seconds), and come back on any failure (trap);
#   - the archive unpacked: the toolkit runs from it, alone, and reports the version the
#     extension does.
source "$(dirname "$0")/../../scripts/common.sh"
cd "$ROOT"
cluster_start >/dev/null
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
VERSION="$(extension_version)"
PACKAGE=postgresql-15-facesign
PKGLIB="$("$PG_CONFIG" --pkglibdir)"
EXTDIR="$("$PG_CONFIG" --sharedir)/extension"
passed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
sql() { psql_db -At "$@"; }

step "Building the packages (scripts/package.sh --profile $CARGO_PROFILE)"
bash scripts/package.sh --profile "$CARGO_PROFILE" --out "$WORK/dist" > "$WORK/package.log" 2>&1 \
  || { tail -40 "$WORK/package.log"; fail "scripts/package.sh failed (above)"; }
grep -E '\.(deb|tar\.gz): ' "$WORK/package.log"
DEB="$(ls "$WORK"/dist/*.deb)"
ARCHIVE="$(ls "$WORK"/dist/*.tar.gz)"
(cd "$WORK/dist" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match the packages"

step "The .deb: its fields, its files, the libraries it links"
field() { dpkg-deb --field "$DEB" "$1"; }
[ "$(field Package)" = "$PACKAGE" ] && [ "$(field Version)" = "$VERSION" ] \
  || fail "the .deb is $(field Package) $(field Version), not $PACKAGE $VERSION"
field Depends | grep -qE '(^|, )postgresql-15(,|$)' || fail "the .deb does not depend on postgresql-15: $(field Depends)"
ok "$PACKAGE $VERSION, Depends: $(field Depends)"
dpkg-deb --contents "$DEB" | awk '{ print $NF }' | grep -v '/$' | sed 's|^\./||' | sort > "$WORK/files"
{
  echo "${PKGLIB#/}/facesign.so"
  echo "${EXTDIR#/}/facesign.control"
  echo "${EXTDIR#/}/facesign--$VERSION.sql"
  (cd extension/sql && ls facesign--*--*.sql) | sed "s|^|${EXTDIR#/}/|"
  echo "usr/share/doc/$PACKAGE/changelog.gz"
  echo "usr/share/doc/$PACKAGE/copyright"
} | sort > "$WORK/expected-files"
diff "$WORK/expected-files" "$WORK/files" || fail "the .deb's files are not the expected ones (diff above: < expected, > in the .deb)"
ok "its $(wc -l < "$WORK/files") files: the library, the control file, the install and upgrade scripts, changelog, copyright"
dpkg-deb --extract "$DEB" "$WORK/extracted"
objdump -p "$WORK/extracted/${PKGLIB#/}/facesign.so" | awk '/NEEDED/ { print $2 }' > "$WORK/needed"
while read -r library; do
  # awk reads to the end: leaving early would kill ldconfig with SIGPIPE, which pipefail
  # turns into a failure of the whole test.
  path="$(ldconfig -p | awk -v l="$library" '$1 == l && !found { print $NF; found = 1 }')"
  [ -n "$path" ] && dpkg -S "$path" >/dev/null 2>&1 \
    || fail "facesign.so links $library, which no installed Debian package provides"
done < "$WORK/needed"
! objdump -p "$WORK/extracted/${PKGLIB#/}/facesign.so" | grep -qE 'RPATH|RUNPATH' \
  || fail "facesign.so carries an RPATH/RUNPATH (a path of the build machine)"
ok "facesign.so links only $(paste -sd' ' "$WORK/needed"), from Debian packages; no RPATH"

step "The toolkit's archive, unpacked and run alone"
NAME="$(basename "$ARCHIVE" .tar.gz)"
tar -C "$WORK" -xzf "$ARCHIVE"
for f in facesign-analytics README.md LICENSE CHANGELOG.md docs/analytics.md; do
  [ -f "$WORK/$NAME/$f" ] || fail "the archive has no $NAME/$f"
done
! ldd "$WORK/$NAME/facesign-analytics" | grep -q 'not found' || fail "facesign-analytics links a library this machine lacks"
alone() { (cd "$WORK" && env -i PATH=/usr/bin:/bin HOME="$WORK" "./$NAME/facesign-analytics" "$@"); }
reported="$(alone --version)"
[ "$reported" = "facesign-analytics $VERSION" ] || fail "facesign-analytics --version says '$reported', not $VERSION"
alone generate --seed 1 --sessions 20 --out corpus >/dev/null || fail "facesign-analytics generate failed when run from the archive"
[ "$(wc -l < "$WORK/corpus/sessions.ndjson")" = 20 ] || fail "facesign-analytics generate did not write 20 sessions"
ok "$NAME/: README.md, LICENSE, CHANGELOG.md, docs/analytics.md; '$reported'; it runs alone (generate wrote 20 sessions)"

# A database as the released version made it, before its files are replaced: the DBA's case.
install_released_scripts
oldest="$(released_versions | sed -n 1p)"
psql_db -d postgres -c "DROP DATABASE IF EXISTS facesign_package_old" -c "CREATE DATABASE facesign_package_old"
psql_db -d facesign_package_old -c "CREATE EXTENSION facesign VERSION '$oldest'" \
  -c "CREATE TABLE flows (flow jsonb CHECK (facesign.flow_is_valid(flow)))" \
  -c "INSERT INTO flows VALUES ('[{\"id\": \"s\", \"type\": \"start\", \"outcome\": \"e\"}, {\"id\": \"e\", \"type\": \"end\"}]')"

# The swap: the cargo-installed files aside, the package in; they come back whatever happens.
BACKUP="$WORK/cargo-installed"
mkdir -p "$BACKUP/lib" "$BACKUP/extension"
swapped=
restore_cargo_installed() {
  [ -n "$swapped" ] || return 0
  if dpkg -s "$PACKAGE" >/dev/null 2>&1; then dpkg -r "$PACKAGE" >/dev/null 2>&1 || true; fi
  local f
  # Copied beside and renamed into place: a backend that has the library loaded keeps its file.
  for f in "$BACKUP"/lib/*; do cp -p "$f" "$PKGLIB/.$(basename "$f")" && mv -f "$PKGLIB/.$(basename "$f")" "$PKGLIB/$(basename "$f")"; done
  for f in "$BACKUP"/extension/*; do cp -p "$f" "$EXTDIR/$(basename "$f")"; done
  swapped=
  echo "the cargo-installed extension was away for $((SECONDS - swapped_at)) s"
}
trap 'restore_cargo_installed; rm -rf "$WORK"' EXIT
dpkg -s "$PACKAGE" >/dev/null 2>&1 \
  && fail "$PACKAGE is installed already: remove it (dpkg -r $PACKAGE), then run scripts/test.sh, which installs the extension again"
step "dpkg -i $(basename "$DEB"), in place of the cargo-installed extension"
cp -p "$PKGLIB"/facesign.so "$BACKUP/lib/"
cp -p "$EXTDIR"/facesign.control "$EXTDIR"/facesign--*.sql "$BACKUP/extension/"
swapped=1 swapped_at=$SECONDS
rm -f "$PKGLIB/facesign.so" "$EXTDIR"/facesign.control "$EXTDIR"/facesign--*.sql
dpkg -i "$DEB" > "$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i $(basename "$DEB") failed (above)"; }
dpkg -s "$PACKAGE" | grep -qx 'Status: install ok installed' || fail "dpkg -i did not install $PACKAGE"
ok "dpkg -i $(basename "$DEB")"

updated="$(sql -d facesign_package_old -c "ALTER EXTENSION facesign UPDATE" \
  -c "SELECT extversion || ' ' || (extversion = facesign.version()) FROM pg_extension WHERE extname = 'facesign'" \
  -c "SELECT count(*) FROM flows WHERE facesign.flow_is_valid(flow)")"
[ "$updated" = "$VERSION true"$'\n'"1" ] || fail "the database made by $oldest, updated: '$updated'"
ok "a database made by $oldest: ALTER EXTENSION facesign UPDATE to $VERSION, its stored flow still valid"

psql_db -d postgres -c "DROP DATABASE IF EXISTS facesign_package" -c "DROP ROLE IF EXISTS facesign_package_owner" \
  -c "CREATE ROLE facesign_package_owner LOGIN" -c "CREATE DATABASE facesign_package OWNER facesign_package_owner"
answers="$(sql -d facesign_package -U facesign_package_owner -F ' ' -c "CREATE EXTENSION facesign" -c "
  SELECT facesign.version(),
         facesign.flow_is_valid('[{\"id\": \"s\", \"type\": \"start\", \"outcome\": \"e\"}, {\"id\": \"e\", \"type\": \"end\"}]'),
         (SELECT string_agg(code, ',' ORDER BY code) FROM facesign.validate_flow('[{\"id\": \"s\", \"type\": \"start\", \"outcome\": \"s\"}]')),
         (facesign.session_summary('{\"id\": \"x\", \"status\": \"complete\", \"createdAt\": 1763900000000}')).status,
         (facesign.risk_score('{\"id\": \"x\", \"status\": \"complete\"}')).level")"
[ "$answers" = "$VERSION t missing_end,self_loop complete normal" ] || fail "the packaged extension answered '$answers'"
ok "CREATE EXTENSION by a database owner without superuser; version() $VERSION as the toolkit's; flow_is_valid, validate_flow, session_summary, risk_score answer"
psql_db -d postgres -c "DROP DATABASE facesign_package" -c "DROP DATABASE facesign_package_old" -c "DROP ROLE facesign_package_owner"

dpkg -r "$PACKAGE" > "$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -r $PACKAGE failed (above)"; }
dpkg -s "$PACKAGE" >/dev/null 2>&1 && fail "dpkg -r left $PACKAGE installed"
leftover="$(ls "$PKGLIB"/facesign.so "$EXTDIR"/facesign* 2>/dev/null || true)"
[ -z "$leftover" ] || fail "dpkg -r left $leftover"
ok "dpkg -r removed every file"
restore_cargo_installed
[ "$(psql_db -d postgres -At -c "SELECT default_version FROM pg_available_extensions WHERE name = 'facesign'")" = "$VERSION" ] \
  && [ -f "$PKGLIB/facesign.so" ] || fail "the cargo-installed extension did not come back"
ok "the cargo-installed extension is back"
echo "package: $passed passed, 0 failed"
