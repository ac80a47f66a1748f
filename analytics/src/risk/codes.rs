//! The codes of the reasons a score lists: the session signals' and the detectors'. Scores,
//! findings, the generator's labels and the docs all name reasons by these.

/// The detectors' codes.
pub mod detector {
    pub const IMPOSSIBLE_TRAVEL: &str = "impossible_travel";
    pub const NEW_COUNTRY: &str = "new_country";
    pub const MULTI_COUNTRY: &str = "multi_country";
    pub const NEW_DEVICE: &str = "new_device";
    pub const DEVICE_CHURN: &str = "device_churn";
    pub const FRAUD_FARM: &str = "fraud_farm";
    pub const CONTRADICTORY_DEVICE: &str = "contradictory_device";
    pub const AGE_INCONSISTENT: &str = "age_inconsistent";
    pub const SEX_INCONSISTENT: &str = "sex_inconsistent";

    /// Whether a detector is a geo or device one (the rest check one user's consistency);
    /// the list of detectors itself is [`crate::score::DETECTORS`].
    pub fn is_geo_or_device(code: &str) -> bool {
        !matches!(code, AGE_INCONSISTENT | SEX_INCONSISTENT)
    }
}

/// The session signals' codes, which core defines beside the rules (the extension's
/// `risk_score` names its reasons by them too).
pub mod signal {
    pub use facesign_core::risk::codes::*;
}
