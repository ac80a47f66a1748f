//! Arbitrary bytes as JSON text for the toolkit's tape (`facesign_core::json::Tape`), as a
//! database without the extension or an NDJSON file hands it over: the tape takes exactly
//! the JSON serde_json takes and reads it as the same tree, and every reader runs on it
//! without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    facesign_fuzz::check_text_bytes(data);
});
