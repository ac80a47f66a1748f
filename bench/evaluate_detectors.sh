#!/usr/bin/env bash
# Detector evaluation: for each generator seed (default 101 202 303, seeds no threshold was
# tuned on), generate a corpus of SESSIONS sessions (default 100 000, the demo's size), export
# it, score it and evaluate the findings against the planted labels; then check the targets:
# impossible travel precision >= 0.98 and recall >= 0.95 with its look-alikes present, every
# other detector >= 0.90 for both, under 0.5% of benign users flagged by a geo or device
# detector.
#
# Usage: bench/evaluate_detectors.sh [SESSIONS] [SEED ...]
# Benchmarks measure the optimised `ci` profile (thin LTO), not the tests' `quick` one.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
SESSIONS="${1:-100000}"
shift || true
SEEDS=("$@")
[ ${#SEEDS[@]} -gt 0 ] || SEEDS=(101 202 303)
DIR="${FACESIGN_EVAL_DIR:-/var/tmp/facesign-eval}"
cargo build -q -p facesign-analytics --profile "$CARGO_PROFILE"
FA="$CARGO_TARGET_DIR/$CARGO_PROFILE/facesign-analytics"
status=0
for seed in "${SEEDS[@]}"; do
  run="$DIR/seed-$seed"
  rm -rf "$run" && mkdir -p "$run"
  "$FA" generate --seed "$seed" --sessions "$SESSIONS" --out "$run/corpus" >/dev/null
  "$FA" export --from-ndjson "$run/corpus/sessions.ndjson" --out "$run/dataset" >/dev/null
  "$FA" score --input "$run/dataset" --out "$run/results" >/dev/null
  step "seed $seed: $SESSIONS sessions"
  "$FA" evaluate --labels "$run/corpus/labels.csv" --findings "$run/results/findings" | tee "$run/evaluation.txt"
  python3 - "$run/evaluation.txt" <<'PY' || status=1
import re, sys
rows = {}
benign = None
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 7 and re.match(r"^[0-9.]+$", f[4] or ""):
        rows[f[0]] = (float(f[4]), float(f[5]))
    m = re.search(r"\(([0-9.]+)%\)", line)
    if m:
        benign = float(m.group(1))
misses = []
for detector, (p, r) in rows.items():
    floor_p, floor_r = (0.98, 0.95) if detector == "impossible_travel" else (0.90, 0.90)
    if p < floor_p or r < floor_r:
        misses.append(f"{detector} precision {p} recall {r}")
if benign is None or benign >= 0.5:
    misses.append(f"benign users flagged {benign}%")
print("targets: " + ("all met" if not misses else "MISSED: " + "; ".join(misses)))
sys.exit(1 if misses else 0)
PY
done
exit $status
