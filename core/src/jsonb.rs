//! PostgreSQL's binary `jsonb` format, read in place.
//!
//! The extension hands the detoasted bytes of a `jsonb` datum (after the varlena header) to
//! [`Jsonb::from_bytes`]; the rules then walk the document through [`JsonRef`] without
//! rendering it to text or building a tree: an object lookup walks or binary-searches the
//! container's sorted keys, a string is a borrowed slice.
//!
//! Layout (PostgreSQL `utils/jsonb.h`, unchanged since 9.4 because `pg_upgrade` copies data
//! files as they are):
//! - a container is a `u32` header (count in the low 28 bits; flags `0x10000000` scalar,
//!   `0x20000000` object, `0x40000000` array), then `count` JEntries for an array or
//!   `2 * count` for an object (all keys, then the values in the same order), then the data;
//! - a JEntry is a `u32`: type in bits 28–30, and in the low 28 bits either the length of the
//!   entry's data or, when bit 31 is set (every 32nd entry), its end offset;
//! - numerics and nested containers are padded to 4 bytes from the start of the data area;
//! - object keys are unique and sorted by length, then bytes.
//!
//! Everything is bounds-checked: bytes that do not follow the layout read as JSON `null`
//! rather than panicking or reading out of bounds, so the reader is safe to fuzz and to run
//! on whatever a caller passes. Little-endian machines only (PostgreSQL stores the format in
//! native byte order; every platform this project targets is little-endian).

mod encode;
mod numeric;
mod write_merged;

pub use encode::{encode, encode_rows, encode_string_rows, Cell};
pub use write_merged::{encode_merged, encode_redacted, merged_session};

use crate::json::{JsonRef, Kind};

#[cfg(target_endian = "big")]
compile_error!("the binary jsonb reader assumes a little-endian server");

const COUNT_MASK: u32 = 0x0FFF_FFFF;
const FLAG_SCALAR: u32 = 0x1000_0000;
const FLAG_OBJECT: u32 = 0x2000_0000;
const FLAG_ARRAY: u32 = 0x4000_0000;

const JENTRY_OFFLEN_MASK: u32 = 0x0FFF_FFFF;
const JENTRY_TYPE_MASK: u32 = 0x7000_0000;
const JENTRY_HAS_OFF: u32 = 0x8000_0000;
const JENTRY_STRING: u32 = 0x0000_0000;
const JENTRY_NUMERIC: u32 = 0x1000_0000;
const JENTRY_FALSE: u32 = 0x2000_0000;
const JENTRY_TRUE: u32 = 0x3000_0000;
const JENTRY_NULL: u32 = 0x4000_0000;
const JENTRY_CONTAINER: u32 = 0x5000_0000;

/// Objects with at most this many keys are searched by a walk rather than a binary search
/// (see `Container::lookup_linear`): a FaceSign node report, phrase or location level has
/// 3–12 keys; a session or report 7–20.
const LINEAR_LOOKUP_MAX_KEYS: usize = 24;

/// A value inside a binary jsonb document.
#[derive(Clone, Copy, Debug)]
pub struct Jsonb<'a>(Repr<'a>);

#[derive(Clone, Copy, Debug)]
enum Repr<'a> {
    Null,
    Bool(bool),
    /// A whole `numeric` varlena.
    Number(&'a [u8]),
    String(&'a [u8]),
    Array(Container<'a>),
    Object(Container<'a>),
}

/// An array or object: its bytes from the header on, and its element or pair count.
#[derive(Clone, Copy, Debug)]
struct Container<'a> {
    bytes: &'a [u8],
    /// Elements of an array, pairs of an object.
    count: usize,
    /// JEntries: `count` for an array, `2 * count` for an object.
    entries: usize,
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'a> Jsonb<'a> {
    /// Reads a document from the bytes of a jsonb datum after its varlena header (what
    /// `VARDATA_ANY` points at). Bytes that are not a jsonb container read as `null`.
    pub fn from_bytes(bytes: &'a [u8]) -> Jsonb<'a> {
        let Some(root) = Self::container(bytes) else {
            return Jsonb(Repr::Null);
        };
        match root.0 {
            // A scalar document is stored as a one-element array flagged scalar.
            Repr::Array(c) if read_u32(bytes, 0).is_some_and(|h| h & FLAG_SCALAR != 0) => {
                c.entry(0).unwrap_or(Jsonb(Repr::Null))
            }
            _ => root,
        }
    }

    /// Interprets `bytes` as a container, checking that its JEntries fit.
    fn container(bytes: &'a [u8]) -> Option<Jsonb<'a>> {
        let header = read_u32(bytes, 0)?;
        let count = (header & COUNT_MASK) as usize;
        let entries = if header & FLAG_OBJECT != 0 { count.checked_mul(2)? } else { count };
        let needed = entries.checked_mul(4)?.checked_add(4)?;
        if needed > bytes.len() {
            return None;
        }
        let container = Container { bytes, count, entries };
        if header & FLAG_OBJECT != 0 && header & FLAG_ARRAY == 0 {
            Some(Jsonb(Repr::Object(container)))
        } else if header & FLAG_ARRAY != 0 && header & FLAG_OBJECT == 0 {
            Some(Jsonb(Repr::Array(container)))
        } else {
            None
        }
    }
}

impl<'a> Container<'a> {
    fn jentry(&self, i: usize) -> u32 {
        read_u32(self.bytes, 4 + 4 * i).unwrap_or(JENTRY_NULL)
    }

    /// Where the data area starts: after the header and every JEntry (checked to fit when
    /// the container was made).
    fn data_start(&self) -> usize {
        4 + 4 * self.entries
    }

    /// Offset of entry `i`'s data from the start of the data area: the sum of the lengths
    /// back to the nearest entry that stores its end offset (at most 32 steps).
    fn offset_of(&self, i: usize) -> usize {
        let mut offset = 0usize;
        let mut j = i;
        while j > 0 {
            j -= 1;
            let je = self.jentry(j);
            offset = offset.saturating_add((je & JENTRY_OFFLEN_MASK) as usize);
            if je & JENTRY_HAS_OFF != 0 {
                break;
            }
        }
        offset
    }

    /// End offset of entry `i` given its start offset.
    fn end_of(&self, i: usize, start: usize) -> usize {
        let je = self.jentry(i);
        let field = (je & JENTRY_OFFLEN_MASK) as usize;
        if je & JENTRY_HAS_OFF != 0 {
            field
        } else {
            start.saturating_add(field)
        }
    }

    /// The value of entry `i` whose data spans `start..end` of the data area.
    fn value_at(&self, i: usize, start: usize, end: usize) -> Jsonb<'a> {
        let je = self.jentry(i);
        let base = self.data_start();
        let slice = |from: usize| -> Option<&'a [u8]> {
            let lo = base.checked_add(from)?;
            let hi = base.checked_add(end)?;
            if lo > hi {
                return None;
            }
            self.bytes.get(lo..hi)
        };
        let aligned = (start + 3) & !3;
        let repr = match je & JENTRY_TYPE_MASK {
            JENTRY_STRING => slice(start).map(Repr::String),
            JENTRY_NUMERIC => slice(aligned).map(Repr::Number),
            JENTRY_FALSE => Some(Repr::Bool(false)),
            JENTRY_TRUE => Some(Repr::Bool(true)),
            JENTRY_NULL => Some(Repr::Null),
            JENTRY_CONTAINER => slice(aligned).and_then(Jsonb::container).map(|j| j.0),
            _ => None,
        };
        Jsonb(repr.unwrap_or(Repr::Null))
    }

    /// Entry `i` (for an array: element `i`).
    fn entry(&self, i: usize) -> Option<Jsonb<'a>> {
        if i >= self.entries {
            return None;
        }
        let start = self.offset_of(i);
        Some(self.value_at(i, start, self.end_of(i, start)))
    }

    fn key_bytes(&self, i: usize) -> &'a [u8] {
        let start = self.offset_of(i);
        let end = self.end_of(i, start);
        let base = self.data_start();
        self.bytes.get(base.saturating_add(start)..base.saturating_add(end)).unwrap_or(&[])
    }

    /// Finds `key`'s value: one walk over the keys of a small object, a binary search over
    /// the keys of a larger one (jsonb keeps them sorted by length, then bytes).
    fn lookup(&self, key: &[u8]) -> Option<Jsonb<'a>> {
        if self.count <= LINEAR_LOOKUP_MAX_KEYS {
            self.lookup_linear(key)
        } else {
            self.lookup_binary(key)
        }
    }

    /// A binary search probe must walk back to the nearest stored offset (up to 32 entries)
    /// to find where its key starts, so on an object of a few keys it reads every JEntry
    /// several times over. This walk reads each once: the keys with a running offset until
    /// the match (stopping at the first longer key, as they are sorted by length), the rest
    /// of the keys and the values before the match to find where its value starts.
    fn lookup_linear(&self, key: &[u8]) -> Option<Jsonb<'a>> {
        let base = self.data_start();
        let mut offset = 0usize;
        let mut found = None;
        for i in 0..self.count {
            let end = self.end_of(i, offset);
            if found.is_none() {
                let len = end.saturating_sub(offset);
                if len > key.len() {
                    return None;
                }
                if len == key.len()
                    && self.bytes.get(base.saturating_add(offset)..base.saturating_add(end)) == Some(key)
                {
                    found = Some(i);
                }
            }
            offset = end;
        }
        let value = self.count + found?;
        for j in self.count..value {
            offset = self.end_of(j, offset);
        }
        Some(self.value_at(value, offset, self.end_of(value, offset)))
    }

    fn lookup_binary(&self, key: &[u8]) -> Option<Jsonb<'a>> {
        let (mut lo, mut hi) = (0usize, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let probe = self.key_bytes(mid);
            match (probe.len(), probe).cmp(&(key.len(), key)) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.entry(self.count + mid),
            }
        }
        None
    }
}

/// Walks a container's entries in order, keeping a running offset so each step is O(1).
#[derive(Clone, Debug)]
struct Cursor<'a> {
    container: Option<Container<'a>>,
    next: usize,
    end: usize,
    offset: usize,
}

impl<'a> Cursor<'a> {
    fn new(container: Option<Container<'a>>, from: usize, to: usize) -> Self {
        let offset = container.map_or(0, |c| c.offset_of(from));
        Cursor { container, next: from, end: to, offset }
    }
    fn empty() -> Self {
        Cursor { container: None, next: 0, end: 0, offset: 0 }
    }
    /// The next entry's data range and index.
    fn step(&mut self) -> Option<(Container<'a>, usize, usize, usize)> {
        let c = self.container?;
        if self.next >= self.end {
            return None;
        }
        let i = self.next;
        let start = self.offset;
        let end = c.end_of(i, start);
        self.next += 1;
        self.offset = end;
        Some((c, i, start, end))
    }
}

/// Iterator over the elements of a jsonb array.
#[derive(Clone, Debug)]
pub struct JsonbElements<'a>(Cursor<'a>);

impl<'a> Iterator for JsonbElements<'a> {
    type Item = Jsonb<'a>;
    fn next(&mut self) -> Option<Jsonb<'a>> {
        let (c, i, start, end) = self.0.step()?;
        Some(c.value_at(i, start, end))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.0.end.saturating_sub(self.0.next);
        (left, Some(left))
    }
}

/// Iterator over the members of a jsonb object, in the format's key order.
#[derive(Clone, Debug)]
pub struct JsonbMembers<'a> {
    keys: Cursor<'a>,
    values: Cursor<'a>,
}

impl<'a> Iterator for JsonbMembers<'a> {
    type Item = (&'a str, Jsonb<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        let (c, _, kstart, kend) = self.keys.step()?;
        let (_, vi, vstart, vend) = self.values.step()?;
        let base = c.data_start();
        let key = c.bytes.get(base.saturating_add(kstart)..base.saturating_add(kend)).unwrap_or(&[]);
        // Keys are UTF-8 in any UTF-8 database; a key that is not reads as U+FFFD.
        let key = std::str::from_utf8(key).unwrap_or("\u{FFFD}");
        Some((key, c.value_at(vi, vstart, vend)))
    }
}

impl<'a> JsonRef<'a> for Jsonb<'a> {
    type Elements = JsonbElements<'a>;
    type Members = JsonbMembers<'a>;
    const MEMBERS_IN_KEY_ORDER: bool = true;

    fn kind(self) -> Kind {
        match self.0 {
            Repr::Null => Kind::Null,
            Repr::Bool(_) => Kind::Bool,
            Repr::Number(_) => Kind::Number,
            Repr::String(_) => Kind::String,
            Repr::Array(_) => Kind::Array,
            Repr::Object(_) => Kind::Object,
        }
    }
    fn get(self, key: &str) -> Option<Self> {
        match self.0 {
            Repr::Object(c) => c.lookup(key.as_bytes()),
            _ => None,
        }
    }
    fn as_str(self) -> Option<&'a str> {
        match self.0 {
            Repr::String(s) => std::str::from_utf8(s).ok(),
            _ => None,
        }
    }
    fn as_f64(self) -> Option<f64> {
        match self.0 {
            Repr::Number(n) => numeric::to_f64(n),
            _ => None,
        }
    }
    fn as_bool(self) -> Option<bool> {
        match self.0 {
            Repr::Bool(b) => Some(b),
            _ => None,
        }
    }
    fn elements(self) -> Self::Elements {
        match self.0 {
            Repr::Array(c) => JsonbElements(Cursor::new(Some(c), 0, c.count)),
            _ => JsonbElements(Cursor::empty()),
        }
    }
    fn members(self) -> Self::Members {
        match self.0 {
            Repr::Object(c) => JsonbMembers {
                keys: Cursor::new(Some(c), 0, c.count),
                values: Cursor::new(Some(c), c.count, 2 * c.count),
            },
            _ => JsonbMembers { keys: Cursor::empty(), values: Cursor::empty() },
        }
    }
    fn len(self) -> usize {
        match self.0 {
            Repr::Array(c) | Repr::Object(c) => c.count,
            _ => 0,
        }
    }
    /// The container's bytes, from its header to its last byte: every reading of it depends
    /// on these bytes alone.
    fn raw(self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Array(c) | Repr::Object(c) => Some(c.bytes),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
