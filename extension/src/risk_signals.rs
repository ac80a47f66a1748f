//! `facesign.risk_signals`: one composite of risk signals per document
//! (`facesign_core::report::risk_signals`), read in one pass with one detoast.

use facesign_core::report::RiskSignals;
use pgrx::prelude::*;

use crate::composite::{datum, result_tuple};
use crate::jsonb_arg::JsonbArg;

pgrx::extension_sql!(
    r#"
CREATE TYPE risk_signals AS (
    liveness text, recognition text, face_scan text, face_compare text, face_similarity float8,
    document_scan text, two_factor text, deepfake_verdict text, deepfake_score float8,
    real_person text, age_min int, age_max int, sex text, video_status text,
    video_suspicious int, video_high_risk int, country text, city text,
    latitude float8, longitude float8, accuracy_radius_km int, time_zone text,
    anonymizer boolean, asn bigint, browser text, browser_version text, os text, platform text,
    is_mobile boolean, is_bot boolean, lang text
);
"#,
    name = "risk_signals_type"
);

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

/// The attributes of `facesign.risk_signals`, in the type's order.
pub(crate) fn risk_signals_datums(s: &RiskSignals<'_>) -> [Option<pg_sys::Datum>; 31] {
    [
        datum(s.liveness),
        datum(s.recognition),
        datum(s.face_scan),
        datum(s.face_compare),
        datum(s.face_similarity),
        datum(s.document_scan),
        datum(s.two_factor),
        datum(s.deepfake_verdict),
        datum(s.deepfake_score),
        datum(s.real_person),
        datum(s.age_min),
        datum(s.age_max),
        datum(s.sex),
        datum(s.video_status),
        datum(s.video_suspicious),
        datum(s.video_high_risk),
        datum(s.country),
        datum(s.city),
        datum(s.latitude),
        datum(s.longitude),
        datum(s.accuracy_radius_km),
        datum(s.time_zone),
        datum(s.anonymizer),
        datum(s.asn),
        datum(s.browser),
        datum(s.browser_version),
        datum(s.os),
        datum(s.platform),
        datum(s.is_mobile),
        datum(s.is_bot),
        datum(s.lang),
    ]
}
