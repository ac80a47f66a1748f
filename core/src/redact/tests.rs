//! Redaction of the complete test session, and redaction as final in every arrival order of
//! its five fetches, on serde_json values and on binary jsonb (byte for byte the server's).

use super::*;
use crate::jsonb::{encode, encode_redacted, merged_session};
use crate::merge_session::merged_value;
use crate::Jsonb;
use serde_json::{json, Value};

const AT: Marker = Marker { redacted_at_ms: Some(1_764_000_000_000) };

fn complete() -> Value {
    serde_json::from_str(include_str!("../../../tests/sessions/complete-kyc-object-video.json")).unwrap()
}

/// The five fetches of a session as tests/sql/include/fetches.sql makes them, last first.
fn fetches(complete: &Value) -> Vec<Value> {
    let f5 = complete.clone();
    let mut f4 = f5.clone();
    f4["report"].as_object_mut().unwrap().remove("videoAIAnalysis");
    f4["report"]["videoAIAnalysisStatus"] = json!("pending");
    let mut f3 = f4.clone();
    f3["report"].as_object_mut().unwrap().remove("deepfakeDetection");
    f3["report"]["nodeReports"] = json!([]);
    f3["report"]["deepfakeDetectionStatus"] = json!({"state": "pending"});
    let mut f2 = f3.clone();
    f2.as_object_mut().unwrap().remove("finishedAt");
    f2["status"] = json!("inProgress");
    let r = &f3["report"];
    f2["report"] = json!({"transcript": [r["transcript"][0], r["transcript"][1]], "lang": r["lang"],
                          "nodeReports": [], "location": r["location"], "device": r["device"]});
    let mut f1 = f2.clone();
    f1.as_object_mut().unwrap().remove("startedAt");
    f1["status"] = json!("created");
    f1["report"] = json!({"transcript": [], "lang": r["lang"], "nodeReports": []});
    vec![f5, f4, f3, f2, f1]
}

/// Every string of a document (keys and values), walked without recursion.
fn strings(doc: &Value) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                out.insert(s.clone());
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (k, v) in map {
                    out.insert(k.clone());
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    out
}

fn redacted_binary(doc: &Value, marker: Marker) -> Vec<u8> {
    encode_redacted(&redact_session(Jsonb::from_bytes(&encode(doc)), marker))
}

#[test]
fn the_complete_session_loses_its_personal_data_and_keeps_the_rest() {
    let full = complete();
    let red = redacted_value(&full, AT);
    let gone: Vec<String> = strings(&full).difference(&strings(&red)).cloned().collect();
    for personal in ["Lena Vogel", "lena@example.com", "s3://bucket/lena.jpg", "Berlin"] {
        assert!(gone.contains(&personal.to_owned()), "{personal} is still there");
    }
    assert!(red["settings"].get("providedData").is_none());
    assert!(red["report"]["transcript"].as_array().unwrap().iter().all(|p| p.get("text").is_none()));
    assert_eq!(
        red["report"]["transcript"].as_array().unwrap().len(),
        full["report"]["transcript"].as_array().unwrap().len()
    );
    assert!(red["report"]["location"].get("city").is_none());
    assert!(red["report"]["location"]["location"].get("latitude").is_none());
    assert_eq!(red["report"]["location"]["country"], full["report"]["location"]["country"]);
    assert_eq!(
        red["report"]["location"]["location"]["accuracyRadius"],
        full["report"]["location"]["location"]["accuracyRadius"]
    );
    // What funnels and risk statistics read stays.
    for key in ["id", "status", "createdAt", "startedAt", "finishedAt"] {
        assert_eq!(red[key], full[key], "{key}");
    }
    assert_eq!(red["settings"]["clientReferenceId"], full["settings"]["clientReferenceId"]);
    assert_eq!(red["settings"]["flow"], full["settings"]["flow"]);
    let outcomes = |d: &Value| -> Vec<Value> {
        d["report"]["nodeReports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| json!([n["type"], n["nodeId"], n["outcome"]]))
            .collect()
    };
    assert_eq!(outcomes(&red), outcomes(&full));
    assert_eq!(red["report"]["deepfakeDetection"], full["report"]["deepfakeDetection"]);
    assert_eq!(red[MARKER_KEY], json!({"version": 1, "redactedAt": 1_764_000_000_000i64}));
    // The binary form is what PostgreSQL would store for the serde result.
    assert_eq!(redacted_binary(&full, AT), encode(&red));
    // Redacting again changes nothing, and keeps the first time.
    let later = Marker { redacted_at_ms: Some(1_800_000_000_000) };
    assert_eq!(redacted_value(&red, later), red);
    assert_eq!(redacted_binary(&red, later), encode(&red));
}

#[test]
fn a_redaction_at_any_point_of_any_arrival_order_is_final() {
    let full = complete();
    let snapshots = fetches(&full);
    let expected = redacted_value(&full, AT);
    let personal: Vec<String> = strings(&full).difference(&strings(&expected)).cloned().collect();
    let binary: Vec<Vec<u8>> = snapshots.iter().map(encode).collect();
    let expected_binary = encode(&expected);
    let mut runs = 0;
    for order in crate::merge_session::tests::orderings(snapshots.len()) {
        // The redaction comes after `at` snapshots have been stored (0: before any).
        for at in 0..=order.len() {
            let mut stored: Option<Value> = None;
            let mut stored_binary: Option<Vec<u8>> = None;
            for (step, &n) in order.iter().enumerate() {
                if step == at {
                    stored = stored.map(|s| redacted_value(&s, AT));
                    stored_binary =
                        stored_binary.map(|s| encode_redacted(&redact_session(Jsonb::from_bytes(&s), AT)));
                }
                stored = Some(match stored {
                    None if step >= at => redacted_value(&snapshots[n], AT),
                    None => snapshots[n].clone(),
                    Some(s) => merged_value(&s, &snapshots[n]).unwrap(),
                });
                stored_binary = Some(match stored_binary {
                    None if step >= at => redacted_binary(&snapshots[n], AT),
                    None => binary[n].clone(),
                    Some(s) => merged_session(Jsonb::from_bytes(&s), Jsonb::from_bytes(&binary[n])).unwrap(),
                });
            }
            let (mut result, mut result_binary) = (stored.unwrap(), stored_binary.unwrap());
            if at == order.len() {
                result = redacted_value(&result, AT);
                result_binary = encode_redacted(&redact_session(Jsonb::from_bytes(&result_binary), AT));
            }
            let left: Vec<&String> = personal.iter().filter(|p| strings(&result).contains(*p)).collect();
            assert!(left.is_empty(), "order {order:?}, redacted after {at}: {left:?} came back");
            assert_eq!(result, expected, "order {order:?}, redacted after {at}");
            assert_eq!(result_binary, expected_binary, "binary, order {order:?}, redacted after {at}");
            runs += 1;
        }
    }
    assert_eq!(runs, 120 * 6);
}

#[test]
fn late_fields_still_merge_into_a_redacted_session() {
    let full = complete();
    let snapshots = fetches(&full);
    // Redacted while complete without node reports or video analysis (fetch 3)...
    let early = redacted_value(&snapshots[2], AT);
    assert_eq!(early["report"]["nodeReports"], json!([]));
    // ...the late fetch brings the node reports and the video verdicts, not the personal data.
    let merged = merged_value(&early, &snapshots[0]).unwrap();
    assert_eq!(merged, redacted_value(&full, AT));
    assert_eq!(merged["report"]["nodeReports"].as_array().unwrap().len(), 13);
    assert!(merged["report"]["videoAIAnalysis"].is_object());
    assert!(merged["settings"].get("providedData").is_none());
}

#[test]
fn odd_shapes() {
    // Not objects: nothing to remove, no marker.
    for doc in [json!(null), json!([1, 2]), json!("text")] {
        assert_eq!(redacted_value(&doc, AT), doc);
    }
    // The wrapper of GET /sessions/{id} goes with its clientSecret.
    let wrapped = json!({"session": {"id": "s", "settings": {"provided_data": {"name": "Ann"}}},
                         "clientSecret": {"secret": "cs1", "url": "https://x?cs=cs1"}});
    assert_eq!(
        redacted_value(&wrapped, AT),
        json!({"id": "s", "settings": {}, "redaction": {"version": 1, "redactedAt": 1_764_000_000_000i64}})
    );
    // Transcripts, video analyses and locations in other shapes.
    let odd = json!({"id": "s", "report": {
        "transcript": ["said", {"text": "hi", "isAvatar": false}],
        "videoAIAnalysis": [{"criterion": "faceAuthenticity", "observation": "a man", "evaluation": "normal"}],
        "location": {"city": {"names": {"en": "Oslo"}}, "location": {"latitude": 59.9, "timeZone": "Europe/Oslo"},
                     "traits": {"ipAddress": "10.0.0.1", "autonomousSystemNumber": 7, "isAnonymousVpn": true},
                     "postal": {"code": "0150"}, "unknown": {"x": 1}},
        "nodeReports": [{"type": "enter_email", "nodeId": "e", "outcome": "emailEntered", "email": "a@b.c"},
                        {"type": "two_factor_sms", "nodeId": "t", "outcome": "verified", "report": {"phoneNumber": "+47"}},
                        "not a report"]}});
    let red = redacted_value(&odd, Marker { redacted_at_ms: None });
    assert_eq!(
        red["report"],
        json!({
        "transcript": [null, {"isAvatar": false}],
        "videoAIAnalysis": [{"criterion": "faceAuthenticity", "evaluation": "normal"}],
        "location": {"location": {"timeZone": "Europe/Oslo"}, "traits": {"autonomousSystemNumber": 7, "isAnonymousVpn": true}},
        "nodeReports": [{"type": "enter_email", "nodeId": "e", "outcome": "emailEntered"},
                        {"type": "two_factor_sms", "nodeId": "t", "outcome": "verified"}, "not a report"]})
    );
    assert_eq!(red[MARKER_KEY], json!({"version": 1}));
    assert_eq!(redacted_binary(&odd, Marker { redacted_at_ms: None }), encode(&red));
    // Two redactions merged: the earlier time.
    let a = redacted_value(&json!({"id": "s"}), Marker { redacted_at_ms: Some(5) });
    let b = redacted_value(&json!({"id": "s"}), Marker { redacted_at_ms: Some(3) });
    assert_eq!(merged_value(&a, &b).unwrap()[MARKER_KEY]["redactedAt"], json!(3));
    assert_eq!(merged_value(&b, &a).unwrap(), merged_value(&a, &b).unwrap());
}
