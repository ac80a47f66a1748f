//! `facesign-analytics load`: NDJSON sessions into a PostgreSQL table over `COPY`, in batches,
//! each its own transaction. Idempotent and order-free: a session already stored is merged
//! with the incoming snapshot by `facesign.merge_session` (the library's `merge_session`
//! within a batch), so a rerun or an overlapping file adds no duplicate, a session never moves
//! backwards, and a field any snapshot carried (delayed node reports, video analysis) is kept,
//! whatever order the snapshots arrive in.

use std::io::BufRead;

use anyhow::{bail, Context, Result};
use bytes::{BufMut, BytesMut};
use futures_util::SinkExt;
use tokio_postgres::Client;

/// The reference schema, applied when loading into the default table.
const SESSIONS_TABLE_SQL: &str = include_str!("../../sql/sessions_table.sql");

#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadSummary {
    pub lines: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// (line number, reason)
    pub rejected: Vec<(u64, String)>,
}

pub struct LoadOptions {
    /// Target table; `sessions` (the reference schema, created when missing) by default.
    pub table: String,
    pub batch: usize,
}

/// A line ready to load.
pub struct Checked {
    pub line: u64,
    pub id: String,
    /// The session object's JSON text (unwrapped from `{session, clientSecret}`).
    pub session: String,
}

/// Quotes an identifier, allowing `schema.table`.
pub fn quote_table(name: &str) -> Result<String> {
    if name.is_empty() || name.split('.').count() > 2 {
        bail!("--table must be a table name, optionally schema-qualified, not {name:?}");
    }
    Ok(name.split('.').map(|p| format!("\"{}\"", p.replace('"', "\"\""))).collect::<Vec<_>>().join("."))
}

/// The session on a line, or why it cannot be loaded. Checks what the reference table's
/// CHECK would refuse (an invalid array flow) here, with the library's validator, so one bad
/// session does not fail its whole batch.
fn check_line(number: u64, line: &str) -> std::result::Result<Checked, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    // A GET /sessions/{id} response wraps the session.
    let wrapped = matches!(value.get("session"), Some(inner) if inner.is_object());
    let session = if wrapped { &value["session"] } else { &value };
    if !session.is_object() {
        return Err("not a Session object".into());
    }
    let Some(id) = session.get("id").and_then(|id| id.as_str()).filter(|id| !id.is_empty()) else {
        return Err("the session has no string \"id\"".into());
    };
    if let Some(flow) = session.pointer("/settings/flow").filter(|f| f.is_array()) {
        if !facesign_core::flow::flow_is_valid(flow) {
            return Err("its flow is not valid (facesign.validate_flow says why)".into());
        }
    }
    Ok(Checked {
        line: number,
        id: id.to_owned(),
        session: if wrapped { session.to_string() } else { line.to_owned() },
    })
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

/// Creates the reference table (and the extension) when loading into the default table.
pub async fn prepare(client: &Client, options: &LoadOptions) -> Result<()> {
    if options.table == "sessions" {
        client
            .batch_execute("CREATE EXTENSION IF NOT EXISTS facesign")
            .await
            .context("the facesign extension is needed (install it on the server: scripts/demo.sh does)")?;
        client.batch_execute(SESSIONS_TABLE_SQL).await.context("creating the sessions table")?;
    }
    Ok(())
}

/// Streams `rows` (already COPY-text encoded, one per line) into `COPY … FROM STDIN`.
async fn copy_rows(
    tx: &tokio_postgres::Transaction<'_>,
    statement: &str,
    rows: impl Iterator<Item = BytesMut>,
) -> Result<()> {
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
    batch.sort_by(|a, b| a.id.cmp(&b.id).then(a.line.cmp(&b.line)));
    let mut merged: Vec<Checked> = Vec::with_capacity(batch.len());
    for next in batch.drain(..) {
        match merged.last_mut() {
            Some(kept) if kept.id == next.id => {
                let a: serde_json::Value = serde_json::from_str(&kept.session)?;
                let b: serde_json::Value = serde_json::from_str(&next.session)?;
                let both = facesign_core::merge_session::merge_session(&a, &b)?;
                kept.session = both.to_value().to_string();
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
fn merge_stored_sql(table: &str) -> String {
    format!(
        "UPDATE {table} AS t SET session = facesign.merge_session(t.session, i.session) \
         FROM (SELECT id, session::jsonb AS session FROM unnest($1::text[], $2::text[]) AS u(id, session)) AS i \
         WHERE t.id = i.id AND facesign.merge_session(t.session, i.session) IS DISTINCT FROM t.session"
    )
}

async fn load_batch(
    client: &mut Client,
    table: &str,
    batch: &mut Vec<Checked>,
    summary: &mut LoadSummary,
) -> Result<()> {
    merge_duplicates(batch)?;
    let tx = client.transaction().await?;
    // Which of these sessions are stored already.
    let ids: Vec<&str> = batch.iter().map(|c| c.id.as_str()).collect();
    let stored: std::collections::HashSet<String> = tx
        .query(format!("SELECT id FROM {table} WHERE id = ANY($1)").as_str(), &[&ids])
        .await
        .with_context(|| format!("reading {table}"))?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let encode = |c: &Checked| {
        let mut row = BytesMut::with_capacity(c.session.len() + 64);
        copy_field(&mut row, &c.session);
        row.put_u8(b'\n');
        row
    };
    // New sessions go straight into the table: the generated columns and the CHECK read each
    // document while it is still in memory, before PostgreSQL compresses it.
    let new: Vec<&Checked> = batch.iter().filter(|c| !stored.contains(&c.id)).collect();
    if !new.is_empty() {
        copy_rows(&tx, &format!("COPY {table} (session) FROM STDIN"), new.iter().map(|c| encode(c)))
            .await
            .with_context(|| format!("copying into {table} (is another load writing the same sessions?)"))?;
    }
    // Stored sessions: merged with what arrived, rewritten only where that adds something.
    let (ids, sessions): (Vec<&str>, Vec<&str>) =
        batch.iter().filter(|c| stored.contains(&c.id)).map(|c| (c.id.as_str(), c.session.as_str())).unzip();
    let updated = if ids.is_empty() {
        0
    } else {
        tx.execute(merge_stored_sql(table).as_str(), &[&ids, &sessions])
            .await
            .with_context(|| format!("merging into {table} (facesign.merge_session)"))?
    };
    tx.commit().await?;
    summary.inserted += new.len() as u64;
    summary.updated += updated;
    summary.unchanged += (batch.len() - new.len()) as u64 - updated;
    Ok(())
}

/// Loads every line of `input`, calling `progress` with the lines read so far.
pub async fn load(
    client: &mut Client,
    input: impl BufRead,
    options: &LoadOptions,
    mut progress: impl FnMut(u64),
) -> Result<LoadSummary> {
    let table = quote_table(&options.table)?;
    prepare(client, options).await?;
    let mut summary = LoadSummary::default();
    let mut batch: Vec<Checked> = Vec::with_capacity(options.batch);
    for (i, line) in input.lines().enumerate() {
        let number = i as u64 + 1;
        let line = line.with_context(|| format!("reading line {number}"))?;
        summary.lines = number;
        if line.trim().is_empty() {
            continue;
        }
        match check_line(number, &line) {
            Ok(checked) => batch.push(checked),
            Err(reason) => summary.rejected.push((number, reason)),
        }
        if batch.len() >= options.batch {
            load_batch(client, &table, &mut batch, &mut summary).await?;
            batch.clear();
            progress(number);
        }
    }
    if !batch.is_empty() {
        load_batch(client, &table, &mut batch, &mut summary).await?;
    }
    progress(summary.lines);
    summary.rejected.sort();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_checked_and_unwrapped() {
        let ok = check_line(1, "{\"id\": \"abc\", \"status\": \"inProgress\"}").unwrap();
        assert_eq!(ok.id, "abc");
        let unwrapped = check_line(2, "{\"session\": {\"id\": \"abc\"}, \"clientSecret\": {}}").unwrap();
        assert_eq!(unwrapped.session, "{\"id\":\"abc\"}");
        assert!(check_line(3, "{\"id\": \"\"}").err().unwrap().contains("id"));
        assert!(check_line(4, "[1, 2]").err().unwrap().contains("Session"));
        assert!(check_line(5, "{\"id\": \"x\"").err().unwrap().starts_with("not JSON"));
        let loop_flow =
            r#"{"id": "x", "settings": {"flow": [{"id": "s", "type": "start", "outcome": "s"}]}}"#;
        assert!(check_line(6, loop_flow).err().unwrap().contains("flow"));
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
                .map(|i| check_line(i as u64, lines[i]).unwrap())
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

    #[test]
    fn table_names_are_quoted() {
        assert_eq!(quote_table("sessions").unwrap(), "\"sessions\"");
        assert_eq!(quote_table("raw.Sessions").unwrap(), "\"raw\".\"Sessions\"");
        assert!(quote_table("a.b.c").is_err());
    }
}
