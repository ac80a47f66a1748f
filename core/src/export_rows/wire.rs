//! The bytes `facesign.export_rows` returns: one session's [`ExportRows`], which the toolkit
//! reads back borrowed from the bytes ([`decode_rows`]) or owned ([`decode`]). A private format between the extension and the
//! toolkit of the same version (its first byte is the version, checked on reading), chosen
//! over PostgreSQL's composite and array types because the toolkit decodes it with no
//! per-column type lookups and the server builds it with no per-row tuple machinery.
//!
//! Layout: the version byte, then the summary and the signals (in [`SIGNALS`] order), the flow
//! id and its edges, the node reports, the phrases, the provided values. Counts and string
//! lengths are LEB128 varints; an optional string is its length + 1 (0 is NULL); an optional
//! number is a presence byte and the number little-endian (times are the documents'
//! milliseconds, as `f64`: the toolkit turns them into microseconds as the readers do); an
//! optional boolean one byte (0 NULL, 1 false, 2 true), a phrase's speaker too (whether it
//! is the avatar).
//!
//! Decoding checks everything and never panics or allocates beyond what the input can hold:
//! a count is refused when the bytes left cannot hold that many entries.

use std::collections::HashMap;
use std::sync::Arc;

use super::PROVIDED_KINDS;
use super::{owned, EdgeCells, ExportRows, Flow, SessionRows};
use crate::report::risk_signals::{RiskSignals, SignalValue, SIGNALS};
use crate::report::transcript::speaker;
use crate::report::{NodeOutcome, Phrase, SessionSummary, SUMMARY_FIELDS};

/// The format's version: the first byte. 2: times as the documents' milliseconds (`f64`), a
/// phrase's speaker as a boolean (1 had microseconds and the speaker's name).
pub const VERSION: u8 = 2;

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub &'static str);

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "export rows cannot be read: {}", self.0)
    }
}

impl std::error::Error for WireError {}

/// The bytes of `rows`.
pub fn encode(rows: &ExportRows<'_>) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(256 + 64 * (rows.nodes.len() + rows.phrases.len())));
    w.0.push(VERSION);
    // The summary's fields, then the signals, each as its kind of value.
    for value in rows.summary.values().into_iter().chain(rows.signals.values()) {
        w.value(value);
    }
    let flow = rows.flow.as_deref();
    w.str(flow.map(|f| f.id.as_str()));
    let edges = flow.map_or(&[][..], |f| &f.edges[..]);
    w.count(edges.len());
    for e in edges {
        w.str(Some(&e.source));
        w.str(e.outcome.as_deref());
        w.str(Some(&e.target));
    }
    w.count(rows.nodes.len());
    for n in &rows.nodes {
        w.0.extend_from_slice(&n.ordinal.to_le_bytes());
        w.str(n.node_id);
        w.str(n.node_type);
        w.str(n.outcome);
        w.f64(n.created_at_ms);
    }
    w.count(rows.phrases.len());
    for p in &rows.phrases {
        w.0.extend_from_slice(&p.ordinal.to_le_bytes());
        w.bool(p.speaker.map(|s| s == speaker(true)));
        w.str(p.text);
        w.f64(p.created_at_ms);
    }
    w.count(rows.provided.len());
    for &(kind, value) in &rows.provided {
        w.0.push(PROVIDED_KINDS.iter().position(|&k| k == kind).unwrap_or(0) as u8);
        w.str(Some(value));
    }
    w.0
}

/// Flows a decoder has read, by id: a later session of the same flow shares it, its edges
/// stepped over rather than decoded again.
pub type KnownFlows = HashMap<String, Arc<Flow>>;

/// The rows `bytes` hold, owned.
pub fn decode(bytes: &[u8]) -> Result<SessionRows, WireError> {
    decode_rows(bytes, &mut KnownFlows::new()).map(|rows| SessionRows::from(&rows))
}

/// The rows `bytes` hold, borrowed from them (what a writer appends to its columns without
/// copying each value first), as [`export_rows`](super::export_rows) read them from the
/// document; flows already in `known` are shared, new ones added to it.
pub fn decode_rows<'a>(bytes: &'a [u8], known: &mut KnownFlows) -> Result<ExportRows<'a>, WireError> {
    let mut r = Reader(bytes);
    if r.byte()? != VERSION {
        return Err(WireError(
            "they are of another version of the facesign extension: install the extension of this facesign-analytics (ALTER EXTENSION facesign UPDATE)",
        ));
    }
    let mut values = SUMMARY_FIELDS.map(|f| SignalValue::null(f.kind.value_kind()));
    r.values(&mut values)?;
    let summary = SessionSummary::from_values(values).ok_or(WireError("a summary field of another kind"))?;
    let mut values = SIGNALS.map(|s| SignalValue::null(s.kind));
    r.values(&mut values)?;
    let signals = RiskSignals::from_values(values).ok_or(WireError("a signal of another kind"))?;
    let flow_id = r.str()?;
    let edge_count = r.count(3)?;
    let flow = match flow_id {
        None if edge_count > 0 => return Err(WireError("a flow's edges come without its id")),
        None => None,
        Some(id) => match known.get(id) {
            Some(flow) => {
                // Stepped over (each text still checked to fit and be UTF-8).
                for _ in 0..edge_count * 3 {
                    r.str()?;
                }
                Some(Arc::clone(flow))
            }
            None => {
                let mut edges = Vec::with_capacity(edge_count);
                for _ in 0..edge_count {
                    edges.push(EdgeCells {
                        source: r.text()?.to_owned(),
                        outcome: owned(r.str()?),
                        target: r.text()?.to_owned(),
                    });
                }
                let flow = Arc::new(Flow { id: id.to_owned(), edges });
                known.insert(id.to_owned(), Arc::clone(&flow));
                Some(flow)
            }
        },
    };
    let mut nodes = Vec::with_capacity(r.count(8)?);
    for _ in 0..nodes.capacity() {
        nodes.push(NodeOutcome {
            ordinal: i32::from_le_bytes(r.array()?),
            node_id: r.str()?,
            node_type: r.str()?,
            outcome: r.str()?,
            created_at_ms: r.f64()?,
        });
    }
    let mut phrases = Vec::with_capacity(r.count(7)?);
    for _ in 0..phrases.capacity() {
        phrases.push(Phrase {
            ordinal: i32::from_le_bytes(r.array()?),
            speaker: r.bool()?.map(speaker),
            text: r.str()?,
            created_at_ms: r.f64()?,
        });
    }
    let mut provided = Vec::with_capacity(r.count(2)?);
    for _ in 0..provided.capacity() {
        let kind =
            *PROVIDED_KINDS.get(usize::from(r.byte()?)).ok_or(WireError("an unknown provided kind"))?;
        provided.push((kind, r.text()?));
    }
    if !r.0.is_empty() {
        return Err(WireError("bytes are left over after the last row"));
    }
    Ok(ExportRows { summary, signals, flow, nodes, phrases, provided })
}

struct Writer(Vec<u8>);

impl Writer {
    fn count(&mut self, mut n: usize) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }
    fn str(&mut self, s: Option<&str>) {
        match s {
            None => self.count(0),
            Some(s) => {
                self.count(s.len() + 1);
                self.0.extend_from_slice(s.as_bytes());
            }
        }
    }
    fn present(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            None => self.0.push(0),
            Some(b) => {
                self.0.push(1);
                self.0.extend_from_slice(b);
            }
        }
    }
    fn i64(&mut self, v: Option<i64>) {
        self.present(v.map(i64::to_le_bytes).as_ref().map(|b| &b[..]));
    }
    fn i32(&mut self, v: Option<i32>) {
        self.present(v.map(i32::to_le_bytes).as_ref().map(|b| &b[..]));
    }
    fn f64(&mut self, v: Option<f64>) {
        self.present(v.map(f64::to_le_bytes).as_ref().map(|b| &b[..]));
    }
    fn bool(&mut self, v: Option<bool>) {
        self.0.push(match v {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
    }
    fn value(&mut self, value: SignalValue<'_>) {
        match value {
            SignalValue::Text(v) => self.str(v),
            SignalValue::Float(v) => self.f64(v),
            SignalValue::Int(v) => self.i32(v),
            SignalValue::BigInt(v) => self.i64(v),
            SignalValue::Bool(v) => self.bool(v),
        }
    }
}

struct Reader<'a>(&'a [u8]);

const TRUNCATED: WireError = WireError("they end in the middle of a row");

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, WireError> {
        let (&b, rest) = self.0.split_first().ok_or(TRUNCATED)?;
        self.0 = rest;
        Ok(b)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.0.len() {
            return Err(TRUNCATED);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn varint(&mut self) -> Result<usize, WireError> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return usize::try_from(n).map_err(|_| WireError("a length beyond this machine's memory"));
            }
        }
        Err(WireError("a length of more than ten bytes"))
    }
    /// A count of entries of at least `min_bytes` each: refused when what is left cannot hold it.
    fn count(&mut self, min_bytes: usize) -> Result<usize, WireError> {
        let n = self.varint()?;
        if n.saturating_mul(min_bytes) > self.0.len() {
            return Err(TRUNCATED);
        }
        Ok(n)
    }
    fn str(&mut self) -> Result<Option<&'a str>, WireError> {
        match self.varint()? {
            0 => Ok(None),
            n => {
                let bytes = self.take(n - 1)?;
                std::str::from_utf8(bytes).map(Some).map_err(|_| WireError("a text is not UTF-8"))
            }
        }
    }
    fn text(&mut self) -> Result<&'a str, WireError> {
        self.str()?.ok_or(WireError("a required text is NULL"))
    }
    fn present(&mut self) -> Result<bool, WireError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(WireError("a presence byte is neither 0 nor 1")),
        }
    }
    fn i64(&mut self) -> Result<Option<i64>, WireError> {
        Ok(if self.present()? { Some(i64::from_le_bytes(self.array()?)) } else { None })
    }
    fn i32(&mut self) -> Result<Option<i32>, WireError> {
        Ok(if self.present()? { Some(i32::from_le_bytes(self.array()?)) } else { None })
    }
    fn f64(&mut self) -> Result<Option<f64>, WireError> {
        Ok(if self.present()? { Some(f64::from_le_bytes(self.array()?)) } else { None })
    }
    fn bool(&mut self) -> Result<Option<bool>, WireError> {
        match self.byte()? {
            0 => Ok(None),
            1 => Ok(Some(false)),
            2 => Ok(Some(true)),
            _ => Err(WireError("a boolean is neither NULL, false nor true")),
        }
    }
    /// Reads each of `values` as the kind it holds (its null, on the way in).
    fn values(&mut self, values: &mut [SignalValue<'a>]) -> Result<(), WireError> {
        for value in values.iter_mut() {
            *value = match value {
                SignalValue::Text(_) => SignalValue::Text(self.str()?),
                SignalValue::Float(_) => SignalValue::Float(self.f64()?),
                SignalValue::Int(_) => SignalValue::Int(self.i32()?),
                SignalValue::BigInt(_) => SignalValue::BigInt(self.i64()?),
                SignalValue::Bool(_) => SignalValue::Bool(self.bool()?),
            };
        }
        Ok(())
    }
}
