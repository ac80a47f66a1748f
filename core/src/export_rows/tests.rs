//! The export's rows read the same from serde_json and from binary jsonb, survive the wire
//! format unchanged, and the wire decoder refuses every damaged input without panicking; the
//! flow fingerprint ignores key order, whitespace and representation and nothing else.

use super::wire::{decode, encode, WireError};
use super::*;
use crate::flow::flow_fingerprint;
use crate::jsonb::{encode as jsonb_of, Jsonb};
use serde_json::{json, Value};
use std::path::PathBuf;

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// Every session document the repository holds: the API fixtures and the test sessions.
fn documents() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for dir in ["tests/fixtures/facesign-api", "tests/sessions"] {
        let mut names: Vec<_> = std::fs::read_dir(repo_file(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            let doc: Value =
                serde_json::from_str(&std::fs::read_to_string(repo_file(&format!("{dir}/{name}"))).unwrap())
                    .unwrap();
            match doc.get("sessions").and_then(Value::as_array) {
                Some(list) => out.extend(list.iter().map(|s| (name.clone(), s.clone()))),
                None => out.push((name, doc)),
            }
        }
    }
    out
}

/// The rows through both representations and the wire; all three must agree.
fn check(doc: &Value) -> SessionRows {
    let from_serde = session_rows(doc, true);
    let bytes = jsonb_of(doc);
    let binary = Jsonb::from_bytes(&bytes);
    let rows = export_rows(binary, true);
    assert_eq!(SessionRows::from(&rows), from_serde, "binary jsonb and serde_json disagree");
    assert_eq!(decode(&encode(&rows)), Ok(from_serde.clone()), "the wire format changed the rows");
    from_serde
}

#[test]
fn every_document_reads_alike_and_crosses_the_wire() {
    let docs = documents();
    let mut with_flow = 0;
    for (name, doc) in &docs {
        let rows = check(doc);
        if let Some(flow_id) = &rows.session.flow_id {
            with_flow += 1;
            assert_eq!(flow_id.len(), 32, "{name}");
        }
    }
    assert!(docs.len() >= 15 && with_flow >= 5, "{} documents, {with_flow} with a flow", docs.len());
}

#[test]
fn provided_values_are_read_only_when_asked() {
    let doc = json!({"id": "s", "settings": {"providedData": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "12"}}});
    assert_eq!(
        check(&doc).provided,
        vec![("name", "Ada Lovelace".to_owned()), ("email", "ada@example.com".to_owned())]
    );
    assert!(session_rows(&doc, false).provided.is_empty());
}

#[test]
fn the_fingerprint_is_the_graph_not_its_spelling() {
    let a: Value = serde_json::from_str(
        r#"[{"id":"start","type":"start","outcomes":{"next":"end"}},{"id":"end","type":"end","x":1.0}]"#,
    )
    .unwrap();
    let b: Value = serde_json::from_str(
        "[ {\"outcomes\": {\"next\": \"end\"}, \"type\": \"start\", \"id\": \"start\"},\n  {\"x\": 1, \"type\": \"end\", \"id\": \"end\"} ]",
    )
    .unwrap();
    let fa = flow_fingerprint(&a).unwrap();
    assert_eq!(fa, flow_fingerprint(&b).unwrap());
    let bytes = jsonb_of(&b);
    assert_eq!(Some(fa.clone()), flow_fingerprint(Jsonb::from_bytes(&bytes)));
    // Any change is another flow: a value, a key, the order of nodes, a string's escape.
    for other in [
        json!([{"id":"start","type":"start","outcomes":{"next":"end"}},{"id":"end","type":"end","x":2}]),
        json!([{"id":"start","type":"start","outcomes":{"nxt":"end"}},{"id":"end","type":"end","x":1}]),
        json!([{"id":"end","type":"end","x":1},{"id":"start","type":"start","outcomes":{"next":"end"}}]),
        json!([{"id":"start\n","type":"start","outcomes":{"next":"end"}},{"id":"end","type":"end","x":1}]),
    ] {
        assert_ne!(flow_fingerprint(&other).unwrap(), fa, "{other}");
    }
    assert_eq!(flow_fingerprint(&json!("flow-id")), None);
    assert_eq!(flow_fingerprint(&json!(null)), None);
    assert!(flow_fingerprint(&json!({"nodes": [], "edges": []})).is_some(), "the legacy shape has one too");
}

#[test]
fn canonical_json_is_json() {
    let doc =
        json!({"b": [1, -0.0, 2.5, 1e300, "q\"\\\n\u{1}é"], "a": {"z": null, "y": true, "x": false}, "": {}});
    let mut text = Vec::new();
    super::super::flow::fingerprint::canonical_json(&doc, &mut |b| text.extend_from_slice(b));
    let text = String::from_utf8(text).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"b": [1, 0, 2.5, 1e300, "q\"\\\n\u{1}é"], "a": {"z": null, "y": true, "x": false}, "": {}})
    );
    assert!(text.starts_with(r#"{"":{},"a":{"x":false,"y":true,"z":null},"b":[1,0,2.5,1"#), "{text}");
}

#[test]
fn a_deep_flow_costs_no_stack() {
    // 200 000 levels: a recursive walk would overflow the test thread's stack.
    let mut flow = json!([]);
    for _ in 0..200_000 {
        flow = Value::Array(vec![flow]);
    }
    assert_eq!(flow_fingerprint(&flow).map(|f| f.len()), Some(32));
    // serde_json's own drop recurses: take the levels apart one by one.
    let mut at = flow;
    while let Value::Array(mut items) = at {
        at = items.pop().unwrap_or(Value::Null);
    }
}

#[test]
fn damaged_bytes_are_refused_never_panic() {
    let doc = documents().into_iter().find(|(n, _)| n.starts_with("session-get")).unwrap().1;
    let bytes = jsonb_of(&doc);
    let good = encode(&export_rows(Jsonb::from_bytes(&bytes), true));
    for cut in 0..good.len() {
        assert!(decode(&good[..cut]).is_err(), "a prefix of {cut} bytes decoded");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(decode(&longer), Err(WireError("bytes are left over after the last row")));
    let mut other_version = good.clone();
    other_version[0] = super::wire::VERSION - 1;
    assert!(decode(&other_version).is_err());
    // Every single-byte change either decodes or is refused; a huge count never allocates.
    for i in 0..good.len() {
        for b in [0x00, 0x7f, 0x80, 0xff] {
            let mut damaged = good.clone();
            damaged[i] = b;
            let _ = decode(&damaged);
        }
    }
    assert!(
        decode(&[super::wire::VERSION, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err()
    );
}

#[test]
fn a_flow_cache_changes_no_answer() {
    let docs = documents();
    let mut cache = FlowCache::default();
    let mut known = super::wire::KnownFlows::new();
    // Every document twice, through one cache and one decoder's memory, in both
    // representations: each time the rows read without any cache.
    for round in 0..2 {
        for (name, doc) in &docs {
            let expected = session_rows(doc, true);
            assert_eq!(session_rows_with(doc, true, &mut cache), expected, "{name}, round {round}");
            let bytes = jsonb_of(doc);
            let binary = export_rows_with(Jsonb::from_bytes(&bytes), true, &mut cache);
            assert_eq!(SessionRows::from(&binary), expected, "{name}, round {round}");
            let wire = encode(&binary);
            let decoded = super::wire::decode_rows(&wire, &mut known).unwrap();
            assert_eq!(SessionRows::from(&decoded), expected, "{name}, round {round}");
        }
    }
}

#[test]
fn a_flow_cache_is_bounded_and_keyed_by_the_flow_alone() {
    let mut cache = FlowCache::default();
    let flow = |n: usize| {
        json!([{"id": "start", "type": "start", "outcome": format!("n{n}")},
               {"id": format!("n{n}"), "type": "end"}])
    };
    // The same flow in two key orders and whitespace: one entry, one fingerprint.
    let a = cache.flow(&flow(1)).unwrap();
    let text = r#"[ {"type": "start", "outcome": "n1", "id": "start"}, {"type": "end", "id": "n1"} ]"#;
    let reordered: Value = serde_json::from_str(text).unwrap();
    assert_eq!(cache.flow(&reordered).unwrap().id, a.id);
    // A hundred distinct flows, then the first again: each derived exactly as without a cache.
    for n in 0..100 {
        let bytes = jsonb_of(&flow(n));
        let got = cache.flow(Jsonb::from_bytes(&bytes)).unwrap();
        assert_eq!(*got, super::flow_cache::derive(&flow(n)).unwrap());
    }
    assert!(cache.len() <= 64, "{} flows held", cache.len());
    assert_eq!(cache.flow(&flow(1)).unwrap().id, a.id);
    assert!(cache.flow(&json!("not a flow")).is_none());
}
