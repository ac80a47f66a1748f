//! The binary reader against the writer, over every JSON type, padding case and the
//! every-32nd-entry offsets; the SQL tests check it against the server's own bytes.

use super::*;
use serde_json::{json, Value};

/// Rebuilds a serde value through the reader (recursive: test documents are shallow).
fn read_back(v: Jsonb) -> Value {
    match v.kind() {
        Kind::Null => Value::Null,
        // Garbage bytes may make a typed value unreadable: that reads as null.
        Kind::Bool => v.as_bool().map_or(Value::Null, Value::Bool),
        Kind::Number => v.as_f64().map_or(Value::Null, |n| json!(n)),
        Kind::String => v.as_str().map_or(Value::Null, |s| Value::String(s.to_owned())),
        Kind::Array => Value::Array(v.elements().map(read_back).collect()),
        Kind::Object => Value::Object(v.members().map(|(k, v)| (k.to_owned(), read_back(v))).collect()),
    }
}

/// The same document with every number as f64, which is what the reader yields.
fn as_floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(as_floats).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), as_floats(v))).collect()),
        other => other.clone(),
    }
}

fn round_trip(doc: Value) {
    let bytes = encode(&doc);
    assert_eq!(read_back(Jsonb::from_bytes(&bytes)), as_floats(&doc), "document {doc}");
}

#[test]
fn scalars_as_documents() {
    for doc in [json!(null), json!(true), json!(false), json!(0), json!(-1.5), json!("x"), json!("")] {
        round_trip(doc);
    }
}

#[test]
fn nested_containers_with_every_type() {
    round_trip(json!({
        "a": 1, "bb": [true, false, null, 2.25, "s", {"k": [1, 2, {"deep": -0.001}]}],
        "ccc": {}, "d": [], "e": "é and ✓", "f": 12345678901234.0, "g": 1e-7
    }));
}

#[test]
fn more_than_32_entries_use_stored_offsets() {
    let arr: Vec<Value> =
        (0..200).map(|i| if i % 3 == 0 { json!(i) } else { json!(format!("s{i}")) }).collect();
    round_trip(Value::Array(arr.clone()));
    let obj: serde_json::Map<String, Value> =
        (0..150).map(|i| (format!("key{i}"), arr[i % 200].clone())).collect();
    let doc = Value::Object(obj);
    round_trip(doc.clone());
    let bytes = encode(&doc);
    let root = Jsonb::from_bytes(&bytes);
    for i in 0..150 {
        assert_eq!(read_back(root.get(&format!("key{i}")).unwrap()), as_floats(&arr[i % 200]));
    }
    assert!(root.get("key150").is_none());
    assert!(root.get("").is_none());
}

/// Objects of every size on both sides of `LINEAR_LOOKUP_MAX_KEYS` (walk and binary search)
/// and of the 32-entry offset stride: every key is found with its value, and keys that are
/// shorter, longer, or of a present length but absent are not.
#[test]
fn lookup_by_walk_and_by_binary_search_agree_with_serde() {
    for count in 0..=70usize {
        // Keys of lengths 1..=9 (several per length), values of varied types and sizes.
        let obj: serde_json::Map<String, Value> = (0..count)
            .map(|i| {
                let key = "k".repeat(1 + i % 9) + &i.to_string();
                let value = match i % 4 {
                    0 => json!(i),
                    1 => json!("v".repeat(i)),
                    2 => json!({"nested": [i, null, true]}),
                    _ => json!(null),
                };
                (key, value)
            })
            .collect();
        let doc = Value::Object(obj.clone());
        let bytes = encode(&doc);
        let root = Jsonb::from_bytes(&bytes);
        for (key, value) in &obj {
            let found = root.get(key).unwrap_or_else(|| panic!("{count} keys: {key} not found"));
            assert_eq!(read_back(found), as_floats(value), "{count} keys: {key}");
        }
        for absent in ["", "k", "kk0", "kkkkkkkkkkkkkkkkkkkkkkkkk", "zzzz", "k999"] {
            assert_eq!(root.get(absent).is_some(), obj.contains_key(absent), "{count} keys: {absent}");
        }
    }
}

#[test]
fn lookup_on_non_objects_is_none() {
    let bytes = encode(&json!([1, {"a": 1}]));
    let root = Jsonb::from_bytes(&bytes);
    assert!(root.get("a").is_none());
    assert_eq!(root.len(), 2);
    assert_eq!(root.elements().nth(1).unwrap().get("a").unwrap().as_f64(), Some(1.0));
    assert_eq!(root.elements().next().unwrap().elements().count(), 0);
}

#[test]
fn deep_nesting_is_written_and_read_without_recursion() {
    let mut doc = json!(1);
    for _ in 0..100_000 {
        doc = Value::Array(vec![doc]);
    }
    let bytes = encode(&doc);
    let mut at = Jsonb::from_bytes(&bytes);
    let mut depth = 0;
    while let Some(inner) = at.elements().next() {
        at = inner;
        depth += 1;
    }
    assert_eq!(depth, 100_000);
    assert_eq!(at.as_f64(), Some(1.0));
    // serde_json drops deep trees recursively; leak it rather than overflow the test's stack.
    std::mem::forget(doc);
}

#[test]
fn truncated_and_garbage_bytes_never_panic() {
    let bytes = encode(&json!({"a": [1, "two", {"b": null}], "c": 3.5}));
    for cut in 0..bytes.len() {
        let v = Jsonb::from_bytes(&bytes[..cut]);
        let _ = read_back(v);
    }
    let mut state = 0x1234_5678u32;
    for _ in 0..2_000 {
        let mut garbage = bytes.clone();
        for _ in 0..4 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let at = state as usize % garbage.len();
            garbage[at] = (state >> 24) as u8;
        }
        let _ = read_back(Jsonb::from_bytes(&garbage));
    }
}

#[test]
fn string_rows_are_written_as_the_same_jsonb_as_their_json() {
    let keys = ["severity", "code", "path", "nodeId", "message"];
    for count in [0usize, 1, 31, 32, 33, 70] {
        let rows: Vec<[Option<String>; 5]> = (0..count)
            .map(|i| {
                [
                    Some(if i % 3 == 0 { "warning".into() } else { "error".into() }),
                    Some(format!("code_{i}")),
                    Some(format!("/{i}/outcomes/x")),
                    (i % 2 == 0).then(|| format!("node-{i}")),
                    Some("é".repeat(i)),
                ]
            })
            .collect();
        let json = Value::Array(
            rows.iter()
                .map(|r| {
                    let mut object = serde_json::Map::new();
                    for (key, value) in keys.iter().zip(r) {
                        object.insert((*key).into(), value.clone().map_or(Value::Null, Value::String));
                    }
                    Value::Object(object)
                })
                .collect(),
        );
        let written = encode_string_rows(keys, rows.iter().map(|r| std::array::from_fn(|k| r[k].as_deref())));
        assert_eq!(written, encode(&json), "{count} rows");
    }
}
