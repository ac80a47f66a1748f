//! Every consumer of core's signal list (`core/src/report/risk_signals.rs`) agrees with it: the
//! composite type the installed extension declares, the `sessions/` Parquet schema, and the
//! scorer's columns. (The export's rows and their wire format are built from the list;
//! the export tests compare its rows from PostgreSQL with those read from NDJSON.)

use facesign_analytics::dataset::columns::SessionColumns;
use facesign_analytics::dataset::parquet::arrow_type;
use facesign_analytics::dataset::rows::SUMMARY_COLUMNS;
use facesign_analytics::score::table::columns;
use facesign_core::report::risk_signals::{SignalKind, SIGNALS};

use crate::common::fresh_database;

/// The name `format_type` gives each kind's SQL type.
fn catalog_type(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::Text => "text",
        SignalKind::Float => "double precision",
        SignalKind::Int => "integer",
        SignalKind::BigInt => "bigint",
        SignalKind::Bool => "boolean",
    }
}

#[tokio::test]
async fn the_composite_type_is_the_list() {
    let Some(dsn) = fresh_database("facesign_signal_list").await else { return };
    let client = facesign_analytics::connect::Target::resolve(Some(&dsn)).unwrap().connect().await.unwrap();
    client.batch_execute("CREATE EXTENSION facesign").await.unwrap();
    let rows = client
        .query(
            "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'facesign.risk_signals'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &[],
        )
        .await
        .unwrap();
    let declared: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let listed: Vec<(String, String)> =
        SIGNALS.iter().map(|s| (s.name.to_owned(), catalog_type(s.kind).to_owned())).collect();
    assert_eq!(declared, listed);
}

#[test]
fn the_parquet_schema_is_the_summary_then_the_list() {
    let schema = SessionColumns::schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names[..SUMMARY_COLUMNS.len()], SUMMARY_COLUMNS);
    for (i, signal) in SIGNALS.iter().enumerate() {
        let field = schema.field(SUMMARY_COLUMNS.len() + i);
        assert_eq!((field.name().as_str(), field.data_type()), (signal.column, &arrow_type(signal.kind)));
    }
    assert_eq!(schema.fields().len(), SUMMARY_COLUMNS.len() + SIGNALS.len());
}

#[test]
fn the_scorer_reads_the_signals_marked_scored() {
    let read = columns();
    for signal in &SIGNALS {
        assert_eq!(read.contains(&signal.column), signal.scored, "{}", signal.name);
    }
    // Each column it reads is one the export writes.
    let schema = SessionColumns::schema();
    for column in read {
        assert!(schema.field_with_name(column).is_ok(), "{column} is not in sessions/");
    }
}
