//! The session rules on hand-built sessions, the config overrides, and the property that the
//! points add up to the score for any session and any valid configuration.

use super::*;
use crate::jsonb::{encode, Jsonb};
use serde_json::{json, Value};

fn score(doc: &Value) -> RiskScore {
    let from_serde = risk_score(doc, RiskConfig::defaults());
    let bytes = encode(doc);
    assert_eq!(from_serde, risk_score(Jsonb::from_bytes(&bytes), RiskConfig::defaults()));
    from_serde
}

fn session(report: Value) -> Value {
    json!({"id": "s1", "createdAt": 1760000000000i64, "status": "complete", "settings": {}, "report": report})
}

fn reasons(s: &RiskScore) -> Vec<(&'static str, i32, &str)> {
    s.reasons.iter().map(|r| (r.code, r.points, r.evidence.as_str())).collect()
}

#[test]
fn a_clean_session_scores_zero() {
    let s = score(&session(
        json!({"nodeReports": [{"id": "l", "type": "liveness_detection", "outcome": "livenessDetected"}]}),
    ));
    assert_eq!((s.score, s.level, s.reasons.len()), (0, "normal", 0));
}

#[test]
fn a_deepfake_on_an_anonymous_network_with_a_bot_caps_at_100() {
    let doc = session(json!({
        "nodeReports": [{"id": "l", "type": "liveness_detection", "outcome": "deepfakeDetected"}],
        "deepfakeDetection": {"verdict": "manipulated", "score": 0.934},
        "location": {"traits": {"isAnonymous": true, "autonomousSystemNumber": 9009}},
        "device": {"browser": "HeadlessChrome", "version": "120", "os": "Linux", "platform": "x86_64", "isBot": true},
    }));
    let s = score(&doc);
    assert_eq!(s.score, 100);
    assert_eq!(s.level, "high");
    let got = reasons(&s);
    assert_eq!(
        got[0],
        ("deepfake", 70, "deepfake verdict manipulated (score 0.93), liveness deepfakeDetected")
    );
    assert_eq!(got.iter().map(|r| r.1).sum::<i32>(), 100);
    assert_eq!(got.len(), 3);
    assert_eq!(got[2], ("anonymizer", 0, "anonymous network (AS9009)"));
    assert_eq!(got[1], ("bot_device", 30, "bot device: HeadlessChrome 120 · Linux x86_64"));
}

#[test]
fn json_overrides_change_their_keys_and_name_unknown_ones() {
    let c = RiskConfig::with_json_overrides(&json!({"signals": {"deepfake": 80}, "bands": {"high": 70}}))
        .unwrap();
    assert_eq!((c.signals.deepfake, c.bands.high, c.signals.anonymizer), (80, 70, 20));
    let c = RiskConfig::with_json_overrides(&json!({"impossible_travel": {"max_speed_kmh": 1200}})).unwrap();
    assert_eq!(c.impossible_travel.max_speed_kmh, 1200.0);
    let e = RiskConfig::with_json_overrides(&json!({"signals": {"deepfak": 80}})).unwrap_err();
    assert!(e.0.contains("unknown key signals.deepfak"), "{e}");
    let e = RiskConfig::with_json_overrides(&json!({"signal": {}})).unwrap_err();
    assert!(e.0.contains("unknown section [signal]"), "{e}");
    let e = RiskConfig::with_json_overrides(&json!({"signals": {"deepfake": 1.5}})).unwrap_err();
    assert!(e.0.contains("[signals]"), "{e}");
    let e = RiskConfig::with_json_overrides(&json!({"bands": {"elevated": 90}})).unwrap_err();
    assert!(e.0.contains("must not be above"), "{e}");
    assert!(RiskConfig::with_json_overrides(&json!([1])).is_err());
    assert!(RiskConfig::with_json_overrides(&json!({"signals": {"deepfake": [1]}})).is_err());
    // The same from binary jsonb.
    let bytes = encode(&json!({"signals": {"bot_device": 5}}));
    assert_eq!(RiskConfig::with_json_overrides(Jsonb::from_bytes(&bytes)).unwrap().signals.bot_device, 5);
}

#[test]
fn travel_between_two_located_sessions() {
    let at = |lat: f64, lon: f64, ms: i64, city: &str| json!({"id": city, "createdAt": ms, "report": {"location": {"city": {"names": {"en": city}}, "location": {"latitude": lat, "longitude": lon, "accuracyRadius": 20}}}});
    let (berlin, sydney) = (at(52.52, 13.40, 0, "Berlin"), at(-33.87, 151.21, 3_600_000, "Sydney"));
    let f = travel_finding(
        &Located::of(&berlin),
        &Located::of(&sydney),
        &RiskConfig::defaults().impossible_travel,
    )
    .unwrap();
    assert_eq!(f.points, 40);
    assert!((f.km - 16_000.0).abs() < 200.0, "{}", f.km);
    assert!(f.summary.starts_with("Berlin to Sydney:"), "{}", f.summary);
    assert_eq!(f.previous_session_id, Some("Berlin"));
    // A year later is possible; no location, no finding.
    let later = at(-33.87, 151.21, 31_536_000_000, "Sydney");
    assert!(travel_finding(
        &Located::of(&berlin),
        &Located::of(&later),
        &RiskConfig::defaults().impossible_travel
    )
    .is_none());
    assert!(travel_finding(
        &Located::of(&json!({"id": "x"})),
        &Located::of(&sydney),
        &RiskConfig::defaults().impossible_travel
    )
    .is_none());
}

#[test]
fn distance_is_the_haversine_on_the_grs80_mean_radius() {
    // One degree of longitude on the equator: 2πR/360.
    let d = geo::distance_km((0.0, 0.0), (0.0, 1.0));
    assert!((d - 6371.0088 * std::f64::consts::PI / 180.0).abs() < 1e-9, "{d}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn text(options: &'static [&'static str]) -> impl Strategy<Value = Option<&'static str>> {
        prop::option::of(prop::sample::select(options))
    }

    prop_compose! {
        fn any_session()(
            liveness in text(&["livenessDetected", "deepfakeDetected", "noFace", "inconclusive", "captureUnavailable"]),
            verdict in text(&["authentic", "manipulated", "unknown"]),
            deepfake_score in prop::option::of(0.0f64..1.0),
            real in text(&["real", "virtual"]),
            high in prop::option::of(0i32..10),
            suspicious in prop::option::of(0i32..10),
            compare in text(&["match", "noMatch", "imageUnavailable"]),
            similarity in prop::option::of(0.0f64..1.0),
            document in text(&["scanSuccess", "userCancelled", "scanTimeout"]),
            two_factor in text(&["verified", "failed_unverified", "delivery_failed", "cancelled", "error"]),
            anonymizer in prop::option::of(any::<bool>()),
            asn in prop::option::of(1i64..70000),
            bot in prop::option::of(any::<bool>()),
        ) -> SignalInputs<'static> {
            SignalInputs {
                liveness, deepfake_verdict: verdict, deepfake_score, real_person: real,
                video_high_risk: high, video_suspicious: suspicious, face_compare: compare,
                face_similarity: similarity, document_scan: document, two_factor,
                anonymizer, asn, is_bot: bot, device: Some("Chrome 120 · Linux · x86_64"),
            }
        }
    }

    prop_compose! {
        fn any_config()(weights in prop::collection::vec(-20i32..150, 12), min in 0.0f64..1.0,
                        elevated in 0i32..100, span in 0i32..100) -> serde_json::Value {
            json!({
                "bands": {"elevated": elevated, "high": elevated + span},
                "signals": {
                    "deepfake": weights[0], "liveness_failure": weights[1], "virtual_person": weights[2],
                    "video_high_risk_each": weights[3], "video_suspicious_each": weights[4], "video_max": weights[5],
                    "face_mismatch": weights[6], "face_similarity_min": min, "document_failed": weights[7],
                    "two_factor_failed": weights[8], "anonymizer": weights[9], "bot_device": weights[10],
                },
            })
        }
    }

    proptest! {
        #[test]
        fn points_sum_to_the_score(inputs in any_session(), config in any_config()) {
            let config = RiskConfig::with_json_overrides(&config).unwrap();
            let mut reasons = Vec::new();
            session_reasons(&inputs, &config.signals, &mut reasons);
            let score = settle(&mut reasons);
            prop_assert!((0..=100).contains(&score));
            prop_assert_eq!(reasons.iter().map(|r| r.points).sum::<i32>(), score);
            prop_assert!(reasons.iter().all(|r| r.points >= 0));
            prop_assert!(reasons.windows(2).all(|w| w[0].points >= w[1].points || w[1].points == 0));
            let level = config.level(score);
            prop_assert_eq!(level == "high", score >= config.bands.high);
        }
    }
}

/// `risk_score`'s reasons are written straight into jsonb: the same bytes `jsonb_in`'s layout
/// has for the same array (the encoder the SQL tests check against the server).
#[test]
fn reasons_written_as_jsonb_are_the_arrays_bytes() {
    use crate::jsonb::{encode_rows, Cell};
    let reasons = [
        ("deepfake", 70, "deepfake verdict manipulated (score 0.97)"),
        ("anonymizer", 0, "anonymous network (AS-1)"),
    ];
    let rows = reasons.iter().map(|&(c, p, e)| [Cell::Text(Some(c)), Cell::Int(p), Cell::Text(Some(e))]);
    let expected = json!(reasons
        .iter()
        .map(|&(c, p, e)| json!({"code": c, "points": p, "evidence": e}))
        .collect::<Vec<_>>());
    assert_eq!(encode_rows(["code", "points", "evidence"], rows), encode(&expected));
    let none = encode_rows(["code", "points", "evidence"], std::iter::empty::<[Cell; 3]>());
    assert_eq!(none, encode(&json!([])));
}
