//! `facesign-analytics`: data tooling for FaceSign sessions. A synthetic session corpus with
//! planted, labelled anomalies ([`generate`]) and loading sessions into PostgreSQL ([`load`]).

pub mod generate;
