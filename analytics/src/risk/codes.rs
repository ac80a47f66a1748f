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

/// The session signals' codes.
pub mod signal {
    pub const DEEPFAKE: &str = "deepfake";
    pub const LIVENESS_FAILURE: &str = "liveness_failure";
    pub const VIRTUAL_PERSON: &str = "virtual_person";
    pub const ANONYMIZER: &str = "anonymizer";
    pub const VIDEO_ANALYSIS: &str = "video_analysis";
    pub const FACE_MISMATCH: &str = "face_mismatch";
    pub const DOCUMENT_FAILED: &str = "document_failed";
    pub const TWO_FACTOR_FAILED: &str = "two_factor_failed";
    pub const BOT_DEVICE: &str = "bot_device";

    pub const ALL: [&str; 9] = [
        DEEPFAKE,
        LIVENESS_FAILURE,
        VIRTUAL_PERSON,
        ANONYMIZER,
        VIDEO_ANALYSIS,
        FACE_MISMATCH,
        DOCUMENT_FAILED,
        TWO_FACTOR_FAILED,
        BOT_DEVICE,
    ];
}
