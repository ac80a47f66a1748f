//! Writes a `serde_json` value in PostgreSQL's binary jsonb layout, the way `jsonb_in` does.
//!
//! This lets the library's tests and fuzz targets run every rule over the binary reader
//! without a server; the SQL tests check the reader against the real server's bytes. The
//! writer is iterative (an explicit stack), so it handles documents of any depth.

use super::*;
use serde_json::Value;

const OFFSET_STRIDE: usize = 32;

/// The bytes of `value` as a jsonb datum would hold them after the varlena header.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut buf = Vec::new();
    match value {
        Value::Array(_) | Value::Object(_) => {
            write_container(&mut buf, value);
        }
        scalar => {
            // A scalar document is a one-element array flagged scalar.
            let wrapped = Value::Array(vec![scalar.clone()]);
            write_container(&mut buf, &wrapped);
            let header = read_u32(&buf, 0).unwrap() | FLAG_SCALAR;
            buf[0..4].copy_from_slice(&header.to_le_bytes());
        }
    }
    buf
}

/// `[{key: value, …}, …]` for rows whose values are strings or null, written as jsonb without
/// building a `serde_json` tree first: `flow_errors` on a flow with a million problems would
/// otherwise hold about a gigabyte of tree for a 160 MB result.
pub fn encode_string_rows<'s, const N: usize>(
    keys: [&str; N],
    rows: impl ExactSizeIterator<Item = [Option<&'s str>; N]>,
) -> Vec<u8> {
    encode_rows(keys, rows.map(|row| row.map(Cell::Text)))
}

/// One value of a row for [`encode_rows`].
#[derive(Clone, Copy, Debug)]
pub enum Cell<'s> {
    /// A string, or null.
    Text(Option<&'s str>),
    Int(i64),
}

/// `[{key: value, …}, …]` for rows of strings, nulls and integers, written straight into the
/// jsonb layout (`risk_score`'s reasons, `flow_errors`' rows).
pub fn encode_rows<'s, const N: usize>(
    keys: [&str; N],
    rows: impl ExactSizeIterator<Item = [Cell<'s>; N]>,
) -> Vec<u8> {
    // Members are stored in jsonb's key order: all keys, then the values in the same order.
    let mut order: [usize; N] = std::array::from_fn(|i| i);
    order.sort_by(|&a, &b| crate::json::key_order(keys[a], keys[b]));
    let mut buf = Vec::new();
    buf.extend_from_slice(&(FLAG_ARRAY | rows.len() as u32).to_le_bytes());
    buf.resize(4 + 4 * rows.len(), 0);
    let array = Frame::placed(4, buf.len());
    for (i, row) in rows.enumerate() {
        pad_to_4(&mut buf);
        buf.extend_from_slice(&(FLAG_OBJECT | N as u32).to_le_bytes());
        let jentries_at = buf.len();
        buf.resize(buf.len() + 8 * N, 0);
        let object = Frame::placed(jentries_at, buf.len());
        for (j, &k) in order.iter().enumerate() {
            buf.extend_from_slice(keys[k].as_bytes());
            close_child(&mut buf, &object, j, JENTRY_STRING);
        }
        for (j, &k) in order.iter().enumerate() {
            let type_bits = match row[k] {
                Cell::Text(Some(text)) => {
                    buf.extend_from_slice(text.as_bytes());
                    JENTRY_STRING
                }
                Cell::Text(None) => JENTRY_NULL,
                Cell::Int(n) => {
                    pad_to_4(&mut buf);
                    write_numeric(&mut buf, &n.to_string());
                    JENTRY_NUMERIC
                }
            };
            close_child(&mut buf, &object, N + j, type_bits);
        }
        close_child(&mut buf, &array, i, JENTRY_CONTAINER);
    }
    buf
}

/// A container being written: where its JEntries are, its children in storage order, and
/// how far it has got.
pub(super) struct Frame<'v> {
    children: Vec<Child<'v>>,
    next: usize,
    pub(super) jentries_at: usize,
    pub(super) data_start: usize,
}

impl Frame<'static> {
    /// A container whose JEntries start at `jentries_at` and whose data starts at `data_start`,
    /// for writers that place the children themselves.
    pub(super) fn placed(jentries_at: usize, data_start: usize) -> Self {
        Frame { children: Vec::new(), next: 0, jentries_at, data_start }
    }
}

enum Child<'v> {
    Key(&'v str),
    Value(&'v Value),
}

pub(super) fn pad_to_4(buf: &mut Vec<u8>) {
    while buf.len() % 4 != 0 {
        buf.push(0);
    }
}

/// Starts a container at the end of `buf`: header, reserved JEntries.
fn open<'v>(buf: &mut Vec<u8>, value: &'v Value) -> Frame<'v> {
    // Alignment padding before a container counts as part of its entry's length, which
    // `close_child` gets for free by measuring from the previous child's end.
    pad_to_4(buf);
    let (header, children) = match value {
        Value::Array(items) => {
            (FLAG_ARRAY | items.len() as u32, items.iter().map(Child::Value).collect::<Vec<_>>())
        }
        Value::Object(map) => {
            let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
            pairs.sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
            let mut children: Vec<Child> = pairs.iter().map(|(k, _)| Child::Key(k)).collect();
            children.extend(pairs.iter().map(|(_, v)| Child::Value(v)));
            (FLAG_OBJECT | map.len() as u32, children)
        }
        _ => unreachable!("only containers are opened"),
    };
    buf.extend_from_slice(&header.to_le_bytes());
    let jentries_at = buf.len();
    buf.resize(buf.len() + 4 * children.len(), 0);
    Frame { data_start: buf.len(), children, next: 0, jentries_at }
}

/// Records child `i`'s JEntry once its data (of type `type_bits`) ends at the end of `buf`.
pub(super) fn close_child(buf: &mut [u8], frame: &Frame, i: usize, type_bits: u32) {
    let total = buf.len() - frame.data_start;
    let entry = if i % OFFSET_STRIDE == 0 {
        type_bits | JENTRY_HAS_OFF | total as u32
    } else {
        let start = if i == 0 { 0 } else { child_end(buf, frame, i) };
        type_bits | (total - start) as u32
    };
    let at = frame.jentries_at + 4 * i;
    buf[at..at + 4].copy_from_slice(&entry.to_le_bytes());
}

/// End offset of child `i - 1`, i.e. the start of child `i`.
fn child_end(buf: &[u8], frame: &Frame, i: usize) -> usize {
    let mut offset = 0usize;
    let mut j = i;
    while j > 0 {
        j -= 1;
        let je = read_u32(buf, frame.jentries_at + 4 * j).unwrap();
        offset += (je & JENTRY_OFFLEN_MASK) as usize;
        if je & JENTRY_HAS_OFF != 0 {
            break;
        }
    }
    offset
}

fn write_container(buf: &mut Vec<u8>, root: &Value) {
    let mut stack = vec![open(buf, root)];
    while let Some(frame) = stack.last_mut() {
        let i = frame.next;
        let Some(child) = frame.children.get(i) else {
            // Container finished: record it in its parent.
            stack.pop();
            if let Some(parent) = stack.last_mut() {
                close_child(buf, parent, parent.next, JENTRY_CONTAINER);
                parent.next += 1;
            }
            continue;
        };
        let type_bits = match child {
            Child::Key(k) => {
                buf.extend_from_slice(k.as_bytes());
                JENTRY_STRING
            }
            Child::Value(v) => match v {
                Value::Null => JENTRY_NULL,
                Value::Bool(false) => JENTRY_FALSE,
                Value::Bool(true) => JENTRY_TRUE,
                Value::String(s) => {
                    buf.extend_from_slice(s.as_bytes());
                    JENTRY_STRING
                }
                Value::Number(n) => {
                    pad_to_4(buf);
                    write_numeric(buf, &n.to_string());
                    JENTRY_NUMERIC
                }
                Value::Array(_) | Value::Object(_) => {
                    let child_frame = open(buf, v);
                    stack.push(child_frame);
                    continue;
                }
            },
        };
        let frame = stack.last_mut().unwrap();
        close_child(buf, frame, i, type_bits);
        frame.next += 1;
    }
}

/// Writes a decimal literal (`-12.5e3`) as a numeric varlena with a 4-byte header, in the
/// short form when it fits, as `numeric_in` would.
fn write_numeric(buf: &mut Vec<u8>, literal: &str) {
    let (negative, rest) = match literal.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, literal),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], rest[at + 1..].parse::<i32>().unwrap_or(0)),
        None => (rest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut decimal: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).map(|b| b - b'0').collect();
    // Position of the decimal point, counted in decimal digits from the left.
    let mut point = int_part.len() as i32 + exponent;
    let dscale = (frac_part.len() as i32 - exponent).max(0);
    // Strip leading zeros, keep the point where it is.
    while decimal.first() == Some(&0) {
        decimal.remove(0);
        point -= 1;
    }
    while decimal.last() == Some(&0) {
        decimal.pop();
    }
    let mut digits: Vec<u16> = Vec::new();
    let mut weight = 0i32;
    if !decimal.is_empty() {
        // Align to base-10000 groups: the point must fall on a group boundary.
        let lead = point.rem_euclid(4);
        let lead = if lead == 0 { 0 } else { 4 - lead };
        let mut padded = vec![0u8; lead as usize];
        padded.extend(decimal);
        while padded.len() % 4 != 0 {
            padded.push(0);
        }
        weight = (point + lead) / 4 - 1;
        digits = padded.chunks(4).map(|g| g.iter().fold(0u16, |acc, d| acc * 10 + *d as u16)).collect();
        while digits.last() == Some(&0) {
            digits.pop();
        }
    }
    let negative = negative && !digits.is_empty();
    let mut payload = Vec::new();
    if dscale <= 63 && (-64..=63).contains(&weight) {
        let header = 0x8000u16
            | if negative { 0x2000 } else { 0 }
            | ((dscale as u16) << 7)
            | if weight < 0 { 0x0040 } else { 0 }
            | (weight as u16 & 0x003F);
        payload.extend_from_slice(&header.to_le_bytes());
    } else {
        let sign_dscale = if negative { 0x4000u16 } else { 0 } | (dscale as u16 & 0x3FFF);
        payload.extend_from_slice(&sign_dscale.to_le_bytes());
        payload.extend_from_slice(&(weight as i16).to_le_bytes());
    }
    for d in digits {
        payload.extend_from_slice(&d.to_le_bytes());
    }
    let total = (payload.len() + 4) as u32;
    buf.extend_from_slice(&(total << 2).to_le_bytes());
    buf.extend(payload);
}
