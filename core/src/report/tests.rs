//! Every reader on each report shape, legacy forms, the four `videoAIAnalysis` shapes, the
//! API fixtures and hostile input. Each document is read twice, as a serde_json tree and as
//! binary jsonb, and the two answers must be identical.

use super::*;
use crate::jsonb::{encode, Jsonb};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Everything the readers say about one document.
#[derive(Debug, PartialEq)]
struct Read<'a> {
    has_report: bool,
    nodes: Vec<NodeOutcome<'a>>,
    phrases: Vec<Phrase<'a>>,
    risk: RiskSignals<'a>,
    summary: SessionSummary<'a>,
    /// `outcome(doc, t)` for each of [`TYPES`].
    outcomes: Vec<Option<&'a str>>,
}

const TYPES: [&str; 7] = [
    "liveness_detection",
    "recognition",
    "face_scan",
    "face_compare",
    "document_scan",
    "two_factor_email",
    "conversation",
];

fn read<'a, J: JsonRef<'a>>(doc: J) -> Read<'a> {
    let read = Read {
        has_report: report_of(doc).is_some(),
        nodes: node_outcomes(doc),
        phrases: transcript(doc),
        risk: risk_signals(doc),
        summary: session_summary(doc),
        outcomes: TYPES.iter().map(|t| outcome(doc, t)).collect(),
    };
    // The one-pass risk_signals agrees with outcome() type by type.
    assert_eq!(read.risk.liveness, read.outcomes[0]);
    assert_eq!(read.risk.recognition, read.outcomes[1]);
    assert_eq!(read.risk.face_scan, read.outcomes[2]);
    assert_eq!(read.risk.face_compare, read.outcomes[3]);
    assert_eq!(read.risk.document_scan, read.outcomes[4]);
    // And node_outcomes agrees with both.
    for (t, o) in TYPES.iter().zip(&read.outcomes) {
        let last = read.nodes.iter().rev().find(|n| n.node_type == Some(*t));
        assert_eq!(last.and_then(|n| n.outcome), *o, "outcome of {t}");
    }
    assert_eq!(read.summary.node_reports.map(|n| n as usize).unwrap_or(0), read.nodes.len());
    assert_eq!(read.summary.transcript_turns.map(|n| n as usize).unwrap_or(0), read.phrases.len());
    read
}

/// Reads `doc` through both representations and checks they agree.
fn check(doc: &Value) -> Read<'_> {
    let from_serde = read(doc);
    let bytes = encode(doc);
    let from_jsonb = read(Jsonb::from_bytes(&bytes));
    assert_eq!(from_serde, from_jsonb, "serde_json and binary jsonb disagree");
    from_serde
}

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn load(rel: &str) -> Value {
    let text = std::fs::read_to_string(repo_file(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A completed SDK-head session with every field the readers look at.
fn full_session() -> Value {
    json!({
        "id": "fL8SeQvSP0rRs8JCOMvO",
        "createdAt": 1760989572190_u64,
        "startedAt": 1760989600000_u64,
        "finishedAt": 1760989700000_u64,
        "status": "complete",
        "settings": {
            "clientReferenceId": "user-123",
            "zone": "eu",
            "defaultLang": "es",
            "flow": [
                {"id": "start", "type": "start", "outcome": "live"},
                {"id": "live", "type": "liveness_detection"},
                {"id": "end", "type": "end"}
            ]
        },
        "report": {
            "lang": "en",
            "transcript": [
                {"id": "p1", "createdAt": 1760989600100_u64, "text": "Hello, I am June.", "isAvatar": true},
                {"id": "p2", "createdAt": 1760989600200_u64, "text": "Hi!", "isAvatar": false}
            ],
            "nodeReports": [
                {"type": "conversation", "nodeId": "greet", "createdAt": 1760989600300_u64, "outcome": "live"},
                {"type": "liveness_detection", "nodeId": "live", "createdAt": 1760989600400_u64, "outcome": "noFace"},
                {"type": "liveness_detection", "nodeId": "live", "createdAt": 1760989600500_u64, "outcome": "livenessDetected",
                 "screenshotCount": 3, "captureStatus": "captured"},
                {"type": "recognition", "nodeId": "rec", "createdAt": 1, "outcome": "newUser"},
                {"type": "face_scan", "nodeId": "fs", "createdAt": 2, "outcome": "passed",
                 "report": {"livenessChallengePassed": true, "compareFacesReport": {"isMatch": true, "similarity": 0.91, "sourceImageFaceFound": true, "targetImageFaceFound": true}}},
                {"type": "face_compare", "nodeId": "fc", "createdAt": 3, "outcome": "match",
                 "report": {"isMatch": true, "similarity": 0.97, "sourceAImageFound": true, "sourceBImageFound": true}},
                {"type": "document_scan", "nodeId": "doc", "createdAt": 4, "outcome": "scanSuccess", "report": {"mode": "photo-id"}},
                {"type": "two_factor_sms", "nodeId": "sms", "createdAt": 5, "outcome": "delivery_failed"},
                {"type": "two_factor_email", "nodeId": "mail", "createdAt": 6, "outcome": "verified", "report": {"email": "a@b.c"}}
            ],
            "deepfakeDetection": {"verdict": "authentic", "score": 0.02, "analyzedAt": 1760989650000_u64},
            "aiAnalysis": {"ageMin": 25, "ageMax": 32.0, "sex": "female", "realPersonOrVirtual": "real", "overallSummary": "ok", "analysis": []},
            "videoAIAnalysisStatus": "succeeded",
            "videoAIAnalysis": {
                "faceAuthenticity": {"observation": "o", "confidence": 0.9, "evaluation": "normal"},
                "lipSyncAccuracy": {"observation": "o", "confidence": 0.6, "evaluation": "suspicious"},
                "useOfExternalDevices": {"observation": "o", "confidence": 0.8, "evaluation": "highFraudRisk"}
            },
            "location": {
                "city": {"geonameId": 3117735, "names": {"en": "Madrid", "es": "Madrid"}},
                "country": {"isoCode": "ES", "geonameId": 2510769, "isInEuropeanUnion": true, "names": {"en": "Spain"}},
                "location": {"latitude": 40.4168, "longitude": -3.7038, "accuracyRadius": 20, "timeZone": "Europe/Madrid"},
                "traits": {"autonomousSystemNumber": 3352, "isp": "Telefonica", "isAnonymous": false, "isAnonymousVpn": true}
            },
            "device": {"browser": "Chrome", "version": "141.0.0.0", "os": "macOS", "platform": "Apple Mac",
                       "isMobile": false, "isTablet": false, "isDesktop": true, "isBot": false}
        }
    })
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

fn report(extra: Value) -> Value {
    let mut r = json!({"transcript": [], "nodeReports": []});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

// ---- finding the report -----------------------------------------------------------------

#[test]
fn report_of_accepts_session_wrapper_and_bare_report() {
    let session = full_session();
    let wrapped = json!({"session": full_session(), "clientSecret": {"secret": "cs"}});
    let bare = session["report"].clone();
    let a = check(&session);
    let b = check(&wrapped);
    let c = check(&bare);
    assert!(a.has_report && b.has_report && c.has_report);
    assert_eq!(a, b);
    assert_eq!(a.nodes, c.nodes);
    assert_eq!(a.phrases, c.phrases);
    assert_eq!(a.risk, c.risk);
    // A bare report has no session fields, but its counts and lang read.
    assert_eq!(
        c.summary,
        SessionSummary {
            lang: Some("en"),
            node_reports: Some(9),
            transcript_turns: Some(2),
            ..Default::default()
        }
    );
}

#[test]
fn report_of_rejects_what_is_not_a_report() {
    for doc in [
        json!(null),
        json!("report"),
        json!(7),
        json!([]),
        json!([{"report": {}}]),
        json!({"id": "s", "status": "created"}),
        json!({"id": "s", "report": null}),
        json!({"id": "s", "report": [1, 2]}),
        json!({"session": {"id": "s"}}),
        json!({"settings": {}}),
    ] {
        let r = check(&doc);
        assert!(!r.has_report, "{doc}");
        assert!(r.nodes.is_empty() && r.phrases.is_empty());
        assert_eq!(r.risk, RiskSignals::default(), "{doc}");
        assert_eq!(r.summary.node_reports, None);
    }
    // An empty object is an (empty) bare report.
    assert!(check(&json!({})).has_report);
    // A `session` that is not an object is not unwrapped.
    assert!(check(&json!({"session": "x", "lang": "en"})).has_report);
}

// ---- node outcomes ----------------------------------------------------------------------

#[test]
fn node_outcomes_in_order() {
    let doc = full_session();
    let rows = check(&doc).nodes;
    assert_eq!(rows.len(), 9);
    assert_eq!(
        rows[0],
        NodeOutcome {
            ordinal: 1,
            node_id: Some("greet"),
            node_type: Some("conversation"),
            outcome: Some("live"),
            created_at_ms: Some(1760989600300.0)
        }
    );
    assert_eq!(rows.iter().map(|r| r.ordinal).collect::<Vec<_>>(), (1..=9).collect::<Vec<_>>());
    assert_eq!(rows[8].outcome, Some("verified"));
}

#[test]
fn legacy_passed_transition_id_and_odd_entries() {
    let doc = report(json!({"nodeReports": [
        {"type": "conversation", "nodeId": "a", "createdAt": 1, "passedTransitionId": "t1"},
        "not an object",
        {"type": "conversation", "nodeId": "b", "outcome": "o2", "passedTransitionId": "t2"},
        null,
        {"type": "conversation", "nodeId": "c", "outcome": null, "passedTransitionId": "t3"},
        {"type": "conversation", "nodeId": "d", "outcome": 4},
        {"nodeType": "liveness_detection", "timestamp": 5, "outcome": "livenessDetected"},
        [1, 2]
    ]}));
    let rows = check(&doc).nodes;
    let got: Vec<_> = rows.iter().map(|r| (r.ordinal, r.node_id, r.outcome)).collect();
    assert_eq!(
        got,
        vec![
            (1, Some("a"), Some("t1")),
            (2, None, None),
            (3, Some("b"), Some("o2")),
            (4, None, None),
            (5, Some("c"), Some("t3")),
            (6, Some("d"), None),
            (7, None, Some("livenessDetected")),
            (8, None, None),
        ]
    );
    // The docs' invented `nodeType`/`timestamp` are not read.
    assert_eq!(rows[6].node_type, None);
    assert_eq!(rows[6].created_at_ms, None);
    assert_eq!(rows[1], NodeOutcome { ordinal: 2, ..Default::default() });
}

#[test]
fn outcome_is_the_last_report_of_the_type() {
    let doc = full_session();
    assert_eq!(outcome(&doc, "liveness_detection"), Some("livenessDetected"));
    assert_eq!(outcome(&doc, "permissions"), None);
    assert_eq!(outcome(&doc, ""), None);
    // The last entry wins even without an outcome.
    let doc = report(json!({"nodeReports": [
        {"type": "face_scan", "outcome": "passed"},
        {"type": "face_scan"}
    ]}));
    assert_eq!(check(&doc).risk.face_scan, None);
    assert_eq!(outcome(&doc, "face_scan"), None);
    // A legacy passedTransitionId counts as the outcome.
    let doc =
        report(json!({"nodeReports": [{"type": "liveness_detection", "passedTransitionId": "noFace"}]}));
    assert_eq!(check(&doc).risk.liveness, Some("noFace"));
}

#[test]
fn liveness_node_report_fixture() {
    let entry = load("tests/fixtures/facesign-api/sdk-test-liveness-node-report-unavailable.json");
    let doc = json!({"transcript": [], "nodeReports": [entry]});
    let r = check(&doc);
    assert_eq!(r.risk.liveness, Some("captureUnavailable"));
    assert_eq!(r.nodes[0].node_id, Some("liveness"));
    assert_eq!(r.nodes[0].created_at_ms, Some(1700000000000.0));
}

// ---- transcript -------------------------------------------------------------------------

#[test]
fn transcript_speakers() {
    let doc = report(json!({"transcript": [
        {"id": "1", "createdAt": 10, "text": "Hello", "isAvatar": true},
        {"id": "2", "createdAt": 11.5, "text": "Hi", "isAvatar": false},
        {"id": "3", "text": "?", "isAvatar": "yes"},
        {"role": "user", "text": "docs shape", "timestamp": 12},
        42,
        {"text": 7, "isAvatar": null, "createdAt": "10"}
    ]}));
    let rows = check(&doc).phrases;
    assert_eq!(
        rows,
        vec![
            Phrase { ordinal: 1, speaker: Some("avatar"), text: Some("Hello"), created_at_ms: Some(10.0) },
            Phrase { ordinal: 2, speaker: Some("user"), text: Some("Hi"), created_at_ms: Some(11.5) },
            Phrase { ordinal: 3, speaker: None, text: Some("?"), created_at_ms: None },
            Phrase { ordinal: 4, speaker: None, text: Some("docs shape"), created_at_ms: None },
            Phrase { ordinal: 5, ..Default::default() },
            Phrase { ordinal: 6, ..Default::default() },
        ]
    );
}

// ---- risk signals -----------------------------------------------------------------------

#[test]
fn risk_signals_of_a_full_report() {
    let doc = full_session();
    let r = check(&doc).risk;
    assert_eq!(
        r,
        RiskSignals {
            liveness: Some("livenessDetected"),
            recognition: Some("newUser"),
            face_scan: Some("passed"),
            face_compare: Some("match"),
            face_similarity: Some(0.97),
            document_scan: Some("scanSuccess"),
            two_factor: Some("verified"),
            deepfake_verdict: Some("authentic"),
            deepfake_score: Some(0.02),
            real_person: Some("real"),
            age_min: Some(25),
            age_max: Some(32),
            sex: Some("female"),
            video_status: Some("succeeded"),
            video_suspicious: Some(1),
            video_high_risk: Some(1),
            country: Some("ES"),
            city: Some("Madrid"),
            latitude: Some(40.4168),
            longitude: Some(-3.7038),
            accuracy_radius_km: Some(20),
            time_zone: Some("Europe/Madrid"),
            anonymizer: Some(true),
            asn: Some(3352),
            browser: Some("Chrome"),
            browser_version: Some("141.0.0.0"),
            os: Some("macOS"),
            platform: Some("Apple Mac"),
            is_mobile: Some(false),
            is_bot: Some(false),
            lang: Some("en"),
        }
    );
}

#[test]
fn risk_signals_of_an_empty_report() {
    let doc = json!({"transcript": [], "lang": "en", "nodeReports": []});
    assert_eq!(check(&doc).risk, RiskSignals { lang: Some("en"), ..Default::default() });
}

#[test]
fn face_similarity_prefers_the_last_face_compare() {
    let scan = |s: Value| json!({"type": "face_scan", "outcome": "passed", "report": {"compareFacesReport": {"similarity": s}}});
    let compare = |s: Value| json!({"type": "face_compare", "outcome": "match", "report": {"similarity": s}});
    let sim = |entries: Vec<Value>| check(&report(json!({"nodeReports": entries}))).risk.face_similarity;
    assert_eq!(sim(vec![scan(json!(0.5))]), Some(0.5));
    assert_eq!(sim(vec![compare(json!(0.8)), scan(json!(0.5))]), Some(0.8));
    assert_eq!(sim(vec![scan(json!(0.5)), compare(json!(0.8)), compare(json!(0.7))]), Some(0.7));
    // The last face_compare has no similarity: fall back to face_scan, not to an earlier compare.
    assert_eq!(sim(vec![compare(json!(0.8)), compare(json!(null)), scan(json!(0.5))]), Some(0.5));
    assert_eq!(sim(vec![compare(json!(0.8)), scan(json!(0.5)), scan(json!("0.4"))]), Some(0.8));
    assert_eq!(sim(vec![compare(json!("x")), scan(json!(null))]), None);
    assert_eq!(sim(vec![json!({"type": "face_compare", "report": 3})]), None);
    assert_eq!(sim(vec![]), None);
}

#[test]
fn two_factor_reads_email_sms_and_legacy() {
    let tf = |entries: Value| owned(check(&report(json!({"nodeReports": entries}))).risk.two_factor);
    assert_eq!(
        tf(json!([{"type": "two_factor", "outcome": "verified", "report": {"email": "a@b"}}])),
        Some("verified".to_owned())
    );
    assert_eq!(tf(json!([{"type": "two_factor", "passedTransitionId": "t"}])), Some("t".to_owned()));
    assert_eq!(
        tf(
            json!([{"type": "two_factor_email", "outcome": "verified"}, {"type": "two_factor_sms", "outcome": "cancelled"}])
        ),
        Some("cancelled".to_owned())
    );
    assert_eq!(
        tf(
            json!([{"type": "two_factor_sms", "outcome": "error"}, {"type": "enter_email", "outcome": "emailEntered"}])
        ),
        Some("error".to_owned())
    );
    assert_eq!(tf(json!([{"type": "enter_email", "outcome": "emailEntered"}])), None);
}

fn video(v: Value) -> (Option<i32>, Option<i32>) {
    let doc = report(json!({"videoAIAnalysis": v}));
    let r = check(&doc).risk;
    (r.video_suspicious, r.video_high_risk)
}

fn crit(evaluation: &str) -> Value {
    json!({"observation": "o", "confidence": 0.5, "evaluation": evaluation})
}

#[test]
fn video_shape_1_strict_record() {
    let names = VIDEO_CRITERIA;
    let evals = [
        "normal",
        "suspicious",
        "highFraudRisk",
        "suspicious",
        "normal",
        "suspicious",
        "normal",
        "highFraudRisk",
        "normal",
    ];
    let mut obj = serde_json::Map::new();
    for (n, e) in names.iter().zip(evals) {
        obj.insert(n.to_string(), crit(e));
    }
    assert_eq!(video(Value::Object(obj)), (Some(3), Some(2)));
}

#[test]
fn video_shape_2_risky_indicators_are_not_double_counted() {
    let v = json!({
        "faceAuthenticity": crit("highFraudRisk"),
        "lipSyncAccuracy": crit("suspicious"),
        "eyeAndHeadMovement": crit("normal"),
        "riskyIndicators": ["faceAuthenticity", "lipSyncAccuracy"]
    });
    assert_eq!(video(v), (Some(1), Some(1)));
    // riskyIndicators alone carries no evaluation.
    assert_eq!(video(json!({"riskyIndicators": ["faceAuthenticity"]})), (Some(0), Some(0)));
    // Even if it held criterion objects it is not counted a second time.
    assert_eq!(
        video(
            json!({"faceAuthenticity": crit("suspicious"), "riskyIndicators": [{"criterion": "faceAuthenticity", "evaluation": "suspicious"}]})
        ),
        (Some(1), Some(0))
    );
}

#[test]
fn video_shape_3_partial_record_with_extra_keys() {
    let v = json!({
        "faceAuthenticity": crit("suspicious"),
        "customCriterion": crit("highFraudRisk"),
        "anotherOne": crit("suspicious"),
        "fraudScore": 0.12,
        "notes": "free text",
        "broken": {"evaluation": 3},
        "unknownEval": crit("weird")
    });
    assert_eq!(video(v), (Some(2), Some(1)));
}

#[test]
fn video_shape_4_array_of_criteria() {
    let v = json!([
        {"criterion": "faceAuthenticity", "observation": "o", "confidence": 90, "evaluation": "highFraudRisk"},
        {"criterion": "lipSyncAccuracy", "observation": "o", "confidence": 10, "evaluation": "suspicious"},
        {"criterion": "custom", "observation": "o", "confidence": 10, "evaluation": "suspicious"},
        {"criterion": "eyeAndHeadMovement", "evaluation": "normal"},
        "junk",
        null,
        [crit("suspicious")]
    ]);
    assert_eq!(video(v), (Some(2), Some(1)));
}

#[test]
fn video_without_analysis_is_null() {
    let doc = report(json!({}));
    let r = check(&doc).risk;
    assert_eq!((r.video_suspicious, r.video_high_risk), (None, None));
    assert_eq!(video(json!(null)), (None, None));
    assert_eq!(video(json!("pending")), (None, None));
    assert_eq!(video(json!(3)), (None, None));
    assert_eq!(video(json!(true)), (None, None));
    assert_eq!(video(json!({})), (Some(0), Some(0)));
    assert_eq!(video(json!([])), (Some(0), Some(0)));
    // The docs' invented fraudScore/signals shape: an analysis with no criteria.
    assert_eq!(video(json!({"fraudScore": 0.12, "signals": {"multiplePeople": false}})), (Some(0), Some(0)));
}

#[test]
fn integers_only_from_integral_numbers_in_range() {
    let ai = |min: Value, max: Value| {
        let doc = report(json!({"aiAnalysis": {"ageMin": min, "ageMax": max}}));
        let r = check(&doc).risk;
        (r.age_min, r.age_max)
    };
    assert_eq!(ai(json!(25.0), json!(30)), (Some(25), Some(30)));
    assert_eq!(ai(json!(25.5), json!(-1)), (None, Some(-1)));
    assert_eq!(ai(json!(2147483647), json!(2147483648_i64)), (Some(i32::MAX), None));
    assert_eq!(ai(json!(-2147483648_i64), json!(-2147483649_i64)), (Some(i32::MIN), None));
    assert_eq!(ai(json!(1e300), json!("25")), (None, None));
    assert_eq!(ai(json!(null), json!(true)), (None, None));

    let asn =
        |v: Value| check(&report(json!({"location": {"traits": {"autonomousSystemNumber": v}}}))).risk.asn;
    assert_eq!(asn(json!(4_294_967_295_u64)), Some(4_294_967_295));
    assert_eq!(asn(json!(9_007_199_254_740_992_u64)), Some(9_007_199_254_740_992));
    assert_eq!(asn(json!(1e19)), None);
    assert_eq!(asn(json!(15169.5)), None);
    assert_eq!(asn(json!("15169")), None);

    let radius = |v: Value| {
        check(&report(json!({"location": {"location": {"accuracyRadius": v}}}))).risk.accuracy_radius_km
    };
    assert_eq!(radius(json!(1000)), Some(1000));
    assert_eq!(radius(json!(0.5)), None);
}

#[test]
fn anonymizer_traits() {
    let anon = |traits: Option<Value>| {
        let loc = match traits {
            Some(t) => json!({"traits": t}),
            None => json!({"country": {"isoCode": "US"}}),
        };
        check(&report(json!({"location": loc}))).risk.anonymizer
    };
    assert_eq!(anon(None), None);
    assert_eq!(anon(Some(json!(null))), None);
    assert_eq!(anon(Some(json!("vpn"))), None);
    assert_eq!(anon(Some(json!({}))), Some(false));
    assert_eq!(
        anon(Some(json!({"isAnonymous": false, "isAnycast": true, "isLegitimateProxy": true}))),
        Some(false)
    );
    for key in [
        "isAnonymous",
        "isAnonymousVpn",
        "isAnonymousProxy",
        "isPublicProxy",
        "isResidentialProxy",
        "isTorExitNode",
        "isHostingProvider",
    ] {
        let mut t = json!({"isAnonymous": false});
        t[key] = json!(true);
        assert_eq!(anon(Some(t)), Some(true), "{key}");
    }
    assert_eq!(anon(Some(json!({"isTorExitNode": "true", "isAnonymous": 1}))), Some(false));
    // No location at all.
    assert_eq!(check(&report(json!({}))).risk.anonymizer, None);
}

#[test]
fn is_mobile_from_mobile_or_tablet() {
    let m = |d: Value| check(&report(json!({"device": d}))).risk.is_mobile;
    assert_eq!(m(json!({})), None);
    assert_eq!(m(json!({"isMobile": "yes", "isTablet": null})), None);
    assert_eq!(m(json!({"isMobile": false, "isTablet": false})), Some(false));
    assert_eq!(m(json!({"isMobile": true, "isTablet": false})), Some(true));
    assert_eq!(m(json!({"isMobile": false, "isTablet": true})), Some(true));
    assert_eq!(m(json!({"isTablet": true})), Some(true));
    assert_eq!(m(json!({"isMobile": false})), Some(false));
    assert_eq!(m(json!("iPhone")), None);
}

// ---- session summary --------------------------------------------------------------------

#[test]
fn summary_of_a_full_session() {
    let doc = full_session();
    assert_eq!(
        check(&doc).summary,
        SessionSummary {
            id: Some("fL8SeQvSP0rRs8JCOMvO"),
            status: Some("complete"),
            created_at_ms: Some(1760989572190.0),
            started_at_ms: Some(1760989600000.0),
            finished_at_ms: Some(1760989700000.0),
            client_reference_id: Some("user-123"),
            zone: Some("eu"),
            lang: Some("en"),
            flow_nodes: Some(3),
            node_reports: Some(9),
            transcript_turns: Some(2),
        }
    );
}

#[test]
fn summary_lang_falls_back_to_settings() {
    let lang = |report: Value, settings: Value| {
        let doc = json!({"id": "s", "settings": settings, "report": report});
        owned(check(&doc).summary.lang)
    };
    assert_eq!(lang(json!({"lang": "en"}), json!({"defaultLang": "es"})), Some("en".to_owned()));
    assert_eq!(
        lang(json!({"lang": null}), json!({"defaultLang": "es", "default_lang": "fr"})),
        Some("es".to_owned())
    );
    assert_eq!(lang(json!({}), json!({"default_lang": "fr"})), Some("fr".to_owned()));
    assert_eq!(lang(json!(null), json!({"defaultLang": 3, "default_lang": "fr"})), Some("fr".to_owned()));
    assert_eq!(lang(json!(null), json!({"default_lang": null})), None);
    // risk_signals.lang is report.lang only.
    let doc = json!({"id": "s", "settings": {"defaultLang": "es"}, "report": {}});
    assert_eq!(check(&doc).risk.lang, None);
}

#[test]
fn summary_of_legacy_and_null_settings() {
    let doc = json!({
        "id": "OEzfKbPzDTsicXwolHfa", "createdAt": 1750429126000_u64, "status": "requiresInput",
        "startedAt": null, "finishedAt": null,
        "settings": {"client_reference_id": "quick-test-123", "default_lang": null, "zone": null, "flow": null},
        "report": {"transcript": [], "lang": "en", "nodeReports": []}
    });
    let s = check(&doc).summary;
    assert_eq!(
        s,
        SessionSummary {
            id: Some("OEzfKbPzDTsicXwolHfa"),
            status: Some("requiresInput"),
            created_at_ms: Some(1750429126000.0),
            client_reference_id: Some("quick-test-123"),
            lang: Some("en"),
            node_reports: Some(0),
            transcript_turns: Some(0),
            ..Default::default()
        }
    );
    // camelCase wins over snake_case; a non-string camelCase falls back.
    let cr =
        |settings: Value| owned(check(&json!({"id": "x", "settings": settings})).summary.client_reference_id);
    assert_eq!(cr(json!({"clientReferenceId": "a", "client_reference_id": "b"})), Some("a".to_owned()));
    assert_eq!(cr(json!({"clientReferenceId": null, "client_reference_id": "b"})), Some("b".to_owned()));
    assert_eq!(cr(json!({"clientReferenceId": 5})), None);
    // Flow shapes.
    let nodes = |flow: Value| check(&json!({"id": "x", "settings": {"flow": flow}})).summary.flow_nodes;
    assert_eq!(nodes(json!([{"id": "start"}, {"id": "end"}])), Some(2));
    assert_eq!(nodes(json!({"nodes": [{}, {}, {}], "edges": []})), Some(3));
    assert_eq!(nodes(json!({"nodes": null, "edges": []})), None);
    assert_eq!(nodes(json!({"edges": []})), None);
    assert_eq!(nodes(json!("flow-id")), None);
    assert_eq!(nodes(json!([])), Some(0));
    // Old statuses are passed through as stored.
    for status in
        ["created", "inProgress", "incomplete", "complete", "requiresInput", "processing", "canceled"]
    {
        assert_eq!(check(&json!({"id": "x", "status": status})).summary.status, Some(status));
    }
}

// ---- fixtures ---------------------------------------------------------------------------

#[test]
fn every_fixture_session_reads() {
    let dir = repo_file("tests/fixtures/facesign-api");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let mut sessions = 0;
    for name in &names {
        // Every fixture, whatever it is, reads without panicking and agrees across representations.
        let doc = load(&format!("tests/fixtures/facesign-api/{name}"));
        check(&doc);
        let docs: Vec<&Value> = match doc.get("sessions").and_then(Value::as_array) {
            Some(list) => list.iter().collect(),
            None if name.starts_with("session-") => vec![&doc],
            None => continue,
        };
        for session in docs {
            sessions += 1;
            let r = check(session);
            let s = &r.summary;
            assert!(s.id.is_some(), "{name}: id");
            assert!(s.status.is_some(), "{name}: status");
            assert!(s.created_at_ms.is_some_and(|t| t > 1e9), "{name}: createdAt");
            assert!(r.has_report, "{name}: report");
        }
    }
    assert!(sessions >= 12, "only {sessions} sessions in the fixtures");
}

#[test]
fn fixture_values() {
    let get = load("tests/fixtures/facesign-api/session-get-response-dev.json");
    let r = check(&get);
    assert_eq!(
        r.summary,
        SessionSummary {
            id: Some("fL8SeQvSP0rRs8JCOMvO"),
            status: Some("created"),
            created_at_ms: Some(1760989572190.0),
            client_reference_id: Some("fixture-user-123"),
            lang: Some("en"),
            flow_nodes: Some(2),
            node_reports: Some(0),
            transcript_turns: Some(0),
            ..Default::default()
        }
    );
    assert_eq!(r.risk, RiskSignals { lang: Some("en"), ..Default::default() });

    let list = load("tests/fixtures/facesign-api/sessions-list-response-dev.json");
    let summaries: Vec<_> = list["sessions"].as_array().unwrap().iter().map(|s| check(s).summary).collect();
    let snake: Vec<_> = summaries.iter().filter(|s| s.status == Some("requiresInput")).collect();
    assert!(!snake.is_empty());
    for s in snake {
        assert!(s.client_reference_id.is_some(), "{s:?}");
        assert_eq!(s.flow_nodes, None);
        assert_eq!(s.zone, None);
    }

    let legacy = load("tests/fixtures/facesign-api/session-retrieve-response-docs-legacy.json");
    let r = check(&legacy);
    assert_eq!(
        (r.risk.age_min, r.risk.age_max, r.risk.sex, r.risk.real_person),
        (Some(25), Some(30), Some("male"), Some("real"))
    );
    assert_eq!(r.summary.finished_at_ms, Some(1706285200.0));
    assert_eq!(r.summary.node_reports, None);
    assert_eq!(r.summary.transcript_turns, None);

    // The docs' illustrative report does not follow the SDK: only `lang` reads.
    let docs = load("tests/fixtures/facesign-api/session-object-docs-illustrative-flow-array.json");
    let r = check(&docs);
    assert_eq!(r.risk.liveness, None);
    assert_eq!(r.risk.country, None);
    assert_eq!(r.risk.browser, Some("Chrome"));
    assert_eq!(r.risk.video_suspicious, Some(0));
    assert_eq!(r.summary.zone, Some("es"));
    assert_eq!(r.summary.flow_nodes, Some(3));
    assert!(r.phrases.iter().all(|p| p.speaker.is_none() && p.text.is_some()));
}

// ---- hostile input ----------------------------------------------------------------------

fn samples() -> Vec<Value> {
    vec![
        json!(null),
        json!(true),
        json!(false),
        json!(0),
        json!(-1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("x"),
        json!([]),
        json!([null, 1, "a", {}]),
        json!({}),
        json!({"evaluation": "suspicious", "type": "face_scan", "outcome": 1}),
    ]
}

/// Every JSON pointer to a value some reader looks at.
const POINTERS: &[&str] = &[
    "",
    "/id",
    "/status",
    "/createdAt",
    "/startedAt",
    "/finishedAt",
    "/settings",
    "/settings/clientReferenceId",
    "/settings/zone",
    "/settings/defaultLang",
    "/settings/flow",
    "/settings/flow/0",
    "/report",
    "/report/lang",
    "/report/transcript",
    "/report/transcript/0",
    "/report/transcript/0/isAvatar",
    "/report/transcript/0/text",
    "/report/transcript/0/createdAt",
    "/report/nodeReports",
    "/report/nodeReports/1",
    "/report/nodeReports/1/type",
    "/report/nodeReports/1/outcome",
    "/report/nodeReports/1/nodeId",
    "/report/nodeReports/1/createdAt",
    "/report/nodeReports/4/report",
    "/report/nodeReports/4/report/compareFacesReport",
    "/report/nodeReports/4/report/compareFacesReport/similarity",
    "/report/nodeReports/5/report",
    "/report/nodeReports/5/report/similarity",
    "/report/deepfakeDetection",
    "/report/deepfakeDetection/verdict",
    "/report/deepfakeDetection/score",
    "/report/aiAnalysis",
    "/report/aiAnalysis/ageMin",
    "/report/aiAnalysis/ageMax",
    "/report/aiAnalysis/sex",
    "/report/aiAnalysis/realPersonOrVirtual",
    "/report/videoAIAnalysisStatus",
    "/report/videoAIAnalysis",
    "/report/videoAIAnalysis/lipSyncAccuracy",
    "/report/videoAIAnalysis/lipSyncAccuracy/evaluation",
    "/report/location",
    "/report/location/city",
    "/report/location/city/names",
    "/report/location/city/names/en",
    "/report/location/country",
    "/report/location/country/isoCode",
    "/report/location/location",
    "/report/location/location/latitude",
    "/report/location/location/longitude",
    "/report/location/location/accuracyRadius",
    "/report/location/location/timeZone",
    "/report/location/traits",
    "/report/location/traits/isAnonymousVpn",
    "/report/location/traits/autonomousSystemNumber",
    "/report/device",
    "/report/device/browser",
    "/report/device/version",
    "/report/device/os",
    "/report/device/platform",
    "/report/device/isMobile",
    "/report/device/isTablet",
    "/report/device/isBot",
];

#[test]
fn every_json_type_in_every_field_never_panics() {
    let base = full_session();
    let baseline = check(&base);
    for pointer in POINTERS {
        for sample in samples() {
            let mut doc = base.clone();
            *doc.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = sample.clone();
            let r = check(&doc);
            // Scalars never read as a different JSON type.
            if sample.is_null() && !pointer.is_empty() {
                match *pointer {
                    "/report/location/location/latitude" => assert_eq!(r.risk.latitude, None),
                    "/report/aiAnalysis/ageMin" => assert_eq!(r.risk.age_min, None),
                    "/report/device/browser" => assert_eq!(r.risk.browser, None),
                    "/id" => assert_eq!(r.summary.id, None),
                    _ => {}
                }
            }
            // Breaking one field never changes the row count of an untouched array.
            if !pointer.starts_with("/report") && !pointer.is_empty() {
                assert_eq!(r.nodes.len(), baseline.nodes.len(), "{pointer}");
                assert_eq!(r.risk, baseline.risk, "{pointer}");
            }
        }
    }
}

#[test]
fn wrong_types_everywhere_read_as_none() {
    let doc = json!({
        "id": 1, "status": ["complete"], "createdAt": "1760989572190", "startedAt": true, "finishedAt": {},
        "settings": {"clientReferenceId": {}, "client_reference_id": 3, "zone": [], "defaultLang": 1, "flow": 7},
        "report": {
            "lang": 5, "transcript": {"0": {}}, "nodeReports": "none",
            "deepfakeDetection": [0.5], "aiAnalysis": "young", "videoAIAnalysisStatus": false,
            "videoAIAnalysis": 0.3, "location": ["ES"], "device": 42
        }
    });
    let r = check(&doc);
    assert!(r.has_report);
    assert!(r.nodes.is_empty() && r.phrases.is_empty());
    assert_eq!(r.risk, RiskSignals::default());
    assert_eq!(r.summary, SessionSummary::default());
}

#[test]
fn deeply_nested_documents_do_not_overflow() {
    // Built, never cloned: serde_json clones, compares and drops recursively.
    let nested = || {
        let mut deep = json!("x");
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        deep
    };
    let mut doc = full_session();
    doc["report"]["nodeReports"].as_array_mut().unwrap().push(nested());
    doc["report"]["nodeReports"][0]["outcome"] = nested();
    doc["report"]["transcript"].as_array_mut().unwrap().push(nested());
    doc["report"]["videoAIAnalysis"]["deep"] = nested();
    doc["report"]["location"]["traits"]["isAnonymous"] = nested();
    doc["report"]["aiAnalysis"]["ageMin"] = nested();
    doc["settings"]["flow"].as_array_mut().unwrap().push(nested());
    let r = check(&doc);
    assert_eq!(r.nodes.len(), 10);
    assert_eq!(r.nodes[0].outcome, None);
    assert_eq!(r.nodes[9], NodeOutcome { ordinal: 10, ..Default::default() });
    assert_eq!(r.phrases.len(), 3);
    assert_eq!(r.risk.video_suspicious, Some(1));
    assert_eq!(r.risk.anonymizer, Some(true));
    assert_eq!(r.risk.age_min, None);
    assert_eq!(r.summary.flow_nodes, Some(4));
    drop(r);

    // The deep value as the whole document, as the report, and as the videoAIAnalysis array.
    let whole = nested();
    let as_whole = check(&whole);
    assert!(!as_whole.has_report);
    drop(as_whole);
    let mut wrapper = json!({"session": {"id": "s", "report": null}});
    wrapper["session"]["report"] = nested();
    assert!(!check(&wrapper).has_report);
    let mut video_doc = json!({"videoAIAnalysis": null});
    video_doc["videoAIAnalysis"] = nested();
    assert_eq!(check(&video_doc).risk.video_suspicious, Some(0));

    // serde_json drops deep trees recursively; leak them rather than overflow the stack.
    std::mem::forget(doc);
    std::mem::forget(whole);
    std::mem::forget(wrapper);
    std::mem::forget(video_doc);
}

// ---- fuzz findings (fuzz/, scripts/fuzz.sh): each minimized input, read both ways --------

#[test]
fn fuzz_a_session_wrapped_twice_is_looked_through_once_by_every_reader() {
    // structure_aware: a complete session wrapped twice in {session}. session_summary looked
    // through the wrapper itself and once more through report_of, so it counted the
    // nodeReports and transcript two levels down (node_reports 13) while node_outcomes and
    // transcript, which look one level down, returned no rows.
    let doc = json!({"session": {"session": {
        "id": "s1", "status": "complete",
        "report": {"lang": "de", "nodeReports": [{"type": "recognition", "outcome": "recognized"}],
                   "transcript": [{"text": "Hallo", "isAvatar": true}]}
    }}});
    let r = check(&doc);
    // One level down is {session: {...}}: no id, no status, no report key, so a bare report
    // without entries, as report_of has always read it.
    assert!(r.has_report);
    assert!(r.nodes.is_empty() && r.phrases.is_empty());
    assert_eq!(r.summary, SessionSummary::default());
    // Wrapped once, the same session reads in full.
    let once = json!({"session": doc["session"]["session"].clone()});
    let r = check(&once);
    assert_eq!((r.nodes.len(), r.phrases.len()), (1, 1));
    assert_eq!((r.summary.node_reports, r.summary.transcript_turns), (Some(1), Some(1)));
    assert_eq!(r.summary.lang, Some("de"));
}

/// The hand-written sessions of tests/sessions (the SQL tests' and benchmarks' inputs) read
/// the same through both representations.
#[test]
fn test_sessions() {
    for file in [
        "complete-kyc-object-video.json",
        "complete-deepfake-array-video.json",
        "incomplete-legacy-snake-case.json",
    ] {
        let doc = load(&format!("tests/sessions/{file}"));
        let read = check(&doc);
        assert!(read.has_report, "{file}");
        assert!(read.summary.id.is_some(), "{file}");
    }
}

/// The signal list: names and export columns unique, and each value in the list's order and
/// kind (`RiskSignals::values` is built from the same list as the struct).
#[test]
fn the_signal_list_is_consistent() {
    use super::risk_signals::{composite_type_sql, SignalValue, SIGNALS};
    let mut names: Vec<&str> = SIGNALS.iter().map(|s| s.name).collect();
    let mut columns: Vec<&str> = SIGNALS.iter().map(|s| s.column).collect();
    names.sort_unstable();
    names.dedup();
    columns.sort_unstable();
    columns.dedup();
    assert_eq!((names.len(), columns.len()), (SIGNALS.len(), SIGNALS.len()));
    let r = RiskSignals {
        liveness: Some("livenessDetected"),
        asn: Some(3320),
        is_bot: Some(false),
        ..Default::default()
    };
    let values = r.values();
    for (signal, value) in SIGNALS.iter().zip(values) {
        let kind_matches = matches!(
            (signal.kind, value),
            (super::risk_signals::SignalKind::Text, SignalValue::Text(_))
                | (super::risk_signals::SignalKind::Float, SignalValue::Float(_))
                | (super::risk_signals::SignalKind::Int, SignalValue::Int(_))
                | (super::risk_signals::SignalKind::BigInt, SignalValue::BigInt(_))
                | (super::risk_signals::SignalKind::Bool, SignalValue::Bool(_))
        );
        assert!(kind_matches, "{}", signal.name);
    }
    assert_eq!(values[0], SignalValue::Text(Some("livenessDetected")));
    let sql = composite_type_sql();
    assert!(sql.starts_with("CREATE TYPE risk_signals AS (\n    liveness text,\n"), "{sql}");
    assert!(sql.contains("    asn bigint,\n") && sql.ends_with("    lang text\n);\n"), "{sql}");
}
