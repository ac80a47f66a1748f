//! FaceSign's domain rules, free of PostgreSQL: flow validation, report reading and merging
//! snapshots of a session, written once against [`json::JsonRef`] and run both on
//! `serde_json` values and on PostgreSQL's binary jsonb read in place ([`jsonb::Jsonb`]).

pub mod flow;
pub mod json;
pub mod jsonb;
pub mod merge_session;
pub mod report;

pub use json::{JsonRef, Kind};
pub use jsonb::Jsonb;
