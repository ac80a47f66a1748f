//! Two snapshots of one session, each a seed edited by mutations (as `structure_aware`
//! makes them); the first is redacted and the second merged into it in both orders and both
//! representations (`facesign_fuzz::check_redaction`): no personal value present only in the
//! unredacted snapshots may reach the result.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (facesign_fuzz::mutate::Plan, facesign_fuzz::mutate::Plan)| {
    let (first, second) = input;
    let a = first.build();
    let mut b = second.build();
    facesign_fuzz::same_session(&a, &mut b);
    facesign_fuzz::check_redaction(&a, &b);
    facesign_fuzz::dispose(a);
    facesign_fuzz::dispose(b);
});
