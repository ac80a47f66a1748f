//! Arbitrary bytes parsed as JSON text, then read by every report reader (`node_outcomes`,
//! `transcript`, `outcome` for 16 node types, `risk_signals`, `session_summary`, `report_of`,
//! `session_of`, and `storable::refusal`) as a serde_json tree and as binary jsonb: identical results, and the readers
//! agree with one another.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        facesign_fuzz::check_both(&doc, facesign_fuzz::Run::REPORTS);
    }
});
