//! The bytes `facesign.export_rows` returns: one session's [`ExportRows`] as the toolkit
//! reads them back into [`SessionRows`]. A private format between the extension and the
//! toolkit of the same version (its first byte is the version, checked on reading), chosen
//! over PostgreSQL's composite and array types because the toolkit decodes it with no
//! per-column type lookups and the server builds it with no per-row tuple machinery.
//!
//! Layout: the version byte, then the summary and the signals (in [`SIGNALS`] order), the flow
//! id and its edges, the node reports, the phrases, the provided values. Counts and string
//! lengths are LEB128 varints; an optional string is its length + 1 (0 is NULL); an optional
//! number is a presence byte and the number little-endian; an optional boolean one byte
//! (0 NULL, 1 false, 2 true).
//!
//! Decoding checks everything and never panics or allocates beyond what the input can hold:
//! a count is refused when the bytes left cannot hold that many entries.

use super::PROVIDED_KINDS;
use super::{
    micros, owned, EdgeCells, ExportRows, NodeCells, PhraseCells, SessionRow, SessionRows, SignalCell,
};
use crate::report::risk_signals::{SignalKind, SignalValue, SIGNALS};

/// The format's version: the first byte.
pub const VERSION: u8 = 1;

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
    let s = &rows.summary;
    w.str(s.id);
    w.str(s.status);
    w.i64(micros(s.created_at_ms));
    w.i64(micros(s.started_at_ms));
    w.i64(micros(s.finished_at_ms));
    w.str(s.client_reference_id);
    w.str(s.zone);
    w.str(s.lang);
    w.i32(s.flow_nodes);
    w.i32(s.node_reports);
    w.i32(s.transcript_turns);
    for value in rows.signals.values() {
        match value {
            SignalValue::Text(v) => w.str(v),
            SignalValue::Float(v) => w.f64(v),
            SignalValue::Int(v) => w.i32(v),
            SignalValue::BigInt(v) => w.i64(v),
            SignalValue::Bool(v) => w.0.push(match v {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            }),
        }
    }
    w.str(rows.flow_id.as_deref());
    w.count(rows.flow_edges.len());
    for e in &rows.flow_edges {
        w.str(Some(e.source));
        w.str(e.outcome);
        w.str(Some(e.target));
    }
    w.count(rows.nodes.len());
    for n in &rows.nodes {
        w.0.extend_from_slice(&n.ordinal.to_le_bytes());
        w.str(n.node_id);
        w.str(n.node_type);
        w.str(n.outcome);
        w.i64(micros(n.created_at_ms));
    }
    w.count(rows.phrases.len());
    for p in &rows.phrases {
        w.0.extend_from_slice(&p.ordinal.to_le_bytes());
        w.str(p.speaker);
        w.str(p.text);
        w.i64(micros(p.created_at_ms));
    }
    w.count(rows.provided.len());
    for &(kind, value) in &rows.provided {
        w.0.push(PROVIDED_KINDS.iter().position(|&k| k == kind).unwrap_or(0) as u8);
        w.str(Some(value));
    }
    w.0
}

/// The rows `bytes` hold.
pub fn decode(bytes: &[u8]) -> Result<SessionRows, WireError> {
    let mut r = Reader(bytes);
    if r.byte()? != VERSION {
        return Err(WireError(
            "they are of another version of the facesign extension: install the extension of this facesign-analytics (ALTER EXTENSION facesign UPDATE)",
        ));
    }
    let mut session = SessionRow {
        id: r.str()?,
        status: r.str()?,
        created_at: r.i64()?,
        started_at: r.i64()?,
        finished_at: r.i64()?,
        client_reference_id: r.str()?,
        zone: r.str()?,
        lang: r.str()?,
        flow_nodes: r.i32()?,
        node_reports: r.i32()?,
        transcript_turns: r.i32()?,
        ..SessionRow::default()
    };
    for (cell, signal) in session.signals.iter_mut().zip(SIGNALS.iter()) {
        *cell = match signal.kind {
            SignalKind::Text => SignalCell::Text(r.str()?),
            SignalKind::Float => SignalCell::Float(r.f64()?),
            SignalKind::Int => SignalCell::Int(r.i32()?),
            SignalKind::BigInt => SignalCell::BigInt(r.i64()?),
            SignalKind::Bool => SignalCell::Bool(match r.byte()? {
                0 => None,
                1 => Some(false),
                2 => Some(true),
                _ => return Err(WireError("a boolean is neither NULL, false nor true")),
            }),
        };
    }
    session.flow_id = r.str()?;
    let mut flow_edges = Vec::with_capacity(r.count(3)?);
    for _ in 0..flow_edges.capacity() {
        flow_edges.push(EdgeCells { source: r.text()?, outcome: r.str()?, target: r.text()? });
    }
    let mut nodes = Vec::with_capacity(r.count(8)?);
    for _ in 0..nodes.capacity() {
        nodes.push(NodeCells {
            ordinal: i32::from_le_bytes(r.array()?),
            node_id: r.str()?,
            node_type: r.str()?,
            outcome: r.str()?,
            created_at: r.i64()?,
        });
    }
    let mut phrases = Vec::with_capacity(r.count(7)?);
    for _ in 0..phrases.capacity() {
        phrases.push(PhraseCells {
            ordinal: i32::from_le_bytes(r.array()?),
            speaker: r.str()?,
            text: r.str()?,
            created_at: r.i64()?,
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
    Ok(SessionRows { session, nodes, phrases, flow_edges, provided })
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
    fn str(&mut self) -> Result<Option<String>, WireError> {
        match self.varint()? {
            0 => Ok(None),
            n => {
                let bytes = self.take(n - 1)?;
                let s = std::str::from_utf8(bytes).map_err(|_| WireError("a text is not UTF-8"))?;
                Ok(owned(Some(s)))
            }
        }
    }
    fn text(&mut self) -> Result<String, WireError> {
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
}
