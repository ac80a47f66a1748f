#!/usr/bin/env bash
# The upgrade test (scripts/test.sh --only upgrade), from every released version whose install
# script is kept in extension/sql/ (facesign--X.sql) to the version being built, as a DBA
# upgrades: the new library installed, ALTER EXTENSION facesign UPDATE in a database made by
# the release. For each released version, in a database facesign_upgrade:
#   1. pg_regress upgrade_from_release: CREATE EXTENSION facesign VERSION 'X', the reference
#      schema with sessions stored through the extension's functions (CHECKs, generated
#      columns, expression indexes, views, composite columns), ALTER EXTENSION facesign
#      UPDATE; and upgrade_as_owner: the same update by a database owner without superuser;
#   2. the updated catalog against a fresh CREATE EXTENSION facesign (catalog.sql,
#      compare_catalog.py): every function, type, cast and operator with its markings; on a
#      difference, the statements pgrx generates for what is new (new_objects.py);
#   3. the comparison must name each mistake mutations.sql makes on purpose;
#   4. pg_regress: every test of tests/schedule in that database, then upgrade_intact (the
#      stored rows and indexes as they were).
# Needs the extension installed (install_extension); starts the private cluster if stopped.
source "$(dirname "$0")/../../scripts/common.sh"
cd "$ROOT"
cluster_start >/dev/null
log_lines_before="$(wc -l < "$CLUSTER_LOG")"
PG_REGRESS="$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress"
WORK="$(mktemp -d)"
current="$(extension_version)"
installed="$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$("$PG_CONFIG" --sharedir)/extension/facesign.control")"
[ "$installed" = "$current" ] \
  || fail "the installed extension is $installed, this checkout builds $current: install it first (install_extension in scripts/common.sh; scripts/test.sh does)"
install_released_scripts
passed=0

# Runs pg_regress in the database facesign_upgrade; on a failure prints the start of the diff
# and returns 1 (its output directory holds the rest).
regress() {   # OUTPUT_DIR pg_regress-arguments…
  local out="$1"; shift
  "$PG_REGRESS" --inputdir=tests --outputdir="$out" --bindir="$PG_BIN" \
      --host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=facesign_upgrade "$@" && return 0
  head -200 "$out/regression.diffs" 2>/dev/null
  return 1
}

for released in $(released_versions); do
  step "Upgrade from $released to $current: the released install script, stored sessions, ALTER EXTENSION facesign UPDATE"
  export PGOPTIONS="-c facesign_test.released=$released"
  # A failure here is reported after the catalog comparison, which names what the upgrade
  # script left out or marked differently.
  update_failed=
  regress "$WORK/$released-update" upgrade_from_release upgrade_as_owner || update_failed=1

  step "The catalog updated from $released against a fresh CREATE EXTENSION facesign ($current)"
  psql_db -d postgres -c "DROP DATABASE IF EXISTS facesign_upgrade_fresh" -c "CREATE DATABASE facesign_upgrade_fresh"
  psql_db -d facesign_upgrade_fresh -c "CREATE EXTENSION facesign"
  psql_db -d facesign_upgrade -At -f tests/upgrade/catalog.sql > "$WORK/$released-updated.json"
  psql_db -d facesign_upgrade_fresh -At -f tests/upgrade/catalog.sql > "$WORK/fresh.json"
  if ! python3 tests/upgrade/compare_catalog.py "$WORK/$released-updated.json" "$WORK/fresh.json" --from "$released"; then
    echo "What pgrx generates for the objects new or changed since $released, and no upgrade script has:"
    python3 tests/upgrade/new_objects.py "$("$PG_CONFIG" --sharedir)/extension/facesign--$current.sql" \
      "extension/sql/facesign--$released.sql" extension/sql/facesign--*--*.sql | sed 's/^/    /'
    fail "the catalog updated from $released is not a fresh install's: write what is missing into the upgrade script (docs/development.md, \"Adding an SQL function\")"
  fi
  [ -z "$update_failed" ] \
    || fail "the update from $released failed its SQL tests (the diff is above; all of it in $WORK/$released-update/regression.diffs)"
  passed=$((passed + 3))

  step "The comparison names the mistakes tests/upgrade/mutations.sql makes on purpose"
  psql_db -d facesign_upgrade -At -f tests/upgrade/mutations.sql > "$WORK/$released-mutated.json"
  python3 tests/upgrade/compare_catalog.py "$WORK/$released-mutated.json" "$WORK/fresh.json" --from "$released" \
    > "$WORK/$released-mutated.txt" && fail "the catalog comparison found no difference after tests/upgrade/mutations.sql"
  while IFS= read -r expected; do
    if grep -qF -- "catalog: $expected" "$WORK/$released-mutated.txt"; then
      passed=$((passed + 1))
    else
      cat "$WORK/$released-mutated.txt"
      fail "the catalog comparison did not report: $expected"
    fi
  done < <(sed -n 's/^-- names: //p' tests/upgrade/mutations.sql)
  echo "the comparison named all $(grep -c '^-- names: ' tests/upgrade/mutations.sql) mistakes ($(grep -c '^catalog: ' "$WORK/$released-mutated.txt") differences)"

  step "The SQL tests in the database updated from $released, then its stored sessions and indexes"
  { cat tests/schedule; echo "test: upgrade_intact"; } > "$WORK/schedule"
  regress "$WORK/$released-tests" --use-existing --schedule="$WORK/schedule" \
    || fail "the SQL tests failed in the database updated from $released; the full diff is in $WORK/$released-tests/regression.diffs"
  passed=$((passed + $(grep -c '^test:' "$WORK/schedule")))
  unset PGOPTIONS
done

if tail -n +"$((log_lines_before + 1))" "$CLUSTER_LOG" | grep -q "terminated by signal"; then
  tail -n +"$((log_lines_before + 1))" "$CLUSTER_LOG" | grep -B2 -A2 "terminated by signal" | tail -20
  fail "a PostgreSQL backend crashed during the upgrade tests (see $CLUSTER_LOG)"
fi
rm -rf "$WORK"
echo "upgrade: $passed passed, 0 failed"
