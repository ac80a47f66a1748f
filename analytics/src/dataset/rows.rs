//! The rows of the exported datasets. One session's rows are core's [`SessionRows`] (read by
//! `facesign_core::export_rows`, in the database or here, so every export path gives the same
//! rows; the export writes them borrowed, `super::columns`); the flow rows add the flow's id.

use facesign_core::report::SUMMARY_FIELDS;
use serde_json::Value;

pub use facesign_core::export_rows::{micros, owned, SessionRow, SessionRows, SignalCell};

/// The columns of `sessions/` before the risk signals: the session summary (core's
/// [`SUMMARY_FIELDS`]) and its flow.
pub const SUMMARY_COLUMNS: [&str; SUMMARY_FIELDS.len() + 1] = {
    let mut columns = [""; SUMMARY_FIELDS.len() + 1];
    let mut i = 0;
    while i < SUMMARY_FIELDS.len() {
        columns[i] = SUMMARY_FIELDS[i].column;
        i += 1;
    }
    columns[i] = "flow_id";
    columns
};

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
