//! `facesign.risk_signals`: one composite of risk signals per document
//! (`facesign_core::report::risk_signals`), read in one pass with one detoast.

use facesign_core::report::risk_signals::{SignalValue, SIGNALS};
use facesign_core::report::RiskSignals;
use pgrx::prelude::*;

use crate::composite::{datum, result_tuple};
use crate::jsonb_arg::JsonbArg;

// `CREATE TYPE risk_signals AS (…)`, written by build.rs from core's signal list.
pgrx::extension_sql_file!("generated/risk_signals_type.sql", name = "risk_signals_type");

/// The risk signals of a whole session or a bare report; a field that is missing or of the
/// wrong JSON type is NULL.
#[pg_extern(immutable, strict, parallel_safe, cost = 50, requires = ["risk_signals_type"])]
fn risk_signals(
    doc: JsonbArg<'_>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> pgrx::composite_type!('static, "risk_signals") {
    let datums = risk_signals_datums(&facesign_core::report::risk_signals(doc.doc()));
    // SAFETY: our own fcinfo; the datums follow the type's attribute order and types above.
    unsafe { result_tuple(fcinfo, datums) }
}

/// The attributes of `facesign.risk_signals`, in the type's order (the signal list's).
pub(crate) fn risk_signals_datums(s: &RiskSignals<'_>) -> [Option<pg_sys::Datum>; SIGNALS.len()] {
    s.values().map(|value| match value {
        SignalValue::Text(v) => datum(v),
        SignalValue::Float(v) => datum(v),
        SignalValue::Int(v) => datum(v),
        SignalValue::BigInt(v) => datum(v),
        SignalValue::Bool(v) => datum(v),
    })
}
