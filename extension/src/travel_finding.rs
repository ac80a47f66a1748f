//! `facesign.travel_finding`: impossible travel between two sessions of one user, by the rule
//! and thresholds of the toolkit's `impossible_travel` detector (`facesign_core::risk::travel`).

use facesign_core::risk::{self, Located, RiskConfig};
use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;
use crate::jsonb_result::JsonbResult;
use crate::risk_score::with_config;

/// The finding from `previous` to `current` (the user's previous located session and this
/// one) as `{detector, severity, points, summary, km, km_beyond_accuracy, hours, kmh,
/// from_city, to_city, from_country, to_country, accuracy_from_km, accuracy_to_km,
/// previous_session_id}`, or NULL when the travel was possible or a session has no location.
#[pg_extern(immutable, strict, parallel_safe, cost = 60)]
fn travel_finding(previous: JsonbArg<'_>, current: JsonbArg<'_>) -> Option<JsonbResult> {
    finding(previous, current, RiskConfig::defaults())
}

/// The same with score.toml's `[impossible_travel]` keys overridden: `{"impossible_travel":
/// {"max_speed_kmh": 1200}}`.
#[pg_extern(name = "travel_finding", immutable, strict, parallel_safe, cost = 60)]
fn travel_finding_with_config(
    previous: JsonbArg<'_>,
    current: JsonbArg<'_>,
    config: JsonbArg<'_>,
) -> Option<JsonbResult> {
    with_config(config.bytes(), "travel_finding", |config| finding(previous, current, config))
}

fn finding(previous: JsonbArg<'_>, current: JsonbArg<'_>, config: &RiskConfig) -> Option<JsonbResult> {
    let (from, to) = (Located::of(previous.doc()), Located::of(current.doc()));
    let f = risk::travel_finding(&from, &to, &config.impossible_travel)?;
    let value = serde_json::json!({
        "detector": "impossible_travel",
        "severity": f.severity.as_str(),
        "points": f.points,
        "summary": f.summary,
        "km": f.km,
        "km_beyond_accuracy": f.km_beyond_accuracy,
        "hours": f.hours,
        "kmh": f.kmh,
        "from_city": f.from_city,
        "to_city": f.to_city,
        "from_country": f.from_country,
        "to_country": f.to_country,
        "accuracy_from_km": f.accuracy_from_km,
        "accuracy_to_km": f.accuracy_to_km,
        "previous_session_id": f.previous_session_id,
    });
    Some(JsonbResult::new(facesign_core::jsonb::encode(&value)))
}
