//! The `facesign` PostgreSQL extension: a thin shell over `facesign-core`. Each SQL function
//! lives in the file named after it (`outcome` beside `node_outcomes`); the rules and readers
//! themselves live in the core crate.

// pgrx needs TableIterator column lists spelled out in each signature.
#![allow(clippy::type_complexity)]

::pgrx::pg_module_magic!(name, version);

mod composite;
mod export_rows;
mod flow_cache;
mod flow_edges;
mod flow_fingerprint;
mod jsonb_arg;
mod jsonb_result;
mod materialize;
mod merge_session;
mod node_outcomes;
mod raise;
mod redact_session;
mod risk_score;
mod risk_signals;
mod session_summary;
mod storable;
#[cfg(feature = "text-jsonb-baseline")]
mod text_jsonb_baseline;
mod transcript;
mod travel_finding;
mod validate_flow;
mod validate_session;
#[cfg(feature = "validation-baseline")]
mod validation_baseline;
mod version;

/// Required by `cargo pgrx test`; the SQL tests are pg_regress files under `tests/sql/`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
