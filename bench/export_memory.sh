#!/usr/bin/env bash
# Export memory against the table's size: does the export's peak RSS grow with the table?
# From the database that `bench/export.sh SESSIONS` loaded (run that first), this copies the
# sessions of the first quarter and the first half of its days into tables of their own (in
# creation order, as a table filled over time lies), so the three tables have the same sessions
# per day and 1, 2 and 4 times as many days; then exports each through the extension and
# without it (--read documents), under /usr/bin/time -v, and prints sessions, days, wall time
# and peak RSS of each. The export holds a bounded window of each day in memory (row groups
# cut at 16 MiB, eight chunks per job), so the peak should be flat from one table to the next.
#
# Usage: bench/export_memory.sh [SESSIONS]   (default 2 000 000)
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
SESSIONS="${1:-2000000}"
DIR="${FACESIGN_BENCH_DIR:-/var/tmp/facesign-bench-export-$SESSIONS}"
DB="facesign_bench_export_$SESSIONS"
JOBS="${FACESIGN_BENCH_JOBS:-$(nproc)}"
setup_machine
setup_python
install_extension
build_analytics
cluster_start
[ -f "$DIR/loaded" ] && psql_db -d "$DB" -c "SELECT 1" >/dev/null 2>&1 \
  || fail "no database $DB: run bench/export.sh $SESSIONS first (it generates and loads it)"
psql_db -d "$DB" -c "ALTER EXTENSION facesign UPDATE" >/dev/null 2>&1 || true
export FACESIGN_DSN="host=$PGHOST port=$PGPORT user=postgres dbname=$DB"

# The first FRACTION of the table's time span, in a table of its own (same indexes and CHECK);
# the copies take as much disk as their sessions, so they are dropped at the end.
trap 'psql_db -d "$DB" -c "DROP TABLE IF EXISTS sessions_quarter, sessions_half" >/dev/null 2>&1' EXIT
for part in quarter:0.25 half:0.5; do
  name="sessions_${part%%:*}" fraction="${part##*:}"
  step "Copying the first $fraction of the days into $name"
  psql_db -d "$DB" <<SQL
DROP TABLE IF EXISTS $name;
CREATE TABLE $name (LIKE sessions INCLUDING ALL);
INSERT INTO $name
SELECT * FROM sessions
WHERE created_at < (SELECT min(created_at) + (max(created_at) - min(created_at)) * $fraction FROM sessions)
ORDER BY created_at, id;
VACUUM ANALYZE $name;
SQL
done

RESULTS="$DIR/memory.tsv"
: > "$RESULTS"
for table in sessions_quarter sessions_half sessions; do
  psql_db -d "$DB" -c "SELECT count(*) FROM $table WHERE session ? 'report'" >/dev/null  # warm
  counts=$(psql_db -d "$DB" -Atc "SELECT count(*) || ' ' || count(DISTINCT created_at::date) FROM $table")
  for read in extension documents; do
    step "export --table $table --read $read"
    log="$DIR/memory-$table-$read.time"
    rm -rf "$DIR/out-memory"
    /usr/bin/time -v "$ANALYTICS" export --table "$table" --read "$read" --jobs "$JOBS" \
      --out "$DIR/out-memory" > "$DIR/memory-$table-$read.out" 2> "$log" || { cat "$log" >&2; fail "export failed"; }
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
    printf '%s\t%s\t%s\t%s\t%s\n' "$table" "$counts" "$read" "$wall" "$rss" >> "$RESULTS"
  done
done
rm -rf "$DIR/out-memory"

step "Peak RSS against the table's size ($(nproc) cores, $JOBS jobs, profile $CARGO_PROFILE)"
python3 - "$RESULTS" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print(f"{'table':18} {'sessions':>9} {'days':>5} {'read':>10} {'wall':>9} {'peak RSS':>10}")
peaks = {}
for table, counts, read, wall, kb in rows:
    sessions, days = counts.split()
    print(f"{table:18} {int(sessions):9} {int(days):5} {read:>10} {wall:>9} {int(kb) / 1024:6.0f} MiB")
    peaks.setdefault(read, []).append(int(kb))
for read, kbs in peaks.items():
    print(f"{read}: largest table's peak / smallest table's peak = {kbs[-1] / kbs[0]:.2f}"
          f" (table 4x the days); peak at the largest {kbs[-1] / 1024:.0f} MiB (target: under 1 GiB)")
PY
