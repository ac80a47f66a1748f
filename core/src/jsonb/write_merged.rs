//! Writes a [`Merged`] session (values borrowed from two binary jsonb documents) as one jsonb
//! datum, copying each picked value's bytes as they are: no value is decoded, so numbers
//! beyond `f64` and any nesting depth come through unchanged.
//!
//! A nested container is self-contained in the format (its JEntries hold lengths and offsets
//! relative to its own data area) and starts on a 4-byte boundary, so its bytes can be moved
//! to any 4-aligned place. The merged tree is at most two objects deep (session, report), so
//! the recursion here is bounded by the merge, not by the document.

use super::encode::{close_child, pad_to_4, Frame};
use super::*;
use crate::merge_session::{merge_session, MergeError, Merged};
use crate::redact::{redact_session, redaction_after_merge, Redacted};

/// The bytes of `merged` as a jsonb datum holds them after the varlena header.
pub fn encode_merged(merged: &Merged<'_, Jsonb<'_>>) -> Vec<u8> {
    let mut buf = Vec::new();
    match merged {
        Merged::Object(members) => write_object(&mut buf, members),
        Merged::Pick(value) => write_root(&mut buf, *value),
    }
    buf
}

/// Two snapshots of one session merged, as jsonb bytes: [`encode_merged`] of
/// [`merge_session`](crate::merge_session::merge_session), redacted again when either
/// snapshot was redacted ([`crate::redact::redaction_after_merge`]).
pub fn merged_session(stored: Jsonb<'_>, incoming: Jsonb<'_>) -> Result<Vec<u8>, MergeError> {
    let merged = encode_merged(&merge_session(stored, incoming)?);
    Ok(match redaction_after_merge(stored, incoming) {
        Some(marker) => encode_redacted(&redact_session(Jsonb::from_bytes(&merged), marker)),
        None => merged,
    })
}

/// The bytes of `redacted` as a jsonb datum holds them after the varlena header.
pub fn encode_redacted(redacted: &Redacted<'_, Jsonb<'_>>) -> Vec<u8> {
    let mut buf = Vec::new();
    match redacted {
        Redacted::Keep(value) => write_root(&mut buf, *value),
        Redacted::Object(members) => write_redacted_object(&mut buf, members),
        Redacted::Array(items) => write_redacted_array(&mut buf, items),
        Redacted::Null => buf = super::encode::encode(&serde_json::Value::Null),
        Redacted::Marker(marker) => buf = super::encode::encode(&marker.to_value()),
    }
    buf
}

/// A whole document taken from another: a container's bytes, or a scalar wrapped as jsonb
/// wraps a scalar document (a one-element array flagged scalar).
fn write_root(buf: &mut Vec<u8>, value: Jsonb<'_>) {
    match value.0 {
        Repr::Array(c) | Repr::Object(c) => buf.extend_from_slice(c.bytes),
        _ => {
            buf.extend_from_slice(&(FLAG_ARRAY | FLAG_SCALAR | 1).to_le_bytes());
            buf.extend_from_slice(&[0; 4]);
            let frame = Frame::placed(4, 8);
            let type_bits = write_value(buf, value);
            close_child(buf, &frame, 0, type_bits);
        }
    }
}

fn write_redacted_object(buf: &mut Vec<u8>, members: &[(&str, Redacted<'_, Jsonb<'_>>)]) {
    write_members(buf, members, write_redacted_value);
}

fn write_redacted_array(buf: &mut Vec<u8>, items: &[Redacted<'_, Jsonb<'_>>]) {
    pad_to_4(buf);
    buf.extend_from_slice(&(FLAG_ARRAY | items.len() as u32).to_le_bytes());
    let jentries_at = buf.len();
    buf.resize(buf.len() + 4 * items.len(), 0);
    let frame = Frame::placed(jentries_at, buf.len());
    for (i, value) in items.iter().enumerate() {
        let type_bits = write_redacted_value(buf, value);
        close_child(buf, &frame, i, type_bits);
    }
}

/// One redacted value inside a container; returns its JEntry type. The recursion follows
/// the redaction's tree, a few fixed levels deep whatever the document's depth.
fn write_redacted_value(buf: &mut Vec<u8>, value: &Redacted<'_, Jsonb<'_>>) -> u32 {
    match value {
        Redacted::Keep(value) => write_value(buf, *value),
        Redacted::Null => JENTRY_NULL,
        Redacted::Object(members) => {
            write_redacted_object(buf, members);
            JENTRY_CONTAINER
        }
        Redacted::Array(items) => {
            write_redacted_array(buf, items);
            JENTRY_CONTAINER
        }
        Redacted::Marker(marker) => {
            pad_to_4(buf);
            buf.extend_from_slice(&super::encode::encode(&marker.to_value()));
            JENTRY_CONTAINER
        }
    }
}

/// A merged object.
fn write_object(buf: &mut Vec<u8>, members: &[(&str, Merged<'_, Jsonb<'_>>)]) {
    write_members(buf, members, |buf, value| match value {
        Merged::Object(inner) => {
            write_object(buf, inner);
            JENTRY_CONTAINER
        }
        Merged::Pick(value) => write_value(buf, *value),
    });
}

/// An object: header, JEntries (all keys, then the values), then the data; `write` writes
/// one value and returns its JEntry type. Merged and redacted trees share it.
fn write_members<V>(buf: &mut Vec<u8>, members: &[(&str, V)], write: impl Fn(&mut Vec<u8>, &V) -> u32) {
    pad_to_4(buf);
    buf.extend_from_slice(&(FLAG_OBJECT | members.len() as u32).to_le_bytes());
    let jentries_at = buf.len();
    buf.resize(buf.len() + 8 * members.len(), 0);
    let frame = Frame::placed(jentries_at, buf.len());
    for (i, (key, _)) in members.iter().enumerate() {
        buf.extend_from_slice(key.as_bytes());
        close_child(buf, &frame, i, JENTRY_STRING);
    }
    for (i, (_, value)) in members.iter().enumerate() {
        let type_bits = write(buf, value);
        close_child(buf, &frame, members.len() + i, type_bits);
    }
}

/// Copies one value's data; returns its JEntry type.
fn write_value(buf: &mut Vec<u8>, value: Jsonb<'_>) -> u32 {
    match value.0 {
        Repr::Null => JENTRY_NULL,
        Repr::Bool(false) => JENTRY_FALSE,
        Repr::Bool(true) => JENTRY_TRUE,
        Repr::String(s) => {
            buf.extend_from_slice(s);
            JENTRY_STRING
        }
        Repr::Number(n) => {
            pad_to_4(buf);
            buf.extend_from_slice(n);
            JENTRY_NUMERIC
        }
        Repr::Array(c) | Repr::Object(c) => {
            pad_to_4(buf);
            buf.extend_from_slice(c.bytes);
            JENTRY_CONTAINER
        }
    }
}
