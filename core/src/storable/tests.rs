use serde_json::{json, Value};

use super::*;

fn refusal_of(doc: &Value) -> Option<Refusal> {
    refusal(doc)
}

#[test]
fn a_plain_session_and_its_wrapper_are_storable() {
    let session = json!({"id": "sess_1", "status": "complete", "settings": {"clientReferenceId": "u1"}});
    assert_eq!(refusal_of(&session), None);
    assert_eq!(refusal_of(&json!({"session": session, "clientSecret": {"secret": "s"}})), None);
}

#[test]
fn documents_without_a_string_id_are_refused() {
    assert_eq!(refusal_of(&json!([1, 2])), Some(Refusal::NotASession(Kind::Array)));
    assert_eq!(refusal_of(&json!("text")), Some(Refusal::NotASession(Kind::String)));
    assert_eq!(refusal_of(&json!({"status": "complete"})), Some(Refusal::NoId));
    assert_eq!(refusal_of(&json!({"id": ""})), Some(Refusal::NoId));
    assert_eq!(refusal_of(&json!({"id": 12})), Some(Refusal::NoId));
    assert_eq!(refusal_of(&json!({"id": "x"})).map(|r| r.sqlstate()), None);
    assert_eq!(Refusal::NoId.sqlstate(), "23502");
}

#[test]
fn each_indexed_value_has_the_same_limit() {
    let long = "x".repeat(MAX_KEY_BYTES + 1);
    let fits = "x".repeat(MAX_KEY_BYTES);
    assert_eq!(refusal_of(&json!({"id": fits})), None);
    assert_eq!(
        refusal_of(&json!({"id": long})),
        Some(Refusal::TooLong { key: Key::Id, bytes: MAX_KEY_BYTES + 1 })
    );
    let cases = [
        (json!({"id": "a", "settings": {"clientReferenceId": long}}), Key::ClientReferenceId),
        (json!({"id": "a", "settings": {"client_reference_id": long}}), Key::ClientReferenceId),
        (json!({"id": "a", "status": long}), Key::Status),
        (
            json!({"id": "a", "report": {"nodeReports": [{"type": "liveness_detection", "outcome": long}]}}),
            Key::LivenessOutcome,
        ),
    ];
    for (doc, key) in cases {
        let refused = refusal_of(&doc).unwrap();
        assert_eq!(refused, Refusal::TooLong { key, bytes: MAX_KEY_BYTES + 1 });
        assert_eq!(refused.sqlstate(), "22001");
        // The message names the value's place, never the value.
        assert!(!refused.message().contains("xxxx"), "{}", refused.message());
    }
}

#[test]
fn a_nul_anywhere_is_found_with_its_pointer() {
    let doc = json!({"id": "a", "report": {"transcript": [{"text": "ok"}, {"text": "bad\u{0}"}]}});
    assert_eq!(refusal_of(&doc), Some(Refusal::Nul { pointer: "/report/transcript/1/text".into() }));
    let in_key = json!({"id": "a", "device": {"a/b~\u{0}": 1}});
    assert_eq!(first_nul(&in_key).as_deref(), Some("/device/a~1b~0\u{0}"));
    assert_eq!(first_nul(&json!("\u{0}")).as_deref(), Some(""));
    assert_eq!(first_nul(&json!({"id": "a", "x": [[["fine"]]]})), None);
    assert_eq!(Refusal::Nul { pointer: String::new() }.sqlstate(), "22P05");
}

#[test]
fn the_nul_walk_does_not_recurse() {
    // 200 000 levels: a recursive walk would overflow the test thread's stack.
    let mut doc = json!("\u{0}");
    for _ in 0..200_000 {
        doc = Value::Array(vec![doc]);
    }
    assert_eq!(first_nul(&doc).map(|p| p.len()), Some(2 * 200_000));
    // serde_json's own drop recurses: take the levels apart one by one.
    let mut at = doc;
    while let Value::Array(mut items) = at {
        at = items.pop().unwrap_or(Value::Null);
    }
}

#[test]
fn an_invalid_array_flow_is_refused_and_an_object_flow_is_history() {
    let looping = json!({"id": "a", "settings": {"flow": [{"id": "s", "type": "start", "outcome": "s"}]}});
    assert_eq!(refusal_of(&looping), Some(Refusal::InvalidFlow));
    assert_eq!(Refusal::InvalidFlow.sqlstate(), "23514");
    let legacy = json!({"id": "a", "settings": {"flow": {"nodes": [], "edges": []}}});
    assert_eq!(refusal_of(&legacy), None);
}

#[test]
fn binary_jsonb_gives_the_same_answers() {
    let long = "y".repeat(MAX_KEY_BYTES + 7);
    for doc in [
        json!({"id": "a", "status": "complete"}),
        json!({"id": long}),
        json!({"id": "a", "settings": {"clientReferenceId": long}}),
        json!({"status": "x"}),
        json!([1]),
        json!({"id": "a", "settings": {"flow": [{"id": "s", "type": "start", "outcome": "s"}]}}),
    ] {
        let bytes = crate::jsonb::encode(&doc);
        let binary = crate::Jsonb::from_bytes(&bytes);
        assert_eq!(refusal(binary), refusal(&doc), "{doc}");
    }
}
