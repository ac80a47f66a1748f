#!/usr/bin/env bash
# Report readers benchmark: each facesign reader against the same reading hand-written in
# plain SQL (tests/handwritten/readers.sql) and behind pgrx's text-based JsonB, with the
# detoast floor, on the same sessions, in the same run.
# Usage: bench/report_readers.sh [SESSIONS]   (default 50000)
# Benchmarks measure the optimised `ci` profile (thin LTO), not the tests' `quick` one.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
ROWS="${1:-50000}"
setup_machine
# With two benchmark-only functions: the same readers behind pgrx's text-based JsonB.
install_extension --features text-jsonb-baseline
cluster_start
trap cluster_stop EXIT
psql_db -d postgres -c "DROP DATABASE IF EXISTS facesign_bench" -c "CREATE DATABASE facesign_bench"
psql_db -d facesign_bench -c "CREATE EXTENSION facesign"
step "Benchmark: report readers against hand-written SQL"
psql_db -d facesign_bench -v rows="$ROWS" -f bench/report_readers.sql 2>&1 | sed -n 's/^.*NOTICE:  //p'
