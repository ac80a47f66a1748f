//! The rows of the exported datasets. One session's rows are core's [`SessionRows`] (read by
//! `facesign_core::export_rows`, in the database or here, so every export path gives the same
//! rows; the export writes them borrowed, `super::columns`); the flow rows add the flow's id.

use serde_json::Value;

pub use facesign_core::export_rows::{micros, owned, SessionRow, SessionRows, SignalCell};

/// The columns of `sessions/` before the risk signals: the session summary and its flow.
pub const SUMMARY_COLUMNS: [&str; 12] = [
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
    "flow_id",
];

/// One row of `flows/`: an edge of one distinct flow (`flow_id`, the fingerprint the
/// sessions carry), so that node outcomes can be followed through the graph they ran on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowRow {
    pub flow_id: String,
    /// The edge's place in the flow, from 1, in document order.
    pub ordinal: i32,
    pub source: String,
    pub outcome: Option<String>,
    pub target: String,
}

/// The rows of one session document, read with the library's readers.
pub fn rows_of(doc: &Value, with_provided: bool) -> SessionRows {
    facesign_core::export_rows::session_rows(doc, with_provided)
}
