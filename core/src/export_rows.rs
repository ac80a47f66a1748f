//! Everything the Parquet export keeps of one session, read in one walk of the document:
//! the session summary, its risk signals, the fingerprint and edges of its flow, its node
//! outcomes, its transcript and (for redaction) what it provided.
//!
//! [`export_rows`] reads it, borrowed, from either representation; the extension encodes it
//! with [`wire::encode`] (`facesign.export_rows`), the toolkit decodes that with
//! [`wire::decode`] or, reading documents itself (NDJSON, or a database without the
//! extension), turns the borrowed rows into the same owned [`SessionRows`]. So the export's
//! datasets are byte-identical whichever way the documents were read.

pub mod flow_cache;
pub mod wire;

use std::sync::Arc;

pub use flow_cache::{Flow, FlowCache};

use crate::json::{JsonRef, Kind};
use crate::report::risk_signals::{SignalKind, SignalValue, SIGNALS};
use crate::report::{node_outcomes, risk_signals, session_summary, transcript, NodeOutcome, Phrase};
use crate::report::{RiskSignals, SessionSummary};

/// What a session's `settings.providedData` says about the person, for redacting what they
/// said: the kinds read, in this order.
pub const PROVIDED_KINDS: [&str; 3] = ["name", "email", "phone"];

/// Provided values shorter than this are not redacted (they would match inside ordinary words).
const PROVIDED_MIN_LEN: usize = 3;

/// One session's rows, borrowed from its document.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRows<'a> {
    pub summary: SessionSummary<'a>,
    pub signals: RiskSignals<'a>,
    /// `settings.flow`'s fingerprint and edges ([`Flow`]).
    pub flow: Option<Arc<Flow>>,
    pub nodes: Vec<NodeOutcome<'a>>,
    pub phrases: Vec<Phrase<'a>>,
    /// `(kind, value)` of [`PROVIDED_KINDS`]; read only when asked.
    pub provided: Vec<(&'static str, &'a str)>,
}

/// Reads the rows of `doc`, a Session (or its `{session, clientSecret}` wrapper); with
/// `with_provided`, also what it provided (only a redacting export needs it).
pub fn export_rows<'a, J: JsonRef<'a>>(doc: J, with_provided: bool) -> ExportRows<'a> {
    export_rows_with(doc, with_provided, &mut FlowCache::default())
}

/// [`export_rows`] for a reader of many sessions: each distinct flow is derived once, then
/// taken from `flows`.
pub fn export_rows_with<'a, J: JsonRef<'a>>(
    doc: J,
    with_provided: bool,
    flows: &mut FlowCache,
) -> ExportRows<'a> {
    let flow = doc.get("settings").and_then(|settings| settings.get("flow"));
    let provided = if with_provided { provided(doc) } else { Vec::new() };
    ExportRows {
        summary: session_summary(doc),
        signals: risk_signals(doc),
        flow: flow.and_then(|f| flows.flow(f)),
        nodes: node_outcomes(doc),
        phrases: transcript(doc),
        provided,
    }
}

fn provided<'a, J: JsonRef<'a>>(doc: J) -> Vec<(&'static str, &'a str)> {
    let Some(data) = doc.path(&["settings", "providedData"]).filter(|p| p.kind() == Kind::Object) else {
        return Vec::new();
    };
    PROVIDED_KINDS
        .iter()
        .filter_map(|&kind| {
            let value = data.get(kind)?.as_str()?;
            (value.len() >= PROVIDED_MIN_LEN).then_some((kind, value))
        })
        .collect()
}

/// Unix epoch milliseconds as microseconds, rounded like PostgreSQL's `timestamptz`; `None`
/// outside the range a `timestamptz` and an Arrow timestamp both hold.
pub fn micros(ms: Option<f64>) -> Option<i64> {
    let us = (ms? * 1000.0).round();
    (-2.0e17..=9.2e18).contains(&us).then_some(us as i64)
}

/// One row of `sessions/`: the session summary, its flow and its risk signals.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<i64>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub client_reference_id: Option<String>,
    pub zone: Option<String>,
    pub lang: Option<String>,
    pub flow_nodes: Option<i32>,
    pub node_reports: Option<i32>,
    pub transcript_turns: Option<i32>,
    /// The fingerprint of the session's flow: its rows in `flows/`.
    pub flow_id: Option<String>,
    /// The risk signals, in the order of core's signal list ([`SIGNALS`]).
    pub signals: [SignalCell; SIGNALS.len()],
}

impl Default for SessionRow {
    fn default() -> Self {
        SessionRow {
            id: None,
            status: None,
            created_at: None,
            started_at: None,
            finished_at: None,
            client_reference_id: None,
            zone: None,
            lang: None,
            flow_nodes: None,
            node_reports: None,
            transcript_turns: None,
            flow_id: None,
            signals: SIGNALS.map(|s| SignalCell::null(s.kind)),
        }
    }
}

impl SessionRow {
    /// The signal exported as `column`; `None` when no signal is.
    pub fn signal(&self, column: &str) -> Option<&SignalCell> {
        SIGNALS.iter().position(|s| s.column == column).map(|i| &self.signals[i])
    }
}

/// A risk signal's value as a row holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum SignalCell {
    Text(Option<String>),
    Float(Option<f64>),
    Int(Option<i32>),
    BigInt(Option<i64>),
    Bool(Option<bool>),
}

impl SignalCell {
    /// NULL of a kind.
    pub fn null(kind: SignalKind) -> SignalCell {
        match kind {
            SignalKind::Text => SignalCell::Text(None),
            SignalKind::Float => SignalCell::Float(None),
            SignalKind::Int => SignalCell::Int(None),
            SignalKind::BigInt => SignalCell::BigInt(None),
            SignalKind::Bool => SignalCell::Bool(None),
        }
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            SignalCell::Text(v) => v.as_deref(),
            _ => None,
        }
    }
    pub fn float(&self) -> Option<f64> {
        match self {
            SignalCell::Float(v) => *v,
            _ => None,
        }
    }
    pub fn int(&self) -> Option<i32> {
        match self {
            SignalCell::Int(v) => *v,
            _ => None,
        }
    }
    pub fn big_int(&self) -> Option<i64> {
        match self {
            SignalCell::BigInt(v) => *v,
            _ => None,
        }
    }
    pub fn bool(&self) -> Option<bool> {
        match self {
            SignalCell::Bool(v) => *v,
            _ => None,
        }
    }
}

impl From<SignalValue<'_>> for SignalCell {
    fn from(value: SignalValue<'_>) -> Self {
        match value {
            SignalValue::Text(v) => SignalCell::Text(owned(v)),
            SignalValue::Float(v) => SignalCell::Float(v),
            SignalValue::Int(v) => SignalCell::Int(v),
            SignalValue::BigInt(v) => SignalCell::BigInt(v),
            SignalValue::Bool(v) => SignalCell::Bool(v),
        }
    }
}

/// A node report of the session (`node_outcomes/` without the session's columns).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeCells {
    pub ordinal: i32,
    pub node_id: Option<String>,
    pub node_type: Option<String>,
    pub outcome: Option<String>,
    pub created_at: Option<i64>,
}

/// A transcript phrase (`transcript/` without the session's columns).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhraseCells {
    pub ordinal: i32,
    pub speaker: Option<String>,
    pub text: Option<String>,
    pub created_at: Option<i64>,
}

/// An edge of the session's flow (`flows/` without the flow's id and the ordinal).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EdgeCells {
    pub source: String,
    pub outcome: Option<String>,
    pub target: String,
}

/// One session's rows, owned: what the export writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionRows {
    pub session: SessionRow,
    pub nodes: Vec<NodeCells>,
    pub phrases: Vec<PhraseCells>,
    /// The session's flow (`session.flow_id`) with its edges.
    pub flow: Option<Arc<Flow>>,
    pub provided: Vec<(&'static str, String)>,
}

/// An optional borrowed text as an owned one.
pub fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

impl From<&ExportRows<'_>> for SessionRows {
    fn from(rows: &ExportRows<'_>) -> SessionRows {
        let s = &rows.summary;
        SessionRows {
            session: SessionRow {
                id: owned(s.id),
                status: owned(s.status),
                created_at: micros(s.created_at_ms),
                started_at: micros(s.started_at_ms),
                finished_at: micros(s.finished_at_ms),
                client_reference_id: owned(s.client_reference_id),
                zone: owned(s.zone),
                lang: owned(s.lang),
                flow_nodes: s.flow_nodes,
                node_reports: s.node_reports,
                transcript_turns: s.transcript_turns,
                flow_id: rows.flow.as_ref().map(|f| f.id.clone()),
                signals: rows.signals.values().map(SignalCell::from),
            },
            nodes: rows
                .nodes
                .iter()
                .map(|n| NodeCells {
                    ordinal: n.ordinal,
                    node_id: owned(n.node_id),
                    node_type: owned(n.node_type),
                    outcome: owned(n.outcome),
                    created_at: micros(n.created_at_ms),
                })
                .collect(),
            phrases: rows
                .phrases
                .iter()
                .map(|p| PhraseCells {
                    ordinal: p.ordinal,
                    speaker: owned(p.speaker),
                    text: owned(p.text),
                    created_at: micros(p.created_at_ms),
                })
                .collect(),
            flow: rows.flow.clone(),
            provided: rows.provided.iter().map(|&(k, v)| (k, v.to_owned())).collect(),
        }
    }
}

/// The owned rows of `doc` (the toolkit's own reading of a document).
pub fn session_rows<'a, J: JsonRef<'a>>(doc: J, with_provided: bool) -> SessionRows {
    SessionRows::from(&export_rows(doc, with_provided))
}

/// [`session_rows`] for a reader of many sessions (see [`export_rows_with`]).
pub fn session_rows_with<'a, J: JsonRef<'a>>(
    doc: J,
    with_provided: bool,
    flows: &mut FlowCache,
) -> SessionRows {
    SessionRows::from(&export_rows_with(doc, with_provided, flows))
}

#[cfg(test)]
mod tests;
