//! The rows of the four exported datasets, and reading them from a session held as
//! `serde_json` with the library's readers (the same readers the extension runs in the
//! database, so both export paths give the same rows).

use facesign_core::flow::flow_edges;
use facesign_core::report::risk_signals::{SignalKind, SignalValue, SIGNALS};
use facesign_core::report::{node_outcomes, risk_signals, session_summary, transcript};
use serde_json::Value;

/// Unix epoch milliseconds as microseconds, rounded like PostgreSQL's `timestamptz`.
pub fn micros(ms: Option<f64>) -> Option<i64> {
    let us = (ms? * 1000.0).round();
    (-2.0e17..=9.2e18).contains(&us).then_some(us as i64)
}

/// One row of `sessions/`: the session summary and its risk signals.
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

/// The columns of `sessions/` before the risk signals: the session summary.
pub const SUMMARY_COLUMNS: [&str; 11] = [
    "session_id",
    "status",
    "created_at",
    "started_at",
    "finished_at",
    "client_reference_id",
    "zone",
    "lang",
    "flow_nodes",
    "node_reports",
    "transcript_turns",
];

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

/// One row of `node_outcomes/`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeOutcomeRow {
    pub session_id: Option<String>,
    pub client_reference_id: Option<String>,
    pub ordinal: i32,
    pub node_id: Option<String>,
    pub node_type: Option<String>,
    pub outcome: Option<String>,
    pub created_at: Option<i64>,
}

/// One row of `transcript/`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhraseRow {
    pub session_id: Option<String>,
    pub client_reference_id: Option<String>,
    pub ordinal: i32,
    pub speaker: Option<String>,
    pub text: Option<String>,
    pub created_at: Option<i64>,
}

/// One row of `flow_edges/`: an edge of the session's own flow (`settings.flow`), so that
/// node outcomes can be followed through the graph they ran on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowEdgeRow {
    pub session_id: Option<String>,
    pub client_reference_id: Option<String>,
    pub ordinal: i32,
    pub source: Option<String>,
    pub outcome: Option<String>,
    pub target: Option<String>,
    /// The session's creation time (an edge has none of its own).
    pub created_at: Option<i64>,
}

/// Everything one session contributes to the datasets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionRows {
    pub session: SessionRow,
    pub nodes: Vec<NodeOutcomeRow>,
    pub phrases: Vec<PhraseRow>,
    pub edges: Vec<FlowEdgeRow>,
}

/// An optional borrowed text as an owned one.
pub fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

/// The rows of one session document, read with the library's readers.
pub fn rows_of(doc: &Value) -> SessionRows {
    let s = session_summary(doc);
    let r = risk_signals(doc);
    let id = owned(s.id);
    let reference = owned(s.client_reference_id);
    let session = SessionRow {
        id: id.clone(),
        status: owned(s.status),
        created_at: micros(s.created_at_ms),
        started_at: micros(s.started_at_ms),
        finished_at: micros(s.finished_at_ms),
        client_reference_id: reference.clone(),
        zone: owned(s.zone),
        lang: owned(s.lang),
        flow_nodes: s.flow_nodes,
        node_reports: s.node_reports,
        transcript_turns: s.transcript_turns,
        signals: r.values().map(SignalCell::from),
    };
    let nodes = node_outcomes(doc)
        .into_iter()
        .map(|n| NodeOutcomeRow {
            session_id: id.clone(),
            client_reference_id: reference.clone(),
            ordinal: n.ordinal,
            node_id: owned(n.node_id),
            node_type: owned(n.node_type),
            outcome: owned(n.outcome),
            created_at: micros(n.created_at_ms),
        })
        .collect();
    let phrases = transcript(doc)
        .into_iter()
        .map(|p| PhraseRow {
            session_id: id.clone(),
            client_reference_id: reference.clone(),
            ordinal: p.ordinal,
            speaker: owned(p.speaker),
            text: owned(p.text),
            created_at: micros(p.created_at_ms),
        })
        .collect();
    let flow = doc.get("settings").and_then(|settings| settings.get("flow"));
    let edges = flow
        .map(flow_edges)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, e)| FlowEdgeRow {
            session_id: id.clone(),
            client_reference_id: reference.clone(),
            ordinal: i32::try_from(i + 1).unwrap_or(i32::MAX),
            source: Some(e.source.to_owned()),
            outcome: owned(e.outcome),
            target: Some(e.target.to_owned()),
            created_at: session.created_at,
        })
        .collect();
    SessionRows { session, nodes, phrases, edges }
}
