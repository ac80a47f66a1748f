//! `facesign.transcript`: the phrases of a report.

use super::{bool_at, f64_at, int_count, report_array, str_at};
use crate::json::{JsonRef, Kind};

/// One transcript phrase.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Phrase<'a> {
    /// Position in `transcript`, from 1.
    pub ordinal: i32,
    /// `"avatar"` when `isAvatar` is true, `"user"` when false, `None` when it is not a
    /// boolean.
    pub speaker: Option<&'static str>,
    pub text: Option<&'a str>,
    /// `createdAt`, Unix epoch milliseconds.
    pub created_at_ms: Option<f64>,
}

/// One row per `transcript` entry, in order, `ordinal` from 1. As with node outcomes, an
/// entry that is not an object keeps its row with every field `None`.
pub fn transcript<'a, J: JsonRef<'a>>(doc: J) -> Vec<Phrase<'a>> {
    let Some(phrases) = report_array(doc, "transcript") else { return Vec::new() };
    let mut rows = Vec::with_capacity(phrases.len());
    for (i, entry) in phrases.elements().enumerate() {
        let mut row = Phrase { ordinal: int_count(i + 1), ..Phrase::default() };
        if entry.kind() == Kind::Object {
            row.speaker = bool_at(entry, "isAvatar").map(speaker);
            row.text = str_at(entry, "text");
            row.created_at_ms = f64_at(entry, "createdAt");
        }
        rows.push(row);
    }
    rows
}

/// A phrase's speaker by its `isAvatar`.
pub fn speaker(is_avatar: bool) -> &'static str {
    if is_avatar {
        "avatar"
    } else {
        "user"
    }
}
