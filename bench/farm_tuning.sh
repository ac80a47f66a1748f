#!/usr/bin/env bash
# The fraud-farm rule on the tuning corpora: for each seed a corpus of 100 000 sessions
# generated with the profile and exported (kept in FACESIGN_TUNE_DIR, default
# /var/tmp/facesign-farm-tuning, and reused), scored with `--detectors fraud_farm` only, and
# the rule's per-user precision and recall against the planted farms printed per corpus and
# pooled per profile, with how many corpora miss the targets (precision 0.95, recall 0.90).
# The farm rule was tuned with this on seeds 7001-7012 (shifted) and 7001-7006 (default), never
# on the held-out seeds of bench/evaluate_detectors.sh (docs/analytics.md, "How the farm rule
# got there").
#
# Usage: bench/farm_tuning.sh [--config FILE] [--profile NAME SEED...]...
#   e.g. bench/farm_tuning.sh --config try.toml     (score.toml keys to try, e.g. [fraud_farm])
# With no seed: --profile shifted 7001..7012 --profile default 7001..7006.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-quick}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
setup_python
CONFIG=()
if [ "${1:-}" = --config ]; then
  [ $# -ge 2 ] || fail "--config needs a file"
  CONFIG=(--config "$(realpath "$2")")
  shift 2
fi
profile_seeds "$@"
if [ ${#RUNS[@]} -eq 0 ]; then
  for seed in $(seq 7001 7012); do RUNS+=("shifted:$seed"); done
  for seed in $(seq 7001 7006); do RUNS+=("default:$seed"); done
fi
DIR="${FACESIGN_TUNE_DIR:-/var/tmp/facesign-farm-tuning}"
build_analytics
FA="$ANALYTICS"
for run_spec in "${RUNS[@]}"; do
  run="$DIR/${run_spec%%:*}-${run_spec##*:}"
  if [ ! -e "$run/dataset/complete" ]; then
    rm -rf "$run" && mkdir -p "$run"
    "$FA" generate --profile "${run_spec%%:*}" --seed "${run_spec##*:}" --sessions 100000 --out "$run/corpus" >/dev/null
    "$FA" export --from-ndjson "$run/corpus/sessions.ndjson" --out "$run/dataset" >/dev/null
    rm -f "$run/corpus/sessions.ndjson"
  fi
  rm -rf "$run/results"
  "$FA" score --input "$run/dataset" --out "$run/results" --detectors fraud_farm --no-scores "${CONFIG[@]}" >/dev/null
done
python3 - "$DIR" "${RUNS[@]}" <<'PY'
import csv, sys
from collections import defaultdict
import pyarrow.compute as pc
import pyarrow.dataset as ds

base, runs = sys.argv[1], sys.argv[2:]
pooled = defaultdict(lambda: [0, 0, 0, 0])  # labelled, flagged, true, corpora missing a target
for spec in runs:
    profile, seed = spec.split(":")
    run = f"{base}/{profile}-{seed}"
    with open(f"{run}/corpus/labels.csv") as f:
        planted = {r["client_reference_id"] for r in csv.DictReader(f) if r["kind"] == "fraud_farm"}
    t = ds.dataset(f"{run}/results/findings", format="parquet", partitioning="hive").to_table(
        columns=["client_reference_id", "detector"])
    flagged = set(t.filter(pc.equal(t["detector"], "fraud_farm"))["client_reference_id"].to_pylist())
    true = len(flagged & planted)
    precision, recall = true / max(len(flagged), 1), true / max(len(planted), 1)
    miss = precision < 0.95 or recall < 0.90
    p = pooled[profile]
    p[0] += len(planted); p[1] += len(flagged); p[2] += true; p[3] += miss
    print(f"{profile:8s} {seed:>6s}: farm members {len(planted):4d}, flagged {len(flagged):4d}, "
          f"true {true:4d}; precision {precision:.3f}, recall {recall:.3f}{'  MISSED' if miss else ''}")
for profile, (planted, flagged, true, missing) in pooled.items():
    print(f"{profile}: pooled precision {true / max(flagged, 1):.3f}, recall {true / max(planted, 1):.3f}; "
          f"corpora missing a target: {missing}")
PY
