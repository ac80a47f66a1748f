//! `facesign-analytics load`: NDJSON sessions into a PostgreSQL table over `COPY`, in batches,
//! each its own transaction. Idempotent and order-free: a session already stored is merged
//! with the incoming snapshot by `facesign.merge_session` (the library's `merge_session`
//! within a batch), so a rerun or an overlapping file adds no duplicate, a session never moves
//! backwards, and a field any snapshot carried (delayed node reports, video analysis) is kept,
//! whatever order the snapshots arrive in.

use std::io::BufRead;

use anyhow::{Context, Result};
use bytes::{BufMut, BytesMut};
use futures_util::SinkExt;
use tokio_postgres::Client;

use crate::erasures::Erasures;
use crate::ndjson::{self, NulPolicy};
use crate::sql_names::quote_table;

/// The reference schema, applied when loading into the default table.
const SESSIONS_TABLE_SQL: &str = include_str!("../../sql/sessions_table.sql");

#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadSummary {
    pub lines: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// (line number, reason), in line order: the lines we refused before sending them, and
    /// those PostgreSQL refused, with its message.
    pub rejected: Vec<(u64, String)>,
}

pub struct LoadOptions {
    /// Target table; `sessions` (the reference schema, created when missing) by default.
    pub table: String,
    pub batch: usize,
    /// What to do with strings holding `\u0000`.
    pub nul: NulPolicy,
    /// Sessions erased elsewhere (`--erasures FILE`), stored redacted like those the table's
    /// `erasures` names.
    pub erasures: Option<Erasures>,
}

impl LoadOptions {
    /// Into `table`, in batches of `batch`, refusing `\u0000`.
    pub fn new(table: &str, batch: usize) -> Self {
        LoadOptions { table: table.to_owned(), batch, nul: NulPolicy::Reject, erasures: None }
    }
}

/// A session ready to store: one line, or several lines holding snapshots of one session
/// (merged before they are sent).
pub struct Checked {
    /// The lines it came from.
    pub lines: Vec<u64>,
    pub id: String,
    /// The session object's JSON text (unwrapped from `{session, clientSecret}`).
    pub session: String,
    /// The key columns besides the id, read from the session.
    pub keys: Keys,
}

/// The reference schema's key columns besides `id`, as COPY text fields (`None`: NULL), read
/// by core's `session_summary`, the reader behind the table's CHECK.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keys {
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub client_reference_id: Option<String>,
    /// `createdAt` as read (epoch ms), for the erasures' retention horizons.
    pub created_at_ms: Option<f64>,
}

impl Keys {
    pub fn of(session: &serde_json::Value) -> Self {
        let summary = facesign_core::report::session_summary(session);
        Keys {
            status: summary.status.map(str::to_owned),
            created_at: facesign_core::export_rows::micros(summary.created_at_ms)
                .map(crate::calendar::timestamptz_text),
            client_reference_id: summary.client_reference_id.map(str::to_owned),
            created_at_ms: summary.created_at_ms,
        }
    }
}

/// A session read from a line ([`ndjson::LineReader::next_session`], which refuses what the
/// reference table would refuse, so one bad session does not fail a batch), ready to store.
fn checked(number: u64, text: &[u8], read: ndjson::SessionLine) -> Checked {
    let id = read.session["id"].as_str().unwrap_or_default().to_owned();
    let session = if read.text_is_session {
        // Checked to be UTF-8 by the reader.
        String::from_utf8_lossy(text).into_owned()
    } else {
        read.session.to_string()
    };
    Checked { lines: vec![number], id, session, keys: Keys::of(&read.session) }
}

/// Appends `text` as a COPY text-format field.
fn copy_field(buf: &mut BytesMut, text: &str) {
    for &b in text.as_bytes() {
        match b {
            b'\\' => buf.put_slice(b"\\\\"),
            b'\t' => buf.put_slice(b"\\t"),
            b'\n' => buf.put_slice(b"\\n"),
            b'\r' => buf.put_slice(b"\\r"),
            b => buf.put_u8(b),
        }
    }
}

/// The table sessions are stored in, as the loader writes it.
struct Target {
    /// Quoted for SQL.
    table: String,
    /// Whether the table has the reference schema's key columns as plain columns (id, status,
    /// created_at, client_reference_id), which the loader then writes from each document as
    /// core's `session_summary` reads them, the reading the table's CHECK compares them with.
    /// A partitioned table routes each row by its created_at, so it must be given.
    writes_keys: bool,
    /// Whether the database records erasures (the reference schema's `erasure_of`): a
    /// session it names is redacted before it is stored.
    honours_erasures: bool,
}

/// The key columns, in the order `facesign.session_summary` is unpacked into them.
const KEY_COLUMNS: [&str; 4] = ["id", "status", "created_at", "client_reference_id"];

/// Creates the reference table when loading into the default one, and finds how to write `table`.
async fn prepare(client: &Client, options: &LoadOptions) -> Result<Target> {
    if options.table == "sessions" {
        client
            .batch_execute("CREATE EXTENSION IF NOT EXISTS facesign")
            .await
            .context("the facesign extension is needed (install it on the server: scripts/demo.sh does)")?;
        client.batch_execute(SESSIONS_TABLE_SQL).await.context("creating the sessions table")?;
    }
    let table = quote_table(&options.table)?;
    let plain_keys: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0 \
             AND NOT attisdropped AND attgenerated = '' AND attname::text = ANY($2)",
            &[&table, &KEY_COLUMNS.as_slice()],
        )
        .await
        .with_context(|| format!("reading the columns of {table} (does the table exist?)"))?
        .get(0);
    let honours_erasures: bool = client
        .query_one("SELECT to_regprocedure('erasure_of(text, timestamptz)') IS NOT NULL", &[])
        .await?
        .get(0);
    Ok(Target { table, writes_keys: plain_keys == KEY_COLUMNS.len() as i64, honours_erasures })
}

/// Redacts, in place, the sessions of `batch` that were erased: named by the database's
/// erasures (with the time of their erasure) or by the `--erasures` file. A stored session
/// needs no help (merging into a redacted session redacts); a new one would otherwise be
/// stored whole.
async fn redact_erased(
    client: &Client,
    target: &Target,
    file: Option<&Erasures>,
    batch: &mut [Checked],
) -> Result<()> {
    let mut erased_at: std::collections::HashMap<String, Option<i64>> = std::collections::HashMap::new();
    if target.honours_erasures {
        let ids: Vec<&str> = batch.iter().map(|c| c.id.as_str()).collect();
        let times: Vec<Option<&str>> = batch.iter().map(|c| c.keys.created_at.as_deref()).collect();
        let rows = client
            .query(
                "SELECT u.id, (extract(epoch FROM e.at) * 1000)::bigint \
                 FROM unnest($1::text[], $2::text[]) AS u(id, created_at) \
                 CROSS JOIN LATERAL erasure_of(u.id, u.created_at::timestamptz) AS e(at) WHERE e.at IS NOT NULL",
                &[&ids, &times],
            )
            .await
            .context("reading the erasures")?;
        erased_at.extend(rows.into_iter().map(|r| (r.get::<_, String>(0), r.get::<_, Option<i64>>(1))));
    }
    for c in batch.iter_mut() {
        let from_file = file.is_some_and(|f| f.covers(&c.id, c.keys.created_at_ms));
        let at = match erased_at.get(&c.id) {
            Some(at) => *at,
            None if from_file => None,
            None => continue,
        };
        let session: serde_json::Value = serde_json::from_str(&c.session)?;
        let marker = facesign_core::redact::Marker { redacted_at_ms: at };
        c.session = facesign_core::redact::redacted_value(&session, marker).to_string();
    }
    Ok(())
}

/// Streams `rows` (already COPY-text encoded, one per line) into `COPY … FROM STDIN`.
async fn copy_rows(
    tx: &tokio_postgres::Transaction<'_>,
    statement: &str,
    rows: impl Iterator<Item = BytesMut>,
) -> std::result::Result<(), tokio_postgres::Error> {
    let sink = tx.copy_in(statement).await?;
    futures_util::pin_mut!(sink);
    let mut buf = BytesMut::with_capacity(1 << 20);
    for row in rows {
        buf.extend_from_slice(&row);
        if buf.len() > (1 << 20) {
            sink.send(buf.split().freeze()).await?;
        }
    }
    sink.send(buf.freeze()).await?;
    sink.finish().await?;
    Ok(())
}

/// Merges the snapshots of one session that share a batch, with the same rule the server
/// applies to stored sessions (so the batch's order does not matter either).
fn merge_duplicates(batch: &mut Vec<Checked>) -> Result<()> {
    batch.sort_by(|a, b| a.id.cmp(&b.id).then(a.lines.cmp(&b.lines)));
    let mut merged: Vec<Checked> = Vec::with_capacity(batch.len());
    for next in batch.drain(..) {
        match merged.last_mut() {
            Some(kept) if kept.id == next.id => {
                let a: serde_json::Value = serde_json::from_str(&kept.session)?;
                let b: serde_json::Value = serde_json::from_str(&next.session)?;
                let both = facesign_core::merge_session::merged_value(&a, &b)?;
                kept.keys = Keys::of(&both);
                kept.session = both.to_string();
                kept.lines.extend(next.lines);
            }
            _ => merged.push(next),
        }
    }
    *batch = merged;
    Ok(())
}

/// Stored sessions among `ids`, merged with their incoming snapshot (`$1` ids, `$2` texts)
/// where that changes them. One statement, so the merge reads the row it updates even when
/// another writer got there first.
fn merge_stored_sql(target: &Target) -> String {
    let table = &target.table;
    let set = if target.writes_keys {
        // The keys of the merged document, from one merge per row (a sub-SELECT on the row
        // being updated, so it is evaluated again on the newest version when another writer
        // updated the row first; functions in FROM, so each is called once, not once per
        // column it fills).
        "(session, id, status, created_at, client_reference_id) = \
         (SELECT m.merged, k.id, k.status, k.created_at, k.client_reference_id \
          FROM facesign.merge_session(t.session, i.session) AS m(merged) \
          CROSS JOIN LATERAL facesign.session_summary(m.merged) AS k)"
    } else {
        "session = facesign.merge_session(t.session, i.session)"
    };
    format!(
        "UPDATE {table} AS t SET {set} \
         FROM (SELECT id, session::jsonb AS session FROM unnest($1::text[], $2::text[]) AS u(id, session) OFFSET 0) AS i \
         WHERE t.id = i.id AND facesign.merge_session(t.session, i.session) IS DISTINCT FROM t.session"
    )
}

/// What storing a group of sessions did.
#[derive(Default)]
struct Stored {
    inserted: u64,
    updated: u64,
    unchanged: u64,
}

/// Stores `group` in one transaction: new sessions by COPY, stored ones merged.
async fn store_group(
    client: &mut Client,
    target: &Target,
    group: &[Checked],
) -> std::result::Result<Stored, tokio_postgres::Error> {
    let table = &target.table;
    let tx = client.transaction().await?;
    // Which of these sessions are stored already.
    let ids: Vec<&str> = group.iter().map(|c| c.id.as_str()).collect();
    let stored: std::collections::HashSet<String> = tx
        .query(format!("SELECT id FROM {table} WHERE id = ANY($1)").as_str(), &[&ids])
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let encode = |c: &Checked| {
        let mut row = BytesMut::with_capacity(c.session.len() + 128);
        copy_field(&mut row, &c.session);
        if target.writes_keys {
            let keys = [Some(c.id.as_str()), c.keys.status.as_deref(), c.keys.created_at.as_deref()];
            for field in keys.into_iter().chain([c.keys.client_reference_id.as_deref()]) {
                row.put_u8(b'\t');
                match field {
                    Some(text) => copy_field(&mut row, text),
                    None => row.put_slice(b"\\N"),
                }
            }
        }
        row.put_u8(b'\n');
        row
    };
    // New sessions go straight into the table: the key columns and the CHECK read each
    // document while it is still in memory, before PostgreSQL compresses it.
    let new: Vec<&Checked> = group.iter().filter(|c| !stored.contains(&c.id)).collect();
    if !new.is_empty() {
        // The key columns in KEY_COLUMNS' order, as `encode` writes them.
        let columns = if target.writes_keys {
            format!("session, {}", KEY_COLUMNS.join(", "))
        } else {
            "session".into()
        };
        copy_rows(&tx, &format!("COPY {table} ({columns}) FROM STDIN"), new.iter().map(|c| encode(c)))
            .await?;
    }
    // Stored sessions: merged with what arrived, rewritten only where that adds something.
    let (ids, sessions): (Vec<&str>, Vec<&str>) =
        group.iter().filter(|c| stored.contains(&c.id)).map(|c| (c.id.as_str(), c.session.as_str())).unzip();
    let updated = if ids.is_empty() {
        0
    } else {
        tx.execute(merge_stored_sql(target).as_str(), &[&ids, &sessions]).await?
    };
    tx.commit().await?;
    Ok(Stored { inserted: new.len() as u64, updated, unchanged: (group.len() - new.len()) as u64 - updated })
}

/// How many times a group is stored again after a serialization failure or deadlock.
const MAX_TRANSACTION_RETRIES: usize = 10;

/// True for a transaction PostgreSQL rolled back for concurrency's sake (SQLSTATE class 40:
/// serialization failure, deadlock), which succeeds when run again.
fn must_retry(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| db.code().code().starts_with("40"))
}

/// True for an error PostgreSQL raised about the data of some row (a data exception, an
/// integrity constraint, a limit such as the btree entry size, a trigger's RAISE, a function's
/// error): storing the other rows without it can succeed. Anything else (a lost connection, a
/// missing table or privilege, a syntax error) would fail every row alike and ends the load.
fn refused_by_a_row(e: &tokio_postgres::Error) -> Option<&tokio_postgres::error::DbError> {
    let db = e.as_db_error()?;
    let class = &db.code().code()[..2];
    matches!(class, "22" | "23" | "2F" | "38" | "39" | "54" | "P0").then_some(db)
}

/// PostgreSQL's own words for a refused session: its message, SQLSTATE and constraint. Not its
/// DETAIL, which for a CHECK repeats the whole row, personal data and all.
fn postgres_reason(db: &tokio_postgres::error::DbError) -> String {
    let mut reason = format!("PostgreSQL refused it: {} (SQLSTATE {}", db.message(), db.code().code());
    if let Some(constraint) = db.constraint() {
        reason.push_str(&format!(", constraint {constraint}"));
    }
    reason.push(')');
    reason
}

/// Stores a batch. When PostgreSQL refuses it for a row's sake, the batch is retried in halves
/// down to single sessions, so every storable session is stored and each refused one is named
/// with PostgreSQL's message (about 2·log2(batch) extra transactions per refused session).
async fn load_batch(
    client: &mut Client,
    target: &Target,
    erasures: Option<&Erasures>,
    batch: &mut Vec<Checked>,
    summary: &mut LoadSummary,
) -> Result<()> {
    merge_duplicates(batch)?;
    redact_erased(client, target, erasures, batch).await?;
    let mut pending: Vec<Vec<Checked>> = vec![std::mem::take(batch)];
    while let Some(group) = pending.pop() {
        let mut outcome = store_group(client, target, &group).await;
        // A serialization failure or deadlock (class 40) is the database asking for the
        // transaction again: through a postgres_fdw coordinator each shard runs at REPEATABLE
        // READ, so two writers of one session can collide.
        for _ in 0..MAX_TRANSACTION_RETRIES {
            if !outcome.as_ref().is_err_and(must_retry) {
                break;
            }
            outcome = store_group(client, target, &group).await;
        }
        if group.len() == 1 && outcome.as_ref().is_err_and(|e| refused_by_a_row(e).is_some()) {
            // Once more: another writer may have stored this session since we looked (a unique
            // violation); the second try merges into that row instead.
            outcome = store_group(client, target, &group).await;
        }
        match outcome {
            Ok(stored) => {
                summary.inserted += stored.inserted;
                summary.updated += stored.updated;
                summary.unchanged += stored.unchanged;
            }
            Err(e) => match refused_by_a_row(&e) {
                Some(db) if group.len() == 1 => {
                    let reason = postgres_reason(db);
                    for &line in &group[0].lines {
                        summary.rejected.push((line, reason.clone()));
                    }
                }
                Some(_) => {
                    let mut first = group;
                    let second = first.split_off(first.len() / 2);
                    pending.push(second);
                    pending.push(first);
                }
                None => return Err(e).with_context(|| format!("storing sessions in {}", target.table)),
            },
        }
    }
    Ok(())
}

/// Loads every line of `input`, calling `progress` with the lines read so far.
pub async fn load(
    client: &mut Client,
    input: impl BufRead,
    options: &LoadOptions,
    mut progress: impl FnMut(u64),
) -> Result<LoadSummary> {
    let target = prepare(client, options).await?;
    let mut summary = LoadSummary::default();
    let mut batch: Vec<Checked> = Vec::with_capacity(options.batch);
    let mut lines = ndjson::LineReader::new(input);
    while let Some(read) = lines.next_session(options.nul).context("reading the input")? {
        let number = read.number;
        match read.outcome {
            Ok(line) => batch.push(checked(number, read.text, line)),
            Err(reason) => summary.rejected.push((number, reason)),
        }
        if batch.len() >= options.batch {
            load_batch(client, &target, options.erasures.as_ref(), &mut batch, &mut summary).await?;
            batch.clear();
            progress(number);
        }
    }
    if !batch.is_empty() {
        load_batch(client, &target, options.erasures.as_ref(), &mut batch, &mut summary).await?;
    }
    // Blank lines at the end count too.
    summary.lines = lines.lines();
    progress(summary.lines);
    summary.rejected.sort();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line as the loader reads it.
    fn check_line(number: u64, line: &[u8], nul: NulPolicy) -> std::result::Result<Checked, String> {
        ndjson::session_of_line(line, nul).map(|read| checked(number, line, read))
    }

    #[test]
    fn lines_are_checked_and_unwrapped() {
        let check = |n: u64, line: &str| check_line(n, line.as_bytes(), NulPolicy::Reject);
        let ok = check(1, "{\"id\": \"abc\", \"status\": \"inProgress\"}").unwrap();
        assert_eq!(ok.id, "abc");
        let unwrapped = check(2, "{\"session\": {\"id\": \"abc\"}, \"clientSecret\": {}}").unwrap();
        assert_eq!(unwrapped.session, "{\"id\":\"abc\"}");
        assert!(check(3, "{\"id\": \"\"}").err().unwrap().contains("id"));
        assert!(check(4, "[1, 2]").err().unwrap().contains("Session"));
        assert!(check(5, "{\"id\": \"x\"").err().unwrap().starts_with("truncated JSON"));
        let loop_flow =
            r#"{"id": "x", "settings": {"flow": [{"id": "s", "type": "start", "outcome": "s"}]}}"#;
        assert!(check(6, loop_flow).err().unwrap().contains("flow"));
    }

    #[test]
    fn snapshots_sharing_a_batch_are_merged_in_any_order() {
        let lines = [
            r#"{"id":"a","status":"complete","report":{"transcript":[],"nodeReports":[{"type":"end"}]}}"#,
            r#"{"id":"b","status":"created"}"#,
            r#"{"id":"a","status":"inProgress","report":{"transcript":[{"id":"p"}]}}"#,
            r#"{"id":"a","status":"complete","report":{"transcript":[],"videoAIAnalysis":{}}}"#,
        ];
        let expected: serde_json::Value = serde_json::from_str(
            r#"{"id":"a","status":"complete","report":{"transcript":[{"id":"p"}],"nodeReports":[{"type":"end"}],"videoAIAnalysis":{}}}"#,
        )
        .unwrap();
        for rotation in 0..lines.len() {
            let mut batch: Vec<Checked> = (0..lines.len())
                .map(|i| (i + rotation) % lines.len())
                .map(|i| check_line(i as u64, lines[i].as_bytes(), NulPolicy::Reject).unwrap())
                .collect();
            merge_duplicates(&mut batch).unwrap();
            assert_eq!(batch.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
            assert_eq!(serde_json::from_str::<serde_json::Value>(&batch[0].session).unwrap(), expected);
        }
    }

    #[test]
    fn copy_escapes_backslashes_and_controls() {
        let mut buf = BytesMut::new();
        copy_field(&mut buf, "a\\\"b\tc\nd");
        assert_eq!(&buf[..], b"a\\\\\"b\\tc\\nd");
    }
}
