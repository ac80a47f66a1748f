//! The export from NDJSON files, with no database: the library's readers flatten each session.
//! A first pass indexes every line by creation time (24 bytes a session: 240 MB for ten
//! million); the second reads the lines in the order the database path uses (creation time,
//! then id), so both write the same rows into the same files.

use std::fs::File;
use std::io::BufReader;
use std::os::unix::fs::FileExt;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use super::redact::Redaction;
use super::{ExportSummary, Parts, Run};
use crate::dataset::rows::micros;
use crate::erasures::Erasures;
use crate::ndjson::{self, LineOptions, NulPolicy};
use facesign_core::export_rows::{self, FlowCache};
use facesign_core::json::Tape;
use facesign_core::report::session_of;
use facesign_core::JsonRef;

/// Where one session's line is, and its creation time (`i64::MAX`: none, sorted last as
/// PostgreSQL sorts NULL).
struct Entry {
    created_at: i64,
    offset: u64,
    len: u32,
}

/// Pushes the rows of a line the first pass accepted, read from its text in place (a
/// [`Tape`]), when the line needs nothing but reading; false for a line holding a `\u0000`
/// escape that `--nul replace` replaces, and for an erased session, which go through a tree.
fn push_plain(
    line: &[u8],
    tape: &mut Tape,
    flows: &mut FlowCache,
    parts: &mut Parts,
    lines: LineOptions,
    erasures: Option<&Erasures>,
    with_provided: bool,
) -> Result<bool> {
    if lines.nul == NulPolicy::Replace && line.windows(6).any(|w| w == br"\u0000") {
        return Ok(false);
    }
    let Ok(doc) = tape.parse(line) else { return Ok(false) };
    let session = session_of(doc);
    if let Some(erased) = erasures {
        let id = session.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        if erased.covers(id, session.get("createdAt").and_then(|v| v.as_f64())) {
            return Ok(false);
        }
    }
    parts.push(&export_rows::export_rows_with(session, with_provided, flows))?;
    Ok(true)
}

/// Lines are read by the rule every NDJSON-reading command shares ([`crate::ndjson`]), so the
/// dataset holds what loading the file stores; refused lines are named in the summary (and
/// under `--strict` nothing is written).
pub fn export(
    input: &Path,
    out: &Path,
    redaction: Option<Redaction>,
    erasures: Option<&Erasures>,
    lines: LineOptions,
    mut progress: impl FnMut(u64),
) -> Result<ExportSummary> {
    let file = File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let mut run = Run::start(out, redaction.clone())?;
    let mut entries = Vec::new();
    let mut reader = ndjson::LineReader::new(BufReader::with_capacity(1 << 20, &file));
    while let Some(read) = reader.next_session(lines.nul)? {
        match read.outcome {
            Ok(line) => {
                let created_at =
                    micros(line.session.get("createdAt").and_then(Value::as_f64).filter(|x| x.is_finite()));
                let len = u32::try_from(read.text.len()).context("a line longer than 4 GiB")?;
                entries.push(Entry { created_at: created_at.unwrap_or(i64::MAX), offset: read.offset, len });
            }
            Err(reason) => run.summary.rejected.push((read.number, reason)),
        }
    }
    if lines.strict && !run.summary.rejected.is_empty() {
        return Err(ndjson::StrictRefusal(std::mem::take(&mut run.summary.rejected)).into());
    }
    // PostgreSQL's ORDER BY created_at, id COLLATE "C": by time, NULL last; sessions created
    // in the same microsecond (rare) are put in id order by reading their ids.
    entries.sort_by_key(|e| (e.created_at, e.offset));
    let read = |e: &Entry, buf: &mut Vec<u8>| -> Result<Value> {
        buf.resize(e.len as usize, 0);
        file.read_exact_at(buf, e.offset)?;
        // Checked in the first pass: only parsed again here.
        ndjson::parse_session(buf, lines.nul)
            .map(|line| line.session)
            .map_err(|reason| anyhow::anyhow!("{} changed while it was read: {reason}", input.display()))
    };
    let with_provided = redaction.is_some();
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
    let mut parts = run.parts();
    let (mut tape, mut flows) = (Tape::default(), FlowCache::default());
    for (done, e) in entries.iter().enumerate() {
        buf.resize(e.len as usize, 0);
        file.read_exact_at(&mut buf, e.offset)?;
        if !push_plain(&buf, &mut tape, &mut flows, &mut parts, lines, erasures, with_provided)? {
            // An erased session is exported as the database holds it: redacted.
            let session = read(e, &mut buf)?;
            let session = erasures.and_then(|erased| erased.redacted(&session)).unwrap_or(session);
            parts.push(&export_rows::export_rows_with(&session, with_provided, &mut flows))?;
        }
        if done % 10_000 == 0 {
            progress(done as u64);
        }
    }
    run.absorb(parts.finish()?);
    progress(entries.len() as u64);
    run.summary.reading = "documents flattened here".to_owned();
    run.commit(&format!("ndjson:{}", input.display()), None, None)
}
