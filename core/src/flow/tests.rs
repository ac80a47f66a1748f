//! Every rule with a failing and a passing case, the seed and fixture flows, and hostile
//! input. Each document is validated twice, as a serde_json tree and as binary jsonb, and
//! the two answers must be identical.

use super::*;
use crate::jsonb::{encode, Jsonb};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Validates `doc` through both representations, checks they agree (and agree with
/// `flow_is_valid`), and returns the rows.
fn check(doc: &Value) -> Vec<Problem> {
    let from_serde = validate_flow(doc);
    let bytes = encode(doc);
    let from_jsonb = validate_flow(Jsonb::from_bytes(&bytes));
    assert_eq!(from_serde, from_jsonb, "serde_json and binary jsonb disagree on {doc}");
    let has_error = from_serde.iter().any(|p| p.severity() == Severity::Error);
    assert_eq!(flow_is_valid(doc), !has_error, "flow_is_valid disagrees with the rows: {from_serde:#?}");
    assert_eq!(flow_is_valid(Jsonb::from_bytes(&bytes)), !has_error);
    from_serde
}

/// The safety lints (lint_tests.rs tests them): the structural tests here leave them out, so
/// their small flows need not be safe ones.
const SAFETY_LINTS: &[Code] = &[
    Code::FailureJoinsSuccess,
    Code::LivenessBypass,
    Code::RecognitionAfterShortGreeting,
    Code::FaceSourceNotCollected,
];

/// The (code, path) pairs of the rows, without the safety lints.
fn codes(doc: &Value) -> Vec<(&'static str, String)> {
    check(doc)
        .into_iter()
        .filter(|p| !SAFETY_LINTS.contains(&p.code))
        .map(|p| (p.code.as_str(), p.path))
        .collect()
}

/// The codes of the rows, without the safety lints.
fn code_list(doc: &Value) -> Vec<&'static str> {
    every_code(doc).into_iter().filter(|c| !SAFETY_LINTS.iter().any(|l| l.as_str() == *c)).collect()
}

/// The codes of every row.
fn every_code(doc: &Value) -> Vec<&'static str> {
    check(doc).into_iter().map(|p| p.code.as_str()).collect()
}

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn load(rel: &str) -> Value {
    let text = std::fs::read_to_string(repo_file(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A minimal valid flow with `middle` between start and end, wired `start → middle[0]`.
fn with(middle: Vec<Value>) -> Value {
    let first = middle.first().and_then(|n| n["id"].as_str()).unwrap_or("end").to_owned();
    let mut nodes = vec![json!({"id": "start", "type": "start", "outcome": first})];
    nodes.extend(middle);
    nodes.push(json!({"id": "end", "type": "end"}));
    Value::Array(nodes)
}

fn talk(id: &str, next: &str) -> Value {
    json!({"id": id, "type": "conversation", "prompt": "Say: hi", "outcomes": [{"id": format!("{id}_o"), "condition": "always", "targetNodeId": next}]})
}

// ---- documents that are not node arrays -------------------------------------------------

#[test]
fn not_an_array() {
    assert_eq!(codes(&json!("start")), vec![("not_an_array", "".into())]);
    assert_eq!(codes(&json!(null)), vec![("not_an_array", "".into())]);
    assert_eq!(codes(&json!({"id": "x"})), vec![("not_an_array", "".into())]);
    assert!(codes(&with(vec![])).is_empty());
}

#[test]
fn legacy_flow_format() {
    let rows = check(&load("tests/fixtures/facesign-api/flow-legacy-docs-simple.json"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].code, Code::LegacyFlowFormat);
    assert!(rows[0].message.contains("array of nodes"), "{}", rows[0].message);
}

#[test]
fn empty_flow() {
    assert_eq!(codes(&json!([])), vec![("empty_flow", "".into())]);
}

#[test]
fn node_not_object() {
    let mut flow = with(vec![]);
    flow.as_array_mut().unwrap().insert(1, json!("oops"));
    assert_eq!(codes(&flow), vec![("node_not_object", "/1".into())]);
}

// ---- ids and types ----------------------------------------------------------------------

#[test]
fn missing_and_invalid_ids() {
    let flow =
        with(vec![json!({"type": "end"}), json!({"id": 7, "type": "end"}), json!({"id": "", "type": "end"})]);
    assert_eq!(
        codes(&flow),
        vec![("missing_id", "/1".into()), ("invalid_id", "/2/id".into()), ("invalid_id", "/3/id".into())]
    );
}

#[test]
fn duplicate_id_is_reported_at_the_second() {
    let flow = json!([
        {"id": "start", "type": "start", "outcome": "end"},
        {"id": "end", "type": "end"},
        {"id": "end", "type": "end"}
    ]);
    let rows = check(&flow);
    assert_eq!(
        rows.iter().map(|p| (p.code.as_str(), p.path.as_str())).collect::<Vec<_>>(),
        vec![("duplicate_id", "/2/id")]
    );
    assert_eq!(rows[0].node_id.as_deref(), Some("end"));
}

#[test]
fn missing_and_unknown_types() {
    let flow = with(vec![
        json!({"id": "a"}),
        json!({"id": "b", "type": "two_factor"}),
        json!({"id": "c", "type": 3}),
    ]);
    let rows = check(&flow);
    let got: Vec<_> = rows.iter().map(|p| (p.code.as_str(), p.path.as_str())).collect();
    // Nodes of no known type get no reachability warning on top of their error.
    assert_eq!(
        got,
        vec![
            ("missing_type", "/1"),
            ("unknown_type", "/2/type"),
            ("unknown_type", "/3/type"),
            ("unreachable_node", "/4")
        ]
    );
    assert!(rows[1].message.contains("two_factor_email"), "{}", rows[1].message);
}

// ---- start and end ----------------------------------------------------------------------

#[test]
fn start_rules() {
    assert_eq!(codes(&json!([{"id": "end", "type": "end"}])), vec![("missing_start", "".into())]);
    let two = json!([
        {"id": "s1", "type": "start", "outcome": "end"},
        {"id": "s2", "type": "start", "outcome": "end"},
        {"id": "end", "type": "end"}
    ]);
    assert_eq!(codes(&two), vec![("multiple_start", "/1".into())]);
    let no_outcome = json!([{"id": "s", "type": "start"}, {"id": "end", "type": "end"}]);
    assert_eq!(codes(&no_outcome), vec![("missing_field", "/0".into()), ("unreachable_node", "/1".into())]);
    let bad_outcome = json!([{"id": "s", "type": "start", "outcome": ["end"]}, {"id": "end", "type": "end"}]);
    assert_eq!(
        codes(&bad_outcome),
        vec![("invalid_field", "/0/outcome".into()), ("unreachable_node", "/1".into())]
    );
}

#[test]
fn end_rules() {
    let no_end = json!([{"id": "s", "type": "start", "outcome": "x"}, {"id": "x", "type": "recognition", "outcomes": {"recognized": "s", "newUser": "s", "noFace": "s"}}]);
    let got = code_list(&no_end);
    assert!(got.contains(&"missing_end"), "{got:?}");
    let end_with_outcomes = with(vec![json!({"id": "e2", "type": "end", "outcome": "end", "outcomes": {}})]);
    assert_eq!(
        codes(&end_with_outcomes),
        vec![
            ("end_has_outcomes", "/1/outcome".into()),
            ("end_has_outcomes", "/1/outcomes".into()),
            ("unreachable_node", "/2".into())
        ]
    );
}

// ---- fields -----------------------------------------------------------------------------

#[test]
fn missing_fields() {
    let flow = with(vec![
        json!({"id": "c", "type": "conversation", "outcomes": [{"id": "o", "condition": "x", "targetNodeId": "d"}]}),
        json!({"id": "d", "type": "document_scan", "outcomes": {"scanSuccess": "f", "userCancelled": "end", "scanTimeout": "end"}}),
        json!({"id": "f", "type": "face_compare", "sourceA": {"source": "faceScan"}, "sourceB": {"source": "providedData"},
               "outcomes": {"match": "end", "noMatch": "end", "imageUnavailable": "end"}}),
    ]);
    assert_eq!(
        codes(&flow),
        vec![
            ("missing_field", "/1".into()),
            ("missing_field", "/2".into()),
            ("missing_field", "/2".into()),
            ("missing_field", "/3/sourceB".into()),
        ]
    );
    let rows = check(&flow);
    assert!(rows[0].message.contains("\"prompt\""), "{}", rows[0].message);
    assert!(rows[3].message.contains("providedDataKey"), "{}", rows[3].message);
}

#[test]
fn invalid_fields_types_ranges_and_enums() {
    let otp = |len: Value| json!({"id": "o", "type": "two_factor_sms", "otpLength": len, "outcomes": {"verified": "end", "delivery_failed": "end", "failed_unverified": "end", "cancelled": "end", "error": "end"}});
    for ok in [json!(4), json!(6), json!(8)] {
        assert!(codes(&with(vec![otp(ok)])).is_empty());
    }
    for bad in [json!(3), json!(9), json!(6.5), json!("6"), json!(1e300)] {
        assert_eq!(
            codes(&with(vec![otp(bad.clone())])),
            vec![("invalid_field", "/1/otpLength".into())],
            "{bad}"
        );
    }
    let scan = |mode: Value, types: Value| json!({"id": "d", "type": "document_scan", "scanningMode": mode, "allowedDocumentTypes": types, "outcomes": {"scanSuccess": "end", "userCancelled": "end", "scanTimeout": "end"}});
    assert!(codes(&with(vec![scan(json!("single"), json!(["passport", "green-card"]))])).is_empty());
    assert_eq!(
        codes(&with(vec![scan(json!("SINGLE_SIDE"), json!(["passport"]))])),
        vec![("invalid_field", "/1/scanningMode".into())]
    );
    assert_eq!(
        codes(&with(vec![scan(json!("single"), json!([]))])),
        vec![("invalid_field", "/1/allowedDocumentTypes".into())]
    );
    assert_eq!(
        codes(&with(vec![scan(json!("single"), json!(["passport", "MRTD_TYPE_PASSPORT"]))])),
        vec![("invalid_field", "/1/allowedDocumentTypes/1".into())]
    );
    let face = |threshold: Value| json!({"id": "f", "type": "face_scan", "similarityThreshold": threshold, "outcomes": {"passed": "end", "notPassed": "end", "cancelled": "end", "error": "end"}});
    assert!(codes(&with(vec![talk("t", "f"), face(json!(0.7))])).is_empty());
    assert_eq!(
        codes(&with(vec![talk("t", "f"), face(json!(1.5))])),
        vec![("invalid_field", "/2/similarityThreshold".into())]
    );
    let compare = json!({"id": "c", "type": "face_compare", "sourceA": {"source": "selfie"}, "sourceB": "faceScan", "outcomes": {"match": "end", "noMatch": "end", "imageUnavailable": "end"}});
    assert_eq!(
        codes(&with(vec![compare])),
        vec![("invalid_field", "/1/sourceA/source".into()), ("invalid_field", "/1/sourceB".into())]
    );
    let conv = json!({"id": "c", "type": "conversation", "prompt": "", "doesNotRequireReply": "yes", "outcomes": [{"id": "o", "condition": "x", "targetNodeId": "end"}]});
    assert_eq!(
        codes(&with(vec![conv])),
        vec![("invalid_field", "/1/prompt".into()), ("invalid_field", "/1/doesNotRequireReply".into())]
    );
    let perms = json!({"id": "p", "type": "permissions", "permissions": {"camera": "on"}, "outcomes": {"permissionsGranted": "end", "permissionsDenied": "end"}});
    assert_eq!(codes(&with(vec![perms])), vec![("invalid_field", "/1/permissions/camera".into())]);
    let validation = json!({"id": "v", "type": "data_validation", "validation": {"field": "age"}, "outcomes": [{"id": "o", "condition": "x", "targetNodeId": "end"}]});
    assert_eq!(codes(&with(vec![validation])), vec![("missing_field", "/1/validation".into())]);
}

// ---- outcomes ---------------------------------------------------------------------------

#[test]
fn outcome_key_spellings_are_exact() {
    let email = |key: &str| json!({"id": "e", "type": "enter_email", "outcomes": {"emailEntered": "end", key: "end"}});
    assert!(codes(&with(vec![email("canceled")])).is_empty());
    let rows = check(&with(vec![email("cancelled")]));
    let got: Vec<_> = rows.iter().map(|p| (p.code.as_str(), p.path.as_str())).collect();
    assert_eq!(
        got,
        vec![("missing_outcome", "/1/outcomes/canceled"), ("unknown_outcome", "/1/outcomes/cancelled")]
    );
    assert!(rows[0].message.contains("spells it \"canceled\""), "{}", rows[0].message);

    let scan = |cancel: &str| json!({"id": "d", "type": "document_scan", "scanningMode": "single", "allowedDocumentTypes": ["id"], "outcomes": {"scanSuccess": "end", cancel: "end", "scanTimeout": "end"}});
    assert!(codes(&with(vec![scan("userCancelled")])).is_empty());
    assert_eq!(code_list(&with(vec![scan("cancelled")])), vec!["missing_outcome", "unknown_outcome"]);

    let face = |cancel: &str| json!({"id": "f", "type": "face_scan", "outcomes": {"passed": "end", "notPassed": "end", cancel: "end", "error": "end"}});
    assert!(codes(&with(vec![talk("t", "f"), face("cancelled")])).is_empty());
    assert_eq!(
        code_list(&with(vec![talk("t", "f"), face("canceled")])),
        vec!["missing_outcome", "unknown_outcome"]
    );

    let otp = |failed: &str| json!({"id": "o", "type": "two_factor_email", "outcomes": {"verified": "end", failed: "end", "failed_unverified": "end", "cancelled": "end", "error": "end"}});
    assert!(codes(&with(vec![otp("delivery_failed")])).is_empty());
    let rows: Vec<Problem> = check(&with(vec![otp("deliveryFailed")]))
        .into_iter()
        .filter(|p| !SAFETY_LINTS.contains(&p.code))
        .collect();
    assert_eq!(
        rows.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
        vec!["missing_outcome", "unknown_outcome"]
    );
    assert!(rows[1].message.contains("\"delivery_failed\""), "{}", rows[1].message);
}

#[test]
fn fixed_outcomes_must_be_a_map_of_ids() {
    let rec = |outcomes: Value| json!({"id": "r", "type": "recognition", "outcomes": outcomes});
    assert_eq!(
        codes(&with(vec![talk("t", "r"), rec(json!(["end"]))])),
        vec![("invalid_field", "/2/outcomes".into()), ("unreachable_node", "/3".into())]
    );
    assert_eq!(
        codes(&with(vec![talk("t", "r"), json!({"id": "r", "type": "recognition"})])),
        vec![("missing_field", "/2".into()), ("unreachable_node", "/3".into())]
    );
    assert_eq!(
        codes(&with(vec![talk("t", "r"), rec(json!({"recognized": "end", "newUser": 5, "noFace": "end"}))])),
        vec![("invalid_field", "/2/outcomes/newUser".into())]
    );
}

#[test]
fn conditional_outcomes() {
    let conv =
        |outcomes: Value| json!({"id": "c", "type": "conversation", "prompt": "p", "outcomes": outcomes});
    // With no outcomes, nothing leads on to the end node either.
    assert_eq!(
        codes(&with(vec![conv(json!([]))])),
        vec![("empty_outcomes", "/1/outcomes".into()), ("unreachable_node", "/2".into())]
    );
    assert_eq!(
        codes(&with(vec![conv(json!({"x": "end"}))])),
        vec![("invalid_field", "/1/outcomes".into()), ("unreachable_node", "/2".into())]
    );
    assert_eq!(
        codes(&with(vec![conv(json!([
            {"id": "a", "condition": "x", "targetNodeId": "end"},
            {"id": "a", "condition": "y", "targetNodeId": "end"},
            {"condition": "", "targetNodeId": "end"},
            {"id": "b", "condition": "z"},
            "end"
        ]))])),
        vec![
            ("duplicate_outcome_id", "/1/outcomes/1/id".into()),
            ("missing_field", "/1/outcomes/2".into()),
            ("invalid_field", "/1/outcomes/2/condition".into()),
            ("missing_field", "/1/outcomes/3".into()),
            ("invalid_field", "/1/outcomes/4".into()),
        ]
    );
    let validation = json!({"id": "v", "type": "data_validation", "validation": {"field": "age", "action": "exists"}, "outcomes": []});
    assert_eq!(
        codes(&with(vec![validation])),
        vec![("empty_outcomes", "/1/outcomes".into()), ("unreachable_node", "/2".into())]
    );
}

#[test]
fn targets_must_exist_and_not_loop_to_themselves() {
    assert_eq!(
        codes(&with(vec![talk("c", "nowhere")])),
        vec![("unknown_target", "/1/outcomes/0/targetNodeId".into()), ("unreachable_node", "/2".into())]
    );
    let rows = check(&with(vec![talk("c", "c")]));
    assert_eq!(rows[0].code, Code::SelfLoop);
    assert_eq!(rows[0].path, "/1/outcomes/0/targetNodeId");
    assert_eq!(rows[0].node_id.as_deref(), Some("c"));
    let face_self = json!({"id": "f", "type": "face_scan", "outcomes": {"passed": "end", "notPassed": "f", "cancelled": "end", "error": "end"}});
    assert_eq!(
        codes(&with(vec![talk("t", "f"), face_self])),
        vec![("self_loop", "/2/outcomes/notPassed".into())]
    );
    assert_eq!(
        codes(&json!([{"id": "s", "type": "start", "outcome": "s"}, {"id": "end", "type": "end"}]))[0],
        ("self_loop", "/0/outcome".into())
    );
}

// ---- graph ------------------------------------------------------------------------------

#[test]
fn one_row_per_cycle_with_its_nodes_in_order() {
    let flow = with(vec![talk("a", "b"), talk("b", "c"), talk("c", "a"), talk("d", "e"), talk("e", "d")]);
    let rows: Vec<_> = check(&flow).into_iter().filter(|p| p.code == Code::Cycle).collect();
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert_eq!(rows[0].path, "/3/outcomes/0/targetNodeId");
    assert!(rows[0].message.contains("\"a\" → \"b\" → \"c\" → \"a\""), "{}", rows[0].message);
    assert_eq!(rows[0].node_id.as_deref(), Some("c"));
    assert!(rows[1].message.contains("\"d\" → \"e\" → \"d\""), "{}", rows[1].message);
    // A DAG with diamonds has none.
    let diamond = with(vec![
        json!({"id": "r", "type": "recognition", "outcomes": {"recognized": "x", "newUser": "y", "noFace": "y"}}),
        talk("x", "z"),
        talk("y", "z"),
        talk("z", "end"),
    ]);
    assert!(!code_list(&diamond).contains(&"cycle"));
}

#[test]
fn unreachable_nodes_are_warnings() {
    let flow = with(vec![talk("a", "end"), talk("island", "end")]);
    let rows = check(&flow);
    assert_eq!(
        rows.iter().map(|p| (p.code.as_str(), p.path.as_str())).collect::<Vec<_>>(),
        vec![("unreachable_node", "/2")]
    );
    assert_eq!(rows[0].severity(), Severity::Warning);
    assert!(flow_is_valid(&flow));
}

#[test]
fn inconclusive_defaulted_warning() {
    let live = |extra: Option<&str>| {
        let mut outcomes = json!({"livenessDetected": "end", "deepfakeDetected": "end", "noFace": "end"});
        if let Some(k) = extra {
            outcomes[k] = json!("end");
        }
        json!({"id": "l", "type": "liveness_detection", "outcomes": outcomes})
    };
    assert!(codes(&with(vec![talk("t", "l"), live(Some("inconclusive"))])).is_empty());
    assert_eq!(
        codes(&with(vec![talk("t", "l"), live(Some("captureUnavailable"))])),
        vec![("inconclusive_defaulted", "/2/outcomes/inconclusive".into())]
    );
}

#[test]
fn unknown_fields_are_warnings_with_hints() {
    let conv = json!({"id": "c", "type": "conversation", "prompt": "p", "outcome": "end", "outcomes": [{"id": "o", "condition": "x", "targetNodeId": "end", "label": "?"}]});
    let rows = check(&with(vec![conv]));
    let got: Vec<_> = rows.iter().map(|p| (p.code.as_str(), p.path.as_str())).collect();
    assert_eq!(got, vec![("unknown_field", "/1/outcome"), ("unknown_field", "/1/outcomes/0/label")]);
    assert!(rows[0].message.contains("did you mean \"outcomes\""), "{}", rows[0].message);
    assert!(rows.iter().all(|p| p.severity() == Severity::Warning));
}

#[test]
fn video_check_too_early() {
    let live = json!({"id": "l", "type": "liveness_detection", "outcomes": {"livenessDetected": "end", "deepfakeDetected": "end", "noFace": "end", "inconclusive": "end"}});
    assert_eq!(codes(&with(vec![live.clone()])), vec![("video_check_too_early", "/1".into())]);
    let perms = json!({"id": "p", "type": "permissions", "permissions": {"camera": true}, "outcomes": {"permissionsGranted": "l", "permissionsDenied": "end"}});
    assert_eq!(codes(&with(vec![perms, live.clone()])), vec![("video_check_too_early", "/2".into())]);
    assert!(codes(&with(vec![talk("t", "l"), live])).is_empty());
}

#[test]
fn every_code_is_exercised_by_these_tests() {
    let source = concat!(include_str!("tests.rs"), include_str!("lint_tests.rs"));
    for code in Code::ALL {
        assert!(
            source.contains(&format!("\"{}\"", code.as_str())) || source.contains(&format!("Code::{code:?}")),
            "no test names {}",
            code.as_str()
        );
    }
}

#[test]
fn every_problem_at_once_in_document_order() {
    let flow = json!([
        {"id": "c", "type": "conversation", "prompt": "p", "outcomes": [{"id": "o", "condition": "x", "targetNodeId": "ghost"}]},
        {"id": "s", "type": "start", "outcome": "c"},
        {"id": "c", "type": "face_scan"},
        42
    ]);
    let got = codes(&flow);
    assert_eq!(
        got,
        vec![
            ("missing_end", "".into()),
            ("unknown_target", "/0/outcomes/0/targetNodeId".into()),
            ("duplicate_id", "/2/id".into()),
            ("missing_field", "/2".into()),
            ("node_not_object", "/3".into()),
        ]
    );
}

// ---- real flows -------------------------------------------------------------------------

/// The concepts page's two "production-ready" flows: the API defaults `inconclusive`, and every
/// liveness failure goes where a pass goes, so a deepfake hears "You're all set!". Nothing else:
/// their greetings are long enough, and every way to the end passes a liveness check.
#[test]
fn seed_example_flows_warn_about_inconclusive_and_failures_joining_success() {
    for file in [
        "tests/flows/seed-english-recognition-liveness.json",
        "tests/flows/seed-multilingual-recognition-liveness.json",
    ] {
        let rows = check(&load(file));
        let got: Vec<_> = rows.iter().map(|p| (p.code.as_str(), p.path.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("inconclusive_defaulted", "/3/outcomes/inconclusive"),
                ("failure_joins_success", "/3/outcomes/noFace"),
                ("failure_joins_success", "/3/outcomes/deepfakeDetected"),
                ("inconclusive_defaulted", "/5/outcomes/inconclusive"),
                ("failure_joins_success", "/5/outcomes/noFace"),
                ("failure_joins_success", "/5/outcomes/deepfakeDetected"),
            ],
            "{file}"
        );
        assert!(
            rows[2].message.contains("a user who is a deepfake carries on as if verified"),
            "{}",
            rows[2].message
        );
    }
}

#[test]
fn a_flow_with_every_node_type_is_clean() {
    let flow = load("tests/flows/all-node-types.json");
    let rows = check(&flow);
    assert!(rows.is_empty(), "{rows:#?}");
    let types: std::collections::BTreeSet<_> =
        flow.as_array().unwrap().iter().map(|n| n["type"].as_str().unwrap()).collect();
    assert_eq!(types.len(), 13);
}

/// Every flow in the API fixtures, with the answer we defend for it.
#[test]
fn fixture_flows() {
    let dir = repo_file("tests/fixtures/facesign-api");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let flows: Vec<&Value> = if name.starts_with("flow-") {
            vec![&doc]
        } else {
            [doc.pointer("/flow"), doc.pointer("/settings/flow"), doc.pointer("/session/settings/flow")]
                .into_iter()
                .flatten()
                .chain(
                    doc["sessions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.pointer("/settings/flow")),
                )
                .collect()
        };
        for flow in flows {
            seen += 1;
            let got = every_code(flow);
            let expected: Vec<&str> = match flow {
                // The 2025 {nodes, edges} format: stored data still has it, the array format replaced it.
                Value::Object(_) => vec!["legacy_flow_format"],
                // Sessions listed with no flow at all.
                Value::Null => vec!["not_an_array"],
                // Start goes straight to liveness: the camera has had no time.
                // ... and every liveness outcome ends at the one end node.
                _ if name.starts_with("sdk-test") => vec![
                    "video_check_too_early",
                    "failure_joins_success",
                    "failure_joins_success",
                    "failure_joins_success",
                ],
                // ... and every liveness outcome ends the flow at the one end node: a deepfake
                // finishes exactly as a live person does.
                _ if name.starts_with("session-object-docs") => vec![
                    "inconclusive_defaulted",
                    "video_check_too_early",
                    "failure_joins_success",
                    "failure_joins_success",
                ],
                // start → end
                _ => vec![],
            };
            assert_eq!(got, expected, "{name}");
        }
    }
    assert_eq!(seen, 21);
}

#[test]
fn sdk_test_liveness_nodes_in_a_flow() {
    for (file, expected) in [
        ("sdk-test-liveness-node-legacy-3-outcomes.json", vec!["inconclusive_defaulted"]),
        ("sdk-test-liveness-node-capture-unavailable.json", vec!["inconclusive_defaulted"]),
    ] {
        let node = load(&format!("tests/fixtures/facesign-api/{file}"));
        let mut flow =
            vec![json!({"id": "start", "type": "start", "outcome": "greet"}), talk("greet", "liveness")];
        let mut ends: Vec<&str> =
            node["outcomes"].as_object().unwrap().values().map(|v| v.as_str().unwrap()).collect();
        ends.dedup();
        flow.extend(ends.iter().map(|end| json!({"id": end, "type": "end"})));
        flow.push(node.clone());
        assert_eq!(code_list(&Value::Array(flow)), expected, "{file}");
    }
}

// ---- edges ------------------------------------------------------------------------------

#[test]
fn edges_as_written_in_document_order() {
    let flow = with(vec![
        json!({"id": "r", "type": "recognition", "outcomes": {"recognized": "x", "newUser": "ghost", "noFace": 3}}),
        talk("x", "end"),
        json!({"id": "odd", "type": "mystery", "outcome": "end"}),
    ]);
    let serde = flow_edges(&flow);
    let bytes = encode(&flow);
    let binary = flow_edges(Jsonb::from_bytes(&bytes));
    let rows: Vec<(&str, Option<&str>, &str)> =
        serde.iter().map(|e| (e.source, e.outcome, e.target)).collect();
    let recognition: Vec<_> = rows.iter().filter(|r| r.0 == "r").cloned().collect();
    assert_eq!(rows[0], ("start", None, "r"));
    assert_eq!(recognition.len(), 2, "a non-string target is no edge; a missing node still is: {rows:?}");
    assert!(recognition.contains(&("r", Some("newUser"), "ghost")));
    assert!(rows.contains(&("x", Some("x_o"), "end")));
    assert!(rows.contains(&("odd", None, "end")));
    // Fixed outcome maps are read in jsonb's key order from both representations.
    assert_eq!(serde, binary);
}

// ---- hostile input ----------------------------------------------------------------------

fn chain(n: usize, close_cycle: bool) -> Value {
    let mut nodes = vec![json!({"id": "start", "type": "start", "outcome": "n0"})];
    for i in 0..n {
        let next = if i + 1 < n {
            format!("n{}", i + 1)
        } else if close_cycle {
            "n0".into()
        } else {
            "end".into()
        };
        nodes.push(talk(&format!("n{i}"), &next));
    }
    nodes.push(json!({"id": "end", "type": "end"}));
    Value::Array(nodes)
}

#[test]
fn a_100_000_node_chain_is_valid() {
    let flow = chain(100_000, false);
    let start = std::time::Instant::now();
    assert!(check(&flow).is_empty());
    assert!(start.elapsed().as_secs() < 20, "validation must stay linear");
}

#[test]
fn a_100_000_node_cycle_is_one_row_with_a_short_message() {
    let flow = chain(100_000, true);
    let rows = check(&flow);
    let cycles: Vec<_> = rows.iter().filter(|p| p.code == Code::Cycle).collect();
    assert_eq!(cycles.len(), 1);
    assert!(cycles[0].message.contains("100000 nodes in all"), "{}", cycles[0].message);
    assert!(cycles[0].message.len() < 400);
    assert_eq!(cycles[0].path, "/100000/outcomes/0/targetNodeId");
}

#[test]
fn deeply_nested_documents_give_rows_not_a_stack_overflow() {
    // Built, never cloned: serde_json clones and drops recursively.
    let nested = || {
        let mut deep = json!("x");
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        deep
    };
    let deep = nested();
    let mut flow = with(vec![]);
    flow[1]["extra"] = nested();
    flow.as_array_mut().unwrap().push(nested());
    let serde_rows = validate_flow(&flow);
    let bytes = encode(&flow);
    let binary_rows = validate_flow(Jsonb::from_bytes(&bytes));
    assert_eq!(serde_rows, binary_rows);
    assert_eq!(
        binary_rows.iter().map(|p| (p.code.as_str(), p.path.as_str())).collect::<Vec<_>>(),
        vec![("unknown_field", "/1/extra"), ("node_not_object", "/2")]
    );
    assert!(!validate_flow(Jsonb::from_bytes(&encode(&deep))).is_empty());
    // serde_json drops deep trees recursively; leak them rather than overflow the test's stack.
    std::mem::forget(flow);
    std::mem::forget(deep);
}

#[test]
fn every_json_type_in_every_field_never_panics() {
    let samples = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1e308),
        json!(""),
        json!("end"),
        json!([]),
        json!([1]),
        json!({}),
        json!({"a": 1}),
    ];
    let base = load("tests/flows/all-node-types.json");
    for (i, node) in base.as_array().unwrap().iter().enumerate() {
        let keys: Vec<String> = node.as_object().unwrap().keys().cloned().collect();
        for key in keys {
            for sample in &samples {
                let mut flow = base.clone();
                flow[i][&key] = sample.clone();
                let _ = check(&flow);
            }
        }
    }
}

// ---- found while writing the fuzz targets (fuzz/) -----------------------------------------

#[test]
fn missing_outcome_hint_names_the_same_near_miss_from_every_representation() {
    // Two near misses of enter_email's "canceled" whose order differs between serde_json
    // (bytewise: "Canc_elled" < "cancelled") and jsonb (shorter first: "cancelled"). The hint
    // took the representation's own member order, so the two messages named different keys.
    let flow = json!([
        {"id": "start", "type": "start", "outcome": "mail"},
        {"id": "mail", "type": "enter_email", "prompt": "Your email?",
         "outcomes": {"emailEntered": "end", "Canc_elled": "end", "cancelled": "end"}},
        {"id": "end", "type": "end"}
    ]);
    let rows = check(&flow);
    assert_eq!(rows[0].code, Code::MissingOutcome);
    assert!(
        rows[0].message.contains("(it has \"cancelled\"; enter_email spells it \"canceled\")"),
        "{}",
        rows[0].message
    );
}
