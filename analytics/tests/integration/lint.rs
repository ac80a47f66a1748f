//! `facesign-analytics lint` on files: the rows the SQL functions give, one line each, and an
//! exit status a customer's CI can act on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn lint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_facesign-analytics")).arg("lint").args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn lint_prints_the_rows_and_fails_only_on_errors() {
    let english = repo("tests/flows/seed-english-recognition-liveness.json");
    let english = english.to_str().unwrap();
    // The concepts page's flow: warnings only, so it passes, unless warnings are denied.
    let out = lint(&[english]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let codes: Vec<&str> = text.lines().map(|l| l.split(' ').nth(2).unwrap()).collect();
    assert_eq!(
        codes,
        [
            "inconclusive_defaulted",
            "failure_joins_success",
            "failure_joins_success",
            "inconclusive_defaulted",
            "failure_joins_success",
            "failure_joins_success"
        ]
    );
    assert!(
        text.lines().nth(2).unwrap().starts_with(&format!(
            "{english}:/3/outcomes/deepfakeDetected: warning failure_joins_success [liveness_known] The liveness_detection"
        )),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 document in 1 file: 0 errors, 6 warnings"));
    assert_eq!(lint(&["--deny-warnings", english]).status.code(), Some(1));

    let dir = tempfile::tempdir().unwrap();
    // An error: exit status 1, the row in JSON when asked.
    let broken = write(dir.path(), "broken.json", r#"[{"id": "start", "type": "start", "outcome": "end"}]"#);
    let out = lint(&["--json", &broken]);
    assert_eq!(out.status.code(), Some(1));
    let row: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(row["code"], "missing_end");
    assert_eq!(row["severity"], "error");
    assert_eq!(row["path"], "");
    // A session (here a create-session request body) brings the settings rules.
    let request = format!(
        r#"{{"flow": {}, "langs": ["en", "it"], "defaultLang": "en"}}"#,
        std::fs::read_to_string(english).unwrap()
    );
    let request = write(dir.path(), "request.json", &request);
    let text = stdout(&lint(&[&request]));
    assert_eq!(text.lines().filter(|l| l.contains(" literal_prompt_multilingual ")).count(), 5, "{text}");
    assert!(text.contains(":/flow/1/prompt: warning literal_prompt_multilingual [greeting]"), "{text}");
    // NDJSON: one session a line, named by line number.
    let lines = write(
        dir.path(),
        "sessions.ndjson",
        "{\"id\": \"a\", \"settings\": {\"flow\": []}}\n\n{\"id\": \"b\"}\n",
    );
    let out = lint(&[&lines]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("sessions.ndjson:1:/settings/flow: error empty_flow"), "{text}");
    assert!(text.contains("sessions.ndjson:3: error missing_field"), "{text}");
    // A file that cannot be read: exit status 2, after linting the others.
    let not_json = write(dir.path(), "notes.json", "flow: yes");
    let out = lint(&[english, &not_json, "/nonexistent/flow.json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("notes.json: cannot be linted: not JSON"), "{stderr}");
    assert!(stderr.contains("2 files could not be read"), "{stderr}");
    assert_eq!(stdout(&out).lines().count(), 6);
}

/// The generator's flows: no errors, and only the warnings we defend (listed in docs/sql.md).
#[test]
fn the_flow_library_lints_clean() {
    let files: Vec<String> = ["account-recovery", "kyc-document-face-compare", "step-up-two-factor"]
        .iter()
        .map(|f| repo(&format!("analytics/data/flows/{f}.json")).to_str().unwrap().to_owned())
        .collect();
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let out = lint(&args);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "", "the flow library's own flows have no findings");
}
