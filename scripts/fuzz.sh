#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (flow_validation, report_readers, jsonb_bytes, json_text,
# structure_aware, merge_session, redaction), one after the other, each for --seconds (default 600),
# after building them (address sanitizer, debug assertions) and seeding their corpora
# (fuzz/seed.sh).
# Prints each target's "Done N runs in S second(s)" line, then "fuzz: P passed, F failed";
# exits non-zero on any finding, with the paths of the inputs libFuzzer saved.
#
#   scripts/fuzz.sh                          # every target, 600 s each
#   scripts/fuzz.sh --seconds 3600 jsonb_bytes structure_aware
#
# Builds go to $FUZZ_TARGET_DIR (default $HOME/.cache/facesign/fuzz-target), so reruns only
# rebuild what changed. The corpora in fuzz/corpus/ grow across runs and are not committed.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ALL_TARGETS=(flow_validation report_readers jsonb_bytes json_text structure_aware merge_session redaction)
SECONDS_EACH=600
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || fail "--seconds needs a number"; SECONDS_EACH="$2"; shift 2 ;;
    --seconds=*) SECONDS_EACH="${1#--seconds=}"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) printf '%s\n' "${ALL_TARGETS[@]}" | grep -qx "$1" || fail "no fuzz target $1 (targets: ${ALL_TARGETS[*]})"
       TARGETS+=("$1"); shift ;;
  esac
done
[[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]] || fail "--seconds must be a positive whole number, not $SECONDS_EACH"
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

setup_fuzz
export FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/facesign/fuzz-target}"
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address, sanitizer coverage); the stable
# toolchain accepts them with RUSTC_BOOTSTRAP=1.
export RUSTC_BOOTSTRAP=1
FUZZ_ARGS=(--fuzz-dir "$ROOT/fuzz" --target-dir "$FUZZ_TARGET_DIR")

LOGS="$ROOT/fuzz/logs"
mkdir -p "$LOGS"
echo "fuzz: building ${#TARGETS[@]} target(s) with the address sanitizer into $FUZZ_TARGET_DIR"
build_start=$(date +%s)
for t in "${TARGETS[@]}"; do
  cargo fuzz build "${FUZZ_ARGS[@]}" "$t" >"$LOGS/build.log" 2>&1 \
    || { tail -40 "$LOGS/build.log"; fail "cargo fuzz build $t failed (log: fuzz/logs/build.log)"; }
done
echo "fuzz: built in $(( $(date +%s) - build_start )) s"
bash fuzz/seed.sh
passed=0
failed=0
for t in "${TARGETS[@]}"; do
  log="$LOGS/$t.log"
  extra=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  case "$t" in flow_validation|report_readers) extra+=(-dict="$ROOT/fuzz/facesign.dict") ;; esac
  mkdir -p "fuzz/artifacts/$t"
  before="$(ls "fuzz/artifacts/$t")"
  status=0
  cargo fuzz run "${FUZZ_ARGS[@]}" "$t" -- "${extra[@]}" >"$log" 2>&1 || status=$?
  done_line="$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)"
  new_artifacts="$(comm -13 <(printf '%s\n' "$before" | sort) <(ls "fuzz/artifacts/$t" | sort) | sed "s|^|fuzz/artifacts/$t/|")"
  if [ "$status" = 0 ] && [ -n "$done_line" ] && [ -z "$new_artifacts" ]; then
    passed=$((passed + 1))
    echo "fuzz: $t: $done_line"
  else
    failed=$((failed + 1))
    echo "fuzz: $t: FAILED (exit status $status; log: fuzz/logs/$t.log)"
    grep -E "panicked at|assertion|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY:|timeout after|out-of-memory" "$log" | head -12 || true
    grep -E "Test unit written to" "$log" || true
    for a in $new_artifacts; do
      echo "fuzz: finding: $a (reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz $t $a)"
    done
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
