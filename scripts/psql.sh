#!/usr/bin/env bash
# psql on the main job's database (facesign_demo in the private cluster that scripts/demo.sh
# made): starts the cluster when it is stopped, runs psql with your arguments, and stops the
# cluster again if it started it.
#
# Usage: scripts/psql.sh [psql arguments]   e.g. scripts/psql.sh -f sql/examples/outcome_funnel.sql
source "$(dirname "$0")/common.sh"
cd "$ROOT"
cluster_paths
[ -f "$PGDATA_DIR/PG_VERSION" ] || fail "there is no private cluster yet: run scripts/demo.sh first"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1 \
  || trap 'cluster_stop >/dev/null' EXIT
cluster_start >/dev/null
PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" "$PG_BIN/psql" -X -d facesign_demo "$@"
