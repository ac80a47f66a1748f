//! FaceSign flows: the node array of `settings.flow`, validated and read as a graph.

pub mod edges;
pub mod fingerprint;
pub mod graph;
pub mod lints;
pub mod node_types;
pub mod problem;
pub mod session;
pub mod validate;

pub use edges::{flow_edges, Edge};
pub use fingerprint::flow_fingerprint;
pub use problem::{Code, ErrorCount, Problem, Rows, Severity, Sink};
pub use session::validate_session;

use crate::json::JsonRef;

/// Every problem with `flow`, in document order (`facesign.validate_flow`).
pub fn validate_flow<'a, J: JsonRef<'a>>(flow: J) -> Vec<Problem> {
    let mut rows = Rows::default();
    validate::validate(flow, &mut rows);
    rows.into_sorted()
}

/// True when `flow` has no error; warnings do not count (`facesign.flow_is_valid`). Skips the
/// work that only warnings and messages need.
pub fn flow_is_valid<'a, J: JsonRef<'a>>(flow: J) -> bool {
    let mut errors = ErrorCount::default();
    validate::validate(flow, &mut errors);
    errors.0 == 0
}

/// [`validate_flow`] without the safety lints, as it was before them: the flow-validation
/// benchmark's baseline, measured in the same run.
#[doc(hidden)]
pub fn validate_flow_structure<'a, J: JsonRef<'a>>(flow: J) -> Vec<Problem> {
    let mut rows = Rows::default();
    validate::validate_structure(flow, &mut rows);
    rows.into_sorted()
}

#[cfg(test)]
mod lint_tests;
#[cfg(test)]
mod tests;
