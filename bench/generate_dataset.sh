#!/usr/bin/env bash
# The benchmarks' dataset: SESSIONS generated sessions exported to Parquet in DIR/dataset (made
# once, reused while DIR/dataset/complete exists). It is made in parts of 2 million sessions
# (seeds 7, 8, …; 13 GB of NDJSON each, which the export reads in creation order and so wants
# in the page cache; a 64 GB file read that way from disk takes an hour), each exported and its
# NDJSON deleted, the parts' Parquet files then gathered into one dataset: about 3 minutes per
# part here. Needs the analytics binary built ($FA, as bench/score.sh builds it).
#
# Usage: bench/generate_dataset.sh SESSIONS DIR
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
SESSIONS="$1"
DIR="$2"
FA="$CARGO_TARGET_DIR/$CARGO_PROFILE/facesign-analytics"
mkdir -p "$DIR"
PART=2000000
if [ ! -f "$DIR/dataset/complete" ]; then
  step "Generating $SESSIONS sessions and exporting them to Parquet (once, in parts of $PART)"
  rm -rf "$DIR/dataset" "$DIR/parts" && mkdir -p "$DIR/dataset/sessions"
  left=$SESSIONS
  part=0
  while [ "$left" -gt 0 ]; do
    n=$(( left < PART ? left : PART ))
    "$FA" generate --seed $((7 + part)) --sessions "$n" --out "$DIR/parts/corpus"
    "$FA" export --from-ndjson "$DIR/parts/corpus/sessions.ndjson" --out "$DIR/parts/dataset-$part"
    rm -rf "$DIR/parts/corpus"
    # Gather the part's sessions/ files (their names carry the run, so parts never collide).
    (cd "$DIR/parts/dataset-$part/sessions" && find . -name '*.parquet' | while read -r f; do
      mkdir -p "$DIR/dataset/sessions/$(dirname "$f")"
      mv "$f" "$DIR/dataset/sessions/$(dirname "$f")/part$part-$(basename "$f")"
    done)
    rm -rf "$DIR/parts/dataset-$part"
    left=$(( left - n ))
    part=$(( part + 1 ))
  done
  touch "$DIR/dataset/complete"
fi
