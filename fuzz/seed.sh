#!/usr/bin/env bash
# Fills each fuzz target's corpus (fuzz/corpus/<target>/, not committed) with seeds made at
# run time: the API fixtures, the hand-written flows and sessions, and sessions written by
# `facesign-analytics generate` (whole sessions, their reports and their flows as separate
# files). Without a built facesign-analytics it seeds from the committed files alone.
# jsonb_bytes gets each seed's binary jsonb encoding, json_text each seed's text; structure_aware gets one entry per
# embedded seed document (the mutations grow from there). Idempotent: files are overwritten.
#
# Environment: FUZZ_TARGET_DIR (where the encoder example builds; default
# $HOME/.cache/facesign/fuzz-target), FACESIGN_ANALYTICS (the facesign-analytics binary;
# default the test command's build of it).
set -euo pipefail

FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ")"
CORPUS="$FUZZ/corpus"
FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/facesign/fuzz-target}"
ANALYTICS="${FACESIGN_ANALYTICS:-${CARGO_TARGET_DIR:-$HOME/.cache/facesign/target}/${FACESIGN_PROFILE:-ci}/facesign-analytics}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/flows" "$WORK/reports" "$WORK/sessions"
for t in flow_validation report_readers jsonb_bytes json_text structure_aware merge_session redaction; do mkdir -p "$CORPUS/$t"; done

# Committed documents: every fixture goes to both JSON targets (flows and reports are mixed
# in the API's files); hand-written flows to flows, sessions to both.
cp "$ROOT"/tests/fixtures/facesign-api/*.json "$WORK/sessions/"
cp "$ROOT"/tests/flows/*.json "$WORK/flows/"
cp "$ROOT"/tests/sessions/*.json "$FUZZ"/seeds/*.json "$WORK/sessions/"

if [ -x "$ANALYTICS" ]; then
  "$ANALYTICS" generate --seed 11 --sessions 40 --threads 1 --out "$WORK/generated" >/dev/null
  python3 - "$WORK/generated/sessions.ndjson" "$WORK" <<'PY'
import json, sys
source, work = sys.argv[1], sys.argv[2]
for n, line in enumerate(open(source)):
    session = json.loads(line)
    json.dump(session, open(f"{work}/sessions/generated-{n:02}.json", "w"))
    if isinstance(session.get("report"), dict):
        json.dump(session["report"], open(f"{work}/reports/generated-{n:02}-report.json", "w"))
    flow = (session.get("settings") or {}).get("flow")
    if flow is not None:
        json.dump(flow, open(f"{work}/flows/generated-{n:02}-flow.json", "w"))
PY
  generated=40
else
  echo "seed.sh: $ANALYTICS is not built; seeding from the committed fixtures alone" >&2
  generated=0
fi

cp "$WORK"/flows/*.json "$WORK"/sessions/*.json "$CORPUS/flow_validation/"
cp "$WORK"/sessions/*.json "$CORPUS/report_readers/"
# json_text: the documents as text, as a database without the extension ships them.
cp "$WORK"/flows/*.json "$WORK"/sessions/*.json "$CORPUS/json_text/"
if compgen -G "$WORK/reports/*.json" >/dev/null; then cp "$WORK"/reports/*.json "$CORPUS/report_readers/"; fi

# Binary encodings for jsonb_bytes, by the library's own writer.
cargo run -q --manifest-path "$FUZZ/Cargo.toml" --target-dir "$FUZZ_TARGET_DIR" --example encode_jsonb -- \
  "$CORPUS/jsonb_bytes" "$WORK"/flows/*.json "$WORK"/sessions/*.json $(compgen -G "$WORK/reports/*.json" || true)

# structure_aware: input byte 0 picks the seed document; no further bytes, no mutations.
for i in $(seq 0 15); do printf "\\x$(printf %02x "$i")" > "$CORPUS/structure_aware/seed-$i"; done
# merge_session: byte 0 = 0 (snapshots of one session), then the seeds of the two documents:
# each seed with the next one.
for i in $(seq 0 15); do
  printf "\\x00\\x$(printf %02x "$i")\\x$(printf %02x $(( (i + 1) % 16 )))" > "$CORPUS/merge_session/seed-$i"
done
# redaction: the seeds of the two snapshots, each seed with the next one.
for i in $(seq 0 15); do
  printf "\\x$(printf %02x "$i")\\x$(printf %02x $(( (i + 1) % 16 )))" > "$CORPUS/redaction/seed-$i"
done

for t in flow_validation report_readers jsonb_bytes json_text structure_aware merge_session redaction; do
  printf 'seed.sh: %-16s %4d files\n' "$t" "$(ls "$CORPUS/$t" | wc -l)"
done
echo "seed.sh: ($generated generated sessions)"
