//! `facesign.session_summary`: one row per session.

use super::{f64_at, int_count, report_of, session_of, str_at};
use crate::json::{JsonRef, Kind};

/// The composite `facesign.session_summary`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionSummary<'a> {
    pub id: Option<&'a str>,
    /// `status`, as stored (any of the 7 current and legacy values, or anything else).
    pub status: Option<&'a str>,
    /// `createdAt`, Unix epoch milliseconds.
    pub created_at_ms: Option<f64>,
    pub started_at_ms: Option<f64>,
    pub finished_at_ms: Option<f64>,
    /// `settings.clientReferenceId`, else the legacy `settings.client_reference_id`.
    pub client_reference_id: Option<&'a str>,
    /// `settings.zone`.
    pub zone: Option<&'a str>,
    /// The language used (`report.lang`); before the report has one, the configured
    /// `settings.defaultLang`, else the legacy `settings.default_lang`.
    pub lang: Option<&'a str>,
    /// Nodes in `settings.flow`: its length when it is an array (SDK head), the length of
    /// its `nodes` array for the legacy `{nodes, edges}` object; `None` otherwise
    /// (absent, `null`, other shapes).
    pub flow_nodes: Option<i32>,
    /// Length of `report.nodeReports`; `None` when it is not an array.
    pub node_reports: Option<i32>,
    /// Length of `report.transcript`; `None` when it is not an array.
    pub transcript_turns: Option<i32>,
}

/// The summary of `doc` (a Session or its `{session, clientSecret}` wrapper). A bare
/// report also reads: its session fields are then `None`. The wrapper is looked through once,
/// as every reader does: the report is `report_of(doc)`, not the report of the unwrapped
/// session (which would look a second level down and count entries `node_outcomes` does not
/// return).
pub fn session_summary<'a, J: JsonRef<'a>>(doc: J) -> SessionSummary<'a> {
    let session = session_of(doc);
    let mut out = SessionSummary {
        id: str_at(session, "id"),
        status: str_at(session, "status"),
        created_at_ms: f64_at(session, "createdAt"),
        started_at_ms: f64_at(session, "startedAt"),
        finished_at_ms: f64_at(session, "finishedAt"),
        ..SessionSummary::default()
    };
    let settings = session.get("settings").filter(|s| s.kind() == Kind::Object);
    let report = report_of(doc);
    if let Some(settings) = settings {
        out.client_reference_id =
            str_at(settings, "clientReferenceId").or_else(|| str_at(settings, "client_reference_id"));
        out.zone = str_at(settings, "zone");
        out.flow_nodes = settings.get("flow").and_then(|flow| match flow.kind() {
            Kind::Array => Some(int_count(flow.len())),
            Kind::Object => flow.get("nodes").filter(|n| n.kind() == Kind::Array).map(|n| int_count(n.len())),
            _ => None,
        });
    }
    let array_len = |key: &str| {
        report.and_then(|r| r.get(key)).filter(|v| v.kind() == Kind::Array).map(|v| int_count(v.len()))
    };
    out.node_reports = array_len("nodeReports");
    out.transcript_turns = array_len("transcript");
    out.lang = report.and_then(|r| str_at(r, "lang")).or_else(|| {
        let settings = settings?;
        str_at(settings, "defaultLang").or_else(|| str_at(settings, "default_lang"))
    });
    out
}
