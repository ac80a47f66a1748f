//! The export from PostgreSQL: the extension's readers flatten the sessions inside the
//! database, four `COPY (SELECT …) TO STDOUT (FORMAT binary)` streams carry the rows, and one
//! read-only REPEATABLE READ transaction makes the four datasets one snapshot: a session
//! written during the export appears in the next run, never in half of this one.

use std::error::Error;

use anyhow::{Context, Result};
use futures_util::{pin_mut, TryStreamExt};
use tokio_postgres::binary_copy::BinaryCopyOutStream;
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::Client;

use crate::dataset::parquet::{partition_of, DEFAULT_PARTITION};

/// The partition folder of a `YYYY-MM-DD` day (or of no day).
fn partition_of_day(day: Option<String>) -> String {
    match day {
        Some(d) => format!("created_date={d}"),
        None => format!("created_date={DEFAULT_PARTITION}"),
    }
}
use super::redact::{Provided, Redaction};
use super::{ExportSummary, Run};
use crate::dataset::rows::{FlowEdgeRow, NodeOutcomeRow, PhraseRow, SessionRow, SignalCell, SUMMARY_COLUMNS};
use facesign_core::report::risk_signals::{SignalKind, SIGNALS};

/// A `timestamptz` as Unix epoch microseconds (PostgreSQL sends microseconds since 2000).
struct Micros(i64);

impl<'a> FromSql<'a> for Micros {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn Error + Sync + Send>> {
        let pg = i64::from_be_bytes(raw.try_into()?);
        Ok(Micros(pg + 946_684_800_000_000))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }
}

fn us(v: Option<Micros>) -> Option<i64> {
    v.map(|m| m.0)
}

/// The rows of a `COPY (SELECT …) TO STDOUT (FORMAT binary)`, typed as `types`.
async fn binary_rows(
    tx: &tokio_postgres::Transaction<'_>,
    query: &str,
    types: &[Type],
    what: &str,
) -> Result<BinaryCopyOutStream> {
    Ok(BinaryCopyOutStream::new(
        tx.copy_out(query).await.with_context(|| format!("exporting {what}"))?,
        types,
    ))
}

/// The binary COPY type of a kind of risk signal.
fn copy_type(kind: SignalKind) -> Type {
    match kind {
        SignalKind::Text => Type::TEXT,
        SignalKind::Float => Type::FLOAT8,
        SignalKind::Int => Type::INT4,
        SignalKind::BigInt => Type::INT8,
        SignalKind::Bool => Type::BOOL,
    }
}

/// `FROM <table> s` with the summary (`ss`) of each session, in the order both export paths use.
fn from(table: &str) -> String {
    format!("FROM {table} AS s CROSS JOIN LATERAL facesign.session_summary(s.session) AS ss")
}

/// What a run exports.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    /// Every session: the dataset is replaced.
    Full,
    /// The partitions (creation days) holding a session that changed since this time
    /// (`timestamptz` text); they are replaced, the others kept. Needs an `updated_at` column.
    ChangedSince(String),
}

/// How far before the last snapshot an incremental run looks, for writers whose transactions
/// began before that snapshot but committed after it.
const LATE_COMMIT_MARGIN: &str = "10 minutes";

pub async fn export(
    client: &mut Client,
    table: &str,
    out: &std::path::Path,
    scope: Scope,
    redaction: Option<Redaction>,
    mut progress: impl FnMut(u64),
) -> Result<ExportSummary> {
    let table = crate::sql_names::quote_table(table)?;
    let redacting = redaction.is_some();
    let mut run = Run::start(out, redaction)?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let snapshot: String = tx.query_one("SELECT now()::text", &[]).await?.get(0);
    let partitions: Option<Vec<String>> = match &scope {
        Scope::Full => None,
        Scope::ChangedSince(since) => {
            let rows = tx
                .query(
                    format!(
                        "SELECT DISTINCT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM {table} \
                         WHERE updated_at >= $1::text::timestamptz - interval '{LATE_COMMIT_MARGIN}'"
                    )
                    .as_str(),
                    &[since],
                )
                .await
                .with_context(|| {
                    format!("an incremental export needs {table} to have created_at and updated_at columns, as sql/sessions_table.sql does")
                })?;
            Some(rows.iter().map(|r| partition_of_day(r.get::<_, Option<String>>(0))).collect())
        }
    };
    // Only the sessions of the partitions being replaced.
    let filter = match &partitions {
        None => String::new(),
        Some(parts) => {
            let days: Vec<String> = parts
                .iter()
                .filter_map(|p| p.strip_prefix("created_date="))
                .filter(|d| d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
                .map(|d| format!("'{d}'"))
                .collect();
            let null_day = parts.iter().any(|p| p.ends_with(DEFAULT_PARTITION));
            format!(
                "WHERE (ss.created_at AT TIME ZONE 'UTC')::date IN ({}) {}",
                if days.is_empty() { "NULL".to_owned() } else { days.join(", ") },
                if null_day { "OR ss.created_at IS NULL" } else { "" }
            )
        }
    };
    let order = format!("{filter} ORDER BY ss.created_at, ss.id COLLATE \"C\"");

    // sessions/: the summary, then every risk signal of core's list.
    let signals: Vec<String> = SIGNALS.iter().map(|s| format!("r.{}", s.name)).collect();
    let query = format!(
        "COPY (SELECT ss.id, ss.status, ss.created_at, ss.started_at, ss.finished_at, ss.client_reference_id, ss.zone, \
         ss.lang, ss.flow_nodes, ss.node_reports, ss.transcript_turns, {} {} \
         CROSS JOIN LATERAL facesign.risk_signals(s.session) AS r {order}) \
         TO STDOUT (FORMAT binary)",
        signals.join(", "),
        from(&table)
    );
    let mut types = vec![
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
    ];
    types.extend([Type::INT4; 3]);
    debug_assert_eq!(types.len(), SUMMARY_COLUMNS.len());
    types.extend(SIGNALS.iter().map(|s| copy_type(s.kind)));
    let stream = binary_rows(&tx, &query, &types, "sessions").await?;
    pin_mut!(stream);
    let t0 = SUMMARY_COLUMNS.len();
    while let Some(row) = stream.try_next().await? {
        let created_at = us(row.get(2));
        let session = SessionRow {
            id: row.get(0),
            status: row.get(1),
            created_at,
            started_at: us(row.get(3)),
            finished_at: us(row.get(4)),
            client_reference_id: row.get(5),
            zone: row.get(6),
            lang: row.get(7),
            flow_nodes: row.get(8),
            node_reports: row.get(9),
            transcript_turns: row.get(10),
            signals: std::array::from_fn(|i| match SIGNALS[i].kind {
                SignalKind::Text => SignalCell::Text(row.get(t0 + i)),
                SignalKind::Float => SignalCell::Float(row.get(t0 + i)),
                SignalKind::Int => SignalCell::Int(row.get(t0 + i)),
                SignalKind::BigInt => SignalCell::BigInt(row.get(t0 + i)),
                SignalKind::Bool => SignalCell::Bool(row.get(t0 + i)),
            }),
        };
        run.push_session(&partition_of(created_at), session)?;
        if run.summary.sessions % 10_000 == 0 {
            progress(run.summary.sessions);
        }
    }
    progress(run.summary.sessions);

    // node_outcomes/
    let query = format!(
        "COPY (SELECT ss.id, ss.client_reference_id, n.ordinal, n.node_id, n.node_type, n.outcome, n.created_at, ss.created_at {} \
         CROSS JOIN LATERAL facesign.node_outcomes(s.session) AS n {order}, n.ordinal) \
         TO STDOUT (FORMAT binary)",
        from(&table)
    );
    let types = [
        Type::TEXT,
        Type::TEXT,
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
    ];
    let stream = binary_rows(&tx, &query, &types, "node outcomes").await?;
    pin_mut!(stream);
    while let Some(row) = stream.try_next().await? {
        let node = NodeOutcomeRow {
            session_id: row.get(0),
            client_reference_id: row.get(1),
            ordinal: row.get(2),
            node_id: row.get(3),
            node_type: row.get(4),
            outcome: row.get(5),
            created_at: us(row.get(6)),
        };
        run.push_node(&partition_of(us(row.get(7))), node)?;
    }

    // transcript/
    let query = format!(
        "COPY (SELECT ss.id, ss.client_reference_id, t.ordinal, t.speaker, t.text, t.created_at, ss.created_at, {} {} \
         CROSS JOIN LATERAL facesign.transcript(s.session) AS t {order}, t.ordinal) \
         TO STDOUT (FORMAT binary)",
        // What the session provided, read only when it is needed to redact the phrases.
        if redacting { "(s.session->'settings'->'providedData')::text" } else { "NULL::text" },
        from(&table)
    );
    let types = [
        Type::TEXT,
        Type::TEXT,
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
        Type::TEXT,
    ];
    let stream = binary_rows(&tx, &query, &types, "the transcript").await?;
    pin_mut!(stream);
    while let Some(row) = stream.try_next().await? {
        let phrase = PhraseRow {
            session_id: row.get(0),
            client_reference_id: row.get(1),
            ordinal: row.get(2),
            speaker: row.get(3),
            text: row.get(4),
            created_at: us(row.get(5)),
        };
        let provided: Option<String> = row.get(7);
        let provided = Provided::of(provided.and_then(|p| serde_json::from_str(&p).ok()).as_ref());
        run.push_phrase(&partition_of(us(row.get(6))), phrase, &provided)?;
    }
    // flow_edges/
    let query = format!(
        "COPY (SELECT ss.id, ss.client_reference_id, e.ordinal::int, e.source, e.outcome, e.target, ss.created_at {} \
         CROSS JOIN LATERAL facesign.flow_edges(s.session->'settings'->'flow') WITH ORDINALITY AS e(source, outcome, target, ordinal) \
         {order}, e.ordinal) TO STDOUT (FORMAT binary)",
        from(&table)
    );
    let types = [Type::TEXT, Type::TEXT, Type::INT4, Type::TEXT, Type::TEXT, Type::TEXT, Type::TIMESTAMPTZ];
    let stream = binary_rows(&tx, &query, &types, "flow edges").await?;
    pin_mut!(stream);
    while let Some(row) = stream.try_next().await? {
        let edge = FlowEdgeRow {
            session_id: row.get(0),
            client_reference_id: row.get(1),
            ordinal: row.get(2),
            source: row.get(3),
            outcome: row.get(4),
            target: row.get(5),
            created_at: us(row.get(6)),
        };
        run.push_edge(&partition_of(edge.created_at), edge)?;
    }
    tx.commit().await?;
    run.commit(&format!("postgresql:{table}"), Some(&snapshot), partitions.as_deref())
}
