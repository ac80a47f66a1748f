//! The reference schema partitioned by month (sql/sessions_partitioned.sql) on a real
//! PostgreSQL 15: the loader stores a corpus across its months (and the default partition),
//! a reload merges instead of duplicating, and the export, full and incremental, writes the
//! same files byte for byte as from the single table holding the same sessions.

use crate::common::{fresh_database, sql_i64};
use crate::export::{corpus, db_export, files, jobs, load_into};
use facesign_analytics::connect::Target;
use facesign_analytics::export;
use facesign_analytics::export::db::Scope::{ChangedSince, Full};

/// sql/sessions_partitioned.sql as psql runs it: its own statements, then the file it
/// includes (`\ir sessions_table.sql`).
async fn apply_partitioned_schema(dsn: &str) {
    let own = include_str!("../../../sql/sessions_partitioned.sql");
    let own: String = own.lines().filter(|l| !l.starts_with('\\')).collect::<Vec<_>>().join("\n");
    assert!(include_str!("../../../sql/sessions_partitioned.sql").contains("\\ir sessions_table.sql"));
    let client = Target::resolve(Some(dsn)).unwrap().connect().await.unwrap();
    client.batch_execute("CREATE EXTENSION facesign").await.unwrap();
    client.batch_execute(&own).await.unwrap();
    client.batch_execute(include_str!("../../../sql/sessions_table.sql")).await.unwrap();
}

#[tokio::test]
async fn the_loader_and_the_export_work_on_the_partitioned_table() {
    let Some(partitioned) = fresh_database("facesign_partitioned_load").await else { return };
    let Some(single) = fresh_database("facesign_partitioned_reference").await else { return };
    let dir = tempfile::tempdir().unwrap();
    apply_partitioned_schema(&partitioned).await;
    // The corpus spans 20 days from 2026-09-01: September gets its month; the sessions of
    // any other month wait in sessions_default.
    let client = Target::resolve(Some(&partitioned)).unwrap().connect().await.unwrap();
    client.batch_execute("SELECT sessions_create_month('2026-09-01')").await.unwrap();
    let ndjson = corpus(dir.path(), 23, 1_500);
    load_into(&partitioned, &ndjson).await;
    load_into(&single, &ndjson).await;
    let count = "SELECT count(*) FROM sessions";
    assert_eq!(sql_i64(&partitioned, count).await, sql_i64(&single, count).await);
    assert!(sql_i64(&partitioned, "SELECT count(*) FROM sessions_p2026_09").await > 1_000);
    // Loaded again: merged into the stored sessions, none twice.
    load_into(&partitioned, &ndjson).await;
    assert_eq!(sql_i64(&partitioned, "SELECT count(*) - count(DISTINCT id) FROM sessions").await, 0);
    assert_eq!(sql_i64(&partitioned, count).await, sql_i64(&single, count).await);
    // A month made after the load takes its sessions out of the default partition.
    let stray = sql_i64(&partitioned, "SELECT count(*) FROM sessions_default").await;
    client
        .batch_execute("SELECT sessions_create_month('2026-10-01'), sessions_create_month('2026-08-01')")
        .await
        .unwrap();
    assert_eq!(sql_i64(&partitioned, "SELECT count(*) FROM sessions_default").await, 0, "{stray} moved");

    let (from_partitioned, from_single) = (dir.path().join("partitioned"), dir.path().join("single"));
    let summary = db_export(&partitioned, "sessions", &from_partitioned, Full, jobs(2, None)).await;
    db_export(&single, "sessions", &from_single, Full, jobs(2, None)).await;
    assert_eq!(summary.sessions as i64, sql_i64(&single, count).await);
    assert_eq!(files(&from_partitioned), files(&from_single), "the same files as from the single table");

    // The same late node report arrives in both; each dataset brought up to date incrementally.
    let late = "SELECT upsert_session(jsonb_set(session, '{report,nodeReports}', \
        (session->'report'->'nodeReports') || '[{\"type\": \"conversation\", \"nodeId\": \"late\", \"outcome\": \"x\"}]')) \
        FROM sessions WHERE id = (SELECT id FROM sessions WHERE status = 'complete' ORDER BY id LIMIT 1)";
    let incremental = dir.path().join("incremental");
    db_export(
        &partitioned,
        "sessions",
        &incremental,
        ChangedSince("2000-01-01 00:00+00".into()),
        jobs(2, None),
    )
    .await;
    for dsn in [&partitioned, &single] {
        Target::resolve(Some(dsn)).unwrap().connect().await.unwrap().batch_execute(late).await.unwrap();
    }
    let last = export::last_snapshot(&incremental).unwrap().unwrap();
    db_export(&partitioned, "sessions", &incremental, ChangedSince(last), jobs(2, None)).await;
    db_export(&single, "sessions", &from_single, Full, jobs(1, None)).await;
    assert_eq!(files(&incremental), files(&from_single), "the incremental dataset is the full one");
}
