//! `facesign.validate_flow`, `facesign.flow_is_valid` and `facesign.flow_errors`: the rules
//! live in `facesign_core::flow`; this file only turns their rows into SQL results.

use facesign_core::flow::{self, Problem};
use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;

/// A row as `validate_flow` returns it (pgrx needs the named tuple spelled out in the
/// signature, so this alias serves only `row`).
type ValidationRow = (&'static str, &'static str, String, Option<String>, String);

fn row(p: Problem) -> ValidationRow {
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
fn flow_errors(flow: JsonbArg<'_>) -> pgrx::JsonB {
    let rows = flow::validate_flow(flow.doc())
        .into_iter()
        .map(|p| {
            serde_json::json!({
                "severity": p.severity().as_str(),
                "code": p.code.as_str(),
                "path": p.path,
                "nodeId": p.node_id,
                "message": p.message,
            })
        })
        .collect();
    pgrx::JsonB(serde_json::Value::Array(rows))
}

// A planner estimate closer to a real flow's handful of problems than the default 1000.
pgrx::extension_sql!(
    "ALTER FUNCTION validate_flow(jsonb) ROWS 5;",
    name = "validate_flow_rows",
    requires = [validate_flow]
);
