//! `merge_session` over every arrival order of a session's snapshots, on serde_json values
//! and on binary jsonb (whose result must be byte-for-byte what the server would store for
//! the serde result), plus the rules one by one and hostile input.

use super::*;
use crate::jsonb::{encode, encode_merged};
use crate::Jsonb;
use serde_json::{json, Value};

fn merged(a: &Value, b: &Value) -> Value {
    merge_session(a, b).unwrap().to_value()
}

/// The same merge on the binary form: bytes in, bytes out.
fn merged_binary(a: &[u8], b: &[u8]) -> Vec<u8> {
    encode_merged(&merge_session(Jsonb::from_bytes(a), Jsonb::from_bytes(b)).unwrap())
}

/// Every ordering of `0..n`.
pub(crate) fn orderings(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut all = Vec::new();
    for rest in orderings(n - 1) {
        for at in 0..=rest.len() {
            let mut o = rest.clone();
            o.insert(at, n - 1);
            all.push(o);
        }
    }
    all
}

/// Stores the snapshots in every arrival order (merging each into what is stored) and checks
/// that the stored document is `expected` every time, in both representations.
fn assert_every_order_gives(snapshots: &[Value], expected: &Value) {
    let binary: Vec<Vec<u8>> = snapshots.iter().map(encode).collect();
    let expected_binary = encode(expected);
    let orders = orderings(snapshots.len());
    for order in &orders {
        let mut stored = snapshots[order[0]].clone();
        let mut stored_binary = binary[order[0]].clone();
        for &next in &order[1..] {
            stored = merged(&stored, &snapshots[next]);
            stored_binary = merged_binary(&stored_binary, &binary[next]);
        }
        assert_eq!(&stored, expected, "arrival order {order:?}");
        assert_eq!(stored_binary, expected_binary, "arrival order {order:?}, binary jsonb");
    }
    // Grouped differently: each half merged first (two receivers), then together.
    let half = snapshots.len() / 2;
    let fold = |part: &[Value]| part.iter().skip(1).fold(part[0].clone(), |acc, s| merged(&acc, s));
    assert_eq!(&merged(&fold(&snapshots[half..]), &fold(&snapshots[..half])), expected);
}

fn settings() -> Value {
    json!({
        "clientReferenceId": "user-123",
        "metadata": {"source": "test"},
        "flow": [
            {"id": "start", "type": "start", "outcome": "greet"},
            {"id": "greet", "type": "conversation", "prompt": "Hi", "outcomes": [{"id": "ok", "condition": "ready", "targetNodeId": "live"}]},
            {"id": "live", "type": "liveness_detection", "outcomes": {"livenessDetected": "end", "deepfakeDetected": "end", "noFace": "end"}},
            {"id": "end", "type": "end"}
        ]
    })
}

fn phrases(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"id": format!("p{i}"), "createdAt": 1760989600000_u64 + i as u64, "text": format!("phrase {i}"), "isAvatar": i % 2 == 0}))
            .collect(),
    )
}

fn node_reports() -> Value {
    json!([
        {"type": "conversation", "nodeId": "greet", "createdAt": 1760989600300_u64, "outcome": "ok"},
        {"type": "liveness_detection", "nodeId": "live", "createdAt": 1760989600400_u64, "outcome": "livenessDetected", "screenshotCount": 3}
    ])
}

fn location() -> Value {
    json!({"country": {"isoCode": "ES"}, "city": {"names": {"en": "Madrid"}},
           "location": {"latitude": 40.4168, "longitude": -3.7038, "accuracyRadius": 20}})
}

fn device() -> Value {
    json!({"browser": "Chrome", "os": "macOS", "isMobile": false, "isBot": false})
}

fn video() -> Value {
    json!({"faceAuthenticity": {"observation": "o", "confidence": 0.9, "evaluation": "normal"}})
}

/// What `GET /sessions/{id}` returns as the session goes on. `report.lang` is the default
/// ("en") at `created` and the language spoken ("de") from then on.
struct Snapshots {
    created: Value,
    in_progress: Value,
    complete_without_node_reports: Value,
    complete_with_node_reports: Value,
    with_video_analysis: Value,
}

fn snapshots() -> Snapshots {
    let base = |status: &str, report: Value| {
        json!({"id": "fL8SeQvSP0rRs8JCOMvO", "createdAt": 1760989572190_u64, "status": status,
               "settings": settings(), "report": report})
    };
    let created = base("created", json!({"transcript": [], "lang": "en", "nodeReports": []}));
    let mut in_progress = base(
        "inProgress",
        json!({"transcript": phrases(2), "lang": "de", "nodeReports": [], "location": location(), "device": device()}),
    );
    in_progress["startedAt"] = json!(1760989600000_u64);
    let mut complete_without_node_reports = base(
        "complete",
        json!({"transcript": phrases(6), "lang": "de", "nodeReports": [], "location": location(), "device": device(),
               "aiAnalysis": {"ageMin": 25, "ageMax": 32, "sex": "female"},
               "videoAIAnalysisStatus": "pending",
               "deepfakeDetectionStatus": {"state": "pending", "startedAt": 1760989700000_u64}}),
    );
    complete_without_node_reports["startedAt"] = json!(1760989600000_u64);
    complete_without_node_reports["finishedAt"] = json!(1760989700000_u64);
    let mut complete_with_node_reports = complete_without_node_reports.clone();
    complete_with_node_reports["report"]["nodeReports"] = node_reports();
    complete_with_node_reports["report"]["deepfakeDetectionStatus"] =
        json!({"state": "succeeded", "startedAt": 1760989700000_u64, "finishedAt": 1760989705000_u64});
    complete_with_node_reports["report"]["deepfakeDetection"] =
        json!({"verdict": "authentic", "score": 0.02});
    let mut with_video_analysis = complete_with_node_reports.clone();
    with_video_analysis["report"]["videoAIAnalysis"] = video();
    with_video_analysis["report"]["videoAIAnalysisStatus"] = json!("succeeded");
    Snapshots {
        created,
        in_progress,
        complete_without_node_reports,
        complete_with_node_reports,
        with_video_analysis,
    }
}

#[test]
fn every_arrival_order_of_the_five_snapshots_stores_the_last() {
    let s = snapshots();
    let expected = s.with_video_analysis.clone();
    let all = [
        s.created,
        s.in_progress,
        s.complete_without_node_reports,
        s.complete_with_node_reports,
        s.with_video_analysis,
    ];
    assert_every_order_gives(&all, &expected);
}

/// The delayed fields come from different fetches (one saw the node reports, another the
/// video analysis, and a stale replica neither): the stored session keeps both.
#[test]
fn delayed_fields_from_different_fetches_are_all_kept() {
    let s = snapshots();
    let mut video_first = s.complete_without_node_reports.clone();
    video_first["report"]["videoAIAnalysis"] = video();
    video_first["report"]["videoAIAnalysisStatus"] = json!("succeeded");
    let mut expected = s.complete_with_node_reports.clone();
    expected["report"]["videoAIAnalysis"] = video();
    expected["report"]["videoAIAnalysisStatus"] = json!("succeeded");
    let all = [
        s.created,
        s.in_progress,
        s.complete_without_node_reports,
        s.complete_with_node_reports,
        video_first,
    ];
    assert_every_order_gives(&all, &expected);
}

#[test]
fn status_never_moves_backwards() {
    let order =
        ["requiresInput", "created", "processing", "inProgress", "canceled", "incomplete", "complete"];
    for (i, earlier) in order.iter().enumerate() {
        for later in &order[i..] {
            let a = json!({"id": "s", "status": earlier});
            let b = json!({"id": "s", "status": later});
            assert_eq!(merged(&a, &b)["status"], json!(later), "{earlier} then {later}");
            assert_eq!(merged(&b, &a)["status"], json!(later), "{later} then {earlier}");
        }
    }
    // A status FaceSign does not document ranks below every documented one; two of them
    // still merge the same both ways.
    assert_eq!(
        merged(&json!({"status": "expired"}), &json!({"status": "created"}))["status"],
        json!("created")
    );
    let (x, y) = (json!({"status": "expired"}), json!({"status": "archived"}));
    assert_eq!(merged(&x, &y), merged(&y, &x));
    // A mistyped status loses to a string one.
    assert_eq!(merged(&json!({"status": 7}), &json!({"status": "created"}))["status"], json!("created"));
}

#[test]
fn a_field_of_either_survives_and_null_never_wins() {
    let a = json!({"id": "s", "finishedAt": null, "report": {"transcript": [], "lang": "en", "extractedData": {"name": "Ana"}}});
    let b = json!({"id": "s", "finishedAt": 5, "version": "2024-12-18", "report": {"transcript": [], "media": {"userVideo": {"id": "v"}}, "lang": null}});
    let m = merged(&a, &b);
    assert_eq!(
        m,
        json!({"id": "s", "finishedAt": 5, "version": "2024-12-18",
               "report": {"transcript": [], "lang": "en", "extractedData": {"name": "Ana"}, "media": {"userVideo": {"id": "v"}}}})
    );
    assert_eq!(merged(&b, &a), m);
}

#[test]
fn longer_transcripts_and_node_report_lists_win() {
    let short = json!({"id": "s", "report": {"transcript": phrases(3), "nodeReports": node_reports()}});
    let long = json!({"id": "s", "report": {"transcript": phrases(4), "nodeReports": []}});
    let m = merged(&short, &long);
    assert_eq!(m["report"]["transcript"], phrases(4));
    assert_eq!(m["report"]["nodeReports"], node_reports());
    // An array beats a mistyped value even when empty.
    let odd = json!({"id": "s", "report": {"transcript": "none", "nodeReports": {"0": 1}}});
    let empty = json!({"id": "s", "report": {"transcript": [], "nodeReports": []}});
    assert_eq!(merged(&odd, &empty), empty);
    assert_eq!(merged(&empty, &odd), empty);
}

#[test]
fn settled_analysis_states_beat_pending() {
    for field in ["deepfakeDetectionStatus", "postSessionLiveness"] {
        let pending = json!({"report": {(field): {"state": "pending", "requestedAt": 1}}});
        let done = json!({"report": {(field): {"state": "rejected"}}});
        assert_eq!(merged(&pending, &done), done, "{field}");
        assert_eq!(merged(&done, &pending), done, "{field}");
    }
    for (earlier, later) in [("pending", "succeeded"), ("notRequested", "failed"), ("pending", "timedOut")] {
        let a = json!({"report": {"videoAIAnalysisStatus": earlier}});
        let b = json!({"report": {"videoAIAnalysisStatus": later}});
        assert_eq!(merged(&a, &b), b);
        assert_eq!(merged(&b, &a), b);
    }
}

#[test]
fn the_session_wrapper_is_unwrapped() {
    let s = snapshots();
    let wrapped = json!({"session": s.complete_with_node_reports, "clientSecret": {"secret": "cs"}});
    assert_eq!(merged(&wrapped, &s.in_progress), s.complete_with_node_reports);
    assert_eq!(merged(&wrapped, &wrapped), s.complete_with_node_reports);
    // A wrapper inside a wrapper (a fuzz finding): unwrapped all the way, so the result is not
    // taken for a wrapper when it is merged again.
    let twice = json!({"session": {"session": s.in_progress, "clientSecret": {"secret": "cs"}}});
    let m = merged(&twice, &json!([1]));
    assert_eq!(m, s.in_progress);
    assert_eq!(merged(&m, &twice), m);
}

#[test]
fn different_sessions_are_not_merged() {
    let err = merge_session(&json!({"id": "a"}), &json!({"id": "b"})).unwrap_err();
    assert_eq!(err, MergeError::DifferentSessions { stored: "a".into(), incoming: "b".into() });
    assert!(err.to_string().contains("different sessions"));
    // Without an id on one side there is nothing to contradict.
    assert_eq!(
        merged(&json!({"id": "a"}), &json!({"status": "created"})),
        json!({"id": "a", "status": "created"})
    );
}

#[test]
fn merging_is_idempotent_and_symmetric_on_odd_documents() {
    let docs = [
        json!(null),
        json!(1),
        json!("x"),
        json!([1, 2]),
        json!({}),
        json!({"report": null}),
        json!({"report": [1]}),
        json!({"report": {"transcript": [{"a": 1}]}}),
        json!({"report": {"transcript": [{"a": 2}]}}),
        json!({"status": "complete", "report": {"nodeReports": [1, [2, {"x": null}]]}}),
        json!({"status": "complete", "report": {"nodeReports": [1, [2, {"x": false}]]}}),
    ];
    let binary: Vec<Vec<u8>> = docs.iter().map(encode).collect();
    for (i, a) in docs.iter().enumerate() {
        assert_eq!(&merged(a, a), &merged(&merged(a, a), a), "{a}");
        for (j, b) in docs.iter().enumerate() {
            let m = merged(a, b);
            assert_eq!(m, merged(b, a), "{a} and {b}");
            assert_eq!(merged_binary(&binary[i], &binary[j]), encode(&m), "{a} and {b}, binary");
        }
    }
}

#[test]
fn deep_documents_do_not_exhaust_the_stack() {
    // Two equally long transcripts that differ only 100 000 levels down.
    const DEPTH: usize = 100_000;
    let deep = |leaf: i32| {
        let mut v = json!(leaf);
        for _ in 0..DEPTH {
            v = Value::Array(vec![v]);
        }
        v
    };
    // Built by hand: `json!` would serialize the deep value recursively.
    let wrap = |leaf: i32| {
        let mut report = serde_json::Map::new();
        report.insert("transcript".into(), Value::Array(vec![deep(leaf)]));
        let mut doc = serde_json::Map::new();
        doc.insert("report".into(), Value::Object(report));
        Value::Object(doc)
    };
    let (x, y) = (wrap(1), wrap(2));
    let winner = if canonical_cmp(&x, &y) == Ordering::Less { &y } else { &x };
    assert!(std::ptr::eq(winner, &y));
    // The binary merge picks the same side and copies its bytes.
    let (xb, yb) = (encode(&x), encode(&y));
    assert_eq!(merged_binary(&xb, &yb), yb);
    assert_eq!(merged_binary(&yb, &xb), yb);
    // serde_json drops deep values recursively; leak them rather than overflow the stack.
    std::mem::forget((x, y));
}
