//! `facesign-analytics`: data tooling for FaceSign sessions. A synthetic session corpus with
//! planted, labelled anomalies ([`generate`]) and loading sessions into PostgreSQL ([`load`],
//! connecting the way libpq does: [`connect`]).

pub mod connect;
pub mod generate;
pub mod load;
