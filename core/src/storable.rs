//! Whether the reference `sessions` table can store a session, and if not, why: the one rule
//! the loader applies to each NDJSON line before it reaches PostgreSQL and
//! `facesign.assert_storable` / `facesign.storage_refusal` apply in SQL (and so
//! `upsert_session`), so a session the table would refuse is refused, with a reason a user can
//! act on, before it can fail a whole batch.
//!
//! What the table refuses, and so this rule:
//! - a document that is not a session object, or has no string `id` (the key column is
//!   `NOT NULL`);
//! - an indexed value longer than [`MAX_KEY_BYTES`]: the `id`, `settings.clientReferenceId`
//!   (or legacy `client_reference_id`), `status` and the `liveness_detection` node's outcome
//!   are each a btree index key, and a btree entry holds at most about 2.7 kB; the limit is far
//!   below that (room for the rest of a composite key) and far above any real value;
//! - a string holding U+0000 (`\u0000`, valid JSON that `jsonb` cannot store);
//! - an SDK-head array flow that `facesign.flow_is_valid` rejects (the table's CHECK).

use crate::json::{JsonRef, Kind};
use crate::report::{outcome, session_of, session_summary};

/// The longest `id`, client reference id, `status` or liveness outcome stored, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// An indexed value of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Id,
    ClientReferenceId,
    Status,
    LivenessOutcome,
}

impl Key {
    /// Where the value is in the document.
    pub fn described(self) -> &'static str {
        match self {
            Key::Id => "its \"id\"",
            Key::ClientReferenceId => "its settings.clientReferenceId",
            Key::Status => "its \"status\"",
            Key::LivenessOutcome => "its liveness_detection node report's \"outcome\"",
        }
    }
}

/// Why the reference table cannot store a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a JSON object (nor a `{session: {...}}` wrapper of one).
    NotASession(Kind),
    /// No non-empty string `id`.
    NoId,
    /// An indexed value longer than [`MAX_KEY_BYTES`].
    TooLong { key: Key, bytes: usize },
    /// A string (or a key) holding U+0000, at this JSON Pointer.
    Nul { pointer: String },
    /// An SDK-head array flow with errors.
    InvalidFlow,
}

impl Refusal {
    /// The SQLSTATE PostgreSQL itself would raise for it (`facesign.assert_storable` raises
    /// this one).
    pub fn sqlstate(&self) -> &'static str {
        match self {
            Refusal::NotASession(_) => "22023", // invalid_parameter_value
            Refusal::NoId => "23502",           // not_null_violation
            Refusal::TooLong { .. } => "22001", // string_data_right_truncation
            Refusal::Nul { .. } => "22P05",     // untranslatable_character
            Refusal::InvalidFlow => "23514",    // check_violation
        }
    }

    /// What is wrong, in a sentence that names the value but never prints it (it may be
    /// personal data).
    pub fn message(&self) -> String {
        match self {
            Refusal::NotASession(kind) => {
                format!(
                    "not a Session object ({}, where a JSON object with an \"id\" belongs)",
                    kind.described()
                )
            }
            Refusal::NoId => "the session has no string \"id\"".to_owned(),
            Refusal::TooLong { key, bytes } => format!(
                "{} is {bytes} bytes long; the sessions table indexes it and stores at most {MAX_KEY_BYTES}",
                key.described()
            ),
            Refusal::Nul { pointer } => format!(
                "the string at {} holds \\u0000, which PostgreSQL's jsonb cannot store",
                if pointer.is_empty() { "the top level" } else { pointer }
            ),
            Refusal::InvalidFlow => {
                "its settings.flow is not a valid flow (the sessions table's CHECK refuses it)".to_owned()
            }
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Refusal::NotASession(_) | Refusal::NoId => {
                "Store Session objects as GET /sessions/{id} returns them, or its {session: ...} response."
            }
            Refusal::TooLong { .. } => {
                "FaceSign's ids are short; a value this long is not one. Correct the session at its source."
            }
            Refusal::Nul { .. } => {
                "Remove the U+0000 characters at the source, or load with --nul replace, which stores U+FFFD in their place."
            }
            Refusal::InvalidFlow => "SELECT * FROM facesign.validate_flow(session -> 'settings' -> 'flow') lists each problem.",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// Why the reference table would refuse `doc` (a Session or its `{session}` wrapper, of which
/// the session itself is what is stored), or `None` when it stores it.
pub fn refusal<'a, J: JsonRef<'a>>(doc: J) -> Option<Refusal> {
    let session = session_of(doc);
    if session.kind() != Kind::Object {
        return Some(Refusal::NotASession(session.kind()));
    }
    let summary = session_summary(session);
    let Some(id) = summary.id.filter(|id| !id.is_empty()) else {
        return Some(Refusal::NoId);
    };
    let keys = [
        (Key::Id, Some(id)),
        (Key::ClientReferenceId, summary.client_reference_id),
        (Key::Status, summary.status),
        (Key::LivenessOutcome, outcome(session, "liveness_detection")),
    ];
    for (key, value) in keys {
        if let Some(value) = value.filter(|v| v.len() > MAX_KEY_BYTES) {
            return Some(Refusal::TooLong { key, bytes: value.len() });
        }
    }
    if let Some(pointer) = first_nul(session) {
        return Some(Refusal::Nul { pointer });
    }
    let flow = session.path(&["settings", "flow"]).filter(|flow| flow.is_array());
    if flow.is_some_and(|flow| !crate::flow::flow_is_valid(flow)) {
        return Some(Refusal::InvalidFlow);
    }
    None
}

/// The JSON Pointer of the first string or key (members in [`crate::json::key_order`]) that
/// holds U+0000, walking without recursion. Binary jsonb never holds one; `serde_json` does
/// when the text had `\u0000`.
pub fn first_nul<'a, J: JsonRef<'a>>(doc: J) -> Option<String> {
    // A cheap pass first; the pointer is built only for a document that has one.
    if !any_nul(doc) {
        return None;
    }
    let mut stack: Vec<(J, String)> = vec![(doc, String::new())];
    while let Some((value, pointer)) = stack.pop() {
        match value.kind() {
            Kind::String if value.as_str().is_some_and(|s| s.contains('\0')) => return Some(pointer),
            Kind::Array => {
                let children: Vec<_> =
                    value.elements().enumerate().map(|(i, v)| (v, format!("{pointer}/{i}"))).collect();
                stack.extend(children.into_iter().rev());
            }
            Kind::Object => {
                let mut children = Vec::with_capacity(value.len());
                // In key order, so both representations name the same string first.
                for (key, v) in value.members_in_key_order() {
                    let at = format!("{pointer}/{}", escape_pointer_token(key));
                    if key.contains('\0') {
                        return Some(at);
                    }
                    children.push((v, at));
                }
                stack.extend(children.into_iter().rev());
            }
            _ => {}
        }
    }
    None
}

fn any_nul<'a, J: JsonRef<'a>>(doc: J) -> bool {
    let mut stack = vec![doc];
    while let Some(value) = stack.pop() {
        match value.kind() {
            Kind::String if value.as_str().is_some_and(|s| s.contains('\0')) => return true,
            Kind::Array => stack.extend(value.elements()),
            Kind::Object => {
                for (key, v) in value.members() {
                    if key.contains('\0') {
                        return true;
                    }
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    false
}

/// A key as a JSON Pointer reference token (RFC 6901: `~` is `~0`, `/` is `~1`).
fn escape_pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests;
