#!/usr/bin/env bash
# Flow validation benchmark: 100 000 ten-node flows through SQL against the floor of the same
# scan, and one 50 000-node flow; validate_flow with and without the safety lints. Builds the
# extension optimised, runs on the private cluster.
# Benchmarks measure the optimised `ci` profile (thin LTO), not the tests' `quick` one.
export FACESIGN_PROFILE="${FACESIGN_PROFILE:-ci}"
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
setup_machine
# validation-baseline adds validate_flow_structure: validate_flow without the safety lints.
install_extension --features validation-baseline
cluster_start
trap cluster_stop EXIT
psql_db -d postgres -c "DROP DATABASE IF EXISTS facesign_bench" -c "CREATE DATABASE facesign_bench"
psql_db -d facesign_bench -c "CREATE EXTENSION facesign"
step "Benchmark: flow validation (best of 5 runs, one core)"
psql_db -d facesign_bench -f bench/flow_validation.sql 2>&1 | sed -n 's/^.*NOTICE:  //p'
