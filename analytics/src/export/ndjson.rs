//! The export from NDJSON files, with no database: the library's readers flatten each session.
//! A first pass indexes every line by (creation time, id); the second reads the lines in that
//! order, the order the database path uses, so both write the same rows into the same files.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileExt;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use super::redact::{Provided, Redaction};
use super::rows::{micros, rows_of};
use super::{ExportSummary, Run};

/// Where one session's line is, and how it sorts.
struct Entry {
    created_at: Option<i64>,
    id: String,
    offset: u64,
    len: usize,
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
                    let id = session.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
                    entries.push(Entry { created_at, id, offset, len: text.len() });
                }
                Err(reason) => run.summary.rejected.push((number, reason)),
            }
        }
        offset += read as u64;
    }
    // PostgreSQL's ORDER BY created_at, id COLLATE "C": NULL times last, ids bytewise.
    entries.sort_by(|a, b| {
        (a.created_at.is_none(), a.created_at, a.id.as_bytes()).cmp(&(
            b.created_at.is_none(),
            b.created_at,
            b.id.as_bytes(),
        ))
    });
    let mut buf = Vec::new();
    for (done, e) in entries.iter().enumerate() {
        buf.resize(e.len, 0);
        file.read_exact_at(&mut buf, e.offset)?;
        let session = session_of(std::str::from_utf8(&buf)?).map_err(anyhow::Error::msg)?;
        let provided = Provided::of(session.pointer("/settings/providedData"));
        run.push_all(rows_of(&session), &provided)?;
        if done % 10_000 == 0 {
            progress(done as u64);
        }
    }
    progress(entries.len() as u64);
    run.commit(&format!("ndjson:{}", input.display()))
}
