//! The export from PostgreSQL. Each stored session is read once: one binary `COPY` per chunk
//! of creation days carries, for each session, either what the extension's
//! `facesign.export_rows` read of it in the database (one detoast, one walk), or, where the
//! extension is not installed, the document itself, which this process flattens with the
//! same core readers. Either way the files are byte-identical.
//!
//! `jobs` connections share one exported snapshot (`pg_export_snapshot()`, then
//! `SET TRANSACTION SNAPSHOT` in read-only REPEATABLE READ transactions), so the datasets are
//! one consistent snapshot: a session written during the export appears in the next run,
//! never in half of this one. Each job streams its chunks (whole days, in creation order from
//! the `(created_at, id COLLATE "C")` index) to its own thread, which decodes the rows and
//! writes their Parquet files while the database reads the next ones.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use futures_util::{pin_mut, StreamExt};
use tokio_postgres::Client;

use super::copy_binary::CopyRows;
use super::plan::{chunks, Chunk};
use super::redact::Redaction;
use super::{ExportSummary, Finished, Parts, Run};
use crate::connect::Target;
use crate::dataset::parquet::{partition_of, DEFAULT_PARTITION};
use facesign_core::export_rows::{self, micros, wire, ExportRows, FlowCache};
use facesign_core::json::Tape;

/// What a run exports.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    /// Every session: the dataset is replaced.
    Full,
    /// The partitions (creation days) holding a session that changed since this time
    /// (`timestamptz` text); they are replaced, the others kept. Needs an `updated_at` column.
    ChangedSince(String),
}

/// How the sessions are flattened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// In the database, by `facesign.export_rows`.
    Extension,
    /// Here: the documents are fetched and read with the same core readers.
    Documents,
}

/// How an export runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Connections reading at once (at least 1).
    pub jobs: usize,
    /// `None`: the extension's reading when the database has it, else the documents.
    pub reading: Option<Reading>,
    pub redaction: Option<Redaction>,
}

impl Default for Options {
    fn default() -> Self {
        Options { jobs: default_jobs(), reading: None, redaction: None }
    }
}

/// The machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// How far before the last snapshot an incremental run looks, for writers whose transactions
/// began before that snapshot but committed after it.
const LATE_COMMIT_MARGIN: &str = "10 minutes";

/// Messages from a job's `COPY` to its writing thread.
enum Message {
    Chunk(Chunk),
    /// The CopyData messages that had arrived (one row each, as PostgreSQL sends them): sent
    /// together, so that the writing thread is woken once for many rows.
    Data(Vec<Bytes>),
    End,
}

/// At most this many CopyData messages travel to the writing thread at once, and at most
/// [`MESSAGES_IN_FLIGHT`] such sends wait for it: a few megabytes of rows ahead of the writer.
const MESSAGES_PER_SEND: usize = 64;
const MESSAGES_IN_FLIGHT: usize = 16;

/// The SQL that reads the sessions of a table: which reading, and which expressions give each
/// session's creation time and id (the table's own columns when it has them, so the chunks
/// come from the index; else read from the document).
struct Source {
    table: String,
    reading: Reading,
    created_at: String,
    id: String,
    /// Whether `created_at` is a column (then the table is split into chunks of days).
    by_column: bool,
    with_provided: bool,
}

impl Source {
    fn query(&self, chunk: &Chunk, only_days: Option<&[String]>) -> String {
        let created = &self.created_at;
        let mut filter = match chunk {
            Chunk::Days { first, last } => format!(
                "{created} >= '{first}'::date::timestamp AT TIME ZONE 'UTC' \
                 AND {created} < ('{last}'::date + 1)::timestamp AT TIME ZONE 'UTC'"
            ),
            Chunk::NoDate => format!("{created} IS NULL"),
            Chunk::All => "true".to_owned(),
        };
        if let Some(days) = only_days {
            filter = format!("({filter}) AND ({})", day_filter(created, days));
        }
        let column = match self.reading {
            Reading::Extension => format!("facesign.export_rows(session, {})", self.with_provided),
            Reading::Documents => "session".to_owned(),
        };
        // The order is made in a subquery (OFFSET 0 keeps it one), so that whatever the plan
        // (the index, or a sort where the planner prefers one) it orders the stored rows, whose
        // documents are still TOAST pointers, and each document is then read once, in order.
        format!(
            "COPY (SELECT {column} FROM (SELECT session FROM {} WHERE {filter} \
             ORDER BY {created}, {} COLLATE \"C\" OFFSET 0) AS ordered) TO STDOUT (FORMAT binary)",
            self.table, self.id
        )
    }

    /// The rows of one `COPY` field, read with `job`'s memory of the flows it has met.
    fn decode<'f>(&self, field: &'f [u8], job: &'f mut JobReader) -> Result<ExportRows<'f>> {
        let JobReader { tape, flows, known_flows } = job;
        match self.reading {
            Reading::Extension => Ok(wire::decode_rows(field, known_flows)?),
            Reading::Documents => {
                // A jsonb in binary COPY is a version byte (1) and the document's text.
                let Some((&1, text)) = field.split_first() else {
                    bail!("a stored document arrived in a jsonb format this facesign-analytics does not know")
                };
                let doc = tape.parse(text).map_err(|e| {
                    anyhow::anyhow!("a stored session arrived as text that is not JSON ({e}): is this PostgreSQL's jsonb?")
                })?;
                Ok(export_rows::export_rows_with(doc, self.with_provided, flows))
            }
        }
    }
}

/// What one job keeps from one session to the next: the buffers documents are parsed into,
/// and the flows it has read (each distinct flow is fingerprinted, or decoded, once).
#[derive(Default)]
struct JobReader {
    tape: Tape,
    flows: FlowCache,
    known_flows: wire::KnownFlows,
}

/// `(created AT TIME ZONE 'UTC')::date` in these partitions (`created_date=…` folders).
fn day_filter(created: &str, partitions: &[String]) -> String {
    let days: Vec<String> = partitions
        .iter()
        .filter_map(|p| p.strip_prefix("created_date="))
        .filter(|d| d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
        .map(|d| format!("'{d}'"))
        .collect();
    let null_day = partitions.iter().any(|p| p.ends_with(DEFAULT_PARTITION));
    format!(
        "({created} AT TIME ZONE 'UTC')::date IN ({}){}",
        if days.is_empty() { "NULL".to_owned() } else { days.join(", ") },
        if null_day { format!(" OR {created} IS NULL") } else { String::new() }
    )
}

/// The partition folder of a `YYYY-MM-DD` day (or of no day).
fn partition_of_day(day: Option<String>) -> String {
    match day {
        Some(d) => format!("created_date={d}"),
        None => format!("created_date={DEFAULT_PARTITION}"),
    }
}

/// Decides how `table` is read: the reading asked for (or the best the database offers) and
/// the key expressions its columns allow.
async fn source(client: &Client, table: &str, asked: Option<Reading>, with_provided: bool) -> Result<Source> {
    let columns: Vec<(String, String)> = client
        .query(
            "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped",
            &[&table],
        )
        .await
        .with_context(|| {
            format!("cannot read the columns of {table}: does the table exist, and may this user read it?")
        })?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let type_of = |name: &str| columns.iter().find(|c| c.0 == name).map(|c| c.1.as_str());
    if type_of("session") != Some("jsonb") {
        bail!("{table} has no `session jsonb` column: export reads the stored sessions from it");
    }
    let has_extension: bool = client
        .query_one("SELECT to_regprocedure('facesign.export_rows(jsonb, boolean)') IS NOT NULL", &[])
        .await?
        .get(0);
    let reading = match asked {
        Some(Reading::Extension) if !has_extension => bail!(
            "this database has no facesign.export_rows (the facesign extension is not installed, or is older): \
             install it (CREATE EXTENSION facesign, or ALTER EXTENSION facesign UPDATE), or export with --read documents"
        ),
        Some(r) => r,
        None if has_extension => Reading::Extension,
        None => Reading::Documents,
    };
    let by_column =
        type_of("created_at") == Some("timestamp with time zone") && type_of("id") == Some("text");
    let (created_at, id) = if by_column {
        ("created_at".to_owned(), "id".to_owned())
    } else {
        // Core's reading of the document (`session_summary`), in SQL: the `{session}` wrapper is
        // looked through, and a value of another JSON type is NULL. The writers check that
        // the rows arrive in this order, so a disagreement stops the export, never misleads.
        let doc = "(CASE WHEN jsonb_typeof(session -> 'session') = 'object' THEN session -> 'session' ELSE session END)";
        (
            format!(
                "(CASE WHEN jsonb_typeof({doc} -> 'createdAt') = 'number' \
                 THEN to_timestamp(({doc} ->> 'createdAt')::float8 / 1000) END)"
            ),
            format!("(CASE WHEN jsonb_typeof({doc} -> 'id') = 'string' THEN {doc} ->> 'id' END)"),
        )
    };
    Ok(Source { table: table.to_owned(), reading, created_at, id, by_column, with_provided })
}

/// Opens `jobs` connections in one snapshot; the first connection's transaction exports it.
async fn connections(target: &Target, first: Client, jobs: usize) -> Result<Vec<Client>> {
    let mut clients = vec![first];
    if jobs <= 1 {
        return Ok(clients);
    }
    let snapshot: String = clients[0].query_one("SELECT pg_export_snapshot()", &[]).await?.get(0);
    for _ in 1..jobs {
        let client = target.connect().await.context("opening another connection for --jobs")?;
        client
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '{snapshot}'"
            ))
            .await
            .context("joining the export's snapshot")?;
        clients.push(client);
    }
    Ok(clients)
}

/// Exports `table` into `out`. `first` is an open connection to `target`; further jobs open
/// their own.
pub async fn export(
    target: &Target,
    first: Client,
    table: &str,
    out: &std::path::Path,
    scope: Scope,
    options: Options,
    mut progress: impl FnMut(u64),
) -> Result<ExportSummary> {
    let table = crate::sql_names::quote_table(table)?;
    let mut run = Run::start(out, options.redaction.clone())?;
    first.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
    let snapshot: String = first.query_one("SELECT now()::text", &[]).await?.get(0);
    let source = source(&first, &table, options.reading, options.redaction.is_some()).await?;
    let created = &source.created_at;
    let partitions: Option<Vec<String>> = match &scope {
        Scope::Full => None,
        Scope::ChangedSince(since) => {
            let rows = first
                .query(
                    &format!(
                        "SELECT DISTINCT to_char({created} AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM {table} \
                         WHERE updated_at >= $1::text::timestamptz - interval '{LATE_COMMIT_MARGIN}'"
                    ),
                    &[since],
                )
                .await
                .with_context(|| {
                    format!("an incremental export needs {table} to have an updated_at column, as sql/sessions_table.sql does")
                })?;
            Some(rows.iter().map(|r| partition_of_day(r.get::<_, Option<String>>(0))).collect())
        }
    };
    let only_days = partitions.as_deref();
    let plan = if source.by_column {
        let where_ = only_days.map(|d| format!("WHERE {}", day_filter(created, d))).unwrap_or_default();
        let days: Vec<(Option<String>, u64)> = first
            .query(
                &format!(
                    "SELECT to_char({created} AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) FROM {table} {where_} \
                     GROUP BY 1 ORDER BY 1 NULLS LAST"
                ),
                &[],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1) as u64))
            .collect();
        chunks(&days, options.jobs)
    } else {
        vec![Chunk::All]
    };
    let jobs = options.jobs.clamp(1, plan.len().max(1));
    let clients = connections(target, first, jobs).await?;
    let queue = Arc::new(Mutex::new(VecDeque::from(plan)));
    let source = Arc::new(source);
    let done = Arc::new(AtomicU64::new(0));
    let mut copies = Vec::new();
    let mut writers = Vec::new();
    for client in clients {
        let (tx, rx) = tokio::sync::mpsc::channel::<Message>(MESSAGES_IN_FLIGHT);
        let parts = run.parts();
        let (source2, done2) = (Arc::clone(&source), Arc::clone(&done));
        writers.push(std::thread::spawn(move || write_rows(rx, parts, &source2, &done2)));
        let (queue, source, only_days) = (Arc::clone(&queue), Arc::clone(&source), partitions.clone());
        copies.push(tokio::spawn(async move {
            copy_chunks(client, queue, &source, only_days.as_deref(), tx).await
        }));
    }
    let all_copies = futures_util::future::join_all(copies);
    pin_mut!(all_copies);
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
    let copied = loop {
        tokio::select! {
            results = &mut all_copies => break results,
            _ = tick.tick() => progress(done.load(Ordering::Relaxed)),
        }
    };
    // A writer's error explains a copy that stopped because the writer went away: report it first.
    let mut first_error = None;
    for writer in writers {
        match writer.join().map_err(|_| anyhow::anyhow!("a writing thread panicked"))? {
            Ok(finished) => run.absorb(finished),
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    for copy in copied {
        if let Err(e) = copy.context("a COPY task failed")? {
            first_error = first_error.or(Some(e));
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    progress(run.summary.sessions);
    run.summary.reading = describe(&source, jobs);
    run.commit(&format!("postgresql:{table}"), Some(&snapshot), partitions.as_deref())
}

/// Which reading a run used, for its summary line.
fn describe(source: &Source, jobs: usize) -> String {
    let how = match source.reading {
        Reading::Extension => "flattened in the database by facesign.export_rows",
        Reading::Documents => {
            "documents flattened here (the database has no facesign extension, or --read documents)"
        }
    };
    let order = if source.by_column { "" } else { ", ordered by the documents' createdAt and id" };
    format!("{how}{order}; {jobs} job{}", if jobs == 1 { "" } else { "s" })
}

/// One job: takes chunks from the queue until it is empty, streaming each `COPY` to `tx`.
async fn copy_chunks(
    client: Client,
    queue: Arc<Mutex<VecDeque<Chunk>>>,
    source: &Source,
    only_days: Option<&[String]>,
    tx: tokio::sync::mpsc::Sender<Message>,
) -> Result<()> {
    let gone = || anyhow::anyhow!("the writing thread stopped");
    loop {
        let Some(chunk) = queue.lock().expect("the queue lock").pop_front() else { break };
        let query = source.query(&chunk, only_days);
        tx.send(Message::Chunk(chunk)).await.map_err(|_| gone())?;
        let stream = client
            .copy_out(query.as_str())
            .await
            .context("exporting the sessions")?
            .ready_chunks(MESSAGES_PER_SEND);
        pin_mut!(stream);
        while let Some(ready) = stream.next().await {
            let data =
                ready.into_iter().collect::<Result<Vec<Bytes>, _>>().context("exporting the sessions")?;
            tx.send(Message::Data(data)).await.map_err(|_| gone())?;
        }
        tx.send(Message::End).await.map_err(|_| gone())?;
    }
    client.batch_execute("COMMIT").await?;
    Ok(())
}

/// One job's writing thread: decodes the rows of each chunk, checks they arrive in creation
/// order and inside the chunk's days, and writes them.
fn write_rows(
    mut rx: tokio::sync::mpsc::Receiver<Message>,
    mut parts: Parts,
    source: &Source,
    done: &AtomicU64,
) -> Result<Finished> {
    let mut copy = CopyRows::default();
    let mut reader = JobReader::default();
    let mut chunk = Chunk::All;
    let mut last: Option<(Option<i64>, Option<String>)> = None;
    while let Some(message) = rx.blocking_recv() {
        match message {
            Message::Chunk(next) => {
                chunk = next;
                copy = CopyRows::default();
                last = None;
            }
            Message::Data(messages) => messages.iter().try_for_each(|data| {
                copy.feed(data, |field| {
                    let field = field.context("a stored session is NULL")?;
                    let rows = source.decode(field, &mut reader)?;
                    let key = (micros(rows.summary.created_at_ms), rows.summary.id.map(str::to_owned));
                    check_order(&chunk, last.as_ref(), &key)?;
                    last = Some(key);
                    parts.push(&rows)?;
                    done.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                })
            })?,
            Message::End => copy.finish()?,
        }
    }
    parts.finish()
}

/// PostgreSQL's `ORDER BY created_at, id COLLATE "C"` (NULL last), and the chunk's days: what
/// the database sorted by must be what the document says, or the partitions would be wrong.
fn check_order(
    chunk: &Chunk,
    last: Option<&(Option<i64>, Option<String>)>,
    key: &(Option<i64>, Option<String>),
) -> Result<()> {
    // NULL creation times last, then ids in byte order; borrowed, as this runs for every row.
    fn sort_key(k: &(Option<i64>, Option<String>)) -> (bool, Option<i64>, Option<&[u8]>) {
        (k.0.is_none(), k.0, k.1.as_deref().map(str::as_bytes))
    }
    let inside = match chunk {
        Chunk::Days { first, last } => {
            let partition = partition_of(key.0);
            let day = partition.strip_prefix("created_date=").unwrap_or_default();
            key.0.is_some() && first.as_str() <= day && day <= last.as_str()
        }
        Chunk::NoDate => key.0.is_none(),
        Chunk::All => true,
    };
    let ordered = last.is_none_or(|l| sort_key(l) <= sort_key(key));
    if !inside || !ordered {
        bail!(
            "session {} arrived out of creation order: the table's created_at or id column disagrees with the \
             document's createdAt or id (were they written by something else than upsert_session?)",
            key.1.as_deref().unwrap_or("without an id")
        );
    }
    Ok(())
}
