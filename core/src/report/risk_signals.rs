//! `facesign.risk_signals`: one row of the signals a risk analyst filters on.

use super::node_outcomes::entry_outcome;
use super::{bool_at, f64_at, i32_at, i64_at, int_count, report_of, str_at};
use crate::json::{JsonRef, Kind};

/// The composite `facesign.risk_signals`, field by field as in the SQL API spec (sql-api.md,
/// "Reading reports").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RiskSignals<'a> {
    /// Outcome of the last `liveness_detection` node report.
    pub liveness: Option<&'a str>,
    /// Outcome of the last `recognition` node report.
    pub recognition: Option<&'a str>,
    /// Outcome of the last `face_scan` node report.
    pub face_scan: Option<&'a str>,
    /// Outcome of the last `face_compare` node report.
    pub face_compare: Option<&'a str>,
    /// `report.similarity` of the last `face_compare` node report; when that is `None`,
    /// `report.compareFacesReport.similarity` of the last `face_scan` node report.
    pub face_similarity: Option<f64>,
    /// Outcome of the last `document_scan` node report.
    pub document_scan: Option<&'a str>,
    /// Outcome of the last `two_factor_email`, `two_factor_sms` or legacy `two_factor` report.
    pub two_factor: Option<&'a str>,
    /// `deepfakeDetection.verdict`.
    pub deepfake_verdict: Option<&'a str>,
    /// `deepfakeDetection.score`.
    pub deepfake_score: Option<f64>,
    /// `aiAnalysis.realPersonOrVirtual`.
    pub real_person: Option<&'a str>,
    /// `aiAnalysis.ageMin` (integral numbers only).
    pub age_min: Option<i32>,
    /// `aiAnalysis.ageMax` (integral numbers only).
    pub age_max: Option<i32>,
    /// `aiAnalysis.sex`.
    pub sex: Option<&'a str>,
    /// `videoAIAnalysisStatus`.
    pub video_status: Option<&'a str>,
    /// Criteria of `videoAIAnalysis` evaluated `suspicious`; `None` without an analysis.
    pub video_suspicious: Option<i32>,
    /// Criteria of `videoAIAnalysis` evaluated `highFraudRisk`; `None` without an analysis.
    pub video_high_risk: Option<i32>,
    /// `location.country.isoCode`.
    pub country: Option<&'a str>,
    /// `location.city.names.en`.
    pub city: Option<&'a str>,
    /// `location.location.latitude`.
    pub latitude: Option<f64>,
    /// `location.location.longitude`.
    pub longitude: Option<f64>,
    /// `location.location.accuracyRadius` (integral numbers only).
    pub accuracy_radius_km: Option<i32>,
    /// `location.location.timeZone`.
    pub time_zone: Option<&'a str>,
    /// Any anonymity trait true; `None` when `location.traits` is not an object.
    pub anonymizer: Option<bool>,
    /// `location.traits.autonomousSystemNumber` (integral numbers only).
    pub asn: Option<i64>,
    /// `device.browser`.
    pub browser: Option<&'a str>,
    /// `device.version`.
    pub browser_version: Option<&'a str>,
    /// `device.os`.
    pub os: Option<&'a str>,
    /// `device.platform`.
    pub platform: Option<&'a str>,
    /// `device.isMobile` or `device.isTablet`; `None` when neither is a boolean.
    pub is_mobile: Option<bool>,
    /// `device.isBot`.
    pub is_bot: Option<bool>,
    /// `report.lang`.
    pub lang: Option<&'a str>,
}

/// The nine criteria of `videoAIAnalysis` the SDK names (any other key is allowed since 1.0.29;
/// the counts read whatever keys are there).
pub const VIDEO_CRITERIA: [&str; 9] = [
    "behavioralAnomalies",
    "environmentalConsistency",
    "eyeAndHeadMovement",
    "faceAuthenticity",
    "facialExpressionAndMovement",
    "interactionConfidence",
    "lipSyncAccuracy",
    "presenceOfSuspiciousObjectsOrPeople",
    "useOfExternalDevices",
];

/// The `location.traits` booleans that mark an anonymised connection.
const ANONYMITY_TRAITS: [&str; 7] = [
    "isAnonymous",
    "isAnonymousVpn",
    "isAnonymousProxy",
    "isPublicProxy",
    "isResidentialProxy",
    "isTorExitNode",
    "isHostingProvider",
];

/// The risk signals of `doc` (a session, its GET wrapper, or a bare report). Every field is
/// `None` when there is no report.
///
/// `nodeReports` is walked once; each node type keeps its last entry's outcome (the last
/// entry wins even when it has no outcome, as in [`super::outcome`]).
pub fn risk_signals<'a, J: JsonRef<'a>>(doc: J) -> RiskSignals<'a> {
    let mut out = RiskSignals::default();
    let Some(report) = report_of(doc) else { return out };

    // One walk over nodeReports.
    let mut compare_similarity = None;
    let mut scan_similarity = None;
    if let Some(reports) = report.get("nodeReports") {
        for entry in reports.elements() {
            let Some(ty) = str_at(entry, "type") else { continue };
            let slot = match ty {
                "liveness_detection" => &mut out.liveness,
                "recognition" => &mut out.recognition,
                "document_scan" => &mut out.document_scan,
                "two_factor_email" | "two_factor_sms" | "two_factor" => &mut out.two_factor,
                "face_compare" => {
                    compare_similarity = entry.path(&["report", "similarity"]).and_then(super::finite);
                    &mut out.face_compare
                }
                "face_scan" => {
                    scan_similarity =
                        entry.path(&["report", "compareFacesReport", "similarity"]).and_then(super::finite);
                    &mut out.face_scan
                }
                _ => continue,
            };
            *slot = entry_outcome(entry);
        }
    }
    out.face_similarity = compare_similarity.or(scan_similarity);

    if let Some(deepfake) = report.get("deepfakeDetection") {
        out.deepfake_verdict = str_at(deepfake, "verdict");
        out.deepfake_score = f64_at(deepfake, "score");
    }
    if let Some(ai) = report.get("aiAnalysis") {
        out.real_person = str_at(ai, "realPersonOrVirtual");
        out.age_min = i32_at(ai, "ageMin");
        out.age_max = i32_at(ai, "ageMax");
        out.sex = str_at(ai, "sex");
    }
    out.video_status = str_at(report, "videoAIAnalysisStatus");
    if let Some(video) = report.get("videoAIAnalysis") {
        if let Some((suspicious, high_risk)) = video_counts(video) {
            out.video_suspicious = Some(suspicious);
            out.video_high_risk = Some(high_risk);
        }
    }

    if let Some(location) = report.get("location") {
        out.country = location.path(&["country", "isoCode"]).and_then(|v| v.as_str());
        out.city = location.path(&["city", "names", "en"]).and_then(|v| v.as_str());
        if let Some(loc) = location.get("location") {
            out.latitude = f64_at(loc, "latitude");
            out.longitude = f64_at(loc, "longitude");
            out.accuracy_radius_km = i32_at(loc, "accuracyRadius");
            out.time_zone = str_at(loc, "timeZone");
        }
        if let Some(traits) = location.get("traits").filter(|t| t.kind() == Kind::Object) {
            out.anonymizer = Some(ANONYMITY_TRAITS.iter().any(|k| bool_at(traits, k) == Some(true)));
            out.asn = i64_at(traits, "autonomousSystemNumber");
        }
    }

    if let Some(device) = report.get("device") {
        out.browser = str_at(device, "browser");
        out.browser_version = str_at(device, "version");
        out.os = str_at(device, "os");
        out.platform = str_at(device, "platform");
        out.is_mobile = match (bool_at(device, "isMobile"), bool_at(device, "isTablet")) {
            (None, None) => None,
            (m, t) => Some(m == Some(true) || t == Some(true)),
        };
        out.is_bot = bool_at(device, "isBot");
    }
    out.lang = str_at(report, "lang");
    out
}

/// `(suspicious, highFraudRisk)` criterion counts of a `videoAIAnalysis`, for all four stored
/// shapes; `None` when it is neither an object nor an array (absent, `null`, a scalar).
///
/// - Shapes 1 and 3 (an object keyed by criterion, strict or partial with extra keys) and
///   shape 4 (an array of `{criterion, observation, confidence, evaluation}`): every member
///   or element that is an object with a string `evaluation` counts once under it. Members
///   of other types (e.g. a stray `fraudScore: 0.1`) are ignored.
/// - Shape 2 adds `riskyIndicators: Criterion[]`, a list of the criterion *names* that are
///   already keys of the same object. It is not counted at all: counting it too would
///   count those criteria twice, and it carries no evaluation of its own. (Being an array,
///   not an object with `evaluation`, it falls out of the rule above without a special case.)
///
/// An empty object or array is an analysis with no criteria: `Some((0, 0))`.
fn video_counts<'a, J: JsonRef<'a>>(video: J) -> Option<(i32, i32)> {
    let mut suspicious = 0usize;
    let mut high_risk = 0usize;
    let mut tally = |criterion: J| match str_at(criterion, "evaluation") {
        Some("suspicious") => suspicious += 1,
        Some("highFraudRisk") => high_risk += 1,
        _ => {}
    };
    match video.kind() {
        Kind::Object => video.members().for_each(|(_, v)| tally(v)),
        Kind::Array => video.elements().for_each(&mut tally),
        _ => return None,
    }
    Some((int_count(suspicious), int_count(high_risk)))
}
