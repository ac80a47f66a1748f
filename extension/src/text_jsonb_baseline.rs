//! Benchmark baselines, compiled only with `--features text-jsonb-baseline` (which
//! `bench/report_readers.sh` installs): `node_outcomes_via_text` and `risk_signals_via_text`
//! run the same core readers and build the same rows as `node_outcomes` and `risk_signals`,
//! but take the document as pgrx's `JsonB`, which renders the jsonb datum to text and parses
//! that into a `serde_json` tree. The difference in the benchmark is the price of that
//! argument type, which the real functions avoid by reading the binary form in place.

use pgrx::prelude::*;
use pgrx::JsonB;

use crate::composite::result_tuple;
use crate::materialize::{materialize, pg_finfo_v1};
use crate::node_outcomes::node_outcome_row;
use crate::risk_signals::risk_signals_datums;

pgrx::extension_sql!(
    r#"
CREATE FUNCTION node_outcomes_via_text(doc jsonb)
RETURNS TABLE (ordinal int, node_id text, node_type text, outcome text, created_at timestamptz)
IMMUTABLE STRICT PARALLEL SAFE COST 20 ROWS 12
LANGUAGE c AS 'MODULE_PATHNAME', 'facesign_node_outcomes_via_text';
"#,
    name = "node_outcomes_via_text"
);

/// `node_outcomes` with a pgrx `JsonB` argument.
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn facesign_node_outcomes_via_text(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    // SAFETY: declared above as STRICT, one jsonb argument, five columns.
    unsafe {
        materialize(fcinfo, 5, |arg, rows| {
            let Some(JsonB(doc)) = JsonB::from_datum(arg, false) else { return };
            for r in facesign_core::report::node_outcomes(&doc) {
                rows.put(node_outcome_row(&r));
            }
        })
    }
}

pg_finfo_v1!(pg_finfo_facesign_node_outcomes_via_text);

/// `risk_signals` with a pgrx `JsonB` argument.
#[pg_extern(immutable, strict, parallel_safe, cost = 50, requires = ["risk_signals_type"])]
fn risk_signals_via_text(
    doc: JsonB,
    fcinfo: pg_sys::FunctionCallInfo,
) -> pgrx::composite_type!('static, "risk_signals") {
    let datums = risk_signals_datums(&facesign_core::report::risk_signals(&doc.0));
    // SAFETY: our own fcinfo; the datums follow the type's attribute order.
    unsafe { result_tuple(fcinfo, datums) }
}
