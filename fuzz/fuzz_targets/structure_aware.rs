//! A seed document (an API fixture, a hand-written session or flow, a generated session)
//! edited by a sequence of mutations the input chooses (`facesign_fuzz::mutate`): deleted
//! and renamed keys, values of another JSON type, duplicated and removed nodes, self-loops,
//! dangling targets, changed node types, extreme numbers, empty strings, values nested
//! thousands deep. Then every reader and validator runs on both representations with the
//! same cross-checks as the other targets.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|plan: facesign_fuzz::mutate::Plan| {
    let doc = plan.build();
    facesign_fuzz::check_both(&doc, facesign_fuzz::Run::ALL);
    facesign_fuzz::dispose(doc);
});
