//! The flow-validation benchmark's baseline, compiled only with `--features
//! validation-baseline` (which `bench/flow_validation.sh` installs): `validate_flow_structure`
//! is `validate_flow` without the safety lints, as it was before them, so the benchmark
//! prints the lints' cost against the same flows in the same run.

use facesign_core::flow;
use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;
use crate::validate_flow::row;

#[pg_extern(immutable, strict, parallel_safe, cost = 100)]
fn validate_flow_structure<'a>(
    flow: JsonbArg<'a>,
) -> TableIterator<
    'a,
    (
        name!(severity, &'static str),
        name!(code, &'static str),
        name!(path, String),
        name!(node_id, Option<String>),
        name!(message, String),
    ),
> {
    TableIterator::new(flow::validate_flow_structure(flow.doc()).into_iter().map(row))
}
