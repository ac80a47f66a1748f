//! `facesign.redact_session`: a session without its personal data (`facesign_core::redact`),
//! marked as redacted, written as jsonb from the document's own bytes.

use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;
use crate::jsonb_result::JsonbResult;
use crate::raise::raise;
use facesign_core::jsonb::encode_redacted;
use facesign_core::redact::{redact_session, Marker};

/// Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;

/// The session (or its `{session, clientSecret}` wrapper) without its personal data, marked
/// `"redaction": {"version": 1}`; a session redacted before keeps its marker's time.
#[pg_extern(immutable, strict, parallel_safe, cost = 100, name = "redact_session")]
fn redact_session_unmarked(session: JsonbArg<'_>) -> JsonbResult {
    JsonbResult::new(encode_redacted(&redact_session(session.doc(), Marker { redacted_at_ms: None })))
}

/// The same, marked with when it was redacted (`"redactedAt"`, epoch milliseconds): what
/// erase_user and erase_sessions_before store, with now().
#[pg_extern(immutable, strict, parallel_safe, cost = 100, name = "redact_session")]
fn redact_session_at(session: JsonbArg<'_>, redacted_at: TimestampWithTimeZone) -> JsonbResult {
    let micros: i64 = redacted_at.into();
    if micros == i64::MIN || micros == i64::MAX {
        raise(
            PgSqlErrorCode::ERRCODE_DATETIME_FIELD_OVERFLOW, // 22008, datetime_value_out_of_range
            "redacted_at must be a finite time, not infinity",
            Some("Pass the time of the erasure, e.g. now()."),
        );
    }
    let at_ms = (micros + PG_EPOCH_OFFSET_MICROS).div_euclid(1000);
    JsonbResult::new(encode_redacted(&redact_session(session.doc(), Marker { redacted_at_ms: Some(at_ms) })))
}
