//! The safety lints and `validate_session`: for each code a flow that fires it and a near
//! miss that must not, every document validated as serde_json and as binary jsonb.

use super::*;
use crate::jsonb::{encode, Jsonb};
use serde_json::{json, Value};

/// The rows of `validate_flow`, the same from both representations.
fn rows(flow: &Value) -> Vec<Problem> {
    let from_serde = validate_flow(flow);
    let bytes = encode(flow);
    assert_eq!(from_serde, validate_flow(Jsonb::from_bytes(&bytes)), "serde_json and jsonb disagree");
    assert!(flow_is_valid(flow), "the lints' flows are valid: {from_serde:#?}");
    from_serde
}

/// The rows of `validate_session`, the same from both representations.
fn session_rows(session: &Value) -> Vec<Problem> {
    let from_serde = validate_session(session);
    let bytes = encode(session);
    assert_eq!(from_serde, validate_session(Jsonb::from_bytes(&bytes)), "serde_json and jsonb disagree");
    from_serde
}

fn pairs(rows: &[Problem]) -> Vec<(&'static str, &str)> {
    rows.iter().map(|p| (p.code.as_str(), p.path.as_str())).collect()
}

fn greeting(id: &str, next: &str) -> Value {
    json!({"id": id, "type": "conversation",
           "prompt": "Say: Hi! I just need to quickly verify your identity. It only takes a few seconds. Ready?",
           "outcomes": [{"id": format!("{id}_o"), "condition": "User responded", "targetNodeId": next}]})
}

fn say(id: &str, prompt: &str, next: &str) -> Value {
    json!({"id": id, "type": "conversation", "prompt": prompt,
           "outcomes": [{"id": format!("{id}_o"), "condition": "User responded", "targetNodeId": next}]})
}

fn liveness(id: &str, pass: &str, fail: &str) -> Value {
    json!({"id": id, "type": "liveness_detection", "outcomes": {
        "livenessDetected": pass, "deepfakeDetected": fail, "noFace": fail, "inconclusive": fail}})
}

fn flow(nodes: Vec<Value>) -> Value {
    let first = nodes[0]["id"].as_str().unwrap().to_owned();
    let mut all = vec![json!({"id": "start", "type": "start", "outcome": first})];
    all.extend(nodes);
    all.push(json!({"id": "end", "type": "end"}));
    all.push(json!({"id": "rejected", "type": "end"}));
    Value::Array(all)
}

// ---- failure_joins_success ------------------------------------------------------------------

#[test]
fn failure_joins_success_fires_for_each_failure_outcome_sent_where_success_goes() {
    let mut f = flow(vec![greeting("greet", "live"), liveness("live", "end", "end")]);
    f[2]["outcomes"]["captureUnavailable"] = json!("rejected");
    let got = rows(&f);
    assert_eq!(
        pairs(&got),
        vec![
            ("failure_joins_success", "/2/outcomes/noFace"),
            ("failure_joins_success", "/2/outcomes/inconclusive"),
            ("failure_joins_success", "/2/outcomes/deepfakeDetected"),
        ]
    );
    assert_eq!(got[0].node_id.as_deref(), Some("live"));
    assert!(got[2].message.contains("\"deepfakeDetected\" to \"end\""), "{}", got[2].message);
}

#[test]
fn failure_joins_success_near_misses() {
    // Failures routed elsewhere; one failure only, the rest elsewhere.
    assert!(rows(&flow(vec![greeting("greet", "live"), liveness("live", "end", "rejected")])).is_empty());
    let mut f = flow(vec![greeting("greet", "live"), liveness("live", "end", "rejected")]);
    f[2]["outcomes"]["noFace"] = json!("end");
    assert_eq!(pairs(&rows(&f)), vec![("failure_joins_success", "/2/outcomes/noFace")]);
    // Recognition verifies nothing: newUser and noFace may go where recognized goes.
    let recognition = json!({"id": "rec", "type": "recognition",
        "outcomes": {"recognized": "live", "newUser": "live", "noFace": "live"}});
    assert!(rows(&flow(vec![greeting("greet", "rec"), recognition, liveness("live", "end", "rejected")]))
        .is_empty());
}

#[test]
fn failure_joins_success_covers_every_checking_type() {
    let cases = [
        json!({"id": "x", "type": "face_scan", "outcomes": {"passed": "end", "notPassed": "end", "cancelled": "rejected", "error": "rejected"}}),
        json!({"id": "x", "type": "face_compare", "sourceA": {"source": "sessionVideo"}, "sourceB": {"source": "sessionVideo"},
               "outcomes": {"match": "end", "noMatch": "end", "imageUnavailable": "rejected"}}),
        json!({"id": "x", "type": "document_scan", "scanningMode": "single", "allowedDocumentTypes": ["passport"],
               "outcomes": {"scanSuccess": "end", "userCancelled": "end", "scanTimeout": "rejected"}}),
        json!({"id": "x", "type": "two_factor_sms", "outcomes": {"verified": "end", "delivery_failed": "rejected",
               "failed_unverified": "end", "cancelled": "rejected", "error": "rejected"}}),
        json!({"id": "x", "type": "permissions", "permissions": {"camera": true},
               "outcomes": {"permissionsGranted": "end", "permissionsDenied": "end"}}),
        json!({"id": "x", "type": "enter_email", "outcomes": {"emailEntered": "end", "canceled": "end"}}),
    ];
    let expected =
        ["notPassed", "noMatch", "userCancelled", "failed_unverified", "permissionsDenied", "canceled"];
    for (node, outcome) in cases.into_iter().zip(expected) {
        let f = flow(vec![greeting("greet", "live"), liveness("live", "x", "rejected"), node]);
        let got: Vec<_> = rows(&f).into_iter().map(|p| (p.code.as_str(), p.path)).collect();
        assert_eq!(got, vec![("failure_joins_success", format!("/3/outcomes/{outcome}"))]);
    }
}

// ---- liveness_bypass ------------------------------------------------------------------------

/// Returning users skip liveness: recognition is not a liveness check.
fn recognised_users_skip_liveness() -> Value {
    let recognition = json!({"id": "rec", "type": "recognition",
        "outcomes": {"recognized": "closing", "newUser": "live", "noFace": "live"}});
    flow(vec![
        greeting("greet", "rec"),
        recognition,
        liveness("live", "closing", "rejected"),
        say("closing", "Say: You're all set, thanks!", "end"),
    ])
}

#[test]
fn liveness_bypass_fires_with_the_way_around() {
    let got = rows(&recognised_users_skip_liveness());
    assert_eq!(pairs(&got), vec![("liveness_bypass", "/5")]);
    assert_eq!(got[0].node_id.as_deref(), Some("end"));
    assert!(
        got[0].message.contains("\"start\" → \"greet\" → \"rec\" → \"closing\" → \"end\""),
        "{}",
        got[0].message
    );
}

#[test]
fn liveness_bypass_near_misses() {
    // Every way to the end passes liveness.
    let mut f = recognised_users_skip_liveness();
    f[2]["outcomes"]["recognized"] = json!("live");
    assert!(rows(&f).is_empty());
    // Ends reached only after a failure (here a refused permission and a refusal at the
    // greeting, both closing on "rejected") are rejections, not bypasses.
    let permissions = json!({"id": "perm", "type": "permissions", "permissions": {"camera": true},
        "outcomes": {"permissionsGranted": "greet", "permissionsDenied": "rejected"}});
    let greet = json!({"id": "greet", "type": "conversation",
        "prompt": "Warmly greet the user and tell them you need to quickly verify their identity. Ask if they're ready.",
        "outcomes": [{"id": "yes", "condition": "User is ready", "targetNodeId": "live"},
                     {"id": "no", "condition": "User wants to stop", "targetNodeId": "rejected"}]});
    assert!(rows(&flow(vec![permissions, greet, liveness("live", "end", "rejected")])).is_empty());
    // A flow with no liveness check at all is not told to add one.
    assert!(rows(&flow(vec![greeting("greet", "end")])).iter().all(|p| p.code != Code::LivenessBypass));
}

// ---- recognition_after_short_greeting -------------------------------------------------------

fn recognition_after(prompt: &str) -> Value {
    let recognition = json!({"id": "rec", "type": "recognition",
        "outcomes": {"recognized": "live", "newUser": "live", "noFace": "live"}});
    flow(vec![say("greet", prompt, "rec"), recognition, liveness("live", "end", "rejected")])
}

#[test]
fn recognition_after_short_greeting_fires_under_five_seconds_of_speech() {
    // 6 words: 2.4 s at 150 words a minute.
    let got = rows(&recognition_after("Say: Hi! Let's verify your identity. Ready?"));
    assert_eq!(pairs(&got), vec![("recognition_after_short_greeting", "/2")]);
    assert!(got[0].message.contains("about 6 spoken words"), "{}", got[0].message);
    assert!(got[0].message.contains("2.4 s"), "{}", got[0].message);
    assert!(got[0].message.contains("at least 13 words"), "{}", got[0].message);
    // Only the quoted line is spoken; the instructions around it are not.
    let quoted = "Greet them warmly and at length, with every detail you can think of. Say: 'Hi, you're back!' Then wait.";
    assert_eq!(pairs(&rows(&recognition_after(quoted))), vec![("recognition_after_short_greeting", "/2")]);
}

#[test]
fn recognition_after_short_greeting_near_misses() {
    // 13 words is 5.2 s.
    assert!(rows(&recognition_after(
        "Say: Hi there! I need to verify your identity now, it only takes seconds."
    ))
    .is_empty());
    // A descriptive prompt is paraphrased at about its own length.
    assert!(rows(&recognition_after(
        "Warmly greet the user and tell them you need to quickly verify their identity. Ask if they're ready."
    ))
    .is_empty());
    // Two short lines in a row add up.
    let recognition = json!({"id": "rec", "type": "recognition",
        "outcomes": {"recognized": "live", "newUser": "live", "noFace": "live"}});
    let f = flow(vec![
        say("a", "Say: Hi! Welcome to the bank, good to see you.", "b"),
        say("b", "Say: We will check who you are in a moment.", "rec"),
        recognition,
        liveness("live", "end", "rejected"),
    ]);
    assert!(rows(&f).is_empty());
    // Straight after start is video_check_too_early, not this.
    let rec = json!({"id": "rec", "type": "recognition", "outcomes": {"recognized": "g", "newUser": "g", "noFace": "g"}});
    let got = rows(&flow(vec![rec, greeting("g", "live"), liveness("live", "end", "rejected")]));
    assert_eq!(pairs(&got), vec![("video_check_too_early", "/1")]);
}

#[test]
fn spoken_words_reads_say_directives() {
    use super::lints::{literal_text, spoken_words};
    assert_eq!(literal_text("Say: Hello there"), Some("Hello there"));
    assert_eq!(literal_text("Ask kindly. say: \"Hi, you're here!\" then wait"), Some("Hi, you're here!"));
    assert_eq!(literal_text("Write an essay: no"), None);
    assert_eq!(spoken_words("Say: You're all set! Your identity's been verified."), 7);
    assert_eq!(spoken_words("Say: “Ciao, benvenuto”"), 2);
    assert_eq!(spoken_words(""), 0);
}

// ---- face_source_not_collected --------------------------------------------------------------

fn compare(source: &str) -> Value {
    json!({"id": "cmp", "type": "face_compare", "sourceA": {"source": source}, "sourceB": {"source": "sessionVideo"},
           "outcomes": {"match": "end", "noMatch": "rejected", "imageUnavailable": "rejected"}})
}

#[test]
fn face_source_not_collected_fires_when_a_way_in_has_no_scan() {
    let scan = json!({"id": "doc", "type": "document_scan", "scanningMode": "single", "allowedDocumentTypes": ["passport"],
        "outcomes": {"scanSuccess": "live", "userCancelled": "rejected", "scanTimeout": "rejected"}});
    // Nothing scanned at all.
    let f =
        flow(vec![greeting("greet", "live"), liveness("live", "cmp", "rejected"), compare("documentPhoto")]);
    assert_eq!(pairs(&rows(&f)), vec![("face_source_not_collected", "/3/sourceA/source")]);
    // A scan on one way in, not on the other.
    let greet = json!({"id": "greet", "type": "conversation", "prompt": "Warmly greet the user and tell them you need to quickly verify their identity. Ask if they have an ID.",
        "outcomes": [{"id": "doc", "condition": "Has an ID", "targetNodeId": "doc"}, {"id": "nodoc", "condition": "No ID", "targetNodeId": "live"}]});
    let f = flow(vec![
        greet.clone(),
        scan.clone(),
        liveness("live", "cmp", "rejected"),
        compare("documentPhoto"),
    ]);
    assert_eq!(pairs(&rows(&f)), vec![("face_source_not_collected", "/4/sourceA/source")]);
    // Near miss: the scan on every way in.
    let only_doc = json!({"id": "greet", "type": "conversation", "prompt": greet["prompt"],
        "outcomes": [{"id": "doc", "condition": "Has an ID", "targetNodeId": "doc"}]});
    assert!(rows(&flow(vec![only_doc, scan, liveness("live", "cmp", "rejected"), compare("documentPhoto")]))
        .is_empty());
    // Near miss: a face_scan leaves a face image whether it passed or not.
    let face = json!({"id": "face", "type": "face_scan", "outcomes": {"passed": "cmp", "notPassed": "cmp", "cancelled": "rejected", "error": "rejected"}});
    let got = rows(&flow(vec![greeting("greet", "face"), face, compare("faceScan")]));
    assert_eq!(pairs(&got), vec![("failure_joins_success", "/2/outcomes/notPassed")]);
}

// ---- validate_session -----------------------------------------------------------------------

fn session(settings: Value) -> Value {
    json!({"id": "s1", "status": "complete", "settings": settings})
}

fn seed(file: &str) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/flows").join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn validate_session_prefixes_flow_rows_and_adds_literal_prompt_multilingual() {
    let english = seed("seed-english-recognition-liveness.json");
    // English only, as the concepts page runs it: the flow's rows, under /settings/flow.
    let got = session_rows(&session(json!({"flow": english, "langs": ["en"], "defaultLang": "en"})));
    assert_eq!(
        got,
        validate_flow(&english)
            .into_iter()
            .map(|mut p| {
                p.path = format!("/settings/flow{}", p.path);
                p
            })
            .collect::<Vec<_>>()
    );
    // The same Say: flow offered in two languages.
    let got = session_rows(&session(json!({"flow": english, "langs": ["it", "en"], "defaultLang": "it"})));
    let literal: Vec<_> =
        got.iter().filter(|p| p.code == Code::LiteralPromptMultilingual).map(|p| p.path.as_str()).collect();
    assert_eq!(
        literal,
        [
            "/settings/flow/1/prompt",
            "/settings/flow/4/prompt",
            "/settings/flow/6/prompt",
            "/settings/flow/7/prompt",
            "/settings/flow/8/prompt"
        ]
    );
    assert!(
        got[0].message.contains("(\"it\", \"en\")")
            || got.iter().any(|p| p.message.contains("(\"it\", \"en\")"))
    );
    // Near miss: the multilingual flow in six languages has descriptive prompts only.
    let multilingual = seed("seed-multilingual-recognition-liveness.json");
    let got = session_rows(&session(
        json!({"flow": multilingual, "langs": ["en", "it", "de", "fr", "es", "pt"], "defaultLang": "en"}),
    ));
    assert!(got.iter().all(|p| p.code != Code::LiteralPromptMultilingual), "{got:#?}");
    // Repeats of one language are one language.
    let got = session_rows(&session(json!({"flow": english, "langs": ["en", "en"]})));
    assert!(got.iter().all(|p| p.code != Code::LiteralPromptMultilingual));
}

#[test]
fn default_lang_not_in_langs() {
    let f = flow(vec![greeting("greet", "live"), liveness("live", "end", "rejected")]);
    let got = session_rows(&session(json!({"flow": f, "langs": ["en", "es"], "defaultLang": "de"})));
    assert_eq!(
        pairs(&got),
        vec![
            ("default_lang_not_in_langs", "/settings/defaultLang"),
            ("literal_prompt_multilingual", "/settings/flow/1/prompt")
        ]
    );
    // The early Python SDK's snake_case key.
    let got = session_rows(&session(json!({"flow": f, "langs": ["en"], "default_lang": "de"})));
    assert_eq!(pairs(&got), vec![("default_lang_not_in_langs", "/settings/default_lang")]);
    // Near misses: a default among langs; no langs to compare with.
    assert!(session_rows(&session(json!({"flow": f, "langs": ["es"], "defaultLang": "es"}))).is_empty());
    assert!(session_rows(&session(json!({"flow": f, "defaultLang": "es"}))).is_empty());
}

fn two_factor(kind: &str) -> Value {
    json!({"id": "otp", "type": kind, "outcomes": {"verified": "end", "delivery_failed": "rejected",
           "failed_unverified": "rejected", "cancelled": "rejected", "error": "rejected"}})
}

#[test]
fn two_factor_contact_missing() {
    let email_flow = flow(vec![
        greeting("greet", "live"),
        liveness("live", "otp", "rejected"),
        two_factor("two_factor_email"),
    ]);
    let got = session_rows(&session(json!({"flow": email_flow, "providedData": {"name": "Ann"}})));
    assert_eq!(pairs(&got), vec![("two_factor_contact_missing", "/settings/flow/3")]);
    assert!(got[0].message.contains("providedData.email"), "{}", got[0].message);
    // Near misses: the address on file; an empty one is none.
    assert!(session_rows(&session(json!({"flow": email_flow, "providedData": {"email": "a@example.com"}})))
        .is_empty());
    let got = session_rows(&session(json!({"flow": email_flow, "providedData": {"email": ""}})));
    assert_eq!(pairs(&got), vec![("two_factor_contact_missing", "/settings/flow/3")]);
    // Near miss: an enter_email node on the way.
    let entered = flow(vec![
        greeting("greet", "live"),
        liveness("live", "mail", "rejected"),
        json!({"id": "mail", "type": "enter_email", "outcomes": {"emailEntered": "otp", "canceled": "rejected"}}),
        two_factor("two_factor_email"),
    ]);
    assert!(session_rows(&session(json!({"flow": entered}))).is_empty());
    // SMS: only providedData.phone supplies a number.
    let sms = flow(vec![
        greeting("greet", "live"),
        liveness("live", "otp", "rejected"),
        two_factor("two_factor_sms"),
    ]);
    assert_eq!(
        pairs(&session_rows(&session(json!({"flow": sms})))),
        vec![("two_factor_contact_missing", "/settings/flow/3")]
    );
    assert!(session_rows(&session(json!({"flow": sms, "provided_data": {"phone": "+15550100"}}))).is_empty());
    // validate_flow knows no providedData, so it never says this.
    assert!(rows(&sms).is_empty());
}

#[test]
fn provided_data_key_missing() {
    let mut cmp = compare("sessionVideo");
    cmp["sourceB"] = json!({"source": "providedData", "providedDataKey": "selfie"});
    let f = flow(vec![greeting("greet", "live"), liveness("live", "cmp", "rejected"), cmp]);
    let got = session_rows(&session(json!({"flow": f, "providedData": {"name": "Ann"}})));
    assert_eq!(pairs(&got), vec![("provided_data_key_missing", "/settings/flow/3/sourceB/providedDataKey")]);
    assert!(session_rows(&session(
        json!({"flow": f, "providedData": {"selfie": "https://example.com/a.jpg"}})
    ))
    .is_empty());
    let face = json!({"id": "face", "type": "face_scan", "referenceImageKey": "photo",
        "outcomes": {"passed": "end", "notPassed": "rejected", "cancelled": "rejected", "error": "rejected"}});
    let f = flow(vec![greeting("greet", "face"), face]);
    assert_eq!(
        pairs(&session_rows(&session(json!({"flow": f})))),
        vec![("provided_data_key_missing", "/settings/flow/2/referenceImageKey")]
    );
}

#[test]
fn validate_session_reads_request_bodies_and_reports_what_is_missing() {
    let f = flow(vec![greeting("greet", "live"), liveness("live", "end", "rejected")]);
    // A create-session request: the settings at the top level.
    let got = session_rows(&json!({"flow": f, "langs": ["en", "fr"], "defaultLang": "es"}));
    assert_eq!(
        pairs(&got),
        vec![
            ("default_lang_not_in_langs", "/defaultLang"),
            ("literal_prompt_multilingual", "/flow/1/prompt")
        ]
    );
    assert_eq!(pairs(&session_rows(&json!([1]))), vec![("not_a_session", "")]);
    assert_eq!(pairs(&session_rows(&json!({"id": "x"}))), vec![("missing_field", "")]);
    assert_eq!(
        pairs(&session_rows(&json!({"settings": {"langs": ["en"]}}))),
        vec![("missing_field", "/settings")]
    );
    assert_eq!(pairs(&session_rows(&json!({"settings": []}))), vec![("invalid_field", "/settings")]);
    assert_eq!(
        pairs(&session_rows(&json!({"settings": {"flow": f, "langs": "en"}}))),
        vec![("invalid_field", "/settings/langs")]
    );
    // Stored legacy shapes give the flow validator's own rows.
    assert_eq!(
        pairs(&session_rows(&json!({"settings": {"flow": null}}))),
        vec![("not_an_array", "/settings/flow")]
    );
    let legacy = json!({"settings": {"flow": {"nodes": [], "edges": []}}});
    assert_eq!(pairs(&session_rows(&legacy)), vec![("legacy_flow_format", "/settings/flow")]);
    // Every row's severity and error status agree with validate_flow's.
    let errors = session_rows(&json!({"settings": {"flow": [{"id": "a"}]}}));
    assert!(errors.iter().any(|p| p.severity() == Severity::Error));
}

#[test]
fn lints_on_hostile_graphs_stay_linear_and_never_panic() {
    // A 20 000-node diamond chain: every node two ways in.
    let n = 20_000;
    let mut nodes = vec![json!({"id": "start", "type": "start", "outcome": "c0"})];
    for i in 0..n {
        let next = if i + 1 < n { format!("c{}", i + 1) } else { "live".into() };
        nodes.push(json!({"id": format!("c{i}"), "type": "conversation", "prompt": "Say: hi",
            "outcomes": [{"id": "a", "condition": "x", "targetNodeId": next}, {"id": "b", "condition": "y", "targetNodeId": next}]}));
    }
    nodes.push(liveness("live", "end", "end"));
    nodes.push(json!({"id": "end", "type": "end"}));
    let got = rows(&Value::Array(nodes));
    assert_eq!(got.iter().filter(|p| p.code == Code::FailureJoinsSuccess).count(), 3);
    // A flow with a cycle skips the path lints, keeps the others.
    let cyclic = json!([
        {"id": "start", "type": "start", "outcome": "a"},
        {"id": "a", "type": "conversation", "prompt": "p", "outcomes": [{"id": "o", "condition": "x", "targetNodeId": "rec"}]},
        {"id": "rec", "type": "recognition", "outcomes": {"recognized": "a", "newUser": "end", "noFace": "end"}},
        {"id": "end", "type": "end"}
    ]);
    let got: Vec<_> = validate_flow(&cyclic).into_iter().map(|p| p.code.as_str()).collect();
    assert_eq!(got, vec!["cycle"]);
}
