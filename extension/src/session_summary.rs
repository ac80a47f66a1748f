//! `facesign.session_summary`: one composite summarising a session
//! (`facesign_core::report::session_summary`).

use pgrx::prelude::*;

use crate::composite::{datum, result_tuple, timestamptz_from_ms};
use crate::jsonb_arg::JsonbArg;

pgrx::extension_sql!(
    r#"
CREATE TYPE session_summary AS (
    id text, status text, created_at timestamptz, started_at timestamptz,
    finished_at timestamptz, client_reference_id text, zone text, lang text,
    flow_nodes int, node_reports int, transcript_turns int
);
"#,
    name = "session_summary_type"
);

/// The summary of a session (or of its `{session, clientSecret}` wrapper); settings keys are
/// read in camelCase, falling back to the legacy snake_case.
#[pg_extern(immutable, strict, parallel_safe, cost = 30, requires = ["session_summary_type"])]
fn session_summary(
    session: JsonbArg<'_>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> pgrx::composite_type!('static, "session_summary") {
    let s = facesign_core::report::session_summary(session.doc());
    let datums = [
        datum(s.id),
        datum(s.status),
        datum(timestamptz_from_ms(s.created_at_ms)),
        datum(timestamptz_from_ms(s.started_at_ms)),
        datum(timestamptz_from_ms(s.finished_at_ms)),
        datum(s.client_reference_id),
        datum(s.zone),
        datum(s.lang),
        datum(s.flow_nodes),
        datum(s.node_reports),
        datum(s.transcript_turns),
    ];
    // SAFETY: our own fcinfo; the datums follow the type's attribute order and types above.
    unsafe { result_tuple(fcinfo, datums) }
}
