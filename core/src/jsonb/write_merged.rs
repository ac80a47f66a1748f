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
use crate::merge_session::Merged;

/// The bytes of `merged` as a jsonb datum holds them after the varlena header.
pub fn encode_merged(merged: &Merged<'_, Jsonb<'_>>) -> Vec<u8> {
    let mut buf = Vec::new();
    match merged {
        Merged::Object(members) => write_object(&mut buf, members),
        Merged::Pick(value) => match value.0 {
            Repr::Array(c) | Repr::Object(c) => buf.extend_from_slice(c.bytes),
            _ => {
                // A scalar document is a one-element array flagged scalar.
                buf.extend_from_slice(&(FLAG_ARRAY | FLAG_SCALAR | 1).to_le_bytes());
                buf.extend_from_slice(&[0; 4]);
                let frame = Frame::placed(4, 8);
                let type_bits = write_value(&mut buf, *value);
                close_child(&mut buf, &frame, 0, type_bits);
            }
        },
    }
    buf
}

/// An object: header, JEntries (all keys, then the values), then the data.
fn write_object(buf: &mut Vec<u8>, members: &[(&str, Merged<'_, Jsonb<'_>>)]) {
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
        let type_bits = match value {
            Merged::Object(inner) => {
                write_object(buf, inner);
                JENTRY_CONTAINER
            }
            Merged::Pick(value) => write_value(buf, *value),
        };
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
