#!/usr/bin/env bash
# The main job, end to end on an embedded default: build and install the extension, start a
# private PostgreSQL 15 cluster (in .facesign/ of this checkout, reused on the next run),
# store the example flows in the reference table, show what validation says about them and
# about a broken flow, store the test sessions and read their reports, generate a synthetic
# corpus (100 000 sessions; --sessions N for more) and load it, validate its flows, run the
# example queries of sql/examples/, export it to Parquet, score it and run the detectors,
# evaluate them against the planted labels, write an HTML report with charts, print a
# summary, and stop the cluster.
#
# Usage: scripts/demo.sh [--sessions N]
source "$(dirname "$0")/common.sh"
cd "$ROOT"

SESSIONS="${FACESIGN_DEMO_SESSIONS:-100000}"
while [ $# -gt 0 ]; do
  case "$1" in
    --sessions) SESSIONS="${2:?--sessions needs a number}"; shift 2 ;;
    --sessions=*) SESSIONS="${1#--sessions=}"; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $1 (usage: scripts/demo.sh [--sessions N])" ;;
  esac
done
[[ "$SESSIONS" =~ ^[1-9][0-9]*$ ]] || fail "--sessions takes a positive number, not $SESSIONS"
trap step_failed ERR

setup_machine
install_extension
cluster_start
trap cluster_stop EXIT

DB=facesign_demo
step "Creating database $DB with the facesign extension and sql/flows_table.sql"
psql_db -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_db -d "$DB" -c "CREATE EXTENSION facesign" -f sql/flows_table.sql

step "Storing the example flows (tests/flows/*.json); the CHECK constraint validates each"
for file in tests/flows/*.json; do
  name="$(basename "$file" .json)"
  echo "INSERT INTO flows (flow_id, flow) VALUES (:'name', :'flow')" \
    | psql_db -d "$DB" -v name="$name" -v flow="$(cat "$file")"
  echo "  stored $name"
done

step "A broken flow is rejected by the CHECK constraint"
broken='[{"id": "start", "type": "start", "outcome": "ask"},
  {"id": "ask", "type": "conversation", "prompt": "Say: What is your name?",
   "outcomes": [{"id": "again", "condition": "unclear answer", "targetNodeId": "ask"}]},
  {"id": "email", "type": "enter_email", "outcomes": {"emailEntered": "done", "cancelled": "done"}}]'
if echo "INSERT INTO flows (flow_id, flow) VALUES ('broken', :'flow')" | psql_db -d "$DB" -v flow="$broken" 2>&1; then
  fail "the broken flow was accepted"
fi

step "Why: facesign.validate_flow on the broken flow"
echo "SELECT severity, code, path, node_id, message FROM facesign.validate_flow(:'flow')" \
  | psql_db -d "$DB" -v flow="$broken"

step "Problems in the stored flows (sql/examples/validate_flows.sql)"
psql_db -d "$DB" -f sql/examples/validate_flows.sql

step "The stored flows as graphs (sql/examples/flow_graph.sql, first rows)"
psql_db -d "$DB" -f sql/examples/flow_graph.sql | sed -n '1,20p'

step "Storing sessions (tests/sessions/*.json) in sql/sessions_table.sql"
psql_db -d "$DB" -f sql/sessions_table.sql
for file in tests/sessions/*.json; do
  echo "INSERT INTO sessions (session) VALUES (:'doc') RETURNING id, status, created_at, client_reference_id" \
    | psql_db -d "$DB" -v doc="$(cat "$file")" -t | grep -v "^$"
done

step "Risk signals of each session (facesign.risk_signals)"
psql_db -d "$DB" -c "SELECT s.id, r.liveness, r.deepfake_verdict, r.real_person, r.country, r.city,
  r.anonymizer, r.video_suspicious, r.video_high_risk, r.is_bot
  FROM sessions s CROSS JOIN LATERAL facesign.risk_signals(s.session) AS r ORDER BY s.created_at"

step "Pass or fail per session (sql/examples/verification_decision.sql)"
psql_db -d "$DB" -f sql/examples/verification_decision.sql

step "Node outcomes of the deepfake session (facesign.node_outcomes)"
psql_db -d "$DB" -c "SELECT n.* FROM sessions s CROSS JOIN LATERAL facesign.node_outcomes(s.session) AS n
  WHERE s.id = 'Qz81mNa0PwX3kT5vLc2R'"

build_analytics
# What the demo writes (outside the cluster's own folder): .facesign/ of the checkout, where
# the notebooks look by default; .facesign/bin/ links the command it built.
DATA="$ROOT/.facesign"
mkdir -p "$DATA/bin"
ln -sfn "$ANALYTICS" "$DATA/bin/facesign-analytics"
step "Generating a synthetic corpus of $SESSIONS sessions (facesign-analytics generate) and loading it (facesign-analytics load)"
CORPUS="$DATA/corpus"
"$ANALYTICS" generate --seed 1 --sessions "$SESSIONS" --out "$CORPUS"
PGDATABASE="$DB" "$ANALYTICS" load --input "$CORPUS/sessions.ndjson"
echo "planted labels by kind:"
tail -n +2 "$CORPUS/labels.csv" | cut -d, -f3,4 | sort | uniq -c | sort -rn | sed 's/^/  /'

step "Validating the corpus's flows in the database (facesign.flow_is_valid, facesign.validate_flow)"
psql_db -d "$DB" -c "SELECT facesign.flow_is_valid(session->'settings'->'flow') AS valid_flow, count(*) AS sessions
  FROM sessions GROUP BY 1 ORDER BY 1"
psql_db -d "$DB" -c "SELECT v.severity, v.code, count(*) AS sessions
  FROM sessions s CROSS JOIN LATERAL facesign.validate_flow(s.session->'settings'->'flow') AS v
  GROUP BY 1, 2 ORDER BY 1, 3 DESC"

step "Risk levels as stored (facesign.risk_score, written by the table's trigger: the toolkit's session rules)"
psql_db -d "$DB" -c "SELECT risk_level, count(*) AS sessions, min(risk_score), max(risk_score)
  FROM sessions GROUP BY 1 ORDER BY min(risk_score)"

step "Impossible travel in SQL, the newest first (sql/examples/impossible_travel.sql, first rows)"
psql_db -d "$DB" -f sql/examples/impossible_travel.sql | sed -n '1,8p'

step "Settings rules too: the corpus's sessions through facesign.validate_session (warnings by code)"
psql_db -d "$DB" -c "SELECT v.code, count(*) AS sessions
  FROM sessions s CROSS JOIN LATERAL facesign.validate_session(s.session) AS v
  WHERE v.severity = 'warning' GROUP BY 1 ORDER BY 2 DESC, 1"

step "Sessions on flows that let a failed liveness check through (sql/examples/unsafe_flows.sql)"
psql_db -d "$DB" -f sql/examples/unsafe_flows.sql

step "Linting the generator's flows as a customer's CI would, before deploying them (facesign-analytics lint)"
"$ANALYTICS" lint analytics/data/flows/*.json tests/flows/seed-*.json \
  || fail "facesign-analytics lint found errors in the flow library"

step "Liveness failure rate by country, top 10 (sql/examples/liveness_failure_rate_by_country.sql)"
psql_db -d "$DB" -f sql/examples/liveness_failure_rate_by_country.sql | sed -n '1,14p'

step "Outcome funnel per flow node, first rows (sql/examples/outcome_funnel.sql)"
psql_db -d "$DB" -f sql/examples/outcome_funnel.sql | sed -n '1,24p'

step "Transcript search: phrases mentioning a document, first rows (sql/examples/transcript_search.sql)"
psql_db -d "$DB" -f sql/examples/transcript_search.sql | sed -n '1,10p'

step "Pass or fail over the corpus (as sql/examples/verification_decision.sql decides)"
psql_db -d "$DB" -c "SELECT decision, count(*) FROM (SELECT CASE WHEN r.liveness = 'livenessDetected'
  AND coalesce(r.face_scan, 'passed') = 'passed' THEN 'pass' ELSE 'fail' END AS decision
  FROM sessions s CROSS JOIN LATERAL facesign.risk_signals(s.session) AS r WHERE s.status = 'complete') d
  GROUP BY decision ORDER BY decision"

DATASET="$DATA/dataset"
RESULTS="$DATA/results"
step "Exporting the sessions to Parquet (facesign-analytics export: each session read once by the extension's export_rows)"
PGDATABASE="$DB" "$ANALYTICS" export --out "$DATASET"

step "Scoring every session and running the anomaly detectors (facesign-analytics score)"
"$ANALYTICS" score --input "$DATASET" --out "$RESULTS" | tee "$DATA/score.txt"

step "The detectors against the corpus's planted labels (facesign-analytics evaluate)"
"$ANALYTICS" evaluate --labels "$CORPUS/labels.csv" --findings "$RESULTS/findings" | tee "$RESULTS/evaluation.txt"

step "Writing the HTML report (scripts/report.py)"
setup_notebooks
python3 scripts/report.py "$DATA" "$DATA/report.html" --evaluation "$RESULTS/evaluation.txt"

step "Summary"
sessions_stored="$(psql_db -d "$DB" -tA -c "SELECT count(*) FROM sessions")"
echo "$sessions_stored sessions stored in database $DB (port $PGPORT, socket $PGSOCKET_DIR)."
sed -n '1,2p;/top reasons/,$p' "$DATA/score.txt" | grep -v "^  /"
echo
echo "Files:"
echo "  corpus (NDJSON sessions, planted labels)  $CORPUS"
echo "  Parquet dataset                           $DATASET"
echo "  scores/ and findings/                     $RESULTS"
echo "  evaluation                                $RESULTS/evaluation.txt"
echo "  HTML report                               $DATA/report.html"
echo "Notebooks: FACESIGN_DATA=$DATA jupyter lab notebooks/  (see notebooks/README.md)"
echo "The cluster's data stays in $PGDATA_DIR; the next run reuses it (and its port, $PGPORT)."
