//! Export on a real PostgreSQL 15 (started by scripts/test.sh): every path (the extension's
//! reading, the documents read here, NDJSON; one job or several; a database without the
//! extension, also incrementally) writes the same files byte for byte, row counts and column
//! sums equal the SQL over the same sessions, a killed export leaves the dataset whole, and a
//! rerun after new sessions arrive has every session exactly once.

use crate::common::{fresh_database, sql_i64};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use facesign_analytics::connect::Target;
use facesign_analytics::export;
use facesign_analytics::export::db::Scope::{self, Full};
use facesign_analytics::export::db::{Options, Reading};
use facesign_analytics::export::redact::Redaction;
use facesign_analytics::generate::{generate, parse_date, Config, Profile};
use facesign_analytics::load::{load, LoadOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

pub(crate) fn corpus(dir: &Path, seed: u64, sessions: u64) -> std::path::PathBuf {
    let config = Config {
        seed,
        sessions,
        users: sessions / 8,
        start_ms: parse_date("2026-09-01").unwrap(),
        days: 20,
        profile: Profile::default(),
    };
    generate(&config, dir, 2, |_| {}).unwrap().sessions_path
}

pub(crate) async fn load_into(dsn: &str, file: &Path) {
    let mut client = Target::resolve(Some(dsn)).unwrap().connect().await.unwrap();
    let reader = std::io::BufReader::new(std::fs::File::open(file).unwrap());
    load(&mut client, reader, &LoadOptions::new("sessions", 1000), |_| {}).await.unwrap();
}

/// Every Parquet file of a dataset folder: (dataset/partition, checksum of its bytes).
pub(crate) fn files(root: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for dataset in export::DATASETS {
        let Ok(partitions) = std::fs::read_dir(root.join(dataset)) else { continue };
        for p in partitions {
            let p = p.unwrap().path();
            let in_folder: Vec<_> = if p.is_dir() {
                std::fs::read_dir(&p).unwrap().map(|f| f.unwrap().path()).collect()
            } else {
                vec![p.clone()] // flows/ has no partitions
            };
            for f in in_folder {
                let bytes = std::fs::read(&f).unwrap();
                let sum = bytes
                    .iter()
                    .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100_0000_01b3));
                let partition = if p.is_dir() {
                    p.file_name().unwrap().to_string_lossy().into_owned()
                } else {
                    String::new()
                };
                out.push((format!("{dataset}/{partition}"), sum));
            }
        }
    }
    out.sort();
    out
}

/// Every array of one column of a dataset, partition by partition, file by file, in order.
fn column<A: arrow_array::Array + Clone + 'static>(root: &Path, dataset: &str, name: &str) -> Vec<A> {
    let sorted = |dir: &Path| {
        let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        paths
    };
    let mut out = Vec::new();
    for partition in sorted(&root.join(dataset)) {
        // flows/ holds its file directly.
        let in_folder = if partition.is_dir() { sorted(&partition) } else { vec![partition] };
        for file in in_folder {
            let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file).unwrap())
                .unwrap()
                .build()
                .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                out.push(batch.column_by_name(name).unwrap().as_any().downcast_ref::<A>().unwrap().clone());
            }
        }
    }
    out
}

/// Every non-null string of one column of a dataset.
fn strings(root: &Path, dataset: &str, name: &str) -> Vec<String> {
    column::<arrow_array::StringArray>(root, dataset, name)
        .iter()
        .flat_map(|a| a.iter().flatten().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// Rows per dataset as the manifest records them, checked against the files on disk.
fn manifest_rows(root: &Path) -> BTreeMap<String, u64> {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("_manifest.json")).unwrap()).unwrap();
    assert!(manifest["pending"].is_null(), "no commit left half done");
    let mut rows = BTreeMap::new();
    for f in manifest["files"].as_array().unwrap() {
        let path = root.join(f["dataset"].as_str().unwrap()).join(f["path"].as_str().unwrap());
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap()).unwrap();
        let in_file = reader.metadata().file_metadata().num_rows() as u64;
        assert_eq!(in_file, f["rows"].as_u64().unwrap(), "{}", path.display());
        *rows.entry(f["dataset"].as_str().unwrap().to_owned()).or_default() += in_file;
    }
    let on_disk = files(root).len();
    assert_eq!(on_disk, manifest["files"].as_array().unwrap().len(), "every file on disk is in the manifest");
    rows
}

async fn sql_rows(dsn: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    m.insert("sessions".into(), sql_i64(dsn, "SELECT count(*) FROM sessions").await as u64);
    m.insert(
        "node_outcomes".into(),
        sql_i64(dsn, "SELECT count(*) FROM sessions s CROSS JOIN LATERAL facesign.node_outcomes(s.session)")
            .await as u64,
    );
    m.insert(
        "transcript".into(),
        sql_i64(dsn, "SELECT count(*) FROM sessions s CROSS JOIN LATERAL facesign.transcript(s.session)")
            .await as u64,
    );
    m.insert(
        "flows".into(),
        sql_i64(
            dsn,
            "SELECT count(*) FROM (SELECT DISTINCT ON (facesign.flow_fingerprint(session->'settings'->'flow')) session \
             FROM sessions) AS s CROSS JOIN LATERAL facesign.flow_edges(s.session->'settings'->'flow')",
        )
        .await as u64,
    );
    m
}

/// An export of `table` in the database of `dsn`.
pub(crate) async fn db_export(
    dsn: &str,
    table: &str,
    out: &Path,
    scope: Scope,
    options: Options,
) -> export::ExportSummary {
    let target = Target::resolve(Some(dsn)).unwrap();
    let client = target.connect().await.unwrap();
    export::db::export(&target, client, table, out, scope, options, |_| {}).await.unwrap()
}

pub(crate) fn jobs(jobs: usize, reading: Option<Reading>) -> Options {
    Options { jobs, reading, redaction: None }
}

#[tokio::test]
async fn database_and_ndjson_exports_write_the_same_files_and_match_sql() {
    let Some(dsn) = fresh_database("facesign_export_same").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let ndjson = corpus(dir.path(), 11, 2_400);
    load_into(&dsn, &ndjson).await;
    let (from_db, from_file) = (dir.path().join("db"), dir.path().join("file"));
    let a = db_export(&dsn, "sessions", &from_db, Full, jobs(2, None)).await;
    let b = export::ndjson::export(&ndjson, &from_file, None, None, Default::default(), |_| {}).unwrap();
    assert_eq!(
        (a.sessions, a.node_outcomes, a.transcript, a.flows, a.flow_edges),
        (b.sessions, b.node_outcomes, b.transcript, b.flows, b.flow_edges)
    );
    assert!(a.reading.contains("export_rows"), "{}", a.reading);
    assert!(a.flows >= 2 && a.flows < 50 && a.flow_edges > a.flows, "a few flows, each once: {a:?}");
    assert_eq!(files(&from_db), files(&from_file), "byte-identical files, partition by partition");
    // Every session's flow_id is the SQL function's fingerprint of its flow, and is in flows/.
    let flow_ids: std::collections::BTreeSet<String> =
        strings(&from_db, "flows", "flow_id").into_iter().collect();
    assert_eq!(flow_ids.len() as u64, a.flows);
    let mut by_sql = strings(&from_db, "sessions", "flow_id");
    assert!(by_sql.iter().all(|f| flow_ids.contains(f)));
    by_sql.sort();
    let client = Target::resolve(Some(&dsn)).unwrap().connect().await.unwrap();
    let from_sql: Vec<String> = client
        .query("SELECT facesign.flow_fingerprint(session->'settings'->'flow') FROM sessions ORDER BY 1", &[])
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.get(0))
        .collect();
    assert_eq!(by_sql, from_sql);
    assert_eq!(manifest_rows(&from_db), sql_rows(&dsn).await);
    // A column checksum: flow_nodes summed in the files and in SQL.
    let sum: i64 = column::<arrow_array::Int32Array>(&from_db, "sessions", "flow_nodes")
        .iter()
        .flat_map(|a| a.iter().flatten().map(i64::from).collect::<Vec<_>>())
        .sum();
    assert_eq!(
        sum,
        sql_i64(&dsn, "SELECT sum((facesign.session_summary(session)).flow_nodes)::bigint FROM sessions")
            .await
    );
}

#[tokio::test]
async fn a_killed_export_leaves_the_dataset_whole_and_the_next_run_has_every_session_once() {
    let Some(dsn) = fresh_database("facesign_export_kill").await else { return };
    let dir = tempfile::tempdir().unwrap();
    load_into(&dsn, &corpus(dir.path(), 12, 6_000)).await;
    let out = dir.path().join("dataset");
    let binary = env!("CARGO_BIN_EXE_facesign-analytics");
    let export = || {
        Command::new(binary)
            .args(["export", "--out", out.to_str().unwrap(), "--dsn", &dsn])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut complete_runs = 0;
    for delay_ms in [30, 120, 250, 400, 700] {
        let mut child = export();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        complete_runs += status.success() as u32;
        // Whatever the moment: nothing, one whole snapshot, or a commit the next run finishes.
        let manifest: Option<Value> = std::fs::read_to_string(out.join("_manifest.json"))
            .ok()
            .map(|t| serde_json::from_str(&t).unwrap());
        if manifest.is_some_and(|m| m["pending"].is_null()) {
            let rows = manifest_rows(&out);
            if !rows.is_empty() {
                assert_eq!(rows, sql_rows(&dsn).await, "after a kill at {delay_ms} ms");
            }
        }
    }
    // New sessions arrive; the next export has every session once, old and new.
    load_into(&dsn, &corpus(&dir.path().join("more"), 13, 800)).await;
    assert!(export().wait().unwrap().success());
    assert_eq!(manifest_rows(&out), sql_rows(&dsn).await);
    assert_eq!(sql_rows(&dsn).await["sessions"], 6_800);
    let _ = complete_runs;
}

/// Every transcript text in a dataset.
fn transcript_texts(root: &Path) -> Vec<String> {
    strings(root, "transcript", "text")
}

#[tokio::test]
async fn redacted_exports_carry_no_provided_name_and_agree_between_paths() {
    let Some(dsn) = fresh_database("facesign_export_redact").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let ndjson = corpus(dir.path(), 14, 1_200);
    load_into(&dsn, &ndjson).await;
    let names: std::collections::BTreeSet<String> = std::fs::read_to_string(&ndjson)
        .unwrap()
        .lines()
        .filter_map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["settings"]["providedData"]["name"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert!(!names.is_empty());
    let plain = dir.path().join("plain");
    export::ndjson::export(&ndjson, &plain, None, None, Default::default(), |_| {}).unwrap();
    assert!(
        transcript_texts(&plain).iter().any(|t| names.iter().any(|n| t.contains(n.as_str()))),
        "the corpus says names"
    );
    let salt = || Some(Redaction::Hash { salt: "test-salt".into() });
    let (from_db, from_file) = (dir.path().join("db"), dir.path().join("file"));
    db_export(&dsn, "sessions", &from_db, Full, Options { jobs: 2, reading: None, redaction: salt() }).await;
    export::ndjson::export(&ndjson, &from_file, salt(), None, Default::default(), |_| {}).unwrap();
    assert_eq!(files(&from_db), files(&from_file));
    let texts = transcript_texts(&from_db);
    for t in &texts {
        assert!(!names.iter().any(|n| t.contains(n.as_str())), "a name survived: {t}");
    }
    assert!(texts.iter().any(|t| t.contains("[name:")), "names became tokens");
    let dropped = dir.path().join("dropped");
    export::ndjson::export(&ndjson, &dropped, Some(Redaction::Drop), None, Default::default(), |_| {})
        .unwrap();
    assert!(transcript_texts(&dropped).iter().any(|t| t.contains("[name]")));
}

#[tokio::test]
async fn an_incremental_export_replaces_only_the_days_that_changed() {
    let Some(dsn) = fresh_database("facesign_export_incremental").await else { return };
    let dir = tempfile::tempdir().unwrap();
    load_into(&dsn, &corpus(dir.path(), 15, 2_000)).await;
    let out = dir.path().join("dataset");
    let binary = env!("CARGO_BIN_EXE_facesign-analytics");
    let run = |args: &[&str]| {
        let status = Command::new(binary)
            .args(["export", "--out", out.to_str().unwrap(), "--dsn", &dsn])
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    };
    run(&["--incremental"]); // the first incremental run exports everything
    assert_eq!(manifest_rows(&out), sql_rows(&dsn).await);
    let before = files(&out);
    // One session progresses (a node report arrives); its day must be re-exported, no other.
    let client = Target::resolve(Some(&dsn)).unwrap().connect().await.unwrap();
    let day: String = client
        .query_one(
            "UPDATE sessions SET session = jsonb_set(session, '{report,nodeReports}', \
             (session->'report'->'nodeReports') || '[{\"type\": \"conversation\", \"nodeId\": \"late\", \"outcome\": \"x\"}]') \
             WHERE id = (SELECT id FROM sessions WHERE status = 'complete' ORDER BY id LIMIT 1) \
             RETURNING to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    run(&["--incremental"]);
    assert_eq!(manifest_rows(&out), sql_rows(&dsn).await, "every session once after the update");
    let after = files(&out);
    let changed_day = format!("created_date={day}");
    for (path, sum) in &before {
        if !path.ends_with(&changed_day) {
            assert!(
                after.contains(&(path.clone(), *sum)),
                "{path} was rewritten although nothing in it changed"
            );
        }
    }
    assert!(!after
        .iter()
        .any(|a| before.contains(a) && a.0.ends_with(&changed_day) && a.0.starts_with("node_outcomes")));
    // Nothing changed: nothing rewritten.
    run(&["--incremental"]);
    assert_eq!(files(&out), after);
    assert_eq!(manifest_rows(&out), sql_rows(&dsn).await);
}

#[test]
fn sessions_created_in_the_same_instant_are_written_in_id_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("same-time.ndjson");
    let line = |id: &str, t: i64| {
        format!(r#"{{"id":"{id}","createdAt":{t},"status":"created","report":{{"transcript":[]}}}}"#)
    };
    std::fs::write(
        &file,
        [
            line("c", 1_790_000_000_000),
            line("a", 1_790_000_000_000),
            line("z", 1_780_000_000_000),
            line("b", 1_790_000_000_000),
        ]
        .join("\n"),
    )
    .unwrap();
    let out = dir.path().join("dataset");
    export::ndjson::export(&file, &out, None, None, Default::default(), |_| {}).unwrap();
    let ids = strings(&out, "sessions", "session_id");
    assert_eq!(ids, ["z", "a", "b", "c"]);
}

#[tokio::test]
async fn jobs_and_readings_write_the_same_files() {
    let Some(dsn) = fresh_database("facesign_export_jobs").await else { return };
    let dir = tempfile::tempdir().unwrap();
    load_into(&dsn, &corpus(dir.path(), 16, 3_000)).await;
    let one = dir.path().join("one");
    db_export(&dsn, "sessions", &one, Full, jobs(1, Some(Reading::Extension))).await;
    let expected = files(&one);
    assert!(expected.iter().filter(|f| f.0.starts_with("sessions/")).count() >= 20, "a partition per day");
    for (n, reading) in
        [(2, Reading::Extension), (3, Reading::Extension), (1, Reading::Documents), (2, Reading::Documents)]
    {
        let out = dir.path().join(format!("{n}-{reading:?}"));
        let summary = db_export(&dsn, "sessions", &out, Full, jobs(n, Some(reading))).await;
        assert!(
            summary.reading.ends_with(&format!("{n} job{}", if n == 1 { "" } else { "s" })),
            "{}",
            summary.reading
        );
        assert_eq!(files(&out), expected, "{n} jobs, {reading:?}");
    }
}

/// Copies the sessions of `from` into a new `table` of `to`: (session, id, created_at, and a
/// fresh updated_at) when `key_columns`, else the documents alone.
async fn copy_sessions(from: &str, to: &str, table: &str, key_columns: bool) {
    let source = Target::resolve(Some(from)).unwrap().connect().await.unwrap();
    let target = Target::resolve(Some(to)).unwrap().connect().await.unwrap();
    let columns = if key_columns { "session, id, created_at" } else { "session" };
    let select = if key_columns { "session::text, id, created_at" } else { "session::text" };
    let ddl = if key_columns {
        format!(
            "CREATE TABLE {table} (session jsonb NOT NULL, id text PRIMARY KEY, created_at timestamptz, \
                 updated_at timestamptz NOT NULL DEFAULT clock_timestamp()); \
                 CREATE INDEX ON {table} (created_at, id COLLATE \"C\")"
        )
    } else {
        format!("CREATE TABLE {table} (session jsonb NOT NULL)")
    };
    target.batch_execute(&ddl).await.unwrap();
    let rows = source.query(&format!("SELECT {select} FROM sessions"), &[]).await.unwrap();
    let insert = format!(
        "INSERT INTO {table} ({columns}) SELECT * FROM unnest({})",
        if key_columns {
            "$1::text[]::jsonb[], $2::text[], $3::timestamptz[]"
        } else {
            "$1::text[]::jsonb[]"
        }
    );
    let docs: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    if key_columns {
        let ids: Vec<String> = rows.iter().map(|r| r.get(1)).collect();
        let times: Vec<Option<std::time::SystemTime>> = rows.iter().map(|r| r.get(2)).collect();
        target.execute(insert.as_str(), &[&docs, &ids, &times]).await.unwrap();
    } else {
        target.execute(insert.as_str(), &[&docs]).await.unwrap();
    }
}

#[tokio::test]
async fn a_database_without_the_extension_exports_the_same_dataset_also_incrementally() {
    let Some(with) = fresh_database("facesign_export_with_ext").await else { return };
    let Some(without) = fresh_database("facesign_export_without_ext").await else { return };
    let dir = tempfile::tempdir().unwrap();
    load_into(&with, &corpus(dir.path(), 17, 2_000)).await;
    copy_sessions(&with, &without, "sessions", true).await;
    copy_sessions(&with, &without, "documents_only", false).await;
    assert_eq!(sql_i64(&without, "SELECT count(*) FROM pg_extension WHERE extname = 'facesign'").await, 0);
    let reference = dir.path().join("reference");
    db_export(&with, "sessions", &reference, Full, jobs(2, None)).await;
    for table in ["sessions", "documents_only"] {
        let out = dir.path().join(table);
        let summary = db_export(&without, table, &out, Full, jobs(2, None)).await;
        assert!(summary.reading.starts_with("documents flattened here"), "{}", summary.reading);
        assert_eq!(files(&out), files(&reference), "{table}: the same files as with the extension");
    }
    // Asked for the extension's reading where there is none: a message that says what to do.
    let target = Target::resolve(Some(&without)).unwrap();
    let err = export::db::export(
        &target,
        target.connect().await.unwrap(),
        "sessions",
        &dir.path().join("x"),
        Full,
        jobs(1, Some(Reading::Extension)),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(format!("{err:#}").contains("--read documents"), "{err:#}");

    // Incrementally: the same change in both databases, then each dataset brought up to date.
    let incremental = dir.path().join("incremental");
    let since = "2000-01-01 00:00+00".to_owned();
    db_export(&without, "sessions", &incremental, Scope::ChangedSince(since), jobs(2, None)).await;
    let change = "UPDATE sessions SET session = jsonb_set(session, '{report,nodeReports}', \
        (session->'report'->'nodeReports') || '[{\"type\": \"conversation\", \"nodeId\": \"late\", \"outcome\": \"x\"}]') \
        , updated_at = clock_timestamp() \
        WHERE id = (SELECT id FROM sessions WHERE session->>'status' = 'complete' ORDER BY id LIMIT 1)";
    for dsn in [&with, &without] {
        Target::resolve(Some(dsn)).unwrap().connect().await.unwrap().batch_execute(change).await.unwrap();
    }
    let last = export::last_snapshot(&incremental).unwrap().unwrap();
    // (Sessions written within ten minutes of the last snapshot count as changed too: all, here.)
    db_export(&without, "sessions", &incremental, Scope::ChangedSince(last), jobs(2, None)).await;
    db_export(&with, "sessions", &reference, Full, jobs(1, None)).await;
    assert_eq!(files(&incremental), files(&reference), "the incremental dataset is the full one");
}
