#!/usr/bin/env bash
# What the coordinator costs: the example queries of sql/examples/ (and the same questions
# asked through the reading views of sql/session_readings.sql) on one node and through a
# postgres_fdw coordinator with two shards, all on this machine (tests/shards/setup.sh), over
# the same generated sessions. One machine cannot show a speed-up: the shards share its two
# cores and its disk with the coordinator, so the ratio is the coordinator's overhead (the
# documents or columns that travel, the coordinator's own work), not what more servers gain.
#
# Usage: bench/shards.sh [SESSIONS] (default 200000). Prints the load times, each query's
# best of two runs on one node and through the coordinator, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
SESSIONS="${1:-200000}"
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
CARGO_PROFILE="$FACESIGN_PROFILE"
SINGLE_DB="facesign_bench_single_$SESSIONS"
COORDINATOR_DB="facesign_bench_coordinator_$SESSIONS"
source tests/shards/setup.sh
setup_machine
install_extension >/dev/null
build_analytics >/dev/null
cluster_start >/dev/null
DATA="/var/tmp/facesign-bench-shards-$SESSIONS"
mkdir -p "$DATA"

step "Three clusters, one node and a coordinator over two shards; $SESSIONS generated sessions"
if [ ! -f "$DATA/corpus/sessions.ndjson" ]; then
  "$ANALYTICS" generate --seed 3 --sessions "$SESSIONS" --out "$DATA/corpus" >/dev/null
fi
shards_setup >/dev/null
timed() {   # timed LABEL COMMAND...: runs it, prints LABEL and its wall time
  local label="$1"; shift
  local start; start=$(date +%s.%N)
  "$@" >/dev/null
  awk -v l="$label" -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%-44s %8.2f s\n", l, b - a}'
}
timed "load, one node" env PGDATABASE="$SINGLE_DB" "$ANALYTICS" load --input "$DATA/corpus/sessions.ndjson"
timed "load, through the coordinator" env PGDATABASE="$COORDINATOR_DB" "$ANALYTICS" load --input "$DATA/corpus/sessions.ndjson"
for i in "${!SHARDS[@]}"; do
  psql_db -p "${SHARD_PORTS[$i]}" -d "$SHARD_DB" -c "VACUUM ANALYZE sessions"
  echo "${SHARDS[$i]}: $(psql_db -p "${SHARD_PORTS[$i]}" -d "$SHARD_DB" -Atc "SELECT count(*) FROM sessions") sessions"
done
psql_db -d "$SINGLE_DB" -c "VACUUM ANALYZE sessions"
psql_db -d "$COORDINATOR_DB" -c "ANALYZE sessions"

# The best of two runs of a query file, in milliseconds (psql's \timing, output discarded).
best_ms() {   # best_ms DB FILE
  local db="$1" file="$2" runs
  runs="$( { echo '\timing on'; echo "\\o /dev/null"; cat "$file"; cat "$file"; } \
           | psql_db -d "$db" -v ON_ERROR_STOP=1 -c 'SET enable_partitionwise_aggregate = on' -f - 2>&1 \
           | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')"
  # A file may hold several statements: add each run's times, keep the smaller sum.
  local n; n=$(( $(printf '%s\n' "$runs" | wc -l) / 2 ))
  printf '%s\n' "$runs" | awk -v n="$n" 'NR <= n {a += $1} NR > n {b += $1} END {printf "%.1f", (a < b ? a : b)}'
}
QUERIES="$(mktemp -d)"
trap 'rm -rf "$QUERIES"' EXIT
cat > "$QUERIES/liveness_by_country_view.sql" <<'EOF'
SELECT country, count(*) AS liveness_checks,
       count(*) FILTER (WHERE liveness <> 'livenessDetected') AS failed,
       round(100.0 * count(*) FILTER (WHERE liveness <> 'livenessDetected') / count(*), 1) AS failed_pct
FROM session_risk_signals WHERE liveness IS NOT NULL GROUP BY country ORDER BY failed_pct DESC, country;
EOF
cat > "$QUERIES/verification_decision_view.sql" <<'EOF'
SELECT session_id, client_reference_id, liveness, face_scan,
       CASE WHEN liveness = 'livenessDetected' AND coalesce(face_scan, 'passed') = 'passed'
            THEN 'pass' ELSE 'fail' END AS decision
FROM session_risk_signals WHERE status = 'complete' ORDER BY session_created_at, session_id;
EOF
cat > "$QUERIES/transcript_search_view.sql" <<'EOF'
SELECT session_id, ordinal, speaker, created_at, text FROM session_transcript
WHERE text ILIKE '%document%' ORDER BY session_id, ordinal;
EOF
cat > "$QUERIES/per_user_refusals.sql" <<'EOF'
SELECT client_reference_id, count(*) AS sessions,
       count(*) FILTER (WHERE facesign.storage_refusal(session) IS NOT NULL) AS refused
FROM sessions GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20;
EOF

step "The queries, best of two runs: one node, through the coordinator"
printf '%-44s %12s %14s %8s\n' query "one node ms" "coordinator ms" ratio
for file in sql/examples/verification_decision.sql sql/examples/liveness_failure_rate_by_country.sql \
            sql/examples/transcript_search.sql sql/examples/outcome_funnel.sql \
            "$QUERIES/verification_decision_view.sql" "$QUERIES/liveness_by_country_view.sql" \
            "$QUERIES/transcript_search_view.sql" "$QUERIES/per_user_refusals.sql"; do
  one="$(best_ms "$SINGLE_DB" "$file")"
  coordinator="$(best_ms "$COORDINATOR_DB" "$file")"
  awk -v q="$(basename "$file")" -v a="$one" -v b="$coordinator" 'BEGIN {printf "%-44s %12s %14s %7.2fx\n", q, a, b, b / a}'
done
echo "(*_view.sql: the example's question through sql/session_readings.sql's views, read on the shards;"
echo " per_user_refusals.sql: an aggregate by client_reference_id, run whole on each shard)"
shards_stop
