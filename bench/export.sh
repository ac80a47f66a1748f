#!/usr/bin/env bash
# Export benchmark: SESSIONS generated sessions (default 200 000) loaded into the reference
# table of the private cluster, then, in one run and on the same table:
#   - `facesign-analytics export` through the extension (--read extension), without it
#     (--read documents: the documents fetched and flattened here) and --from-ndjson;
#   - the detoast floor: `SELECT count(*) FROM sessions WHERE session ? 'report'`;
#   - shipping the raw documents to a client:
#     `COPY (SELECT id, session FROM sessions) TO STDOUT (FORMAT binary)`, discarded;
#   - ConnectorX reading the same four projections into Arrow, pyarrow writing zstd Parquet
#     (bench/connectorx_export.py);
# on the reference table ordered by creation time (CLUSTER), as one filled over time lies;
# each with wall time, sessions/s, rows/s and peak RSS (/usr/bin/time -v), and the ratios
# (each contender's best of FACESIGN_BENCH_ROUNDS rounds, default 3).
#
# Usage: bench/export.sh [SESSIONS]
# The corpus and the loaded database are kept (FACESIGN_BENCH_DIR, default
# /var/tmp/facesign-bench-export-SESSIONS; database facesign_bench_export_SESSIONS) and reused.
# Benchmarks measure the `ci` profile (thin LTO) unless FACESIGN_PROFILE says otherwise.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
SESSIONS="${1:-200000}"
DIR="${FACESIGN_BENCH_DIR:-/var/tmp/facesign-bench-export-$SESSIONS}"
DB="facesign_bench_export_$SESSIONS"
JOBS="${FACESIGN_BENCH_JOBS:-$(nproc)}"
setup_machine
setup_python
python3 -c "import connectorx" 2>/dev/null || {
  step "Installing connectorx from PyPI (the benchmark's baseline)"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore connectorx
}
install_extension
build_analytics
cluster_start
mkdir -p "$DIR"
export FACESIGN_DSN="host=$PGHOST port=$PGPORT user=postgres dbname=$DB"
# The corpus (seed 7) is kept for --from-ndjson. When it was deleted to free disk, it is made
# again and loaded again: the table must hold the same sessions as the file.
[ -f "$DIR/corpus/sessions.ndjson" ] || rm -f "$DIR/loaded" "$DIR/clustered"
if [ ! -f "$DIR/loaded" ] || ! psql_db -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then
  step "Generating and loading $SESSIONS sessions (once; kept in $DIR and database $DB)"
  rm -f "$DIR/loaded"
  [ -f "$DIR/corpus/sessions.ndjson" ] || "$ANALYTICS" generate --seed 7 --sessions "$SESSIONS" --out "$DIR/corpus"
  psql_db -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$ANALYTICS" load --input "$DIR/corpus/sessions.ndjson"
  psql_db -d "$DB" -c "VACUUM ANALYZE sessions"
  touch "$DIR/loaded"
fi
# The generator writes each user's sessions together, so the loaded table lies in random
# order of creation time; a table that sessions are appended to as they complete lies in
# creation order. CLUSTER gives it that order (documents and their TOAST alike), once. Every
# contender reads this same table.
if [ ! -f "$DIR/clustered" ]; then
  step "Ordering the table by creation time (CLUSTER, once), as a table filled over time is"
  psql_db -d "$DB" -c "CLUSTER sessions USING sessions_created_at_id" -c "VACUUM ANALYZE sessions"
  touch "$DIR/clustered"
fi
# The extension just installed is the one measured (a reused database keeps its old version).
psql_db -d "$DB" -c "ALTER EXTENSION facesign UPDATE" >/dev/null 2>&1 || true
echo "$(psql_db -d "$DB" -Atc "SELECT count(*) || ' sessions, ' || pg_size_pretty(pg_total_relation_size('sessions')) || ' on disk' FROM sessions")"
# Warm the cache the same for every contender: each reads the whole table once first.
psql_db -d "$DB" -c "SELECT count(*) FROM sessions WHERE session ? 'report'" >/dev/null

RESULTS="$DIR/results.tsv"
: > "$RESULTS"
# measure NAME SESSIONS ROWS COMMAND...: runs it under /usr/bin/time -v, records wall and RSS.
measure() {
  local name="$1" sessions="$2" rows="$3"; shift 3
  local log="$DIR/$name.time"
  /usr/bin/time -v "$@" > "$DIR/$name.out" 2> "$log" || { cat "$log" >&2; fail "$name failed"; }
  local wall rss
  wall=$(python3 - "$log" <<'PY'
import re, sys
t = re.search(r"Elapsed \(wall clock\) time .*: (.*)", open(sys.argv[1]).read()).group(1).split(":")
print(sum(float(x) * 60 ** i for i, x in enumerate(reversed(t))))
PY
)
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  if [ "$rows" = "from-output" ]; then
    rows=$(sed -n 's/^rows //p' "$DIR/$name.out")
    [ -n "$rows" ] || rows=$(sed -n 's/.*sessions ([0-9]* lines refused), \([0-9]*\) node outcomes, \([0-9]*\) transcript phrases, [0-9]* flows (\([0-9]*\) edges).*/\1 \2 \3/p' "$DIR/$name.out" | awk -v s="$sessions" '{print s + $1 + $2 + $3}')
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$sessions" "$rows" "$rss" >> "$RESULTS"
}
N=$(psql_db -d "$DB" -Atc "SELECT count(*) FROM sessions")
PSQL=("$PG_BIN/psql" -X -q -d "$DB")

# Each contender runs ROUNDS times (FACESIGN_BENCH_ROUNDS, default 3), the rounds one after
# the other with every contender in each, so a slow spell of a shared machine falls on all
# of them alike; each contender's best round is compared, and every round is printed.
ROUNDS="${FACESIGN_BENCH_ROUNDS:-3}"
for round in $(seq "$ROUNDS"); do
  step "Round $round of $ROUNDS: detoast floor, raw documents, three export paths ($JOBS jobs), ConnectorX + pyarrow"
  measure "detoast floor" "$N" 0 "${PSQL[@]}" -c "SELECT count(*) FROM sessions WHERE session ? 'report'"
  measure "raw documents to a client" "$N" 0 bash -c "${PSQL[*]} -c \"COPY (SELECT id, session FROM sessions) TO STDOUT (FORMAT binary)\" > /dev/null"
  rm -rf "$DIR/out-extension" "$DIR/out-documents" "$DIR/out-ndjson" "$DIR/out-connectorx"
  measure "export, extension" "$N" from-output "$ANALYTICS" export --out "$DIR/out-extension" --read extension --jobs "$JOBS"
  measure "export, no extension" "$N" from-output "$ANALYTICS" export --out "$DIR/out-documents" --read documents --jobs "$JOBS"
  measure "export --from-ndjson" "$N" from-output "$ANALYTICS" export --out "$DIR/out-ndjson" --from-ndjson "$DIR/corpus/sessions.ndjson"
  cmp <(cd "$DIR/out-extension" && find . -name '*.parquet' -exec md5sum {} + | sed 's/part-[0-9a-f]*-//' | sort) \
      <(cd "$DIR/out-documents" && find . -name '*.parquet' -exec md5sum {} + | sed 's/part-[0-9a-f]*-//' | sort) >/dev/null \
    && echo "the two database paths wrote byte-identical files" || fail "the two database paths wrote different files"
  measure "ConnectorX + pyarrow" "$N" from-output python3 bench/connectorx_export.py "postgresql://postgres@localhost:$PGPORT/$DB" "$DIR/out-connectorx"
done

step "Results ($N sessions, $(nproc) cores, profile $CARGO_PROFILE)"
python3 - "$RESULTS" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
runs = {}
for name, w, s, n, k in rows:
    runs.setdefault(name, []).append((float(w), int(s), int(n), int(k)))
# Each contender's best (fastest) round; its peak RSS is the highest of its rounds.
r = {name: (min(x[0] for x in v), v[0][1], v[0][2], max(x[3] for x in v)) for name, v in runs.items()}
print(f"{'':28} {'seconds':>8} {'sessions/s':>11} {'rows/s':>11} {'peak RSS':>10}   every round (s)")
for name, (wall, sessions, n, kb) in r.items():
    per_rows = f"{n / wall:11.0f}" if n else f"{'-':>11}"
    every = " ".join(f"{x[0]:.2f}" for x in runs[name])
    print(f"{name:28} {wall:8.2f} {sessions / wall:11.0f} {per_rows} {kb / 1024:7.0f} MiB   {every}")
ext, docs, cx, raw = (r[k][0] for k in ("export, extension", "export, no extension", "ConnectorX + pyarrow", "raw documents to a client"))
print(f"extension path vs ConnectorX + pyarrow: {cx / ext:.2f}x as fast (target: at least 3x)")
print(f"extension path vs raw documents:        {ext / raw:.2f}x the time (target: at most 1.15x)")
print(f"no-extension path vs raw documents:     {docs / raw:.2f}x the time (target: at most 1.15x)")
print(f"peak RSS of the export: {max(r[k][3] for k in ('export, extension', 'export, no extension')) / 1024:.0f} MiB (target: under 1 GiB)")
PY
