#!/usr/bin/env bash
# Detector evaluation: for each generator seed, generate a corpus of SESSIONS sessions (default
# 100 000, the demo's size) with the given profile, export it, score it and evaluate the
# findings against the planted labels (`facesign-analytics evaluate`); then check the targets:
# every detector's precision at least 0.95 and recall at least 0.90 per user, at most 1% of the
# look-alike sessions flagged by the detector they imitate, at most 0.5% of the plain users (no
# label) flagged by a geo or device detector, and risk_score's PR-AUC against "any planted
# anomaly" at least 0.9. Exits 1 when a target is missed.
#
# Usage: bench/evaluate_detectors.sh [SESSIONS] [--profile NAME] SEED... [--profile NAME SEED...]
#   e.g. bench/evaluate_detectors.sh 100000 --profile default 404 505 --profile shifted 404 505
# (seeds before any --profile use the default profile; with no seed, default 101 202 303).
# Benchmarks measure the optimised `ci` profile (thin LTO), not the tests' `quick` one.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
SESSIONS=100000
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then SESSIONS="$1"; shift; fi
profile_seeds "$@"
[ ${#RUNS[@]} -gt 0 ] || RUNS=(default:101 default:202 default:303)
DIR="${FACESIGN_EVAL_DIR:-/var/tmp/facesign-eval}"
build_analytics
FA="$ANALYTICS"
status=0
for run_spec in "${RUNS[@]}"; do
  profile="${run_spec%%:*}"
  seed="${run_spec##*:}"
  run="$DIR/$profile-$seed"
  rm -rf "$run" && mkdir -p "$run"
  "$FA" generate --profile "$profile" --seed "$seed" --sessions "$SESSIONS" --out "$run/corpus" >/dev/null
  "$FA" export --from-ndjson "$run/corpus/sessions.ndjson" --out "$run/dataset" >/dev/null
  "$FA" score --input "$run/dataset" --out "$run/results" >/dev/null
  step "profile $profile, seed $seed: $SESSIONS sessions"
  "$FA" evaluate --labels "$run/corpus/labels.csv" --findings "$run/results/findings" \
    --json "$run/evaluation.json" | tee "$run/evaluation.txt"
  python3 - "$run/evaluation.json" <<'PY' || status=1
import json, sys
e = json.load(open(sys.argv[1]))
misses = []
for d in e["detectors"]:
    p, r = d["users"]["precision"], d["users"]["recall"]
    if p is None or r is None or p < 0.95 or r < 0.90:
        misses.append(f"{d['detector']} per user precision {p} recall {r}")
lookalikes = e["lookalikes_flagged"] / max(e["lookalikes"], 1)
if lookalikes > 0.01:
    misses.append(f"look-alikes flagged {lookalikes:.2%}")
plain = e["plain_users_flagged"] / max(e["plain_users"], 1)
if plain > 0.005:
    misses.append(f"plain users flagged {plain:.2%}")
if e["score"]["pr_auc"] < 0.9:
    misses.append(f"PR-AUC {e['score']['pr_auc']:.3f}")
print("targets: " + ("all met" if not misses else "MISSED: " + "; ".join(misses)))
sys.exit(1 if misses else 0)
PY
done
exit $status
