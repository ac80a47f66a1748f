//! Arbitrary bytes parsed as JSON text, then validated as a flow (the document itself, a
//! request's `flow`, a session's `settings.flow`) as a serde_json tree and as binary jsonb:
//! `validate_flow`, `flow_is_valid` and `flow_edges` must give identical results, and
//! `flow_is_valid` must be true exactly when `validate_flow` has no error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        facesign_fuzz::check_both(&doc, facesign_fuzz::Run::FLOWS);
    }
});
