//! The rows of the four exported datasets, and reading them from a session held as
//! `serde_json` with the library's readers (the same readers the extension runs in the
//! database, so both export paths give the same rows).

use facesign_core::flow::flow_edges;
use facesign_core::report::{node_outcomes, risk_signals, session_summary, transcript};
use serde_json::Value;

/// Unix epoch milliseconds as microseconds, rounded like PostgreSQL's `timestamptz`.
pub fn micros(ms: Option<f64>) -> Option<i64> {
    let us = (ms? * 1000.0).round();
    (-2.0e17..=9.2e18).contains(&us).then_some(us as i64)
}

/// One row of `sessions/`: the session summary and its risk signals.
#[derive(Debug, Clone, PartialEq, Default)]
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
    pub texts: [Option<String>; TEXT_SIGNALS.len()],
    pub floats: [Option<f64>; FLOAT_SIGNALS.len()],
    pub ints: [Option<i32>; INT_SIGNALS.len()],
    pub bools: [Option<bool>; BOOL_SIGNALS.len()],
    pub asn: Option<i64>,
}

/// The risk signals by column type, in the order the Parquet schema lists them.
pub const TEXT_SIGNALS: [&str; 18] = [
    "liveness",
    "recognition",
    "face_scan",
    "face_compare",
    "document_scan",
    "two_factor",
    "deepfake_verdict",
    "real_person",
    "sex",
    "video_status",
    "country",
    "city",
    "time_zone",
    "browser",
    "browser_version",
    "os",
    "platform",
    "report_lang",
];
pub const FLOAT_SIGNALS: [&str; 4] = ["face_similarity", "deepfake_score", "latitude", "longitude"];
pub const INT_SIGNALS: [&str; 5] =
    ["age_min", "age_max", "video_suspicious", "video_high_risk", "accuracy_radius_km"];
pub const BOOL_SIGNALS: [&str; 3] = ["anonymizer", "is_mobile", "is_bot"];

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
        texts: [
            r.liveness,
            r.recognition,
            r.face_scan,
            r.face_compare,
            r.document_scan,
            r.two_factor,
            r.deepfake_verdict,
            r.real_person,
            r.sex,
            r.video_status,
            r.country,
            r.city,
            r.time_zone,
            r.browser,
            r.browser_version,
            r.os,
            r.platform,
            r.lang,
        ]
        .map(owned),
        floats: [r.face_similarity, r.deepfake_score, r.latitude, r.longitude],
        ints: [r.age_min, r.age_max, r.video_suspicious, r.video_high_risk, r.accuracy_radius_km],
        bools: [r.anonymizer, r.is_mobile, r.is_bot],
        asn: r.asn,
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
