//! `facesign.validate_flow`, `facesign.flow_is_valid` and `facesign.flow_errors`: the rules
//! live in `facesign_core::flow`; this file only turns their rows into SQL results.

use facesign_core::flow::{self, Problem};
use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;
use crate::jsonb_result::JsonbResult;

/// A row as `validate_flow` and `validate_session` return it (pgrx needs the named tuple
/// spelled out in each signature, so this alias serves only `row`).
pub(crate) type ValidationRow = (&'static str, &'static str, String, Option<String>, String);

pub(crate) fn row(p: Problem) -> ValidationRow {
    (p.severity().as_str(), p.code.as_str(), p.path, p.node_id, p.message)
}

/// Every problem with a flow (the node array of `settings.flow`), errors and warnings, in
/// document order; no rows for a valid, clean flow.
#[pg_extern(immutable, strict, parallel_safe, cost = 100)]
fn validate_flow<'a>(
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
    TableIterator::new(flow::validate_flow(flow.doc()).into_iter().map(row))
}

/// True when the flow has no error (warnings allowed). Usable in a CHECK constraint.
#[pg_extern(immutable, strict, parallel_safe, cost = 50)]
fn flow_is_valid(flow: JsonbArg<'_>) -> bool {
    flow::flow_is_valid(flow.doc())
}

/// The rows of `validate_flow` as a JSON array of `{severity, code, path, nodeId, message}`;
/// `[]` when the flow is valid and clean.
#[pg_extern(immutable, strict, parallel_safe, cost = 100)]
fn flow_errors(flow: JsonbArg<'_>) -> JsonbResult {
    let problems = flow::validate_flow(flow.doc());
    let rows = problems.iter().map(|p| {
        [
            Some(p.severity().as_str()),
            Some(p.code.as_str()),
            Some(p.path.as_str()),
            p.node_id.as_deref(),
            Some(p.message.as_str()),
        ]
    });
    JsonbResult::new(facesign_core::jsonb::encode_string_rows(
        ["severity", "code", "path", "nodeId", "message"],
        rows,
    ))
}

// A planner estimate closer to a real flow's handful of problems than the default 1000.
pgrx::extension_sql!(
    "ALTER FUNCTION validate_flow(jsonb) ROWS 5;",
    name = "validate_flow_rows",
    requires = [validate_flow]
);
