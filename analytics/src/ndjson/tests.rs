use super::*;

fn reason(line: &str) -> String {
    session_of_line(line.as_bytes(), NulPolicy::Reject).err().unwrap_or_else(|| panic!("{line} was read"))
}

#[test]
fn each_kind_of_bad_line_has_its_own_reason() {
    assert!(reason(r#"{"id": "a", "status": "comp"#).starts_with("truncated JSON"));
    assert!(reason("[1, 2]").starts_with("not a Session object (an array"));
    assert!(reason(r#"{"status": "complete"}"#).contains("no string \"id\""));
    let nul = reason(r#"{"id": "a", "report": {"transcript": [{"text": "x\u0000y"}]}}"#);
    assert!(
        nul.contains("/report/transcript/0/text") && nul.contains("\\u0000") && nul.contains("--nul replace"),
        "{nul}"
    );
    let long_id = reason(&format!(r#"{{"id": "{}"}}"#, "z".repeat(20_000)));
    assert!(long_id.contains("\"id\" is 20000 bytes long") && !long_id.contains("zzz"), "{long_id}");
    let long_ref =
        reason(&format!(r#"{{"id": "a", "settings": {{"clientReferenceId": "{}"}}}}"#, "r".repeat(5_000)));
    assert!(long_ref.contains("clientReferenceId is 5000 bytes"), "{long_ref}");
    assert!(reason(r#"{"id": "a", "text": "\ud800"}"#).contains("lone UTF-16 surrogate"));
    assert!(reason(r#"{"id": "a", "score": 1e400}"#).contains("64-bit float"));
    let deep = format!(r#"{{"id": "a", "x": {}{}}}"#, "[".repeat(200), "]".repeat(200));
    assert!(reason(&deep).contains("nested deeper than 128"));
    assert!(reason("{\"id\": 1} trailing").starts_with("not JSON: trailing characters (column"));
    let garbage = session_of_line(b"\x89PNG\r\n\x1a\n\x00\xff", NulPolicy::Reject).unwrap_err();
    assert!(garbage.starts_with("not UTF-8 text (an invalid byte at column 1)"), "{garbage}");
    let flow = reason(r#"{"id": "x", "settings": {"flow": [{"id": "s", "type": "start", "outcome": "s"}]}}"#);
    assert!(flow.contains("not a valid flow"));
}

#[test]
fn good_lines_are_read_as_written_or_unwrapped() {
    let plain = session_of_line(br#"{"id": "a", "status": "complete"}"#, NulPolicy::Reject).unwrap();
    assert!(plain.text_is_session);
    assert_eq!(plain.session["id"], "a");
    let wrapped =
        session_of_line(br#"{"session": {"id": "b"}, "clientSecret": {"secret": "s"}}"#, NulPolicy::Reject)
            .unwrap();
    assert!(!wrapped.text_is_session);
    assert_eq!(wrapped.session, serde_json::json!({"id": "b"}));
}

#[test]
fn nul_replace_stores_the_replacement_character_in_strings_and_keys() {
    let line = br#"{"id": "a", "device": {"userAgent": "x\u0000y", "k\u0000": [ "\u0000" ]}}"#;
    let read = session_of_line(line, NulPolicy::Replace).unwrap();
    assert!(!read.text_is_session);
    assert_eq!(read.session["device"]["userAgent"], "x\u{FFFD}y");
    assert_eq!(read.session["device"]["k\u{FFFD}"][0], "\u{FFFD}");
    assert!(!read.session.to_string().contains("\\u0000"));
    // Without a NUL the line is kept as written.
    assert!(session_of_line(br#"{"id": "a"}"#, NulPolicy::Replace).unwrap().text_is_session);
}

#[test]
fn lines_are_numbered_and_an_overlong_one_is_skipped_unread() {
    let input = format!("\u{FEFF}{{\"id\":\"a\"}}\r\n\n   \n{}\n{{\"id\":\"b\"}}", "x".repeat(10_000));
    let mut reader = LineReader::with_limit(std::io::BufReader::with_capacity(64, input.as_bytes()), 100);
    let mut seen = Vec::new();
    while let Some(line) = reader.next_line().unwrap() {
        let what = match line.content {
            RawLine::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
            RawLine::TooLong(n) => format!("too long: {n}"),
        };
        seen.push((line.number, line.offset, what));
        assert!(reader.buf.capacity() < 400, "the reader held {} bytes", reader.buf.capacity());
    }
    assert_eq!(
        seen,
        [
            (1, 3, "{\"id\":\"a\"}".to_owned()),
            (2, 15, String::new()),
            (3, 16, "   ".to_owned()),
            (4, 20, "too long: 10001".to_owned()),
            (5, 10_021, "{\"id\":\"b\"}".to_owned()),
        ]
    );
}

#[test]
fn read_sessions_reports_every_refused_line_by_number() {
    let input = "{\"id\":\"a\"}\n[1]\n\n{\"id\":\"b\"\n{\"id\":\"c\"}\n";
    let (mut ids, mut refused) = (Vec::new(), Vec::new());
    let lines = read_sessions(
        input.as_bytes(),
        NulPolicy::Reject,
        |n, s| {
            ids.push((n, s.session["id"].as_str().unwrap().to_owned()));
            Ok(())
        },
        |n, reason| refused.push((n, reason)),
    )
    .unwrap();
    assert_eq!(lines, 5);
    assert_eq!(ids, [(1, "a".to_owned()), (5, "c".to_owned())]);
    assert_eq!(refused.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 4]);
}
