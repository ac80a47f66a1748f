//! `facesign.node_outcomes` and `facesign.outcome`: the report's `nodeReports`
//! (`facesign_core::report::node_outcomes`).

use facesign_core::report::NodeOutcome;
use pgrx::prelude::*;

use crate::composite::{datum, timestamptz_from_ms};
use crate::jsonb_arg::JsonbArg;
use crate::materialize::{materialize, pg_finfo_v1};

pgrx::extension_sql!(
    r#"
-- One row per nodeReports entry, in order, ordinal from 1; a legacy passedTransitionId is
-- read as the outcome. Takes a whole session or a bare report.
CREATE FUNCTION node_outcomes(doc jsonb)
RETURNS TABLE (ordinal int, node_id text, node_type text, outcome text, created_at timestamptz)
IMMUTABLE STRICT PARALLEL SAFE COST 20 ROWS 12
LANGUAGE c AS 'MODULE_PATHNAME', 'facesign_node_outcomes';
"#,
    name = "node_outcomes"
);

/// `facesign.node_outcomes(doc jsonb)`, in materialize mode (see `materialize.rs`).
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn facesign_node_outcomes(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    // SAFETY: declared above as STRICT, one jsonb argument, five columns; the argument
    // outlives the call.
    unsafe {
        materialize(fcinfo, 5, |arg, rows| {
            for r in facesign_core::report::node_outcomes(JsonbArg::from_datum(arg).doc()) {
                rows.put(node_outcome_row(&r));
            }
        })
    }
}

/// The SQL row of one node report, in the order of the declared columns.
pub(crate) fn node_outcome_row(r: &NodeOutcome<'_>) -> [Option<pg_sys::Datum>; 5] {
    [
        datum(Some(r.ordinal)),
        datum(r.node_id),
        datum(r.node_type),
        datum(r.outcome),
        datum(timestamptz_from_ms(r.created_at_ms)),
    ]
}

pg_finfo_v1!(pg_finfo_facesign_node_outcomes);

/// The outcome of the last node report of `node_type` (`'liveness_detection'`, …), or NULL.
#[pg_extern(immutable, strict, parallel_safe, cost = 10)]
fn outcome<'a>(doc: JsonbArg<'a>, node_type: &str) -> Option<&'a str> {
    facesign_core::report::outcome(doc.doc(), node_type)
}
