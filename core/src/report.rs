//! Reading FaceSign session reports: node outcomes, the transcript, one row of risk signals
//! and a session summary (`facesign.node_outcomes`, `transcript`, `outcome`, `risk_signals`,
//! `session_summary`).
//!
//! Every reader is generic over [`JsonRef`] and gives the same answer for a `serde_json`
//! tree and for binary jsonb. The rules shared by all of them:
//! - A field that is absent, `null` or of the wrong JSON type reads as `None`; nothing panics.
//! - Timestamps are Unix epoch milliseconds, read as `f64` when finite (binary jsonb numbers
//!   beyond `f64` saturate to ±infinity, which reads as `None`).
//! - Integers (`ageMin`, `accuracyRadius`, `autonomousSystemNumber`) are read only from numbers
//!   that are finite, integral and in range of the target type: `25.0` gives 25, while `25.5`
//!   or `1e40` give `None` (never truncated or saturated: a fractional age is not an age the
//!   API documents, and a silent truncation would hide that).
//! - No reader recurses on the document's depth: each walks a fixed path of keys and at most
//!   one array at a time, so a 100 000-deep document costs no stack. Nothing is allocated
//!   except the returned rows.
//!
//! [`report_of`] finds the report inside whatever the caller passes: a whole `Session`, the
//! `{session, clientSecret}` wrapper that `GET /sessions/{id}` returns, or a bare
//! `SessionReport`.

pub mod node_outcomes;
pub mod risk_signals;
pub mod session_summary;
pub mod transcript;

pub use node_outcomes::{node_outcomes, outcome, NodeOutcome};
pub use risk_signals::{risk_signals, RiskSignals, VIDEO_CRITERIA};
pub use session_summary::{session_summary, SessionSummary, SummaryField, SummaryKind, SUMMARY_FIELDS};
pub use transcript::{transcript, Phrase};

use crate::json::{JsonRef, Kind};

/// Keys that only a `Session` has (a `SessionReport` has none of them): a document with one
/// of these but no usable `report` is a session without a report, not a bare report.
const SESSION_KEYS: [&str; 3] = ["settings", "status", "id"];

/// The session itself when `doc` is the `{session: {...}}` wrapper of `GET /sessions/{id}` or
/// `POST /sessions`, else `doc`. Looks one level down only.
pub fn session_of<'a, J: JsonRef<'a>>(doc: J) -> J {
    match doc.get("session") {
        Some(inner) if inner.kind() == Kind::Object => inner,
        _ => doc,
    }
}

/// The `SessionReport` of `doc`:
/// - a Session (or its `{session}` wrapper) with a `report` key: that report when it is an
///   object, else `None` (`"report": null` means "no report");
/// - a Session without `report` (it has `id`, `status` or `settings`): `None`;
/// - any other object: taken to be a bare report;
/// - anything that is not an object: `None`.
pub fn report_of<'a, J: JsonRef<'a>>(doc: J) -> Option<J> {
    let doc = session_of(doc);
    if doc.kind() != Kind::Object {
        return None;
    }
    if let Some(report) = doc.get("report") {
        return (report.kind() == Kind::Object).then_some(report);
    }
    if SESSION_KEYS.iter().any(|k| doc.get(k).is_some()) {
        return None;
    }
    Some(doc)
}

// ---- scalar readers shared by the modules --------------------------------------------------

/// A string member.
pub(crate) fn str_at<'a, J: JsonRef<'a>>(obj: J, key: &str) -> Option<&'a str> {
    obj.get(key)?.as_str()
}

/// A boolean member.
pub(crate) fn bool_at<'a, J: JsonRef<'a>>(obj: J, key: &str) -> Option<bool> {
    obj.get(key)?.as_bool()
}

/// A finite number.
pub(crate) fn finite<'a, J: JsonRef<'a>>(value: J) -> Option<f64> {
    value.as_f64().filter(|x| x.is_finite())
}

/// A finite number member.
pub(crate) fn f64_at<'a, J: JsonRef<'a>>(obj: J, key: &str) -> Option<f64> {
    finite(obj.get(key)?)
}

/// An integral number in `i32` range.
pub(crate) fn i32_at<'a, J: JsonRef<'a>>(obj: J, key: &str) -> Option<i32> {
    let x = f64_at(obj, key)?;
    (x.fract() == 0.0 && x >= i32::MIN as f64 && x <= i32::MAX as f64).then_some(x as i32)
}

/// An integral number in `i64` range (2^63 itself is out: `i64::MAX as f64` rounds up to it).
pub(crate) fn i64_at<'a, J: JsonRef<'a>>(obj: J, key: &str) -> Option<i64> {
    let x = f64_at(obj, key)?;
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    (x.fract() == 0.0 && (-LIMIT..LIMIT).contains(&x)).then_some(x as i64)
}

/// An ordinal or count as the `int` SQL wants (saturating; a jsonb container holds fewer
/// than 2^28 entries anyway).
pub(crate) fn int_count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The elements of `report.<key>` when it is an array (empty otherwise), or `None` when there
/// is no report.
pub(crate) fn report_array<'a, J: JsonRef<'a>>(doc: J, key: &str) -> Option<J> {
    report_of(doc)?.get(key).filter(|v| v.kind() == Kind::Array)
}

#[cfg(test)]
mod tests;
