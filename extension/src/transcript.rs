//! `facesign.transcript`: the report's phrases (`facesign_core::report::transcript`).

use pgrx::prelude::*;

use crate::composite::timestamptz_from_ms;
use crate::jsonb_arg::JsonbArg;

/// One row per transcript phrase, in order: `speaker` is `avatar` (`isAvatar` true) or
/// `user`. Takes a whole session or a bare report.
#[pg_extern(immutable, strict, parallel_safe, cost = 20)]
fn transcript<'a>(
    doc: JsonbArg<'a>,
) -> TableIterator<
    'a,
    (
        name!(ordinal, i32),
        name!(speaker, Option<&'static str>),
        name!(text, Option<&'a str>),
        name!(created_at, Option<TimestampWithTimeZone>),
    ),
> {
    let rows = facesign_core::report::transcript(doc.doc());
    TableIterator::new(
        rows.into_iter().map(|p| (p.ordinal, p.speaker, p.text, timestamptz_from_ms(p.created_at_ms))),
    )
}

pgrx::extension_sql!(
    "ALTER FUNCTION transcript(jsonb) ROWS 20;",
    name = "transcript_rows",
    requires = [transcript]
);
