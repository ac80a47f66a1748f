//! `facesign.flow_fingerprint`: a stable name for a flow graph, so that the sessions that ran
//! the same flow version can be grouped and the export can store each distinct flow once.
//!
//! The fingerprint is the SHA-256 of the flow's canonical JSON, its first 16 bytes in hex:
//! object members in [`key_order`](crate::json::key_order), no whitespace, strings escaped
//! the one way, numbers as the shortest decimal that reads back as the same `f64` (so `1`,
//! `1.0` and `1e0` are one number, as in binary jsonb's equality). The same graph gives the
//! same fingerprint whatever its key order, whitespace or representation (serde_json or
//! binary jsonb); any other change (a node, an outcome, a prompt) gives another.
//!
//! The walk keeps its own stack instead of recursing, so a deeply nested flow costs heap in
//! proportion to its depth, never the server's stack; the canonical text is hashed as it is
//! produced, never held.

use sha2::{Digest, Sha256};

use crate::json::{JsonRef, Kind};

/// The fingerprint of a flow (an array or an object: the SDK-head or the legacy shape);
/// `None` for anything else, and for a document too large to be a flow (over 2^25 values).
pub fn flow_fingerprint<'a, J: JsonRef<'a>>(flow: J) -> Option<String> {
    if !matches!(flow.kind(), Kind::Array | Kind::Object) {
        return None;
    }
    let mut hasher = Sha256::new();
    if !canonical_json(flow, &mut |bytes| hasher.update(bytes)) {
        return None;
    }
    let digest = hasher.finalize();
    Some(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
}

/// One open array or object of the walk: what is left of it.
enum Open<'a, J: JsonRef<'a>> {
    Array(J::Elements),
    Object(std::vec::IntoIter<(&'a str, J)>),
}

/// At most this many values are walked. A valid document of PostgreSQL's 256 MB limit holds
/// fewer; a corrupt binary datum whose containers overlap could otherwise make the walk
/// take exponential time.
const MAX_VALUES: u64 = 1 << 25;

/// Writes the canonical JSON of `value` to `out`, in pieces; false (and an unfinished text)
/// when the document has more than [`MAX_VALUES`] values.
pub fn canonical_json<'a, J: JsonRef<'a>>(value: J, out: &mut impl FnMut(&[u8])) -> bool {
    let mut stack: Vec<(Open<'a, J>, bool)> = Vec::new();
    let mut next = Some(value);
    let mut values = 0u64;
    loop {
        if let Some(v) = next.take() {
            values += 1;
            if values > MAX_VALUES {
                return false;
            }
            match v.kind() {
                Kind::Null => out(b"null"),
                Kind::Bool => out(if v.as_bool() == Some(true) { b"true" } else { b"false" }),
                Kind::Number => write_number(v.as_f64(), out),
                Kind::String => write_string(v.as_str().unwrap_or_default(), out),
                Kind::Array => {
                    out(b"[");
                    stack.push((Open::Array(v.elements()), true));
                }
                Kind::Object => {
                    out(b"{");
                    stack.push((Open::Object(v.members_in_key_order().into_iter()), true));
                }
            }
        }
        let Some((open, first)) = stack.last_mut() else { return true };
        let item = match open {
            Open::Array(elements) => elements.next().map(|e| (None, e)),
            Open::Object(members) => members.next().map(|(k, e)| (Some(k), e)),
        };
        match item {
            Some((key, element)) => {
                if !*first {
                    out(b",");
                }
                *first = false;
                if let Some(key) = key {
                    write_string(key, out);
                    out(b":");
                }
                next = Some(element);
            }
            None => {
                let closing: &[u8] = if matches!(open, Open::Array(_)) { b"]" } else { b"}" };
                out(closing);
                stack.pop();
            }
        }
    }
}

fn write_number(value: Option<f64>, out: &mut impl FnMut(&[u8])) {
    match value {
        // Rust's `Display` of an f64 is the shortest decimal that reads back as it; -0 is 0.
        Some(x) if x.is_finite() => {
            let x = if x == 0.0 { 0.0 } else { x };
            out(format!("{x}").as_bytes())
        }
        // Beyond f64 (binary jsonb saturates): told apart by sign only.
        Some(x) if x > 0.0 => out(b"1e999"),
        Some(_) => out(b"-1e999"),
        None => out(b"null"),
    }
}

fn write_string(s: &str, out: &mut impl FnMut(&[u8])) {
    out(b"\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out(&bytes[start..i]);
        match escaped {
            Some(e) => out(e),
            None => out(format!("\\u{b:04x}").as_bytes()),
        }
        start = i + 1;
    }
    out(&bytes[start..]);
    out(b"\"");
}
