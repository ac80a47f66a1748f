//! Reading NDJSON sessions: one rule, shared by every command that reads them (`load`,
//! `export --from-ndjson`, `score`), for which lines are sessions and why any other line is
//! refused, so the three name the same lines for the same reasons and a dataset exported from
//! a file holds what loading that file stores.
//!
//! A line is refused, with its number and a reason, when it:
//! - is longer than [`MAX_LINE_BYTES`] (skipped unread, so memory stays bounded);
//! - is not UTF-8 text, or not JSON (truncated, garbage, a lone `\uD800` surrogate escape, a
//!   number beyond what an f64 holds, nesting deeper than [`MAX_DEPTH`] levels);
//! - is JSON the reference table would refuse ([`facesign_core::storable`]): not a Session
//!   object, no string `id`, an indexed value over 1 024 bytes, a string holding `\u0000`
//!   (unless [`NulPolicy::Replace`]), an invalid array flow.
//!
//! Empty lines are skipped silently (they still count in the line numbers).

use std::io::{self, BufRead};

use facesign_core::storable::{self, Refusal};
use serde_json::Value;

/// The longest line read: a jsonb document holds at most 256 MiB (its offsets have 28 bits),
/// so no longer line could be stored; real sessions are tens of kilobytes.
pub const MAX_LINE_BYTES: usize = 256 << 20;

/// The deepest nesting read (`serde_json`'s limit; PostgreSQL's depends on its
/// `max_stack_depth`, real sessions nest fewer than ten levels).
pub const MAX_DEPTH: usize = 128;

/// Refused lines: (line number, reason), in line order.
pub type RefusedLines = Vec<(u64, String)>;

/// What to do with a string holding U+0000, which `jsonb` cannot store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum NulPolicy {
    /// Refuse the line, naming the string.
    #[default]
    Reject,
    /// Store U+FFFD (the replacement character) in place of each U+0000.
    Replace,
}

// The options every NDJSON-reading command takes (a plain comment: clap would take a doc
// comment here for the command's own description).
#[derive(Clone, Copy, Debug, Default, clap::Args)]
pub struct LineOptions {
    /// Strings holding \u0000, which PostgreSQL's jsonb cannot store: `reject` refuses the
    /// line, `replace` reads U+FFFD in their place.
    #[arg(long, value_enum, default_value_t = NulPolicy::Reject)]
    pub nul: NulPolicy,
    /// Exit with status 3 when any line was refused (load stores the other lines first;
    /// export and score then write nothing).
    #[arg(long)]
    pub strict: bool,
}

/// The session on a line.
#[derive(Debug)]
pub struct SessionLine {
    /// The session itself (unwrapped from a `{session, clientSecret}` response).
    pub session: Value,
    /// True when the line's text is the session as it is to be stored (not a wrapper, no
    /// replaced `\u0000`), so a loader may send the text without writing it again.
    pub text_is_session: bool,
}

/// The session a line's bytes hold, or why it is refused.
pub fn session_of_line(bytes: &[u8], nul: NulPolicy) -> Result<SessionLine, String> {
    let line = parse_session(bytes, nul)?;
    if let Some(refusal) = storable::refusal(&line.session) {
        return Err(refusal_reason(&refusal));
    }
    Ok(line)
}

/// The session a line's bytes hold, parsed and unwrapped (and `\u0000` replaced under
/// [`NulPolicy::Replace`]) but not checked: for a line [`session_of_line`] has read already.
pub fn parse_session(bytes: &[u8], nul: NulPolicy) -> Result<SessionLine, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (an invalid byte at column {}): the file is binary or in another encoding",
            e.valid_up_to() + 1
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| json_reason(&e))?;
    let wrapped = matches!(value.get("session"), Some(inner) if inner.is_object());
    let mut session = match value {
        Value::Object(mut outer) if wrapped => outer.remove("session").unwrap_or(Value::Null),
        other => other,
    };
    let replaced = nul == NulPolicy::Replace && replace_nul(&mut session);
    Ok(SessionLine { session, text_is_session: !wrapped && !replaced })
}

/// A refusal as the commands print it: what is wrong, then what to do.
pub fn refusal_reason(refusal: &Refusal) -> String {
    match refusal {
        // The hint names a command-line option here, which SQL users do not have.
        Refusal::Nul { .. } => format!("{refusal}; --nul replace reads U+FFFD in its place"),
        _ => refusal.message(),
    }
}

/// A reason for a `serde_json` error a user can act on, with the column (every line is parsed
/// alone, so serde's "line 1" says nothing).
fn json_reason(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let what = message.split(" at line ").next().unwrap_or(&message);
    let at = format!("column {}", e.column());
    if e.is_eof() {
        format!("truncated JSON: the line ends inside a value ({what}, {at})")
    } else if what.contains("recursion limit") {
        format!("nested deeper than {MAX_DEPTH} levels, further than the readers follow ({at})")
    } else if what.contains("number out of range") {
        format!(
            "a number beyond what a 64-bit float holds (about ±1.8e308), which the readers cannot read ({at})"
        )
    } else if what.contains("surrogate") || what.contains("end of hex escape") {
        format!(
            "a lone UTF-16 surrogate escape (\\uD800 to \\uDFFF without its pair) is not Unicode text; PostgreSQL's jsonb refuses it too ({at})"
        )
    } else {
        format!("not JSON: {what} ({at})")
    }
}

/// Replaces U+0000 in every string and key by U+FFFD, without recursing; true when any was.
fn replace_nul(doc: &mut Value) -> bool {
    let mut replaced = false;
    let mut stack = vec![doc];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(s) if s.contains('\0') => {
                *s = s.replace('\0', "\u{FFFD}");
                replaced = true;
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => {
                if map.keys().any(|k| k.contains('\0')) {
                    let members = std::mem::take(map);
                    for (key, v) in members {
                        map.insert(key.replace('\0', "\u{FFFD}"), v);
                    }
                    replaced = true;
                }
                stack.extend(map.values_mut());
            }
            _ => {}
        }
    }
    replaced
}

/// What a line holds.
pub enum RawLine<'a> {
    /// Its bytes, without the line end.
    Text(&'a [u8]),
    /// Longer than the limit: skipped unread; its length in bytes.
    TooLong(u64),
}

/// One line of the file.
pub struct Line<'a> {
    /// Its number (1-based).
    pub number: u64,
    /// The byte offset in the input where its text starts.
    pub offset: u64,
    pub content: RawLine<'a>,
}

/// Reads lines of at most a given length, holding no more than that in memory whatever the
/// file holds, and counts them.
pub struct LineReader<R> {
    input: R,
    max: usize,
    buf: Vec<u8>,
    number: u64,
    /// Where the next line starts.
    offset: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(input: R) -> Self {
        Self::with_limit(input, MAX_LINE_BYTES)
    }

    pub fn with_limit(input: R, max: usize) -> Self {
        LineReader { input, max, buf: Vec::new(), number: 0, offset: 0 }
    }

    /// The number of lines read so far.
    pub fn lines(&self) -> u64 {
        self.number
    }

    /// The next line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let Some((number, offset, span)) = self.advance()? else { return Ok(None) };
        let content = match span {
            Span::Text(range) => RawLine::Text(&self.buf[range]),
            Span::TooLong(bytes) => RawLine::TooLong(bytes),
        };
        Ok(Some(Line { number, offset, content }))
    }

    /// The next line that is not blank, read as a session ([`session_of_line`]) or refused
    /// with its reason; `None` at the end of the input. Every NDJSON-reading command reads
    /// its input through this.
    pub fn next_session(&mut self, nul: NulPolicy) -> io::Result<Option<SessionRead<'_>>> {
        loop {
            let Some((number, offset, span)) = self.advance()? else { return Ok(None) };
            let (text, outcome) = match span {
                Span::TooLong(bytes) => (&[][..], Err(too_long_reason(bytes))),
                Span::Text(range) if self.buf[range.clone()].iter().all(u8::is_ascii_whitespace) => continue,
                Span::Text(range) => {
                    let text = &self.buf[range];
                    (text, session_of_line(text, nul))
                }
            };
            return Ok(Some(SessionRead { number, offset, text, outcome }));
        }
    }

    /// Reads the next line into `buf`: its number, the offset of its text, and where the text
    /// is in `buf` (without the line end and a first line's BOM), or that it was too long.
    fn advance(&mut self) -> io::Result<Option<(u64, u64, Span)>> {
        self.buf.clear();
        let start = self.offset;
        let mut consumed = 0u64;
        let mut too_long = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if consumed == 0 {
                    return Ok(None);
                }
                break;
            }
            let (n, ends) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if !too_long {
                if self.buf.len() + n > self.max + 2 {
                    too_long = true;
                    self.buf = Vec::new();
                } else {
                    self.buf.extend_from_slice(&available[..n]);
                }
            }
            self.input.consume(n);
            consumed += n as u64;
            if ends {
                break;
            }
        }
        self.number += 1;
        self.offset += consumed;
        if too_long {
            return Ok(Some((self.number, start, Span::TooLong(consumed))));
        }
        let mut end = self.buf.len();
        while end > 0 && matches!(self.buf[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let bom = if self.number == 1 && self.buf[..end].starts_with("\u{FEFF}".as_bytes()) { 3 } else { 0 };
        let span =
            if end - bom > self.max { Span::TooLong((end - bom) as u64) } else { Span::Text(bom..end) };
        Ok(Some((self.number, start + bom as u64, span)))
    }
}

/// Where a line read into [`LineReader`]'s buffer is.
enum Span {
    Text(std::ops::Range<usize>),
    TooLong(u64),
}

/// A line that is not blank, read by [`LineReader::next_session`].
pub struct SessionRead<'a> {
    /// Its number (1-based).
    pub number: u64,
    /// The byte offset in the input where its text starts.
    pub offset: u64,
    /// Its text without the line end (empty for a line skipped unread).
    pub text: &'a [u8],
    /// The session, or why the line is refused.
    pub outcome: Result<SessionLine, String>,
}

/// Why a line over the limit is refused.
pub fn too_long_reason(bytes: u64) -> String {
    format!(
        "{bytes} bytes long, over the {} MiB a line may hold (a jsonb document holds at most 256 MiB); skipped unread",
        MAX_LINE_BYTES >> 20
    )
}

/// The sessions of an NDJSON input: calls `session` with each session's line number and
/// session, and `refused` with each refused line's number and reason.
pub fn read_sessions(
    input: impl BufRead,
    nul: NulPolicy,
    mut session: impl FnMut(u64, SessionLine) -> anyhow::Result<()>,
    mut refused: impl FnMut(u64, String),
) -> anyhow::Result<u64> {
    let mut lines = LineReader::new(input);
    while let Some(read) = lines.next_session(nul)? {
        match read.outcome {
            Ok(line) => session(read.number, line)?,
            Err(reason) => refused(read.number, reason),
        }
    }
    Ok(lines.lines())
}

/// The refused lines of a run under `--strict`: nothing is written.
#[derive(Debug)]
pub struct StrictRefusal(pub Vec<(u64, String)>);

impl std::fmt::Display for StrictRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} lines were refused and --strict is set: nothing was written", self.0.len())
    }
}

impl std::error::Error for StrictRefusal {}

/// Prints refused lines as every command does: the first 20, then how many more.
pub fn print_refused(refused: &[(u64, String)]) {
    for (line, reason) in refused.iter().take(20) {
        println!("  refused line {line}: {reason}");
    }
    if refused.len() > 20 {
        println!("  … and {} more refused lines", refused.len() - 20);
    }
}

#[cfg(test)]
mod tests;
