//! FaceSign's domain rules, free of PostgreSQL: flow validation, report reading, merging
//! snapshots of a session and the session's risk rules, written once against [`json::JsonRef`] and run both on
//! `serde_json` values and on PostgreSQL's binary jsonb read in place ([`jsonb::Jsonb`]).
//!
//! No `unsafe`: the binary reader bounds-checks every access instead, so no input can make
//! the server that runs it read out of bounds.
#![forbid(unsafe_code)]

pub mod export_rows;
pub mod flow;
pub mod json;
pub mod jsonb;
pub mod merge_session;
pub mod redact;
pub mod report;
pub mod risk;
pub mod storable;

pub use json::{JsonRef, Kind};
pub use jsonb::Jsonb;
