//! `facesign-analytics`: data tooling for FaceSign sessions. A synthetic session corpus with
//! planted, labelled anomalies ([`generate`]), loading sessions into PostgreSQL ([`load`],
//! connecting the way libpq does: [`connect`]) and exporting them as Parquet ([`export`]).

pub mod connect;
pub mod export;
pub mod generate;
pub mod load;
