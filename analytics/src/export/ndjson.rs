//! The export from NDJSON files, with no database: the library's readers flatten each session.
//! A first pass indexes every line by creation time (24 bytes a session: 240 MB for ten
//! million); the second reads the lines in the order the database path uses (creation time,
//! then id), so both write the same rows into the same files.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileExt;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use super::redact::{Provided, Redaction};
use super::rows::{micros, rows_of};
use super::{ExportSummary, Run};

/// Where one session's line is, and its creation time (`i64::MAX`: none, sorted last as
/// PostgreSQL sorts NULL).
struct Entry {
    created_at: i64,
    offset: u64,
    len: u32,
}

/// The session a line holds (unwrapping a GET response), or why not.
fn session_of(line: &str) -> std::result::Result<Value, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let session = match value.get("session") {
        Some(inner) if inner.is_object() => inner.clone(),
        _ => value,
    };
    if session.is_object() {
        Ok(session)
    } else {
        Err("not a Session object".into())
    }
}

pub fn export(
    input: &Path,
    out: &Path,
    redaction: Option<Redaction>,
    mut progress: impl FnMut(u64),
) -> Result<ExportSummary> {
    let file = File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let mut run = Run::start(out, redaction)?;
    let mut entries = Vec::new();
    let mut reader = BufReader::with_capacity(1 << 20, &file);
    let (mut offset, mut number, mut line) = (0u64, 0u64, String::new());
    loop {
        line.clear();
        let read = reader.read_line(&mut line)?;
        if read == 0 {
            break;
        }
        number += 1;
        let text = line.trim_end();
        if !text.is_empty() {
            match session_of(text) {
                Ok(session) => {
                    let created_at =
                        micros(session.get("createdAt").and_then(Value::as_f64).filter(|x| x.is_finite()));
                    let len = u32::try_from(text.len()).context("a line longer than 4 GiB")?;
                    entries.push(Entry { created_at: created_at.unwrap_or(i64::MAX), offset, len });
                }
                Err(reason) => run.summary.rejected.push((number, reason)),
            }
        }
        offset += read as u64;
    }
    // PostgreSQL's ORDER BY created_at, id COLLATE "C": by time, NULL last; sessions created
    // in the same microsecond (rare) are put in id order by reading their ids.
    entries.sort_by_key(|e| (e.created_at, e.offset));
    let read = |e: &Entry, buf: &mut Vec<u8>| -> Result<Value> {
        buf.resize(e.len as usize, 0);
        file.read_exact_at(buf, e.offset)?;
        session_of(std::str::from_utf8(buf)?).map_err(anyhow::Error::msg)
    };
    let mut buf = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let mut end = start + 1;
        while end < entries.len() && entries[end].created_at == entries[start].created_at {
            end += 1;
        }
        if end - start > 1 {
            let mut ids = Vec::with_capacity(end - start);
            for e in &entries[start..end] {
                let session = read(e, &mut buf)?;
                ids.push(session.get("id").and_then(Value::as_str).unwrap_or("").to_owned());
            }
            let mut order: Vec<usize> = (0..end - start).collect();
            order.sort_by(|&a, &b| ids[a].as_bytes().cmp(ids[b].as_bytes()));
            let group: Vec<Entry> = order
                .iter()
                .map(|&i| Entry {
                    created_at: entries[start + i].created_at,
                    offset: entries[start + i].offset,
                    len: entries[start + i].len,
                })
                .collect();
            for (k, e) in group.into_iter().enumerate() {
                entries[start + k] = e;
            }
        }
        start = end;
    }
    for (done, e) in entries.iter().enumerate() {
        let session = read(e, &mut buf)?;
        let provided = Provided::of(session.pointer("/settings/providedData"));
        run.push_all(rows_of(&session), &provided)?;
        if done % 10_000 == 0 {
            progress(done as u64);
        }
    }
    progress(entries.len() as u64);
    run.commit(&format!("ndjson:{}", input.display()), None, None)
}
