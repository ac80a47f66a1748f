"""Why the fraud-farm detector misses who it misses, on one run of bench/evaluate_detectors.sh.

Usage: python3 bench/fraud_farm_misses.py RUN_DIR   (e.g. /var/tmp/facesign-eval/default-14219)

RUN_DIR holds corpus/labels.csv, dataset/sessions/ and results/findings/, as the evaluation
leaves them. For each user labelled `fraud_farm` whom the detector did not flag, it says whether
any of the user's sessions before the farm session already showed the farm session's device
profile (browser, version, OS, platform, mobile): such a member looks exactly like a resident
using their own phone, on their own city's network, and the rule finds them only within the
farm's densest stretch of newcomers. It also lists the users flagged whom no farm planted, and whether the flagged
session was their first. Prints counts, then a line per missed or wrongly flagged user."""
import csv
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.dataset as ds

run = Path(sys.argv[1])
farm_sessions, labelled_users = set(), set()
with open(run / "corpus" / "labels.csv") as f:
    for row in csv.DictReader(f):
        if row["kind"] == "fraud_farm":
            farm_sessions.add(row["session_id"])
            labelled_users.add(row["client_reference_id"])

findings = ds.dataset(run / "results" / "findings", format="parquet", partitioning="hive").to_table(
    columns=["session_id", "client_reference_id", "detector"]
)
findings = findings.filter(pc.equal(findings["detector"], "fraud_farm"))
flagged_users = set(findings["client_reference_id"].to_pylist())

columns = ["session_id", "client_reference_id", "created_at", "browser", "browser_version", "os", "platform", "is_mobile",
           "asn", "city"]
sessions = ds.dataset(run / "dataset" / "sessions", format="parquet", partitioning="hive")
columns = [c for c in columns if c in sessions.schema.names]
table = sessions.to_table(columns=columns).sort_by([("client_reference_id", "ascending"), ("created_at", "ascending")])
by_user = defaultdict(list)
for row in table.to_pylist():
    by_user[row["client_reference_id"]].append(row)


def profile(row):
    return (row["browser"], row["browser_version"], row["os"], row["platform"], row["is_mobile"])


missed = sorted(labelled_users - flagged_users)
owned, other = [], []
for user in missed:
    history = by_user[user]
    farm_rows = [r for r in history if r["session_id"] in farm_sessions]
    first = farm_rows[0]
    before = {profile(r) for r in history if r["created_at"] < first["created_at"]}
    (owned if profile(first) in before else other).append((user, first))

wrong = sorted(flagged_users - labelled_users)
print(f"fraud_farm users labelled {len(labelled_users)}, flagged {len(flagged_users)}, "
      f"missed {len(missed)}, flagged whom no farm planted {len(wrong)}")
print(f"missed members whose earlier sessions already showed the farm session's device profile: "
      f"{len(owned)} of {len(missed)}")
for user, first in owned:
    print(f"  owned   {user} {first['created_at']} {' '.join(str(x) for x in profile(first))}")
for user, first in other:
    print(f"  other   {user} {first['created_at']} {' '.join(str(x) for x in profile(first))}")
# A user flagged whom no farm planted: was the flagged session their first one (every profile
# is new then), or a profile new to them later on (a new phone)?
flagged_sessions = set(findings["session_id"].to_pylist())
for user in wrong:
    history = by_user[user]
    hit = next(i for i, r in enumerate(history) if r["session_id"] in flagged_sessions)
    why = "first session" if hit == 0 else f"new profile after {hit} sessions"
    print(f"  flagged {user} {history[hit]['created_at']} {' '.join(str(x) for x in profile(history[hit]))} ({why})")
