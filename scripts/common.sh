# Shared by the project's scripts: machine set-up, building the extension, and a private
# PostgreSQL 15 cluster. Source it; every function is idempotent.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The PostgreSQL 15 installation built against and run: Debian's, unless FACESIGN_PG_BIN names
# another one's bin/ (a relocated copy, say, so that two checkouts on one machine can install
# different builds of the extension side by side).
PG_BIN="${FACESIGN_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_CONFIG="$PG_BIN/pg_config"
PGRX_VERSION=0.18.0
# cargo-fuzz for the fuzz targets in fuzz/ (builds with stable rustc 1.95; see setup_fuzz).
CARGO_FUZZ_VERSION=0.13.1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/facesign/target}"
# What the demo and the tests build (see Cargo.toml); the benchmarks set FACESIGN_PROFILE=ci.
CARGO_PROFILE="${FACESIGN_PROFILE:-quick}"

step() { CURRENT_STEP="$*"; printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }
# Installed by a script as `trap step_failed ERR`: names the step that failed and what to do.
step_failed() {
  local status=$?
  printf '\n\033[31merror:\033[0m the step "%s" failed (exit status %s).\n' "${CURRENT_STEP:-setting up}" "$status" >&2
  printf '       Its output is above. Fix what it says and run %s again: every step is idempotent,\n' "$0" >&2
  printf '       the private cluster and the built extension are reused.\n' >&2
}

# Installs Debian packages (root only), quietly.
apt_install() {
  [ "$(id -u)" = 0 ] || fail "installing $* needs root; run as root or install them first"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Debian packages, cargo-pgrx and pgrx's PostgreSQL registration, each only when missing.
setup_machine() {
  local need=()
  [ -x "$PG_BIN/postgres" ] || need+=(postgresql-15)
  [ -x "$PG_CONFIG" ] && [ -f /usr/include/postgresql/15/server/postgres.h ] || need+=(postgresql-server-dev-15)
  # pg_partman, for the month-partitioned schema's tests (sql/sessions_partitioned.sql).
  [ -f /usr/share/postgresql/15/extension/pg_partman.control ] || need+=(postgresql-15-partman)
  command -v clang >/dev/null || need+=(clang)
  ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || need+=(libclang-dev)
  command -v sudo >/dev/null || need+=(sudo)
  command -v runuser >/dev/null || need+=(util-linux)
  command -v openssl >/dev/null || need+=(openssl)
  if [ ${#need[@]} -gt 0 ]; then
    step "Installing Debian packages: ${need[*]}"
    apt_install "${need[@]}"
  fi
  if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
    step "Installing cargo-pgrx $PGRX_VERSION (about 7 minutes, once)"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
  fi
  if ! grep -qs '^pg15' "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
    step "Registering PostgreSQL 15 with pgrx"
    cargo pgrx init --pg15 "$PG_CONFIG" >/dev/null
  fi
}

# cargo-fuzz (pinned), only when that version is missing; libFuzzer, which libfuzzer-sys
# compiles, needs a C++ compiler.
setup_fuzz() {
  command -v c++ >/dev/null || apt_install g++
  if ! cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
    step "Installing cargo-fuzz $CARGO_FUZZ_VERSION (about a minute, once)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
}

# Python packages the interoperability tests read the Parquet datasets with (Spark needs Java).
setup_python() {
  if ! python3 -c "import pyarrow, duckdb, pyspark" 2>/dev/null; then
    step "Installing pyarrow, duckdb and pyspark from PyPI"
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore pyarrow duckdb pyspark
  fi
  if ! command -v java >/dev/null; then
    step "Installing Java 17 for PySpark"
    apt_install openjdk-17-jre-headless
  fi
}

# The notebooks' Python packages (notebooks/requirements.txt), installed only when one is
# missing or outside its version range: a check of installed versions, no network, under a second.
setup_notebooks() {
  local requirements="$ROOT/notebooks/requirements.txt"
  if ! python3 - "$requirements" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        requirement = Requirement(line)
        if not requirement.specifier.contains(version(requirement.name), prereleases=True):
            sys.exit(1)
PY
  then
    step "Installing the notebooks' Python packages (notebooks/requirements.txt)"
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$requirements"
  fi
}

# Headless Chromium (Debian package chromium), which tests/report/check_report.py opens the
# demo's HTML report in; installed only when missing.
setup_chromium() {
  if ! command -v chromium >/dev/null; then
    step "Installing Chromium (Debian package chromium) for the report's test"
    apt_install chromium
  fi
}

# Builds the facesign-analytics command (announcing it: a first build compiles polars) and
# sets ANALYTICS to its path.
build_analytics() {
  step "Building facesign-analytics (profile $CARGO_PROFILE; the first build on a new machine takes about 15 minutes, later ones seconds)"
  (cd "$ROOT" && cargo build -q -p facesign-analytics --profile "$CARGO_PROFILE")
  ANALYTICS="$CARGO_TARGET_DIR/$CARGO_PROFILE/facesign-analytics"
}

# Reads the benchmarks' `[--profile NAME] SEED...` (repeatable; seeds before any --profile
# are the default profile's) into RUNS, one PROFILE:SEED each.
profile_seeds() {
  RUNS=()
  local profile=default
  while [ $# -gt 0 ]; do
    case "$1" in
      --profile) [ $# -ge 2 ] || fail "--profile needs a name (default, shifted)"; profile="$2"; shift 2 ;;
      *) [[ "$1" =~ ^[0-9]+$ ]] || fail "not a seed: $1"; RUNS+=("$profile:$1"); shift ;;
    esac
  done
}

# Builds the extension and installs it into Debian's PostgreSQL 15.
# Arguments go to cargo (bench/report_readers.sh adds `--features text-jsonb-baseline`).
install_extension() {
  step "Building and installing the facesign extension (profile $CARGO_PROFILE; a first build takes about 3 minutes) $*"
  (cd "$ROOT" && cargo pgrx install -p facesign --profile "$CARGO_PROFILE" --pg-config "$PG_CONFIG" "$@") \
    | grep -vE 'Copying|Writing|Discovered|Installing|Running|Using|Building' || true
  [ -f "$("$PG_CONFIG" --sharedir)/extension/facesign.control" ] \
    || fail "the extension did not install; see the cargo output above"
}

# The version being built: the workspace's (Cargo.toml), which cargo pgrx writes into the
# control file's default_version and facesign.version() reports.
extension_version() {
  (cd "$ROOT" && cargo metadata --no-deps --format-version 1 --offline 2>/dev/null) \
    | python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "facesign"))'
}

# The released versions whose install scripts are kept in extension/sql/ (facesign--X.sql;
# facesign--X--Y.sql are upgrade scripts), oldest first.
released_versions() {
  local script
  for script in "$ROOT"/extension/sql/facesign--*.sql; do
    script="$(basename "$script" .sql)"
    case "$script" in *--*--*) ;; *) echo "${script#facesign--}" ;; esac
  done | sort -V
}

# Copies the kept install scripts of the released versions into PostgreSQL's extension
# directory, so that `CREATE EXTENSION facesign VERSION 'X'` makes a database as that release
# did, for the upgrade tests. (cargo pgrx install copies only the current version's script
# and the upgrade scripts; a package ships no older install script either.)
install_released_scripts() {
  local version current; current="$(extension_version)"
  for version in $(released_versions); do
    [ "$version" != "$current" ] || fail "extension/sql/facesign--$version.sql is the install script of the version being built ($current), which cargo pgrx generates: keep a release's script only once the workspace version is past it (docs/development.md, \"Releasing\")"
    install -m 644 "$ROOT/extension/sql/facesign--$version.sql" "$("$PG_CONFIG" --sharedir)/extension/"
  done
}

# The private cluster: data under the project when the postgres user can reach it (else
# under /var/tmp), a short socket directory in /tmp, a free port remembered between runs.
cluster_paths() {
  local key; key="$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"
  PGDATA_DIR="$ROOT/.facesign/pg"
  if ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
    PGDATA_DIR="/var/tmp/facesign-$key/pg"
  fi
  PGSOCKET_DIR="/tmp/facesign-$key"
  CLUSTER_LOG="$(dirname "$PGDATA_DIR")/postgres.log"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A private certificate authority and a server certificate for localhost, so clients can be
# tested with sslmode=verify-full; and a second, unrelated CA that must be refused.
cluster_tls() {
  TLS_DIR="$(dirname "$PGDATA_DIR")/tls"
  [ -f "$TLS_DIR/server.pem" ] && return 0
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=facesign test CA" \
      -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=unrelated CA" \
      -keyout wrong-ca.key -out wrong-ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.pem 2>/dev/null
  )
  chown postgres "$TLS_DIR/server.key" "$TLS_DIR/server.pem"
  chmod 600 "$TLS_DIR/server.key"
}

cluster_start() {
  cluster_paths
  mkdir -p "$(dirname "$PGDATA_DIR")" "$PGSOCKET_DIR"
  chown postgres "$(dirname "$PGDATA_DIR")" "$PGSOCKET_DIR"
  cluster_tls
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    step "Creating a private PostgreSQL 15 cluster in $PGDATA_DIR"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  local port
  port="$(cat "$PGDATA_DIR/facesign.port" 2>/dev/null || true)"
  if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    # Reuse the remembered port when it is still free.
    if [ -z "$port" ] || ! python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $port))" 2>/dev/null; then
      port="$(free_port)"
    fi
    echo "$port" | runuser -u postgres -- tee "$PGDATA_DIR/facesign.port" >/dev/null
    step "Starting PostgreSQL on port $port (socket in $PGSOCKET_DIR)"
    # A 64 MB stack (when the hard limit allows), so that max_stack_depth can be raised for
    # PostgreSQL's own recursive JSON parser: the crash test builds documents 100 000 deep.
    # (runuser resets the soft limit, so it is raised in the postgres user's own shell.)
    runuser -u postgres -- bash -c 'ulimit -S -s 65536 2>/dev/null; exec "$@"' pg_ctl \
      "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$CLUSTER_LOG" -w -t 60 start \
      -o "-p $port -k $PGSOCKET_DIR -c listen_addresses=127.0.0.1 -c max_parallel_workers_per_gather=2 \
          -c ssl=on -c ssl_cert_file=$TLS_DIR/server.pem -c ssl_key_file=$TLS_DIR/server.key" >/dev/null \
      || fail "PostgreSQL did not start; see $CLUSTER_LOG"
  fi
  export PGHOST="$PGSOCKET_DIR" PGPORT="$port" PGUSER=postgres
  export FACESIGN_TLS_CA="$TLS_DIR/ca.pem" FACESIGN_TLS_WRONG_CA="$TLS_DIR/wrong-ca.pem"
}

# Another cluster beside the private one (a shard in tests/shards/), named NAME, with its
# data beside the private cluster's and its socket in the same directory; sets NAME's port in
# CLUSTER_PORT. cluster_start first.
extra_cluster_start() {
  local name="$1" data; data="$(dirname "$PGDATA_DIR")/$name"
  if [ ! -f "$data/PG_VERSION" ]; then
    runuser -u postgres -- "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  CLUSTER_PORT="$(cat "$data/facesign.port" 2>/dev/null || true)"
  if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    if [ -z "$CLUSTER_PORT" ] || ! python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', $CLUSTER_PORT))" 2>/dev/null; then
      CLUSTER_PORT="$(free_port)"
    fi
    echo "$CLUSTER_PORT" | runuser -u postgres -- tee "$data/facesign.port" >/dev/null
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -l "$data.log" -w -t 60 start \
      -o "-p $CLUSTER_PORT -k $PGSOCKET_DIR -c listen_addresses=127.0.0.1" >/dev/null \
      || fail "the cluster $name did not start; see $data.log"
  fi
}

extra_cluster_stop() {
  local data; data="$(dirname "$PGDATA_DIR")/$1"
  if runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
}

cluster_stop() {
  cluster_paths
  if runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    step "Stopping the private PostgreSQL cluster"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
  fi
}

psql_db() {
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q "$@"
}
