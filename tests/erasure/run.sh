#!/usr/bin/env bash
# Erasure end to end (scripts/test.sh --only erasure): a generated corpus loaded and
# exported; one user erased (erase_user); that user's sessions sent again through the
# loader (as late webhook fetches would be); an incremental export; then every column of
# every file of the dataset read by DuckDB (check_dataset.py) and every stored document
# searched for the user's provided name, email and phone: none found, and every other user's
# rows and documents as they were.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/common.sh
DB=facesign_erasure
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
[ -x "${ANALYTICS:-}" ] || build_analytics >/dev/null
cluster_start >/dev/null
psql_db -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
sql() { psql_db -d "$DB" -At "$@"; }
# A query with :'user' in it (psql interpolates variables in its input, not in -c).
sql_user() { psql_db -d "$DB" -At -v user="$user" <<< "$1"; }

"$ANALYTICS" generate --seed 9 --sessions 1500 --users 150 --out "$WORK/corpus" >/dev/null
# The user of the first session gets an email and a phone besides the generated name, in all
# of their sessions (the generator provides names only); the others stay as generated.
python3 - "$WORK/corpus/sessions.ndjson" "$WORK" <<'PY'
import json, sys
from pathlib import Path
src, work = Path(sys.argv[1]), Path(sys.argv[2])
lines = src.read_text().splitlines()
user = json.loads(lines[0])["settings"]["clientReferenceId"]
out, sessions, name = [], [], None
for line in lines:
    s = json.loads(line)
    if s["settings"]["clientReferenceId"] == user:
        provided = s["settings"]["providedData"]
        name = provided["name"]
        provided["email"] = name.lower().replace(" ", ".") + "@mail.example"
        provided["phone"] = "+4915112345678"
        sessions.append(s["id"])
        line = json.dumps(s, ensure_ascii=False)
    out.append(line)
src.write_text("\n".join(out) + "\n")
(work / "user.txt").write_text(user)
(work / "sessions.txt").write_text("\n".join(sessions) + "\n")
(work / "values.txt").write_text("\n".join([name, name.lower().replace(" ", ".") + "@mail.example", "+4915112345678"]) + "\n")
PY
user="$(cat "$WORK/user.txt")"
PGDATABASE=$DB "$ANALYTICS" load --input "$WORK/corpus/sessions.ndjson"
PGDATABASE=$DB "$ANALYTICS" export --out "$WORK/dataset" 2>/dev/null
cp -r "$WORK/dataset" "$WORK/before"
others_before="$(sql_user "SELECT md5(string_agg(session::text, '' ORDER BY id)) FROM sessions WHERE client_reference_id <> :'user'")"
echo "user $user: $(wc -l < "$WORK/sessions.txt") sessions, provided values: $(paste -sd, "$WORK/values.txt")"
found="$(sql_user "SELECT count(*) FROM sessions WHERE client_reference_id = :'user' AND session::text LIKE '%+4915112345678%'")"
[ "$found" -gt 0 ] || { echo "FAIL the user's provided phone was not stored" >&2; exit 1; }

echo "erase_user: $(sql_user "SELECT erase_user(:'user')") sessions redacted"
# The same sessions arrive again, whole, as late fetches would.
python3 - "$WORK/corpus/sessions.ndjson" "$user" > "$WORK/again.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    s = json.loads(line)
    if (s.get("settings") or {}).get("clientReferenceId") == sys.argv[2]:
        print(line, end="")
PY
PGDATABASE=$DB "$ANALYTICS" load --input "$WORK/again.ndjson"
PGDATABASE=$DB "$ANALYTICS" export --incremental --out "$WORK/dataset" 2>/dev/null | tail -1

python3 tests/erasure/check_dataset.py "$WORK/before" "$WORK/dataset" "$WORK/values.txt" "$WORK/sessions.txt"
found="$(sql -c "SELECT count(*) FROM sessions, unnest(string_to_array(\$v\$$(cat "$WORK/values.txt")\$v\$, E'\n')) AS v
                 WHERE strpos(lower(session::text), lower(v)) > 0")"
echo "stored documents holding one of the values: $found"
[ "$found" = 0 ] || { echo "FAIL a stored document holds the user's data" >&2; exit 1; }
others_after="$(sql_user "SELECT md5(string_agg(session::text, '' ORDER BY id)) FROM sessions WHERE client_reference_id <> :'user'")"
[ "$others_before" = "$others_after" ] || { echo "FAIL the other users' documents changed" >&2; exit 1; }
echo "the other users' documents: unchanged"

# Without the database: the erasures written to a file, the original NDJSON exported with them.
psql_db -d "$DB" -At -c "\\copy (SELECT coalesce(session_id, 'created_before=' || (extract(epoch FROM created_before) * 1000)::bigint) FROM erasures) TO '$WORK/erasures.txt'"
echo "erasures.txt: $(wc -l < "$WORK/erasures.txt") lines"
"$ANALYTICS" export --from-ndjson "$WORK/corpus/sessions.ndjson" --erasures "$WORK/erasures.txt" --out "$WORK/from_ndjson" 2>/dev/null | tail -1
python3 tests/erasure/check_dataset.py "$WORK/before" "$WORK/from_ndjson" "$WORK/values.txt" "$WORK/sessions.txt"

# The loader's own redaction, for sessions it inserts: one of the user's sessions deleted and
# sent again (the table's erasures name it), and the whole corpus into a new database with
# the file (--erasures).
first="$(head -1 "$WORK/sessions.txt")"
sql -c "DELETE FROM sessions WHERE id = '$first'" >/dev/null
PGDATABASE=$DB "$ANALYTICS" load --input "$WORK/again.ndjson" | tail -1
psql_db -d postgres -c "DROP DATABASE IF EXISTS ${DB}_file WITH (FORCE)" -c "CREATE DATABASE ${DB}_file"
PGDATABASE=${DB}_file "$ANALYTICS" load --input "$WORK/corpus/sessions.ndjson" --erasures "$WORK/erasures.txt" | tail -1
for db in "$DB" "${DB}_file"; do
  found="$(psql_db -d "$db" -At -c "SELECT count(*) FROM sessions, unnest(string_to_array(\$v\$$(cat "$WORK/values.txt")\$v\$, E'\n')) AS v
                                     WHERE strpos(lower(session::text), lower(v)) > 0")"
  redacted="$(psql_db -d "$db" -At -c "SELECT count(*) FROM sessions WHERE session ? 'redaction'")"
  echo "$db: $redacted sessions redacted, $found holding one of the user's values"
  [ "$found" = 0 ] && [ "$redacted" = "$(wc -l < "$WORK/sessions.txt")" ] || { echo "FAIL the loader stored the user's data" >&2; exit 1; }
done
echo "erasure: 1 passed, 0 failed"
