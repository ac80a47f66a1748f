//! `facesign.transcript`: the report's phrases (`facesign_core::report::transcript`).

use pgrx::prelude::*;

use crate::composite::{datum, timestamptz_from_ms};
use crate::jsonb_arg::JsonbArg;
use crate::materialize::{materialize, pg_finfo_v1};

pgrx::extension_sql!(
    r#"
-- One row per transcript phrase, in order: speaker is 'avatar' (isAvatar true) or 'user'.
-- Takes a whole session or a bare report.
CREATE FUNCTION transcript(doc jsonb)
RETURNS TABLE (ordinal int, speaker text, text text, created_at timestamptz)
IMMUTABLE STRICT PARALLEL SAFE COST 20 ROWS 20
LANGUAGE c AS 'MODULE_PATHNAME', 'facesign_transcript';
"#,
    name = "transcript"
);

/// `facesign.transcript(doc jsonb)`, in materialize mode (see `materialize.rs`).
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn facesign_transcript(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    // SAFETY: declared above as STRICT, one jsonb argument, four columns; the argument
    // outlives the call.
    unsafe {
        materialize(fcinfo, 4, |arg, rows| {
            for p in facesign_core::report::transcript(JsonbArg::from_datum(arg).doc()) {
                rows.put([
                    datum(Some(p.ordinal)),
                    datum(p.speaker),
                    datum(p.text),
                    datum(timestamptz_from_ms(p.created_at_ms)),
                ]);
            }
        })
    }
}

pg_finfo_v1!(pg_finfo_facesign_transcript);
