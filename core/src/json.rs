//! The read-only view of a JSON document that every rule in this crate is written against.
//!
//! Validation and report reading are written once, generic over [`JsonRef`], and run on
//! whichever representation the caller holds: `&serde_json::Value` in the analytics toolkit and
//! the tests, [`crate::jsonb::Jsonb`] (PostgreSQL's binary jsonb, read in place) in the extension.
//! The view is deliberately small: the rules never need to build a tree of their own.

mod serde;
pub mod tape;

pub use tape::{SyntaxError, Tape, TapeRef};

/// The JSON type of a value, as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// The article-and-name a message uses: "an array", "a string", …
    pub fn described(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// A borrowed JSON value. Cheap to copy; every accessor is total (a value of another type
/// answers `None`, an empty iterator or 0, never a panic).
pub trait JsonRef<'a>: Copy + 'a {
    /// Iterator over an array's elements, in order.
    type Elements: Iterator<Item = Self>;
    /// Iterator over an object's members as (key, value). The order is the representation's
    /// own (insertion order for serde_json with `preserve_order`, key order otherwise, and
    /// length-then-bytes for binary jsonb); rules that report in document order must not
    /// depend on it.
    type Members: Iterator<Item = (&'a str, Self)>;

    /// True when [`JsonRef::members`] already yields keys in [`key_order`], as binary
    /// jsonb does; otherwise rules that report per key sort them first.
    const MEMBERS_IN_KEY_ORDER: bool;

    fn kind(self) -> Kind;
    /// The member `key` of an object; `None` for a missing key or a non-object.
    fn get(self, key: &str) -> Option<Self>;
    fn as_str(self) -> Option<&'a str>;
    /// The value of a number as `f64` (saturating to ±infinity beyond its range).
    fn as_f64(self) -> Option<f64>;
    fn as_bool(self) -> Option<bool>;
    /// An array's elements; empty for anything else.
    fn elements(self) -> Self::Elements;
    /// An object's members; empty for anything else.
    fn members(self) -> Self::Members;
    /// Number of elements of an array or members of an object; 0 for a scalar.
    fn len(self) -> usize;

    /// The bytes that hold an array or object in this representation, where it has them as
    /// one slice (binary jsonb's container, a text's span): equal bytes are an equal value, so
    /// a reader may remember what it derived from them (the export's flow fingerprints).
    /// `None` for a scalar, and for a representation without such bytes.
    fn raw(self) -> Option<&'a [u8]> {
        None
    }

    fn is_empty(self) -> bool {
        self.len() == 0
    }
    fn is_object(self) -> bool {
        self.kind() == Kind::Object
    }
    fn is_array(self) -> bool {
        self.kind() == Kind::Array
    }
    fn is_null(self) -> bool {
        self.kind() == Kind::Null
    }
    /// An object's members in [`key_order`], whatever the representation, so that rows
    /// reported per key come out the same from serde_json and from binary jsonb.
    fn members_in_key_order(self) -> Vec<(&'a str, Self)> {
        let mut members: Vec<(&'a str, Self)> = self.members().collect();
        if !Self::MEMBERS_IN_KEY_ORDER {
            members.sort_by(|a, b| key_order(a.0, b.0));
        }
        members
    }

    /// Follow a path of object keys; `None` as soon as one is missing.
    fn path(self, keys: &[&str]) -> Option<Self> {
        let mut at = self;
        for key in keys {
            at = at.get(key)?;
        }
        Some(at)
    }
}

/// The order binary jsonb keeps object keys in: shorter first, then by bytes. It is the only
/// key order both representations can agree on (jsonb does not keep the document's).
pub fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    (a.len(), a.as_bytes()).cmp(&(b.len(), b.as_bytes()))
}
