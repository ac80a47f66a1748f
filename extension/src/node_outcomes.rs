//! `facesign.node_outcomes` and `facesign.outcome`: the report's `nodeReports`
//! (`facesign_core::report::node_outcomes`).

use pgrx::prelude::*;

use crate::composite::timestamptz_from_ms;
use crate::jsonb_arg::JsonbArg;

/// One row per `nodeReports` entry, in order, `ordinal` from 1; a legacy
/// `passedTransitionId` is read as the outcome. Takes a whole session or a bare report.
#[pg_extern(immutable, strict, parallel_safe, cost = 20)]
fn node_outcomes<'a>(
    doc: JsonbArg<'a>,
) -> TableIterator<
    'a,
    (
        name!(ordinal, i32),
        name!(node_id, Option<&'a str>),
        name!(node_type, Option<&'a str>),
        name!(outcome, Option<&'a str>),
        name!(created_at, Option<TimestampWithTimeZone>),
    ),
> {
    let rows = facesign_core::report::node_outcomes(doc.doc());
    TableIterator::new(
        rows.into_iter()
            .map(|r| (r.ordinal, r.node_id, r.node_type, r.outcome, timestamptz_from_ms(r.created_at_ms))),
    )
}

/// The outcome of the last node report of `node_type` (`'liveness_detection'`, …), or NULL.
#[pg_extern(immutable, strict, parallel_safe, cost = 10)]
fn outcome<'a>(doc: JsonbArg<'a>, node_type: &str) -> Option<&'a str> {
    facesign_core::report::outcome(doc.doc(), node_type)
}

pgrx::extension_sql!(
    "ALTER FUNCTION node_outcomes(jsonb) ROWS 12;",
    name = "node_outcomes_rows",
    requires = [node_outcomes]
);
