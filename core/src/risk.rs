//! The explainable risk score's session rules, read by both the extension
//! (`facesign.risk_score`, `facesign.travel_finding`) and the toolkit (`facesign-analytics
//! score`): the weights and bands (`config`), the session's own signals as reasons with points
//! and evidence (`signals`), and the impossible-travel rule between two sessions of one user
//! (`travel`). The per-user detectors that need a whole history stay in the toolkit.

pub mod codes;
pub mod config;
pub mod device;
pub mod geo;
pub mod signals;
pub mod travel;

pub use config::{ConfigError, RiskConfig};
pub use signals::{risk_score, session_reasons, settle, Reason, RiskScore, SignalInputs};
pub use travel::{travel_finding, Located, TravelFinding};

#[cfg(test)]
mod tests;
