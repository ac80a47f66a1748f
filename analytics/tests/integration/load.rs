//! Loading into a real PostgreSQL 15 with the extension: reloads add nothing, a session's
//! snapshots merge to the same stored session in every arrival order, broken lines are reported and skipped, TLS verify-full accepts the
//! right CA and refuses another, and a password never shows. scripts/test.sh starts the
//! cluster and sets FACESIGN_TEST_DSN (and the CA paths) before running these; without them
//! each is skipped with a line saying so.

use crate::common::{cluster_env, fresh_database, sql_i64};
use std::io::Write;

use facesign_analytics::connect::Target;
use facesign_analytics::generate::{generate, parse_date, Config, Profile};
use facesign_analytics::load::{load, LoadOptions, LoadSummary};

async fn load_file(dsn: &str, path: &std::path::Path) -> LoadSummary {
    let mut client = Target::resolve(Some(dsn)).unwrap().connect().await.unwrap();
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let options = LoadOptions::new("sessions", 700);
    load(&mut client, file, &options, |_| {}).await.unwrap()
}

fn corpus(sessions: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        seed: 3,
        sessions,
        users: sessions / 8,
        start_ms: parse_date("2026-09-01").unwrap(),
        days: 30,
        profile: Profile::default(),
    };
    generate(&config, dir.path(), 2, |_| {}).unwrap();
    dir
}

#[tokio::test]
async fn a_reload_adds_nothing() {
    let Some(dsn) = fresh_database("facesign_load_reload").await else { return };
    let dir = corpus(3_000);
    let file = dir.path().join("sessions.ndjson");
    let first = load_file(&dsn, &file).await;
    assert_eq!((first.lines, first.inserted, first.updated, first.rejected.len()), (3_000, 3_000, 0, 0));
    assert_eq!(sql_i64(&dsn, "SELECT count(*) FROM sessions").await, 3_000);
    let again = load_file(&dsn, &file).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3_000));
    assert_eq!(sql_i64(&dsn, "SELECT count(*) FROM sessions").await, 3_000);
    // The generated columns were filled by the extension.
    assert_eq!(
        sql_i64(
            &dsn,
            "SELECT count(*) FROM sessions WHERE created_at IS NULL OR client_reference_id IS NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_session_that_progressed_replaces_the_stored_one_never_the_reverse() {
    let Some(dsn) = fresh_database("facesign_load_progress").await else { return };
    let complete = r#"{"id":"progress-1","createdAt":1788000000000,"startedAt":1788000005000,"finishedAt":1788000100000,"status":"complete","settings":{"clientReferenceId":"u1"},"report":{"transcript":[{"id":"a","createdAt":1788000006000,"text":"Hi","isAvatar":true}],"nodeReports":[{"type":"recognition","nodeId":"r","createdAt":1788000050000,"outcome":"recognized"}]}}"#;
    let without_reports = r#"{"id":"progress-1","createdAt":1788000000000,"startedAt":1788000005000,"finishedAt":1788000100000,"status":"complete","settings":{"clientReferenceId":"u1"},"report":{"transcript":[{"id":"a","createdAt":1788000006000,"text":"Hi","isAvatar":true}],"nodeReports":[]}}"#;
    let in_progress = r#"{"id":"progress-1","createdAt":1788000000000,"startedAt":1788000005000,"status":"inProgress","settings":{"clientReferenceId":"u1"},"report":{"transcript":[],"nodeReports":[]}}"#;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &[&str]| {
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    };
    let status = || {
        sql_i64(&dsn, "SELECT count(*) FROM sessions WHERE status = 'complete' AND (facesign.session_summary(session)).node_reports = 1")
    };
    let s = load_file(&dsn, &write("a.ndjson", &[in_progress])).await;
    assert_eq!(s.inserted, 1);
    let s = load_file(&dsn, &write("b.ndjson", &[without_reports])).await;
    assert_eq!((s.inserted, s.updated), (0, 1), "inProgress -> complete");
    let s = load_file(&dsn, &write("c.ndjson", &[complete])).await;
    assert_eq!((s.inserted, s.updated), (0, 1), "the delayed node reports arrive");
    assert_eq!(status().await, 1);
    // Older snapshots arriving late change nothing; nor does a file holding all three.
    let s = load_file(&dsn, &write("d.ndjson", &[in_progress, without_reports])).await;
    assert_eq!((s.inserted, s.updated, s.unchanged), (0, 0, 1));
    let s = load_file(&dsn, &write("e.ndjson", &[complete, in_progress, without_reports])).await;
    assert_eq!((s.inserted, s.updated, s.unchanged), (0, 0, 1));
    assert_eq!(status().await, 1);
    assert_eq!(sql_i64(&dsn, "SELECT count(*) FROM sessions").await, 1);
}

/// The four snapshots of one session loaded one file at a time in each of the 24 arrival
/// orders (each order its own session id), then all four in one file: every stored session
/// ends complete with the delayed node reports *and* the video analysis, though no single
/// snapshot had both.
#[tokio::test]
async fn every_arrival_order_of_the_snapshots_stores_the_same_session() {
    let Some(dsn) = fresh_database("facesign_load_orders").await else { return };
    let snapshot = |status: &str, report: &str| {
        format!(
            r#"{{"id":"ID","createdAt":1788000000000,"status":"{status}","settings":{{"clientReferenceId":"u1"}},"report":{report}}}"#
        )
    };
    let phrase = r#"{"id":"a","createdAt":1788000006000,"text":"Hi","isAvatar":true}"#;
    let node_report =
        r#"{"type":"recognition","nodeId":"r","createdAt":1788000050000,"outcome":"recognized"}"#;
    let snapshots = [
        snapshot("created", r#"{"transcript":[],"lang":"en","nodeReports":[]}"#),
        snapshot("inProgress", &format!(r#"{{"transcript":[{phrase}],"lang":"de","nodeReports":[]}}"#)),
        snapshot(
            "complete",
            &format!(
                r#"{{"transcript":[{phrase}],"lang":"de","nodeReports":[{node_report}],"videoAIAnalysisStatus":"pending"}}"#
            ),
        ),
        snapshot(
            "complete",
            &format!(
                r#"{{"transcript":[{phrase}],"lang":"de","nodeReports":[],"videoAIAnalysisStatus":"succeeded","videoAIAnalysis":{{"faceAuthenticity":{{"evaluation":"normal"}}}}}}"#
            ),
        ),
    ];
    let mut orders: Vec<Vec<usize>> = vec![vec![]];
    for n in 0..snapshots.len() {
        orders = orders
            .into_iter()
            .flat_map(|o| {
                (0..=o.len()).map(move |at| {
                    let mut o = o.clone();
                    o.insert(at, n);
                    o
                })
            })
            .collect();
    }
    assert_eq!(orders.len(), 24);
    let dir = tempfile::tempdir().unwrap();
    let line =
        |order: usize, snapshot: usize| snapshots[snapshot].replace("\"ID\"", &format!("\"order-{order}\""));
    for step in 0..snapshots.len() {
        let path = dir.path().join(format!("step-{step}.ndjson"));
        let lines: Vec<String> = orders.iter().enumerate().map(|(k, o)| line(k, o[step])).collect();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        load_file(&dsn, &path).await;
    }
    // The same four snapshots of one more session, all in one file.
    let path = dir.path().join("all.ndjson");
    std::fs::write(&path, (0..4).rev().map(|i| line(99, i)).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    assert_eq!(load_file(&dsn, &path).await.inserted, 1);
    let expected = snapshot(
        "complete",
        &format!(
            r#"{{"transcript":[{phrase}],"lang":"de","nodeReports":[{node_report}],"videoAIAnalysisStatus":"succeeded","videoAIAnalysis":{{"faceAuthenticity":{{"evaluation":"normal"}}}}}}"#
        ),
    );
    let same = format!(
        "SELECT count(*) FROM sessions WHERE session - 'id' = '{}'::jsonb - 'id'",
        expected.replace('\'', "''")
    );
    assert_eq!(sql_i64(&dsn, &same).await, 25);
    assert_eq!(sql_i64(&dsn, "SELECT count(*) FROM sessions").await, 25);
}

#[tokio::test]
async fn broken_lines_are_reported_and_the_good_ones_loaded() {
    let Some(dsn) = fresh_database("facesign_load_broken").await else { return };
    let dir = corpus(400);
    let good = std::fs::read_to_string(dir.path().join("sessions.ndjson")).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines.insert(10, "this is not json".into());
    lines.insert(20, "{\"status\": \"complete\"}".into());
    lines.insert(30, "[1, 2, 3]".into());
    let truncated = lines[40][..lines[40].len() / 2].to_owned();
    lines.insert(40, truncated);
    lines.insert(50, r#"{"id":"bad-flow","status":"created","settings":{"flow":[{"id":"s","type":"start","outcome":"s"}]}}"#.into());
    let path = dir.path().join("mixed.ndjson");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "{}", lines.join("\n")).unwrap();
    drop(f);
    let s = load_file(&dsn, &path).await;
    let rejected: Vec<u64> = s.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(rejected, vec![11, 21, 31, 41, 51], "{:?}", s.rejected);
    assert!(s.rejected[0].1.starts_with("not JSON"));
    assert!(s.rejected[1].1.contains("id"));
    assert!(s.rejected[4].1.contains("flow"));
    assert_eq!(s.inserted, 400);
    assert_eq!(sql_i64(&dsn, "SELECT count(*) FROM sessions").await, 400);
}

fn tls_dsn(ca: &str) -> String {
    let port = std::env::var("PGPORT").expect("PGPORT: run through scripts/test.sh");
    format!("host=localhost port={port} user=postgres dbname=postgres sslmode=verify-full sslrootcert={ca}")
}

#[tokio::test]
async fn verify_full_accepts_the_right_ca_and_refuses_another() {
    let test = "verify_full_accepts_the_right_ca_and_refuses_another";
    let Some(ca) = cluster_env(test, "FACESIGN_TLS_CA") else { return };
    let wrong = cluster_env(test, "FACESIGN_TLS_WRONG_CA").expect("set beside FACESIGN_TLS_CA");
    let client =
        Target::resolve(Some(&tls_dsn(&ca))).unwrap().connect().await.expect("verify-full with the right CA");
    let ssl: bool = client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(ssl, "the connection is encrypted");
    let Err(err) = Target::resolve(Some(&tls_dsn(&wrong))).unwrap().connect().await else {
        panic!("connected although the CA did not sign the server's certificate");
    };
    let message = format!("{err:#}");
    assert!(message.contains("certificate") || message.contains("TLS"), "{message}");
    assert!(message.contains("verify-full") && message.contains("localhost"), "{message}");
}

#[tokio::test]
async fn a_password_never_appears_in_errors() {
    let dsn = "postgres://postgres:Sup3r-Secret-Pw@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2";
    let target = Target::resolve(Some(dsn)).unwrap();
    assert!(!target.describe().contains("Sup3r-Secret-Pw"));
    let Err(err) = target.connect().await else { panic!("connected to port 1") };
    let message = format!("{err:#} {err:?}");
    assert!(!message.contains("Sup3r-Secret-Pw"), "{message}");
    assert!(message.contains("127.0.0.1"), "{message}");
}

/// A generated corpus and its lines.
fn corpus_lines(sessions: u64) -> (tempfile::TempDir, Vec<String>) {
    let dir = corpus(sessions);
    let text = std::fs::read_to_string(dir.path().join("sessions.ndjson")).unwrap();
    let lines = text.lines().map(str::to_owned).collect();
    (dir, lines)
}

/// The command-line tool this package builds.
fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_facesign-analytics")).args(args).output().unwrap()
}

/// The line numbers a command's output names as refused.
fn refused_lines(output: &std::process::Output) -> Vec<u64> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("refused line ")?.split(':').next()?.parse().ok())
        .collect()
}

/// `n` characters a user's export might hold where an id belongs.
fn random_text(n: usize, seed: u64) -> String {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            char::from(b'!' + ((x >> 33) % 90) as u8)
        })
        .map(|c| if c == '"' || c == '\\' { 'q' } else { c })
        .collect()
}

/// 3 000 generated sessions with hostile lines spread among them, all in one batch: every good
/// session is stored, each bad line is named by its number (the same numbers from `load`,
/// `export --from-ndjson` and `score`), exit status 0, or 3 under --strict.
#[tokio::test]
async fn hostile_lines_are_named_and_every_good_session_is_stored() {
    let Some(dsn) = fresh_database("facesign_load_hostile").await else { return };
    let (dir, good) = corpus_lines(3_000);
    let with = |base: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(base).unwrap();
        edit(&mut v);
        v.to_string()
    };
    let base = r#"{"id":"hostile-ID","status":"complete","createdAt":1788000000000,"settings":{"clientReferenceId":"u-hostile"},"report":{"transcript":[{"id":"p","text":"hello"}],"nodeReports":[]}}"#;
    let mut cut = good[7].len() / 3;
    while !good[7].is_char_boundary(cut) {
        cut -= 1;
    }
    let bad: Vec<(Vec<u8>, &str)> = vec![
        (good[7].as_bytes()[..cut].to_vec(), "truncated JSON"),
        (b"\x89PNG\r\x1a\x00\xff\xfe binary garbage".to_vec(), "not UTF-8"),
        (b"[1, 2, 3]".to_vec(), "not a Session object"),
        (br#"{"status":"complete","settings":{"clientReferenceId":"u9"}}"#.to_vec(), "no string \"id\""),
        (base.replace("hostile-ID", "nul-1").replace("hello", "hel\\u0000lo").into_bytes(), "\\u0000"),
        (
            base.replace("hostile-ID", "nul-2").replace("\"p\"", "\"p\",\"k\\u0000\":1").into_bytes(),
            "\\u0000",
        ),
        (with(base, &|v| v["id"] = random_text(20_000, 1).into()).into_bytes(), "\"id\" is 20000 bytes"),
        (
            with(base, &|v| v["settings"]["clientReferenceId"] = random_text(20_000, 2).into()).into_bytes(),
            "clientReferenceId is 20000 bytes",
        ),
        (
            base.replace("hostile-ID", "surrogate").replace("hello", "\\ud800").into_bytes(),
            "lone UTF-16 surrogate",
        ),
        (base.replace("1788000000000", "1e400").into_bytes(), "64-bit float"),
        (
            base.replace("\"hello\"", &format!("{}1{}", "[".repeat(300), "]".repeat(300))).into_bytes(),
            "nested deeper than 128",
        ),
        (with(base, &|v| v["status"] = "s".repeat(3_000).into()).into_bytes(), "\"status\" is 3000 bytes"),
        (
            base.replace("hostile-ID", "bad-flow")
                .replace(
                    r#""clientReferenceId":"u-hostile""#,
                    r#""flow":[{"id":"s","type":"start","outcome":"s"}]"#,
                )
                .into_bytes(),
            "not a valid flow",
        ),
    ];
    // Spread among the good lines: bad line k goes after good line 200k + 13.
    let mut file = Vec::new();
    let mut expected: Vec<(u64, &str)> = Vec::new();
    let mut number = 0u64;
    for (i, line) in good.iter().enumerate() {
        file.extend_from_slice(line.as_bytes());
        file.push(b'\n');
        number += 1;
        if let Some((bytes, reason)) =
            (i >= 13 && (i - 13) % 200 == 0).then(|| bad.get((i - 13) / 200)).flatten()
        {
            file.extend_from_slice(bytes);
            file.push(b'\n');
            number += 1;
            expected.push((number, reason));
        }
    }
    assert_eq!(expected.len(), bad.len());
    let path = dir.path().join("hostile.ndjson");
    std::fs::write(&path, &file).unwrap();
    let input = path.to_str().unwrap();
    let numbers: Vec<u64> = expected.iter().map(|e| e.0).collect();

    // One batch holds them all.
    let loaded = cli(&["load", "--input", input, "--dsn", &dsn, "--batch", "5000"]);
    let stdout = String::from_utf8_lossy(&loaded.stdout);
    assert_eq!(loaded.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&loaded.stderr));
    assert!(
        stdout.contains(&format!(
            "{} lines: 3000 sessions loaded, 0 updated, 0 unchanged, {} rejected",
            number,
            bad.len()
        )),
        "{stdout}"
    );
    assert_eq!(refused_lines(&loaded), numbers, "{stdout}");
    for (line, reason) in &expected {
        let printed =
            stdout.lines().find(|l| l.trim().starts_with(&format!("refused line {line}:"))).unwrap();
        assert!(printed.contains(reason), "line {line} should say {reason:?}: {printed}");
        assert!(printed.len() < 400, "a reason never repeats the line: {printed}");
    }
    assert_eq!(sql_i64(&dsn, "SELECT count(*) FROM sessions").await, 3_000);

    // --strict: the same refusals, exit status 3; nothing stored twice.
    let strict = cli(&["load", "--input", input, "--dsn", &dsn, "--strict"]);
    assert_eq!(strict.status.code(), Some(3));
    assert_eq!(refused_lines(&strict), numbers);
    assert!(String::from_utf8_lossy(&strict.stdout).contains("0 sessions loaded, 0 updated, 3000 unchanged"));

    // --nul replace stores the two sessions holding \u0000, with U+FFFD in its place.
    let replaced = cli(&["load", "--input", input, "--dsn", &dsn, "--nul", "replace"]);
    assert_eq!(refused_lines(&replaced).len(), bad.len() - 2);
    assert_eq!(
        sql_i64(&dsn, "SELECT count(*) FROM sessions WHERE id IN ('nul-1', 'nul-2') AND session::text LIKE '%\u{FFFD}%'").await,
        2
    );

    // The same lines are named by the export from the file and by the scorer.
    let out = tempfile::tempdir().unwrap();
    let dataset = out.path().join("dataset");
    let exported = cli(&["export", "--from-ndjson", input, "--out", dataset.to_str().unwrap()]);
    assert_eq!(exported.status.code(), Some(0), "{}", String::from_utf8_lossy(&exported.stderr));
    assert_eq!(refused_lines(&exported), numbers);
    assert!(String::from_utf8_lossy(&exported.stdout)
        .contains(&format!("exported 3000 sessions ({} lines refused)", bad.len())));
    let scored = cli(&["score", "--input", input, "--out", out.path().join("results").to_str().unwrap()]);
    assert_eq!(scored.status.code(), Some(0), "{}", String::from_utf8_lossy(&scored.stderr));
    assert_eq!(refused_lines(&scored), numbers);
    // Under --strict the export and the scorer write nothing.
    let strict_out = out.path().join("strict");
    let strict_export =
        cli(&["export", "--from-ndjson", input, "--out", strict_out.to_str().unwrap(), "--strict"]);
    assert_eq!(strict_export.status.code(), Some(3));
    assert_eq!(refused_lines(&strict_export), numbers);
    assert!(!strict_out.join("_manifest.json").exists() && !strict_out.join("sessions").exists());
    let strict_score = cli(&["score", "--input", input, "--out", strict_out.to_str().unwrap(), "--strict"]);
    assert_eq!(strict_score.status.code(), Some(3));
    assert!(!strict_out.join("scores").exists());
}

/// A custom --table whose CHECK the loader knows nothing of: the batch PostgreSQL refuses is
/// retried in halves, so every other session is stored, on insert and on merge alike, and each
/// refused line is named with PostgreSQL's message (not the row, which its DETAIL repeats).
#[tokio::test]
async fn a_batch_refused_for_an_unforeseen_reason_still_stores_the_rest() {
    let Some(dsn) = fresh_database("facesign_load_unforeseen").await else { return };
    let client = Target::resolve(Some(&dsn)).unwrap().connect().await.unwrap();
    client
        .batch_execute(
            "CREATE EXTENSION facesign;
             CREATE TABLE custom (
                 session jsonb NOT NULL,
                 id text GENERATED ALWAYS AS (session ->> 'id') STORED UNIQUE,
                 CONSTRAINT no_canceled_sessions CHECK (session ->> 'status' IS DISTINCT FROM 'canceled'))",
        )
        .await
        .unwrap();
    let (dir, good) = corpus_lines(3_000);
    let status_of = |line: &str, status: &str| {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        v["status"] = status.into();
        v.to_string()
    };
    // Every 300th session is canceled: ten lines the table refuses, in one batch of 3 000.
    let canceled: Vec<u64> = (0..good.len()).filter(|i| i % 300 == 299).map(|i| i as u64 + 1).collect();
    let lines: Vec<String> = good
        .iter()
        .enumerate()
        .map(|(i, l)| if i % 300 == 299 { status_of(l, "canceled") } else { status_of(l, "inProgress") })
        .collect();
    let first = dir.path().join("first.ndjson");
    std::fs::write(&first, lines.join("\n") + "\n").unwrap();
    let load_into = |path: std::path::PathBuf| {
        let dsn = dsn.clone();
        async move {
            let mut client = Target::resolve(Some(&dsn)).unwrap().connect().await.unwrap();
            let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
            load(&mut client, file, &LoadOptions::new("custom", 5_000), |_| {}).await.unwrap()
        }
    };
    let s = load_into(first).await;
    assert_eq!(s.rejected.iter().map(|r| r.0).collect::<Vec<_>>(), canceled);
    assert_eq!((s.inserted, s.updated), (2_990, 0));
    let reason = &s.rejected[0].1;
    assert!(
        reason.starts_with("PostgreSQL refused it: new row for relation \"custom\" violates check constraint \"no_canceled_sessions\"")
            && reason.contains("SQLSTATE 23514"),
        "{reason}"
    );
    assert!(!reason.contains("Failing row"), "{reason}");
    assert_eq!(sql_i64(&dsn, "SELECT count(*) FROM custom").await, 2_990);

    // Merging into stored rows: ten of the stored sessions now arrive canceled (a status
    // further on), which the CHECK refuses on UPDATE; the other 2 980 complete.
    let second_lines: Vec<String> = good
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 300 != 299)
        .map(|(i, l)| if i % 300 == 7 { status_of(l, "canceled") } else { status_of(l, "complete") })
        .collect();
    let now_canceled: Vec<u64> = (0..second_lines.len())
        .filter(|k| second_lines[*k].contains("\"status\":\"canceled\""))
        .map(|k| k as u64 + 1)
        .collect();
    assert_eq!(now_canceled.len(), 10);
    let second = dir.path().join("second.ndjson");
    std::fs::write(&second, second_lines.join("\n") + "\n").unwrap();
    let s = load_into(second).await;
    assert_eq!(s.rejected.iter().map(|r| r.0).collect::<Vec<_>>(), now_canceled);
    assert_eq!((s.inserted, s.updated, s.unchanged), (0, 2_980, 0));
    assert_eq!(
        sql_i64(&dsn, "SELECT count(*) FROM custom WHERE session ->> 'status' = 'complete'").await,
        2_980
    );
    assert_eq!(
        sql_i64(&dsn, "SELECT count(*) FROM custom WHERE session ->> 'status' = 'inProgress'").await,
        10
    );
}
