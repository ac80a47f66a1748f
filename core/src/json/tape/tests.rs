//! The tape reads every document as `serde_json` does (same kinds, strings, numbers and
//! members), refuses what the JSON grammar refuses, keeps a repeated key's last value, and
//! takes any nesting depth without recursing.

use super::*;
use crate::json::JsonRef;
use serde_json::Value;
use std::path::PathBuf;

fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut tape = Tape::default();
    tape.parse(text.as_bytes()).map(to_value)
}

/// The tape's document as a serde_json tree, through the tape's accessors (recursive: the
/// documents given are shallow).
fn to_value(doc: TapeRef<'_>) -> Value {
    fn scalar(v: TapeRef<'_>) -> Value {
        match v.kind() {
            Kind::Null => Value::Null,
            Kind::Bool => Value::Bool(v.as_bool().unwrap()),
            Kind::Number => {
                serde_json::Number::from_f64(v.as_f64().unwrap()).map_or(Value::Null, Value::Number)
            }
            Kind::String => Value::String(v.as_str().unwrap().to_owned()),
            Kind::Array => Value::Array(v.elements().map(scalar).collect()),
            Kind::Object => Value::Object(v.members().map(|(k, m)| (k.to_owned(), scalar(m))).collect()),
        }
    }
    scalar(doc)
}

/// serde_json's reading with every number as its f64 (the tape's numbers are f64 too).
fn serde_value(text: &str) -> Value {
    let mut value: Value = serde_json::from_str(text).unwrap();
    let mut stack = vec![&mut value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Number(n) => {
                let x = n.as_f64().unwrap();
                *v = serde_json::Number::from_f64(if x == 0.0 { 0.0 } else { x })
                    .map_or(Value::Null, Value::Number);
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => stack.extend(map.values_mut()),
            _ => {}
        }
    }
    value
}

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

#[test]
fn every_repository_document_reads_as_serde_reads_it() {
    let mut read = 0;
    for dir in ["tests/fixtures/facesign-api", "tests/sessions", "tests/flows"] {
        for entry in std::fs::read_dir(repo_file(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(parse(&text).unwrap(), serde_value(&text), "{}", path.display());
                read += 1;
            }
        }
    }
    assert!(read >= 20, "{read} documents");
}

#[test]
fn scalars_strings_and_escapes() {
    for text in [
        "null",
        " true ",
        "false",
        "0",
        "-12.5e-3",
        "1E+2",
        r#""""#,
        r#""plain""#,
        r#""tab\tquote\"slash\/back\\\b\f\n\r""#,
        r#""\u00e9t\u00E9 \ud83d\ude00 \u0000 end""#,
        r#""naïve café""#,
        r#"{"a": [1, {"b": "\u2028"}], "c": {}, "d": []}"#,
        "[[], {}, [[]], {\"\": \"\"}]",
        "\n\r\t [1,2 , 3 ] \n",
    ] {
        assert_eq!(parse(text).unwrap(), serde_value(text), "{text}");
    }
    assert_eq!(parse(r#""\u0000""#).unwrap(), Value::String("\0".into()));
}

#[test]
fn refuses_what_the_grammar_refuses() {
    for text in [
        "",
        "   ",
        "nul",
        "tru",
        "True",
        "01",
        "1.",
        ".5",
        "-",
        "+1",
        "1e",
        "1e+",
        "0x10",
        "NaN",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "{a:1}",
        "{'a':1}",
        "{\"a\":}",
        "[",
        "{",
        "{\"a\"",
        "\"open",
        "\"bad \\x escape\"",
        "\"\\u12\"",
        "\"\\uZZZZ\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"raw \n newline\"",
        "\"raw \u{1} control\"",
        "[1] [2]",
        "{} x",
        "\"\\",
        "\"\\u",
    ] {
        assert!(serde_json::from_str::<Value>(text).is_err(), "serde takes {text:?}");
        assert!(parse(text).is_err(), "the tape takes {text:?}");
    }
    let mut tape = Tape::default();
    assert!(tape.parse(b"\"\xff\"").is_err(), "not UTF-8");
}

#[test]
fn a_repeated_key_keeps_its_last_value() {
    let mut tape = Tape::default();
    let doc = tape.parse(br#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
    assert_eq!(doc.get("a").and_then(JsonRef::as_f64), Some(3.0));
    assert_eq!(doc.len(), 2);
    let members: Vec<(&str, f64)> = doc.members().map(|(k, v)| (k, v.as_f64().unwrap())).collect();
    assert_eq!(members, [("b", 2.0), ("a", 3.0)]);
    assert_eq!(to_value(doc), serde_value(r#"{"a": 1, "b": 2, "a": 3}"#));
    // Many keys, some repeated (the sorting path).
    let text =
        format!("{{{}}}", (0..40).map(|i| format!("\"k{}\": {i}", i % 25)).collect::<Vec<_>>().join(","));
    assert_eq!(parse(&text).unwrap(), serde_value(&text));
    let doc = tape.parse(text.as_bytes()).unwrap();
    assert_eq!(doc.len(), 25);
    assert_eq!(doc.get("k3").and_then(JsonRef::as_f64), Some(28.0));
}

#[test]
fn numbers_read_as_the_nearest_f64() {
    let mut tape = Tape::default();
    for literal in [
        "0",
        "-0",
        "-0.0",
        "123456789012345",
        "1234567890123456",
        "9007199254740993",
        "18446744073709551617",
        "0.1",
        "2.2250738585072011e-308",
        "1.7976931348623157e308",
        "1e400",
        "-1e400",
        "1e-400",
        "123.456e5",
        "1715935826000",
    ] {
        let expected: f64 = literal.parse().unwrap();
        let expected = if expected == 0.0 { 0.0 } else { expected };
        let got = tape.parse(literal.as_bytes()).unwrap().as_f64().unwrap();
        assert_eq!(got.to_bits(), expected.to_bits(), "{literal}");
    }
}

#[test]
fn any_depth_without_recursion() {
    let depth = 1_000_000;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let mut tape = Tape::default();
    let mut v = tape.parse(text.as_bytes()).unwrap();
    let mut levels = 1;
    while let Some(inner) = v.elements().next() {
        v = inner;
        levels += 1;
    }
    assert_eq!(levels, depth);
    let text = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    assert!(tape.parse(text.as_bytes()).is_ok());
    let unclosed = "[".repeat(depth);
    assert!(tape.parse(unclosed.as_bytes()).is_err());
}

#[test]
fn a_tape_is_reused_from_one_document_to_the_next() {
    let mut tape = Tape::default();
    let first = r#"{"id": "one", "n": "\u00e9"}"#;
    let second = r#"{"id": "two", "list": [1, 2, 3]}"#;
    assert_eq!(to_value(tape.parse(first.as_bytes()).unwrap()), serde_value(first));
    assert_eq!(to_value(tape.parse(second.as_bytes()).unwrap()), serde_value(second));
    assert!(tape.parse(b"[1,").is_err());
    assert_eq!(to_value(tape.parse(first.as_bytes()).unwrap()), serde_value(first));
}

#[test]
fn accessors_of_the_wrong_kind_answer_nothing() {
    let mut tape = Tape::default();
    let doc = tape.parse(br#"{"s": "x", "a": [1], "o": {"k": null}}"#).unwrap();
    let s = doc.get("s").unwrap();
    assert_eq!(
        (s.as_f64(), s.as_bool(), s.len(), s.elements().count(), s.members().count()),
        (None, None, 0, 0, 0)
    );
    assert!(s.get("k").is_none());
    let a = doc.get("a").unwrap();
    assert_eq!((a.as_str(), a.len(), a.members().count()), (None, 1, 0));
    assert!(a.get("0").is_none());
    let o = doc.get("o").unwrap();
    assert_eq!((o.elements().count(), o.len()), (0, 1));
    assert!(o.get("k").unwrap().is_null());
    assert!(doc.get("missing").is_none());
}

#[test]
fn the_word_scan_finds_what_a_byte_scan_finds() {
    let naive = |bytes: &[u8]| bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
    // Every byte value at every place of runs around the word size, among plain bytes that sit
    // just beside the ones looked for (0x1f/0x20, 0x21/0x23, 0x5b/0x5d) and non-ASCII ones.
    for len in 0..=19 {
        for fill in [b'a', 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xff] {
            let mut bytes = vec![fill; len];
            assert_eq!(super::plain_run(&bytes), naive(&bytes), "{bytes:?}");
            for at in 0..len {
                for b in 0..=255u8 {
                    bytes[at] = b;
                    assert_eq!(super::plain_run(&bytes), naive(&bytes), "{bytes:?}");
                    if at + 1 < len {
                        bytes[at + 1] = b'"';
                        assert_eq!(super::plain_run(&bytes), naive(&bytes), "{bytes:?}");
                        bytes[at + 1] = fill;
                    }
                }
                bytes[at] = fill;
            }
        }
    }
}

/// Found by the `json_text` fuzz target in its first run: an integer too long for any integer
/// type read one unit in the last place apart by serde_json's default (fast, approximate)
/// float parse and by the tape. The workspace now has serde_json read numbers exactly
/// (`float_roundtrip`), as binary jsonb and the tape do.
#[test]
fn a_long_integer_reads_alike_everywhere() {
    let text = r#"{"captureStatAt": 1700000022222222222200000, "n": 123456789012345678901e-3}"#;
    let exact: f64 = "1700000022222222222200000".parse().unwrap();
    let mut tape = Tape::default();
    let doc = tape.parse(text.as_bytes()).unwrap();
    assert_eq!(doc.get("captureStatAt").and_then(JsonRef::as_f64), Some(exact));
    assert_eq!(parse(text).unwrap(), serde_value(text));
    let serde: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde["captureStatAt"].as_f64(), Some(exact));
}
