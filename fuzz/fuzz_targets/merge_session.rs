//! Two documents, each a seed edited by mutations (as `structure_aware` makes them), merged
//! by `merge_session` in both argument orders and both representations
//! (`facesign_fuzz::check_merge`). Most inputs give the second document the first one's id,
//! so they are snapshots of one session and the merge runs; the rest check that two
//! different sessions are refused the same way in every order.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (bool, facesign_fuzz::mutate::Plan, facesign_fuzz::mutate::Plan)| {
    let (different, first, second) = input;
    let a = first.build();
    let mut b = second.build();
    if !different {
        facesign_fuzz::same_session(&a, &mut b);
    }
    facesign_fuzz::check_merge(&a, &b);
    facesign_fuzz::dispose(a);
    facesign_fuzz::dispose(b);
});
