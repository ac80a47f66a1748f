//! Raising an ERROR with the SQLSTATE that fits it. `pgrx::error!` raises `XX000`
//! (internal_error), which monitoring reads as a bug in the server; bad input gets a
//! data-exception code instead, and a message that says what to do.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Raises an ERROR with `code`, `message` and, when given, a hint. Never returns.
pub fn raise(code: PgSqlErrorCode, message: impl Into<String>, hint: Option<&str>) -> ! {
    let mut report = ErrorReport::new(code, message.into(), "facesign");
    if let Some(hint) = hint {
        report = report.set_hint(hint);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("an ERROR does not return")
}

/// A five-character SQLSTATE as PostgreSQL encodes it (`MAKE_SQLSTATE`: six bits a character).
pub fn sqlstate(code: &str) -> PgSqlErrorCode {
    let encoded = code
        .bytes()
        .enumerate()
        .fold(0i32, |acc, (i, c)| acc | ((c.wrapping_sub(b'0') as i32 & 0x3F) << (6 * i)));
    PgSqlErrorCode::from(encoded)
}
