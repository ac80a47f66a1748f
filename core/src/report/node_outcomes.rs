//! `facesign.node_outcomes` and `facesign.outcome`: the `nodeReports` of a report.

use super::{f64_at, int_count, report_array, str_at};
use crate::json::{JsonRef, Kind};

/// One `nodeReports` entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeOutcome<'a> {
    /// Position in `nodeReports`, from 1.
    pub ordinal: i32,
    /// `nodeId`.
    pub node_id: Option<&'a str>,
    /// `type` (the node type; the docs' `nodeType` is not a real field and is not read).
    pub node_type: Option<&'a str>,
    /// `outcome`, or the legacy `passedTransitionId` when `outcome` is not a string.
    pub outcome: Option<&'a str>,
    /// `createdAt`, Unix epoch milliseconds.
    pub created_at_ms: Option<f64>,
}

/// The outcome of one entry: `outcome` when it is a string, else the legacy
/// `passedTransitionId` when that is a string.
pub(crate) fn entry_outcome<'a, J: JsonRef<'a>>(entry: J) -> Option<&'a str> {
    str_at(entry, "outcome").or_else(|| str_at(entry, "passedTransitionId"))
}

/// One row per `nodeReports` entry, in order, `ordinal` from 1. An entry that is not an
/// object still gets its row (every field `None`), so that ordinals always match positions in
/// the array. No report, or `nodeReports` absent or not an array: no rows.
pub fn node_outcomes<'a, J: JsonRef<'a>>(doc: J) -> Vec<NodeOutcome<'a>> {
    let Some(reports) = report_array(doc, "nodeReports") else { return Vec::new() };
    let mut rows = Vec::with_capacity(reports.len());
    for (i, entry) in reports.elements().enumerate() {
        let mut row = NodeOutcome { ordinal: int_count(i + 1), ..NodeOutcome::default() };
        if entry.kind() == Kind::Object {
            row.node_id = str_at(entry, "nodeId");
            row.node_type = str_at(entry, "type");
            row.outcome = entry_outcome(entry);
            row.created_at_ms = f64_at(entry, "createdAt");
        }
        rows.push(row);
    }
    rows
}

/// The outcome of the last `nodeReports` entry whose `type` is `node_type`; `None` when there
/// is no such entry or that last entry has no outcome (an earlier entry of the type is not
/// consulted).
pub fn outcome<'a, J: JsonRef<'a>>(doc: J, node_type: &str) -> Option<&'a str> {
    let reports = report_array(doc, "nodeReports")?;
    let mut last = None;
    for entry in reports.elements() {
        if str_at(entry, "type") == Some(node_type) {
            last = Some(entry);
        }
    }
    entry_outcome(last?)
}
