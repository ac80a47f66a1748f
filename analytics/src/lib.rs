//! `facesign-analytics`: data tooling for FaceSign sessions. A synthetic session corpus with
//! planted, labelled anomalies ([`generate`]), loading sessions into PostgreSQL ([`load`],
//! connecting the way libpq does: [`connect`]), exporting them as Parquet ([`export`]), and
//! risk scores with their reasons and anomaly findings over the export ([`score`]).

pub mod calendar;
pub mod connect;
pub mod dataset;
pub mod erasures;
pub mod export;
pub mod generate;
pub mod load;
pub mod ndjson;
pub mod risk;
pub mod score;
pub mod sql_names;
