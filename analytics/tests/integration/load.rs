//! Loading into a real PostgreSQL 15 with the extension: reloads add nothing, a session's
//! snapshots merge to the same stored session in every arrival order, broken lines are reported and skipped, TLS verify-full accepts the
//! right CA and refuses another, and a password never shows. scripts/test.sh starts the
//! cluster and sets FACESIGN_TEST_DSN (and the CA paths) before running these.

mod common;
use common::{fresh_database, sql_i64};
use std::io::Write;

use facesign_analytics::connect::Target;
use facesign_analytics::generate::{generate, parse_date, Config, Rates};
use facesign_analytics::load::{load, LoadOptions, LoadSummary};

async fn load_file(dsn: &str, path: &std::path::Path) -> LoadSummary {
    let mut client = Target::resolve(Some(dsn)).unwrap().connect().await.unwrap();
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let options = LoadOptions { table: "sessions".into(), batch: 700 };
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
        rates: Rates::default(),
    };
    generate(&config, dir.path(), 2, |_| {}).unwrap();
    dir
}

#[tokio::test]
async fn a_reload_adds_nothing() {
    let dsn = fresh_database("facesign_load_reload").await;
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
    let dsn = fresh_database("facesign_load_progress").await;
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
    let dsn = fresh_database("facesign_load_orders").await;
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
    let dsn = fresh_database("facesign_load_broken").await;
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
    let ca = std::env::var("FACESIGN_TLS_CA").expect("FACESIGN_TLS_CA: run through scripts/test.sh");
    let wrong = std::env::var("FACESIGN_TLS_WRONG_CA").expect("FACESIGN_TLS_WRONG_CA");
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
