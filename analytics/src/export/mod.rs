//! `facesign-analytics export`: sessions as Parquet datasets, `sessions/`, `node_outcomes/`
//! and `transcript/` hive-partitioned by creation day, and `flows/`, each distinct flow once.
//! From PostgreSQL ([`db`]: each document read once, by the extension's `export_rows` inside
//! the database or, where the extension is not installed, here) or from NDJSON files
//! ([`ndjson`]); every path gives the same files, byte for byte.
//!
//! Each run exports a full snapshot and replaces the previous one. It writes into a staging
//! folder inside the output; once every file is complete it records in `_manifest.json` what
//! it is about to move in and what to remove, then does it, then records the new state (each
//! manifest write a rename). A run killed before that record leaves the dataset as it was; one
//! killed after it is rolled forward by the next run, which then exports afresh. Either way the
//! dataset holds every session exactly once.

mod copy_binary;
pub mod db;
mod flows;
pub mod ndjson;
mod plan;
pub mod redact;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{json, Value};

use crate::dataset::columns::{NodeColumns, PhraseColumns, SessionColumns, SessionKeys};
use crate::dataset::parquet::{partition_of, PartitionedWriter, WrittenFile};
use facesign_core::export_rows::{micros, EdgeCells, ExportRows};
use redact::Redaction;

pub const DATASETS: [&str; 4] = ["sessions", "node_outcomes", "transcript", "flows"];

/// The `format` of `_manifest.json`: an incremental run over a dataset of another format
/// exports everything instead (format 1 had `flow_edges/`, one flow per session).
const FORMAT: &str = "facesign-analytics export 2";

/// What a run wrote.
#[derive(Debug, Clone, Default)]
pub struct ExportSummary {
    pub sessions: u64,
    pub node_outcomes: u64,
    pub transcript: u64,
    /// Distinct flows, and their edges (the rows of `flows/`).
    pub flows: u64,
    pub flow_edges: u64,
    pub files: usize,
    pub rejected: Vec<(u64, String)>,
    pub seconds: f64,
    /// How the sessions were read (which path an export from PostgreSQL took).
    pub reading: String,
}

/// A run: its staging folder, and what its writers have written so far.
pub struct Run {
    out: PathBuf,
    staging: PathBuf,
    id: String,
    redaction: Option<Redaction>,
    written: Vec<(&'static str, WrittenFile)>,
    flows: Flows,
    pub summary: ExportSummary,
    started: Instant,
}

/// Each distinct flow's edges, by flow id (sorted, so `flows/` comes out the same whatever
/// order the sessions were read in).
pub type Flows = std::collections::BTreeMap<String, Vec<EdgeCells>>;

/// The writers of one stream of sessions, in creation order: a run has one, or one per job
/// of a parallel export (the jobs write disjoint partitions into the same staging folder).
pub struct Parts {
    sessions: PartitionedWriter<SessionColumns>,
    nodes: PartitionedWriter<NodeColumns>,
    phrases: PartitionedWriter<PhraseColumns>,
    /// The partition of the last session pushed, by its creation day (most sessions share
    /// their predecessor's).
    partition: Option<(Option<i64>, String)>,
    flows: Flows,
    redaction: Option<Redaction>,
    summary: ExportSummary,
}

impl Parts {
    /// Every row of one session.
    pub fn push(&mut self, rows: &ExportRows<'_>) -> Result<()> {
        let session = &rows.summary;
        let created_at = micros(session.created_at_ms);
        let day = created_at.map(|us| us.div_euclid(86_400_000_000));
        let partition = match &self.partition {
            Some((d, p)) if *d == day => p,
            _ => &self.partition.insert((day, partition_of(created_at))).1,
        };
        if let Some(flow) = &rows.flow {
            if !self.flows.contains_key(&flow.id) {
                self.flows.insert(flow.id.clone(), flow.edges.clone());
            }
        }
        let keys = SessionKeys { session_id: session.id, client_reference_id: session.client_reference_id };
        let summary = &mut self.summary;
        for n in &rows.nodes {
            summary.node_outcomes += 1;
            self.nodes.push_with(partition, |columns| columns.append(keys, n))?;
        }
        for p in &rows.phrases {
            summary.transcript += 1;
            let redacted = match (&self.redaction, p.text) {
                (Some(r), Some(text)) => Some(r.apply(text, &rows.provided)),
                _ => None,
            };
            let text = redacted.as_deref().or(p.text);
            self.phrases.push_with(partition, |columns| columns.append(keys, p, text))?;
        }
        summary.sessions += 1;
        let flow_id = rows.flow.as_ref().map(|f| f.id.as_str());
        self.sessions.push_with(partition, |columns| columns.append(session, &rows.signals, flow_id))
    }

    /// Sessions pushed so far.
    pub fn sessions(&self) -> u64 {
        self.summary.sessions
    }

    /// Closes the files; what was written, for [`Run::absorb`].
    pub fn finish(self) -> Result<Finished> {
        let Parts { sessions, nodes, phrases, flows, summary, .. } = self;
        let mut files = Vec::new();
        for (dataset, list) in [
            ("sessions", sessions.finish()?),
            ("node_outcomes", nodes.finish()?),
            ("transcript", phrases.finish()?),
        ] {
            files.extend(list.into_iter().map(|f| (dataset, f)));
        }
        Ok(Finished { files, flows, summary })
    }
}

/// What one [`Parts`] wrote.
pub struct Finished {
    files: Vec<(&'static str, WrittenFile)>,
    flows: Flows,
    summary: ExportSummary,
}

fn manifest_path(out: &Path) -> PathBuf {
    out.join("_manifest.json")
}

fn read_manifest(out: &Path) -> Result<Value> {
    match std::fs::read_to_string(manifest_path(out)) {
        Ok(text) => serde_json::from_str(&text).context("_manifest.json is not valid JSON"),
        Err(_) => Ok(json!({"format": FORMAT, "files": []})),
    }
}

fn write_manifest(out: &Path, manifest: &Value) -> Result<()> {
    let tmp = out.join("._manifest.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(manifest)?)?;
    std::fs::rename(&tmp, manifest_path(out))?;
    Ok(())
}

/// The partition folder of a manifest file entry (`created_date=…`).
fn partition_of_entry(f: &Value) -> &str {
    f["path"].as_str().unwrap_or_default().split('/').next().unwrap_or_default()
}

/// Finishes a commit the manifest says was under way: moves in what is still in staging,
/// removes the files the run replaces (every file, or those of the partitions it exported),
/// records the new state. Idempotent.
fn roll_forward(out: &Path, mut manifest: Value) -> Result<()> {
    let Some(pending) = manifest.get("pending").filter(|p| !p.is_null()).cloned() else { return Ok(()) };
    let staging = out.join(pending["staging"].as_str().context("pending commit without staging")?);
    for f in pending["files"].as_array().into_iter().flatten() {
        let relative = PathBuf::from(f["dataset"].as_str().unwrap_or_default())
            .join(f["path"].as_str().unwrap_or_default());
        let from = staging.join(&relative);
        let to = out.join(&relative);
        if from.exists() {
            std::fs::create_dir_all(to.parent().expect("a partition folder"))?;
            std::fs::rename(&from, &to).with_context(|| format!("moving {} into place", to.display()))?;
        }
    }
    // A full run replaces everything; an incremental one the partitions it exported.
    let replaced: Option<Vec<&str>> =
        pending["partitions"].as_array().map(|p| p.iter().filter_map(Value::as_str).collect());
    let mut kept = Vec::new();
    for f in manifest["files"].as_array().into_iter().flatten() {
        // flows/ is rewritten whole by every run (an incremental one keeps the old flows in it).
        let replace = f["dataset"] == "flows"
            || replaced.as_ref().is_none_or(|parts| parts.contains(&partition_of_entry(f)));
        if !replace {
            kept.push(f.clone());
            continue;
        }
        let old =
            out.join(f["dataset"].as_str().unwrap_or_default()).join(f["path"].as_str().unwrap_or_default());
        std::fs::remove_file(&old).ok();
        if let Some(dir) = old.parent() {
            std::fs::remove_dir(dir).ok(); // only when the partition is now empty
        }
    }
    kept.extend(pending["files"].as_array().into_iter().flatten().cloned());
    for dataset in DATASETS {
        let rows: u64 =
            kept.iter().filter(|f| f["dataset"] == dataset).filter_map(|f| f["rows"].as_u64()).sum();
        manifest[dataset] = json!(rows);
    }
    manifest["files"] = Value::Array(kept);
    for key in ["run", "source", "snapshot"] {
        manifest[key] = pending[key].clone();
    }
    manifest["format"] = json!(FORMAT);
    if let Some(m) = manifest.as_object_mut() {
        m.remove("flow_edges"); // format 1's
    }
    manifest["pending"] = Value::Null;
    write_manifest(out, &manifest)?;
    std::fs::remove_dir_all(&staging).ok();
    Ok(())
}

/// When the last committed run read its snapshot (RFC 3339), for the next incremental run;
/// `None` when there was none, or it wrote a dataset of another format (then the whole
/// dataset is exported again).
pub fn last_snapshot(out: &Path) -> Result<Option<String>> {
    let manifest = read_manifest(out)?;
    roll_forward(out, manifest)?;
    let manifest = read_manifest(out)?;
    if manifest["format"] != FORMAT {
        return Ok(None);
    }
    Ok(manifest["snapshot"].as_str().map(str::to_owned))
}

impl Run {
    /// Starts a run in `out`: finishes a commit a killed run left half done, and removes the
    /// staging folders of runs killed before they committed.
    pub fn start(out: &Path, redaction: Option<Redaction>) -> Result<Run> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        roll_forward(out, read_manifest(out)?)?;
        for entry in std::fs::read_dir(out)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(".staging-") {
                std::fs::remove_dir_all(entry.path())?;
            }
        }
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
        let id = format!("{nanos:x}");
        Ok(Run {
            out: out.to_owned(),
            staging: out.join(format!(".staging-{id}")),
            id,
            redaction,
            written: Vec::new(),
            flows: Flows::new(),
            summary: ExportSummary::default(),
            started: Instant::now(),
        })
    }

    /// Writers for one stream of sessions in creation order.
    pub fn parts(&self) -> Parts {
        Parts {
            sessions: PartitionedWriter::new(&self.staging.join("sessions"), &self.id),
            nodes: PartitionedWriter::new(&self.staging.join("node_outcomes"), &self.id),
            phrases: PartitionedWriter::new(&self.staging.join("transcript"), &self.id),
            partition: None,
            flows: Flows::new(),
            redaction: self.redaction.clone(),
            summary: ExportSummary::default(),
        }
    }

    /// Takes in what one [`Parts`] wrote.
    pub fn absorb(&mut self, finished: Finished) {
        let Finished { files, flows, summary } = finished;
        self.written.extend(files);
        for (id, edges) in flows {
            self.flows.entry(id).or_insert(edges);
        }
        self.summary.sessions += summary.sessions;
        self.summary.node_outcomes += summary.node_outcomes;
        self.summary.transcript += summary.transcript;
        self.summary.rejected.extend(summary.rejected);
    }

    /// Replaces the dataset with this run's files (see the module's description); with
    /// `partitions`, only those partitions (an incremental run), keeping the flows the
    /// dataset already had beside the ones this run read.
    pub fn commit(
        self,
        source: &str,
        snapshot: Option<&str>,
        partitions: Option<&[String]>,
    ) -> Result<ExportSummary> {
        let Run { out, staging, id, mut written, mut flows, mut summary, started, .. } = self;
        if partitions.is_some() {
            flows::read_into(&out, &read_manifest(&out)?, &mut flows)?;
        }
        summary.flows = flows.len() as u64;
        let file = flows::write(&staging.join("flows"), &id, &flows)?;
        summary.flow_edges = file.as_ref().map_or(0, |f| f.rows);
        written.extend(file.map(|f| ("flows", f)));
        written.sort_by(|a, b| (a.0, &a.1.path).cmp(&(b.0, &b.1.path)));
        let files: Vec<Value> = written
            .iter()
            .map(|(dataset, f)| json!({"dataset": dataset, "path": f.path.to_string_lossy(), "rows": f.rows}))
            .collect();
        summary.files = files.len();
        let mut manifest = read_manifest(&out)?;
        manifest["pending"] = json!({
            "run": id,
            "staging": staging.file_name().map(|n| n.to_string_lossy().into_owned()),
            "source": source,
            "snapshot": snapshot,
            "partitions": partitions,
            "files": files,
        });
        write_manifest(&out, &manifest)?;
        roll_forward(&out, manifest)?;
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }
}
