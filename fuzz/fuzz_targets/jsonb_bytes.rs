//! Arbitrary bytes handed straight to `Jsonb::from_bytes`, as if a jsonb datum were corrupt:
//! every reader and validator runs on whatever they decode to, and must not panic, read out
//! of bounds or run for long (the script's -timeout catches a loop).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    facesign_fuzz::check_binary(data);
});
