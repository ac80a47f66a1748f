//! What a detector reports: one finding per session it fires on, with its evidence as named
//! fields (so a data team filters on `kmh > 2000` rather than parsing text) and a one-line
//! summary that becomes the reason's evidence in the session's score.

use crate::risk::config::Severity;

pub use crate::risk::codes::detector;

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
