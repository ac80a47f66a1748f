#!/usr/bin/env bash
# Runs every test: the library's unit tests, then the SQL tests (pg_regress files under
# tests/) against a real PostgreSQL 15 with the extension installed. Installs what is
# missing first (Debian packages, cargo-pgrx), so it works on a fresh machine.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

setup_machine

install_extension
cluster_start
trap cluster_stop EXIT

# The analytics tests load into this cluster, over its socket and over TLS on 127.0.0.1.
export FACESIGN_TEST_DSN="host=$PGHOST port=$PGPORT user=postgres"
step "Library tests (facesign-core) and analytics tests (facesign-analytics)"
cargo test -p facesign-core -p facesign-analytics --profile "$CARGO_PROFILE"

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
passed=$(grep -c '^test:' tests/schedule)
echo "sql: $passed passed, 0 failed"

step "Crash test: hostile documents through every SQL function (tests/crash/)"
bash tests/crash/run.sh

step "Fuzzing: each cargo-fuzz target for 60 s"
setup_fuzz
bash scripts/fuzz.sh --seconds 60

step "The README's SQL reference against the installed extension's catalog"
psql_db -d postgres -c "DROP DATABASE IF EXISTS facesign_reference" -c "CREATE DATABASE facesign_reference"
psql_db -d facesign_reference -c "CREATE EXTENSION facesign"
psql_db -d facesign_reference -At -F '|' \
  -c "$(python3 -c 'import sys; sys.path.insert(0, "tests/readme"); import check_sql_reference as c; print(c.CATALOG_QUERY)')" \
  | python3 tests/readme/check_sql_reference.py README.md \
  || fail "README.md's table of SQL functions does not match the extension (see above)"

step "Interoperability: an exported dataset read by pyarrow, DuckDB and PySpark"
setup_python
cargo build -q -p facesign-analytics --profile "$CARGO_PROFILE"
ANALYTICS="$CARGO_TARGET_DIR/$CARGO_PROFILE/facesign-analytics"
INTEROP="$(mktemp -d)"
"$ANALYTICS" generate --seed 5 --sessions 3000 --out "$INTEROP/corpus" >/dev/null
"$ANALYTICS" export --from-ndjson "$INTEROP/corpus/sessions.ndjson" --out "$INTEROP/dataset"
python3 tests/interop/read_with_spark.py "$INTEROP/dataset" 2>"$INTEROP/spark.log" \
  || { tail -40 "$INTEROP/spark.log"; fail "PySpark could not read the exported dataset"; }
python3 tests/interop/read_dataset.py "$INTEROP/dataset"

step "Notebooks: every notebooks/*.ipynb run headless on the same sessions, scored"
setup_notebooks
"$ANALYTICS" score --input "$INTEROP/dataset" --out "$INTEROP/results" >/dev/null
# $INTEROP is laid out as the notebooks' DATA_DIR: dataset/, results/ and corpus/labels.csv.
FACESIGN_DATA="$INTEROP" python3 tests/notebooks/execute.py \
  || fail "a notebook failed on the interoperability dataset (the cell and its error are above)"
rm -rf "$INTEROP"

# Last, because the demo stops the cluster when it ends.
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
