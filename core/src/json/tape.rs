//! [`JsonRef`] over JSON text, parsed once into a flat tape.
//!
//! The toolkit reads documents that arrive as text (a database without the extension ships
//! each stored session as `jsonb_out` text; NDJSON files): building a `serde_json` tree of
//! every document allocates a string, a vector or a map per value, which costs more than the
//! rules that read it. [`Tape::parse`] instead checks the text against the JSON grammar in one
//! pass and records one fixed-size [`Node`] per value in a vector that is reused from one
//! document to the next: strings stay slices of the text (only those with escapes are
//! unescaped, into one buffer), numbers stay their literal until a rule asks for the value,
//! and each array or object knows where its last descendant ends, so a lookup steps over
//! whole members.
//!
//! Semantics are those of the other representations, so the rules give the same answers on
//! all of them: an object with a key twice keeps the last value (as `serde_json` and jsonb
//! do); a number reads as the `f64` nearest its decimal value (as jsonb's numerics do);
//! strings are Unicode text (a lone UTF-16 surrogate escape is refused, as both others do).
//! The parser keeps its own stack instead of recursing, so nesting depth costs heap in
//! proportion to it, never the caller's stack.

use super::{JsonRef, Kind};

/// Why a text is not a JSON document this reader takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset in the text where reading stopped.
    pub offset: usize,
    pub reason: &'static str,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.reason, self.offset)
    }
}

impl std::error::Error for SyntaxError {}

/// One value of the tape. Strings and numbers point into the text (or, for a string with
/// escapes, into [`Tape`]'s unescaped buffer); an array or object holds its count, the
/// index of the node after its last descendant, and where its text begins and ends.
#[derive(Clone, Copy, Debug)]
struct Node {
    tag: Tag,
    a: u32,
    b: u32,
    /// A container's first byte (its bracket) and the byte after its closing bracket.
    span: (u32, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Null,
    False,
    True,
    /// `a..a + b` of the text: the literal.
    Number,
    /// `a..a + b` of the text: the string's content, which has no escapes.
    Text,
    /// `a..a + b` of the unescaped buffer.
    Unescaped,
    /// `a` elements; the node after the last descendant is `b`; its text is `span`.
    Array,
    /// `a` members (keys counted twice count twice); each member is its key node, then its
    /// value; the node after the last descendant is `b`; its text is `span`.
    Object,
}

/// A parsed document's storage, reused from one [`Tape::parse`] to the next.
#[derive(Debug, Default)]
pub struct Tape {
    nodes: Vec<Node>,
    unescaped: String,
    open: Vec<u32>,
}

/// A value inside a document parsed by [`Tape::parse`].
#[derive(Clone, Copy, Debug)]
pub struct TapeRef<'a> {
    text: &'a str,
    tape: &'a Tape,
    at: u32,
}

/// The longest text a tape indexes (its offsets are 32 bits); far above what a jsonb value
/// (256 MiB) or an NDJSON line the toolkit reads can be.
pub const MAX_TEXT_BYTES: usize = u32::MAX as usize;

impl Tape {
    /// Parses `text`, a whole JSON document (surrounding white space allowed), and returns its
    /// root value. The tape's previous document is forgotten, its buffers reused.
    pub fn parse<'a>(&'a mut self, text: &'a [u8]) -> Result<TapeRef<'a>, SyntaxError> {
        // Checked whole first (vectorised), so that every string is a slice of valid text.
        let text = simdutf8::compat::from_utf8(text)
            .map_err(|e| SyntaxError { offset: e.valid_up_to(), reason: "the text is not UTF-8" })?;
        if text.len() > MAX_TEXT_BYTES {
            return Err(SyntaxError { offset: 0, reason: "the document is larger than 4 GiB" });
        }
        self.nodes.clear();
        self.unescaped.clear();
        self.open.clear();
        Parser { text, bytes: text.as_bytes(), at: 0, tape: self }.document()?;
        Ok(TapeRef { text, tape: self, at: 0 })
    }
}

struct Parser<'t, 'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    tape: &'t mut Tape,
}

impl Parser<'_, '_> {
    fn error<T>(&self, reason: &'static str) -> Result<T, SyntaxError> {
        Err(SyntaxError { offset: self.at, reason })
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn push(&mut self, tag: Tag, a: usize, b: usize) {
        // Both fit: the text is at most MAX_TEXT_BYTES long and has a byte per node at least.
        self.tape.nodes.push(Node { tag, a: a as u32, b: b as u32, span: (0, 0) });
    }

    /// The whole document: one value, then only white space.
    fn document(&mut self) -> Result<(), SyntaxError> {
        loop {
            // A value is expected here.
            self.skip_space();
            let closed_at_once = match self.bytes.get(self.at) {
                Some(b'{') => self.open_container(Tag::Object, b'}')?,
                Some(b'[') => self.open_container(Tag::Array, b']')?,
                Some(b'"') => {
                    self.string()?;
                    true
                }
                Some(b't') => self.literal(b"true", Tag::True)?,
                Some(b'f') => self.literal(b"false", Tag::False)?,
                Some(b'n') => self.literal(b"null", Tag::Null)?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(_) => return self.error("a value was expected"),
                None => return self.error("the text ends where a value was expected"),
            };
            if !closed_at_once {
                continue; // the first element of an array
            }
            // A value is complete: close what it completes, until one wants another value.
            loop {
                let Some(&open) = self.tape.open.last() else {
                    self.skip_space();
                    if self.at != self.bytes.len() {
                        return self.error("more text follows the document");
                    }
                    return Ok(());
                };
                let node = &mut self.tape.nodes[open as usize];
                node.a += 1;
                let is_object = node.tag == Tag::Object;
                self.skip_space();
                match (self.bytes.get(self.at), is_object) {
                    (Some(b','), _) => {
                        self.at += 1;
                        if is_object {
                            self.key()?;
                        }
                        break;
                    }
                    (Some(b']'), false) | (Some(b'}'), true) => {
                        self.at += 1;
                        let after = self.tape.nodes.len() as u32;
                        let node = &mut self.tape.nodes[open as usize];
                        node.b = after;
                        node.span.1 = self.at as u32;
                        self.tape.open.pop();
                    }
                    (None, _) => return self.error("the text ends inside an array or object"),
                    (Some(_), true) => return self.error("',' or '}' was expected after an object member"),
                    (Some(_), false) => return self.error("',' or ']' was expected after an array element"),
                }
            }
        }
    }

    /// An array or object at `[` or `{`; true when it is empty (then it is already closed).
    fn open_container(&mut self, tag: Tag, close: u8) -> Result<bool, SyntaxError> {
        let index = self.tape.nodes.len();
        let start = self.at as u32;
        self.push(tag, 0, index + 1);
        self.at += 1;
        self.skip_space();
        if self.bytes.get(self.at) == Some(&close) {
            self.at += 1;
            self.tape.nodes[index].span = (start, self.at as u32);
            return Ok(true);
        }
        self.tape.nodes[index].span.0 = start;
        self.tape.open.push(index as u32);
        if tag == Tag::Object {
            self.key()?;
        }
        Ok(false)
    }

    /// An object member's key and its colon.
    fn key(&mut self) -> Result<(), SyntaxError> {
        self.skip_space();
        if self.bytes.get(self.at) != Some(&b'"') {
            return self.error("a string key was expected");
        }
        self.string()?;
        self.skip_space();
        if self.bytes.get(self.at) != Some(&b':') {
            return self.error("':' was expected after an object key");
        }
        self.at += 1;
        Ok(())
    }

    fn literal(&mut self, word: &[u8], tag: Tag) -> Result<bool, SyntaxError> {
        if !self.bytes[self.at..].starts_with(word) {
            return self.error("a value was expected");
        }
        self.at += word.len();
        self.push(tag, 0, 0);
        Ok(true)
    }

    /// A number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, kept as its literal.
    fn number(&mut self) -> Result<bool, SyntaxError> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while p.bytes.get(p.at).is_some_and(u8::is_ascii_digit) {
                p.at += 1;
            }
            p.at - from
        };
        if self.bytes[self.at] == b'-' {
            self.at += 1;
        }
        match self.bytes.get(self.at) {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.error("a digit was expected in a number"),
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if digits(self) == 0 {
                return self.error("a digit was expected after a decimal point");
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return self.error("a digit was expected in an exponent");
            }
        }
        self.push(Tag::Number, start, self.at - start);
        Ok(true)
    }

    /// A string at its opening quote. Without escapes it stays a slice of the text; with
    /// them it is unescaped into the tape's buffer.
    fn string(&mut self) -> Result<(), SyntaxError> {
        self.at += 1;
        let start = self.at;
        let Some(run) = plain_run(&self.bytes[start..]) else {
            self.at = self.bytes.len();
            return self.error("the text ends inside a string");
        };
        self.at = start + run;
        match self.bytes[self.at] {
            b'"' => {
                self.push(Tag::Text, start, run);
                self.at += 1;
                Ok(())
            }
            b'\\' => self.escaped_string(start),
            _ => self.error("a control character must be escaped in a string"),
        }
    }

    /// The rest of a string from its first backslash; `start` is where its content began.
    fn escaped_string(&mut self, start: usize) -> Result<(), SyntaxError> {
        let buffer_start = self.tape.unescaped.len();
        // The text is UTF-8 and every cut is at an ASCII byte, so each piece is a `str`.
        let mut piece = start;
        loop {
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.tape.unescaped.push_str(&self.text[piece..self.at]);
                    let len = self.tape.unescaped.len() - buffer_start;
                    self.push(Tag::Unescaped, buffer_start, len);
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.tape.unescaped.push_str(&self.text[piece..self.at]);
                    self.at += 1;
                    let letter = self.bytes.get(self.at).copied();
                    self.at += 1;
                    let c = match letter {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        Some(_) => {
                            self.at -= 1;
                            return self.error("an unknown escape in a string");
                        }
                        None => {
                            self.at -= 1;
                            return self.error("the text ends inside a string");
                        }
                    };
                    self.tape.unescaped.push(c);
                    piece = self.at;
                }
                Some(0..=0x1f) => return self.error("a control character must be escaped in a string"),
                Some(_) => self.at += 1,
                None => return self.error("the text ends inside a string"),
            }
        }
    }

    /// The four hex digits after `\u` (and a low surrogate's escape after a high one), with
    /// `at` on the first digit; leaves `at` after the last digit read.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let high = self.hex4()?;
        let code = match high {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                    return self.error("a lone UTF-16 surrogate escape is not Unicode text");
                }
                self.at += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return self.error("a lone UTF-16 surrogate escape is not Unicode text");
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return self.error("a lone UTF-16 surrogate escape is not Unicode text"),
            other => other,
        };
        char::from_u32(code).map_or_else(|| self.error("an invalid \\u escape"), Ok)
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let Some(digits) = self.bytes.get(self.at..self.at + 4) else {
            return self.error("four hex digits were expected after \\u");
        };
        let mut code = 0u32;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return self.error("four hex digits were expected after \\u"),
            };
            code = code * 16 + u32::from(v);
        }
        self.at += 4;
        Ok(code)
    }
}

impl<'a> TapeRef<'a> {
    fn node(self) -> Node {
        self.tape.nodes[self.at as usize]
    }

    fn at(self, at: u32) -> TapeRef<'a> {
        TapeRef { at, ..self }
    }

    /// The index of the node after this value and its descendants.
    fn after(self) -> u32 {
        let node = self.node();
        match node.tag {
            Tag::Array | Tag::Object => node.b,
            _ => self.at + 1,
        }
    }

    /// A string node's text (a key, or a string value).
    fn text_of(self, node: Node) -> &'a str {
        let (from, len) = (node.a as usize, node.b as usize);
        match node.tag {
            Tag::Text => &self.text[from..from + len],
            Tag::Unescaped => &self.tape.unescaped[from..from + len],
            _ => "",
        }
    }

    /// An object's members in document order, keys counted twice included.
    fn all_members(self) -> AllMembers<'a> {
        let node = self.node();
        let count = if node.tag == Tag::Object { node.a } else { 0 };
        AllMembers { object: self, next: self.at + 1, left: count }
    }

    /// Whether an object has a key twice (then its members are read as the last of each).
    fn has_repeated_key(self) -> bool {
        let node = self.node();
        if node.tag != Tag::Object || node.a < 2 {
            return false;
        }
        let mut keys: Vec<&str> = self.all_members().map(|(k, _)| k).collect();
        if keys.len() <= 16 {
            return keys.iter().enumerate().any(|(i, k)| keys[i + 1..].contains(k));
        }
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }

    /// The members with each key once, holding its last value, in document order of those
    /// last values.
    fn distinct_members(self) -> Vec<(&'a str, TapeRef<'a>)> {
        let mut members: Vec<(usize, &'a str, TapeRef<'a>)> =
            self.all_members().enumerate().map(|(i, (k, v))| (i, k, v)).collect();
        // By key, the last occurrence first; keep that one; back to document order.
        members.sort_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)));
        members.dedup_by(|later, kept| later.1 == kept.1);
        members.sort_by_key(|m| m.0);
        members.into_iter().map(|(_, k, v)| (k, v)).collect()
    }
}

/// Every member of an object, in document order.
struct AllMembers<'a> {
    object: TapeRef<'a>,
    next: u32,
    left: u32,
}

impl<'a> Iterator for AllMembers<'a> {
    type Item = (&'a str, TapeRef<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = self.object.at(self.next);
        let value = self.object.at(self.next + 1);
        self.next = value.after();
        Some((key.text_of(key.node()), value))
    }
}

/// Iterator over an array's elements (empty for anything else).
pub struct TapeElements<'a> {
    doc: TapeRef<'a>,
    next: u32,
    left: u32,
}

impl<'a> Iterator for TapeElements<'a> {
    type Item = TapeRef<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let element = self.doc.at(self.next);
        self.next = element.after();
        Some(element)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

/// Iterator over an object's members, each key once (empty for anything else).
pub struct TapeMembers<'a>(MembersRepr<'a>);

enum MembersRepr<'a> {
    /// No key twice: the members as they stand.
    Plain(AllMembers<'a>),
    /// A key twice: the last of each.
    Distinct(std::vec::IntoIter<(&'a str, TapeRef<'a>)>),
}

impl<'a> Iterator for TapeMembers<'a> {
    type Item = (&'a str, TapeRef<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            MembersRepr::Plain(m) => m.next(),
            MembersRepr::Distinct(m) => m.next(),
        }
    }
}

impl<'a> JsonRef<'a> for TapeRef<'a> {
    type Elements = TapeElements<'a>;
    type Members = TapeMembers<'a>;
    const MEMBERS_IN_KEY_ORDER: bool = false;

    fn kind(self) -> Kind {
        match self.node().tag {
            Tag::Null => Kind::Null,
            Tag::False | Tag::True => Kind::Bool,
            Tag::Number => Kind::Number,
            Tag::Text | Tag::Unescaped => Kind::String,
            Tag::Array => Kind::Array,
            Tag::Object => Kind::Object,
        }
    }

    fn get(self, key: &str) -> Option<Self> {
        // The last member with the key, as a repeated key's last value is the one kept. Keys
        // of another length are passed over without looking at their text.
        let node = self.node();
        if node.tag != Tag::Object {
            return None;
        }
        let mut found = None;
        let mut at = self.at + 1;
        for _ in 0..node.a {
            let key_node = self.tape.nodes[at as usize];
            let value = self.at(at + 1);
            if key_node.b as usize == key.len() && self.text_of(key_node) == key {
                found = Some(value);
            }
            at = value.after();
        }
        found
    }

    fn as_str(self) -> Option<&'a str> {
        let node = self.node();
        matches!(node.tag, Tag::Text | Tag::Unescaped).then(|| self.text_of(node))
    }

    fn as_f64(self) -> Option<f64> {
        let node = self.node();
        if node.tag != Tag::Number {
            return None;
        }
        let literal = &self.text[node.a as usize..(node.a + node.b) as usize];
        Some(number_value(literal))
    }

    fn as_bool(self) -> Option<bool> {
        match self.node().tag {
            Tag::True => Some(true),
            Tag::False => Some(false),
            _ => None,
        }
    }

    fn elements(self) -> Self::Elements {
        let node = self.node();
        let left = if node.tag == Tag::Array { node.a } else { 0 };
        TapeElements { doc: self, next: self.at + 1, left }
    }

    fn members(self) -> Self::Members {
        if self.has_repeated_key() {
            TapeMembers(MembersRepr::Distinct(self.distinct_members().into_iter()))
        } else {
            TapeMembers(MembersRepr::Plain(self.all_members()))
        }
    }

    /// An array's or object's text, as it stands in the document.
    fn raw(self) -> Option<&'a [u8]> {
        let node = self.node();
        matches!(node.tag, Tag::Array | Tag::Object)
            .then(|| &self.text.as_bytes()[node.span.0 as usize..node.span.1 as usize])
    }

    fn len(self) -> usize {
        let node = self.node();
        match node.tag {
            Tag::Array => node.a as usize,
            Tag::Object if self.has_repeated_key() => self.distinct_members().len(),
            Tag::Object => node.a as usize,
            _ => 0,
        }
    }
}

/// The length of the run of plain string bytes at the start of `bytes`: up to the first quote,
/// backslash or control character (`None` when there is none). Strings are most of a
/// session's text and most are short (keys, codes), so they are scanned eight bytes at a time
/// in a word rather than through a vectorised search's set-up for each.
fn plain_run(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let w = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        // A byte's high bit is set where it is zero after the XOR (a quote or a backslash), or
        // below 0x20; the lowest one flagged is always a true match.
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let flagged = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let flagged = flagged & HIGHS;
        if flagged != 0 {
            return Some(at + (flagged.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words.remainder().iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|i| at + i)
}

/// The `f64` nearest a JSON number literal (saturating to ±infinity beyond its range), as
/// binary jsonb's numerics read: an integer of up to 15 digits exactly, anything else by the
/// standard library's correctly rounded parse; zero is never negative (a numeric has no -0).
fn number_value(literal: &str) -> f64 {
    let (negative, digits) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal),
    };
    if digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let value = digits.bytes().fold(0u64, |v, d| v * 10 + u64::from(d - b'0')) as f64;
        return if negative && value != 0.0 { -value } else { value };
    }
    // The grammar was checked when the tape was built, and Rust's parse takes JSON numbers.
    let value: f64 = literal.parse().unwrap_or(f64::NAN);
    if value == 0.0 {
        0.0
    } else {
        value
    }
}

#[cfg(test)]
mod tests;
