#!/usr/bin/env bash
# The crash test: tests/crash/hostile.sql sends hostile documents through every SQL function
# (nesting 100 000 deep, arrays of 100 MB, a flow of a million nodes, 1 MB keys, numbers
# beyond f64, every JSON type in every field), then checks that no backend died (no
# "terminated by signal" in the server log, the postmaster's pid unchanged, the session still
# answering) and that memory stayed bounded (the backend's memory contexts back near where
# they started; its peak RSS under a limit proportional to the largest document).
# Needs the extension installed; starts the cluster of scripts/common.sh if it is stopped.
source "$(dirname "$0")/../../scripts/common.sh"
cd "$ROOT"
cluster_start >/dev/null
postmaster_before="$(head -1 "$PGDATA_DIR/postmaster.pid")"
log_lines_before="$(wc -l < "$CLUSTER_LOG")"
psql_db -d postgres -c "DROP DATABASE IF EXISTS facesign_crash" -c "CREATE DATABASE facesign_crash"
psql_db -d facesign_crash -c "CREATE EXTENSION facesign"
OUT="$(mktemp)"
"$PG_BIN/psql" -X -q -d facesign_crash -At -f tests/crash/build.sql > "$OUT.build" 2>&1 \
  || { tail -20 "$OUT.build"; fail "crash test: could not build the hostile documents"; }
largest=$(sed -n 's/^largest document: //p' "$OUT.build")
"$PG_BIN/psql" -X -q -d facesign_crash -At -f tests/crash/hostile.sql > "$OUT" 2>&1 || true
checks=0
failed() { cat "$OUT" | tail -60; fail "crash test: $*"; }

tail -n +"$((log_lines_before + 1))" "$CLUSTER_LOG" | grep -q "terminated by signal" \
  && failed "a backend crashed (see $CLUSTER_LOG)"
checks=$((checks + 1))
[ "$(head -1 "$PGDATA_DIR/postmaster.pid")" = "$postmaster_before" ] || failed "the postmaster restarted"
checks=$((checks + 1))
grep -q '^contexts after: ' "$OUT" || failed "the session did not reach its last statement"
checks=$((checks + 1))
[ "$(grep -c 'ERROR' "$OUT" || true)" = 0 ] || failed "a statement failed: $(grep -m3 ERROR "$OUT")"
checks=$((checks + 1))
rows="$(psql_db -d facesign_crash -At -c 'SELECT 1')"
[ "$rows" = 1 ] || failed "the server does not answer any more"
checks=$((checks + 1))

before=$(sed -n 's/^contexts before: //p' "$OUT")
after=$(sed -n 's/^contexts after: //p' "$OUT")
peak_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "$OUT")
echo "memory contexts: $before bytes before, $after after; backend peak RSS ${peak_kb} kB; largest document $largest bytes as text"
# What the session keeps afterwards: its temp table's catalog entries and caches, not documents.
[ $((after - before)) -lt $((64 * 1024 * 1024)) ] || failed "the backend kept $((after - before)) bytes of memory contexts"
checks=$((checks + 1))
# The peak: a few copies of the largest document at most (PostgreSQL itself builds it, detoasts
# it, and renders the flow_errors result as text), never a blow-up.
limit_kb=$(( (largest * 8) / 1024 + 512 * 1024 ))
[ "$peak_kb" -lt "$limit_kb" ] || failed "the backend's peak RSS ${peak_kb} kB is over ${limit_kb} kB"
checks=$((checks + 1))

# flow_errors on the million-node flow, alone (the peak is reset after PostgreSQL builds the
# flow): the problems and the jsonb result written straight from them, about 6 times the
# flow's text. It was 21 times while the result went through pgrx's JsonB (a JSON tree, then
# text, then jsonb_in); bounded here like the other functions.
"$PG_BIN/psql" -X -q -d facesign_crash -At -f tests/crash/flow_errors.sql > "$OUT" 2>&1 || failed "flow_errors on a million-node flow"
grep -q '^problems: ' "$OUT" || failed "flow_errors on a million-node flow gave no result"
largest=$(sed -n 's/^largest document: //p' "$OUT")
peak_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "$OUT")
echo "flow_errors on the million-node flow: $(sed -n 's/^problems: //p' "$OUT") problems, backend peak RSS ${peak_kb} kB for $largest bytes of flow text"
limit_kb=$(( (largest * 8) / 1024 + 512 * 1024 ))
[ "$peak_kb" -lt "$limit_kb" ] || failed "flow_errors peaked at ${peak_kb} kB, over ${limit_kb} kB"
checks=$((checks + 1))
[ "$(head -1 "$PGDATA_DIR/postmaster.pid")" = "$postmaster_before" ] || failed "the postmaster restarted"
tail -n +"$((log_lines_before + 1))" "$CLUSTER_LOG" | grep -q "terminated by signal" && failed "a backend crashed"
checks=$((checks + 1))
rm -f "$OUT" "$OUT.build"
echo "crash: $checks passed, 0 failed"
