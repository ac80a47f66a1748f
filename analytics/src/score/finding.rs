//! What a detector reports: one finding per session it fires on, with its evidence as named
//! fields (so a data team filters on `kmh > 2000` rather than parsing text) and a one-line
//! summary that becomes the reason's evidence in the session's score.

use super::config::Severity;

/// Detector codes, which are also the kinds the generator labels.
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
    /// the list of detectors itself is [`super::super::DETECTORS`].
    pub fn is_geo_or_device(code: &str) -> bool {
        !matches!(code, AGE_INCONSISTENT | SEX_INCONSISTENT)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// Great-circle distance between the two sessions (haversine).
    pub km: Option<f64>,
    /// The distance left once both GeoIP accuracy radii are subtracted.
    pub km_beyond_accuracy: Option<f64>,
    pub hours: Option<f64>,
    /// `km_beyond_accuracy / hours`.
    pub kmh: Option<f64>,
    pub from_city: Option<String>,
    pub to_city: Option<String>,
    pub from_country: Option<String>,
    pub to_country: Option<String>,
    pub accuracy_from_km: Option<i32>,
    pub accuracy_to_km: Option<i32>,
    pub previous_session_id: Option<String>,
    pub countries: Vec<String>,
    pub device_profiles: Vec<String>,
    /// Distinct users (fraud farm) or sessions counted by the rule.
    pub users: Option<i32>,
    pub sessions: Option<i32>,
    pub asn: Option<i64>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub usual_age_min: Option<i32>,
    pub usual_age_max: Option<i32>,
    pub sex: Option<String>,
    pub usual_sex: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Row of the session in the [`super::table::SessionTable`].
    pub row: usize,
    pub detector: &'static str,
    pub severity: Severity,
    pub points: i32,
    /// One line a person reads: what was seen, with the numbers.
    pub summary: String,
    pub evidence: Evidence,
}
