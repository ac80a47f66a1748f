//! `facesign.risk_signals`: one row of the signals a risk analyst filters on.

use super::node_outcomes::entry_outcome;
use super::{bool_at, f64_at, i32_at, i64_at, int_count, report_of, str_at};
use crate::json::{JsonRef, Kind};

/// The signals of `facesign.risk_signals`, in the composite type's attribute order: the one
/// list from which the struct ([`RiskSignals`]), the catalogue ([`SIGNALS`]: name, SQL type,
/// export column, whether the scorer reads it) and the values in order
/// ([`RiskSignals::values`]) are derived, and through them the composite type's SQL and datums
/// (extension), the export's SELECT list, binary-COPY types and Parquet schema, and the
/// scorer's columns (analytics). Adding a signal: a line here, its reading in
/// [`risk_signals`], and its test (docs/development.md, "Adding a risk signal").
///
/// `column` is the signal's column in the exported `sessions/` dataset (`lang` is
/// `report_lang` there, beside the session's configured `lang`).
macro_rules! risk_signal_list {
    ($( $(#[doc = $doc:literal])* $name:ident: $kind:ident, column $column:literal, scored $scored:literal; )*) => {
        /// The composite `facesign.risk_signals`, field by field as in the SQL API spec
        /// (sql-api.md, "Reading reports"). Every field is `None` when absent or of another
        /// JSON type.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct RiskSignals<'a> {
            $( $(#[doc = $doc])* pub $name: kind::$kind<'a>, )*
        }

        /// Every signal, in order.
        pub const SIGNALS: [Signal; [$(stringify!($name)),*].len()] = [
            $( Signal { name: stringify!($name), kind: SignalKind::$kind, column: $column, scored: $scored }, )*
        ];

        impl<'a> RiskSignals<'a> {
            /// The values, in [`SIGNALS`] order.
            pub fn values(&self) -> [SignalValue<'a>; SIGNALS.len()] {
                [ $( SignalValue::$kind(self.$name), )* ]
            }

            /// The signals from their values in [`SIGNALS`] order; `None` when a value is of
            /// another kind than its signal.
            pub fn from_values(values: [SignalValue<'a>; SIGNALS.len()]) -> Option<RiskSignals<'a>> {
                let mut values = values.into_iter();
                Some(RiskSignals {
                    $( $name: match values.next()? {
                        SignalValue::$kind(v) => v,
                        _ => return None,
                    }, )*
                })
            }
        }
    };
}

/// The Rust type of each kind of signal (a lifetime for all, so the list can name them alike).
pub mod kind {
    pub type Text<'a> = Option<&'a str>;
    pub type Float<'a> = Option<f64>;
    pub type Int<'a> = Option<i32>;
    pub type BigInt<'a> = Option<i64>;
    pub type Bool<'a> = Option<bool>;
}

/// The type of a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    Text,
    Float,
    Int,
    BigInt,
    Bool,
}

impl SignalKind {
    /// Its SQL type, as the composite type declares it.
    pub fn sql_type(self) -> &'static str {
        match self {
            SignalKind::Text => "text",
            SignalKind::Float => "float8",
            SignalKind::Int => "int",
            SignalKind::BigInt => "bigint",
            SignalKind::Bool => "boolean",
        }
    }
}

/// One signal of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    /// The attribute of `facesign.risk_signals` and the field of [`RiskSignals`].
    pub name: &'static str,
    pub kind: SignalKind,
    /// Its column in the exported `sessions/` dataset.
    pub column: &'static str,
    /// Whether `facesign-analytics score` reads it.
    pub scored: bool,
}

/// A signal's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SignalValue<'a> {
    Text(Option<&'a str>),
    Float(Option<f64>),
    Int(Option<i32>),
    BigInt(Option<i64>),
    Bool(Option<bool>),
}

impl SignalValue<'_> {
    /// The null value of `kind`.
    pub fn null(kind: SignalKind) -> SignalValue<'static> {
        match kind {
            SignalKind::Text => SignalValue::Text(None),
            SignalKind::Float => SignalValue::Float(None),
            SignalKind::Int => SignalValue::Int(None),
            SignalKind::BigInt => SignalValue::BigInt(None),
            SignalKind::Bool => SignalValue::Bool(None),
        }
    }
}

/// `CREATE TYPE risk_signals AS (…)`, as the extension declares it.
pub fn composite_type_sql() -> String {
    let attributes: Vec<String> =
        SIGNALS.iter().map(|s| format!("    {} {}", s.name, s.kind.sql_type())).collect();
    format!("CREATE TYPE risk_signals AS (\n{}\n);\n", attributes.join(",\n"))
}

risk_signal_list! {
    /// Outcome of the last `liveness_detection` node report.
    liveness: Text, column "liveness", scored true;
    /// Outcome of the last `recognition` node report.
    recognition: Text, column "recognition", scored false;
    /// Outcome of the last `face_scan` node report.
    face_scan: Text, column "face_scan", scored true;
    /// Outcome of the last `face_compare` node report.
    face_compare: Text, column "face_compare", scored true;
    /// `report.similarity` of the last `face_compare` node report; when that is `None`,
    /// `report.compareFacesReport.similarity` of the last `face_scan` node report.
    face_similarity: Float, column "face_similarity", scored true;
    /// Outcome of the last `document_scan` node report.
    document_scan: Text, column "document_scan", scored true;
    /// Outcome of the last `two_factor_email`, `two_factor_sms` or legacy `two_factor` report.
    two_factor: Text, column "two_factor", scored true;
    /// `deepfakeDetection.verdict`.
    deepfake_verdict: Text, column "deepfake_verdict", scored true;
    /// `deepfakeDetection.score`.
    deepfake_score: Float, column "deepfake_score", scored true;
    /// `aiAnalysis.realPersonOrVirtual`.
    real_person: Text, column "real_person", scored true;
    /// `aiAnalysis.ageMin` (integral numbers only).
    age_min: Int, column "age_min", scored true;
    /// `aiAnalysis.ageMax` (integral numbers only).
    age_max: Int, column "age_max", scored true;
    /// `aiAnalysis.sex`.
    sex: Text, column "sex", scored true;
    /// `videoAIAnalysisStatus`.
    video_status: Text, column "video_status", scored false;
    /// Criteria of `videoAIAnalysis` evaluated `suspicious`; `None` without an analysis.
    video_suspicious: Int, column "video_suspicious", scored true;
    /// Criteria of `videoAIAnalysis` evaluated `highFraudRisk`; `None` without an analysis.
    video_high_risk: Int, column "video_high_risk", scored true;
    /// `location.country.isoCode`.
    country: Text, column "country", scored true;
    /// `location.city.names.en`.
    city: Text, column "city", scored true;
    /// `location.location.latitude`.
    latitude: Float, column "latitude", scored true;
    /// `location.location.longitude`.
    longitude: Float, column "longitude", scored true;
    /// `location.location.accuracyRadius` (integral numbers only).
    accuracy_radius_km: Int, column "accuracy_radius_km", scored true;
    /// `location.location.timeZone`.
    time_zone: Text, column "time_zone", scored false;
    /// Any anonymity trait true; `None` when `location.traits` is not an object.
    anonymizer: Bool, column "anonymizer", scored true;
    /// `location.traits.autonomousSystemNumber` (integral numbers only).
    asn: BigInt, column "asn", scored true;
    /// `device.browser`.
    browser: Text, column "browser", scored true;
    /// `device.version`.
    browser_version: Text, column "browser_version", scored true;
    /// `device.os`.
    os: Text, column "os", scored true;
    /// `device.platform`.
    platform: Text, column "platform", scored true;
    /// `device.isMobile` or `device.isTablet`; `None` when neither is a boolean.
    is_mobile: Bool, column "is_mobile", scored true;
    /// `device.isBot`.
    is_bot: Bool, column "is_bot", scored true;
    /// `report.lang`.
    lang: Text, column "report_lang", scored false;
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
