#!/usr/bin/env bash
# Runs the tests, in stages, against a real PostgreSQL 15 (a private cluster this script
# starts) with the extension installed. Installs what is missing first (Debian packages,
# cargo-pgrx, Python packages), so it works on a fresh machine.
#
# Usage: scripts/test.sh [--only STAGE[,STAGE…]] …   (default: every stage, in this order)
#
#   lint       cargo fmt --check; cargo clippy -D warnings on core, extension and analytics
#   unit       the Rust tests of facesign-core and facesign-analytics (the database ones
#              against the private cluster)
#   sql        the pg_regress files under tests/sql/
#   upgrade    a database made by each released version (its install script kept in
#              extension/sql/) with stored sessions, ALTER EXTENSION facesign UPDATE: the
#              catalog against a fresh install's, the SQL tests, the rows and indexes intact
#   package    scripts/package.sh's .deb installed with dpkg -i in place of the cargo-installed
#              extension, used, removed; the toolkit's archive run alone
#   shards     three clusters: the sessions table sharded through postgres_fdw against one
#              node, the loader, the export and pgbench's concurrent upserts (tests/shards/)
#   erasure    a user erased, their sessions sent again, an incremental export: none of
#              their data in any column of the dataset (DuckDB) nor in the database
#   crash      hostile documents through every SQL function (tests/crash/)
#   fuzz       each cargo-fuzz target for $FACESIGN_FUZZ_SECONDS (default 20) seconds
#   docs       the SQL reference in docs/sql.md against the catalog, the risk points in
#              docs/analytics.md against analytics/data/score.toml
#   interop    an exported dataset read by pyarrow, DuckDB and PySpark
#   notebooks  every notebook run headless on a scored dataset
#   demo       scripts/demo.sh on 3 000 sessions, the README's tour, the report in Chromium
#
# Each stage prints "STAGE: N passed, M failed" (cargo prints its own "test result" lines).
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ALL_STAGES=(lint unit sql upgrade package shards erasure crash fuzz docs interop notebooks demo)
STAGES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || fail "--only needs a stage (${ALL_STAGES[*]})"; IFS=, read -ra more <<< "$2"; STAGES+=("${more[@]}"); shift 2 ;;
    --only=*) IFS=, read -ra more <<< "${1#--only=}"; STAGES+=("${more[@]}"); shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) fail "unknown argument $1 (usage: scripts/test.sh [--only STAGE[,STAGE…]]; stages: ${ALL_STAGES[*]})" ;;
  esac
done
for stage in "${STAGES[@]}"; do
  printf '%s\n' "${ALL_STAGES[@]}" | grep -qx "$stage" || fail "no stage $stage (stages: ${ALL_STAGES[*]})"
done
[ ${#STAGES[@]} -gt 0 ] || STAGES=("${ALL_STAGES[@]}")
wanted() { printf '%s\n' "${STAGES[@]}" | grep -qx "$1"; }
needs_cluster() { for s in unit sql upgrade package shards erasure crash docs demo; do wanted "$s" && return 0; done; return 1; }

started_at=$SECONDS
stage_started=$SECONDS
stage_done() { echo "($1 took $((SECONDS - stage_started)) s)"; stage_started=$SECONDS; }

setup_machine
if needs_cluster; then
  install_extension
  cluster_start
  trap cluster_stop EXIT
fi
stage_started=$SECONDS

if wanted lint; then
  step "Lint: cargo fmt --check, cargo clippy -D warnings"
  cargo fmt --all --check || fail "code is not formatted: run cargo fmt --all"
  (cd fuzz && cargo fmt --check) || fail "fuzz/ is not formatted: run (cd fuzz && cargo fmt)"
  # The lints are clippy's defaults (warn-level ones made errors); core also forbids unsafe
  # code (core/src/lib.rs). See docs/development.md.
  cargo clippy -q -p facesign-core -p facesign-analytics -p facesign --all-targets --profile "$CARGO_PROFILE" -- -D warnings \
    || fail "clippy found problems (above)"
  echo "lint: 3 passed, 0 failed"
  stage_done lint
fi

if wanted unit; then
  # The analytics tests load into the cluster, over its socket and over TLS on 127.0.0.1;
  # FACESIGN_TEST_REQUIRE_DB makes a missing cluster a failure rather than a skip.
  export FACESIGN_TEST_DSN="host=$PGHOST port=$PGPORT user=postgres" FACESIGN_TEST_REQUIRE_DB=1
  step "Rust tests: facesign-core and facesign-analytics (profile $CARGO_PROFILE; a first build takes about 15 minutes)"
  cargo test -p facesign-core -p facesign-analytics --profile "$CARGO_PROFILE"
  stage_done unit
fi

if wanted sql; then
  step "SQL tests (pg_regress) against PostgreSQL 15"
  OUT="$(mktemp -d)"
  PG_REGRESS="$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress"
  if ! "$PG_REGRESS" --inputdir=tests --outputdir="$OUT" --bindir="$PG_BIN" \
        --host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=facesign_regress \
        --schedule=tests/schedule; then
    cat "$OUT/regression.diffs" 2>/dev/null | head -200
    fail "SQL tests failed; the full diff is in $OUT/regression.diffs"
  fi
  if grep -q "terminated by signal" "$CLUSTER_LOG"; then
    grep -B2 -A2 "terminated by signal" "$CLUSTER_LOG" | tail -20
    fail "a PostgreSQL backend crashed during the SQL tests (see $CLUSTER_LOG)"
  fi
  echo "sql: $(grep -c '^test:' tests/schedule) passed, 0 failed"
  stage_done sql
fi

if wanted upgrade; then
  step "Upgrades: from each released version to $(extension_version), ALTER EXTENSION facesign UPDATE (tests/upgrade/)"
  bash tests/upgrade/run.sh
  stage_done upgrade
fi

if wanted package; then
  step "Packages: the .deb with dpkg -i in place of the cargo-installed extension, the toolkit's archive (tests/package/)"
  build_analytics
  bash tests/package/run.sh
  stage_done package
fi

if wanted shards; then
  step "Sharding: a coordinator and two shards (postgres_fdw), the partitioned table, pgbench (tests/shards/)"
  build_analytics
  bash tests/shards/run.sh
  stage_done shards
fi

if wanted erasure; then
  step "Erasure end to end: erase a user, send their sessions again, export incrementally (tests/erasure/)"
  setup_python
  build_analytics
  bash tests/erasure/run.sh
  stage_done erasure
fi

if wanted crash; then
  step "Crash test: hostile documents through every SQL function (tests/crash/)"
  bash tests/crash/run.sh
  stage_done crash
fi

if wanted fuzz; then
  step "Fuzzing: each cargo-fuzz target for ${FACESIGN_FUZZ_SECONDS:-20} s (scripts/fuzz.sh runs longer)"
  setup_fuzz
  bash scripts/fuzz.sh --seconds "${FACESIGN_FUZZ_SECONDS:-20}"
  stage_done fuzz
fi

if wanted docs; then
  step "Docs: the SQL reference against the installed extension's catalog, the risk points against score.toml"
  psql_db -d postgres -c "DROP DATABASE IF EXISTS facesign_reference" -c "CREATE DATABASE facesign_reference"
  psql_db -d facesign_reference -c "CREATE EXTENSION facesign"
  psql_db -d facesign_reference -At -F '|' \
    -c "$(python3 -c 'import sys; sys.path.insert(0, "tests/readme"); import check_sql_reference as c; print(c.CATALOG_QUERY)')" \
    | python3 tests/readme/check_sql_reference.py docs/sql.md \
    || fail "docs/sql.md's table of SQL functions does not match the extension (see above)"
  python3 tests/readme/check_points.py docs/analytics.md analytics/data/score.toml \
    || fail "docs/analytics.md's risk points do not match analytics/data/score.toml (see above)"
  stage_done docs
fi

# A small exported and scored dataset, for the interoperability and notebook stages.
if wanted interop || wanted notebooks; then
  setup_python
  build_analytics
  INTEROP="$(mktemp -d)"
  "$ANALYTICS" generate --seed 5 --sessions 3000 --out "$INTEROP/corpus" >/dev/null
  "$ANALYTICS" export --from-ndjson "$INTEROP/corpus/sessions.ndjson" --out "$INTEROP/dataset"
fi

if wanted interop; then
  step "Interoperability: an exported dataset read by pyarrow, DuckDB and PySpark"
  python3 tests/interop/read_with_spark.py "$INTEROP/dataset" 2>"$INTEROP/spark.log" \
    || { tail -40 "$INTEROP/spark.log"; fail "PySpark could not read the exported dataset"; }
  python3 tests/interop/read_dataset.py "$INTEROP/dataset"
  stage_done interop
fi

if wanted notebooks; then
  step "Notebooks: every notebooks/*.ipynb run headless on the same sessions, scored"
  setup_notebooks
  "$ANALYTICS" score --input "$INTEROP/dataset" --out "$INTEROP/results" >/dev/null
  # $INTEROP is laid out as the notebooks' DATA_DIR: dataset/, results/ and corpus/labels.csv.
  FACESIGN_DATA="$INTEROP" python3 tests/notebooks/execute.py \
    || fail "a notebook failed on the interoperability dataset (the cell and its error are above)"
  stage_done notebooks
fi
[ -z "${INTEROP:-}" ] || rm -rf "$INTEROP"

# Last, because the demo stops the cluster when it ends.
if wanted demo; then
  step "The main job (scripts/demo.sh --sessions 3000), then the README's tour and the report in Chromium"
  mkdir -p "$ROOT/.facesign"
  bash scripts/demo.sh --sessions 3000 > "$ROOT/.facesign/demo-test.log" 2>&1 \
    || { tail -60 "$ROOT/.facesign/demo-test.log"; fail "scripts/demo.sh failed (log: .facesign/demo-test.log)"; }
  grep -q "HTML report" "$ROOT/.facesign/demo-test.log" || fail "the demo ended without its summary"
  echo "demo: 1 passed, 0 failed"
  bash tests/readme/run_tour.sh > "$ROOT/.facesign/tour-test.log" 2>&1 \
    || { tail -40 "$ROOT/.facesign/tour-test.log"; fail "a command of the README's tour failed (log: .facesign/tour-test.log)"; }
  grep "^readme " "$ROOT/.facesign/tour-test.log"
  setup_chromium
  python3 tests/report/check_report.py "$ROOT/.facesign/report.html" \
    || fail "the demo's HTML report failed its check in Chromium (see above)"
  stage_done demo
fi

echo "stages ${STAGES[*]}: all passed in $((SECONDS - started_at)) s"
