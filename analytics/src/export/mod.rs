//! `facesign-analytics export`: sessions as hive-partitioned Parquet datasets, `sessions/`,
//! `node_outcomes/`, `transcript/` and `flow_edges/`, from PostgreSQL (flattened by the extension's readers
//! inside the database, streamed with binary COPY from one snapshot) or from NDJSON files
//! (flattened by the same readers in this process); both give the same rows.
//!
//! Each run exports a full snapshot and replaces the previous one. It writes into a staging
//! folder inside the output; once every file is complete it records in `_manifest.json` what
//! it is about to move in and what to remove, then does it, then records the new state (each
//! manifest write a rename). A run killed before that record leaves the dataset as it was; one
//! killed after it is rolled forward by the next run, which then exports afresh. Either way the
//! dataset holds every session exactly once.

pub mod db;
pub mod ndjson;
pub mod redact;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{json, Value};

use crate::dataset::parquet::{partition_of, DatasetWriter, WrittenFile};
use crate::dataset::rows::{FlowEdgeRow, NodeOutcomeRow, PhraseRow, SessionRow, SessionRows};
use redact::{Provided, Redaction};

pub const DATASETS: [&str; 4] = ["sessions", "node_outcomes", "transcript", "flow_edges"];

/// What a run wrote.
#[derive(Debug, Clone, Default)]
pub struct ExportSummary {
    pub sessions: u64,
    pub node_outcomes: u64,
    pub transcript: u64,
    pub flow_edges: u64,
    pub files: usize,
    pub rejected: Vec<(u64, String)>,
    pub seconds: f64,
}

/// The four writers of a run, fed one session's rows at a time in creation order.
pub struct Run {
    out: PathBuf,
    staging: PathBuf,
    id: String,
    sessions: DatasetWriter<SessionRow>,
    nodes: DatasetWriter<NodeOutcomeRow>,
    phrases: DatasetWriter<PhraseRow>,
    edges: DatasetWriter<FlowEdgeRow>,
    redaction: Option<Redaction>,
    pub summary: ExportSummary,
    started: Instant,
}

fn manifest_path(out: &Path) -> PathBuf {
    out.join("_manifest.json")
}

fn read_manifest(out: &Path) -> Result<Value> {
    match std::fs::read_to_string(manifest_path(out)) {
        Ok(text) => serde_json::from_str(&text).context("_manifest.json is not valid JSON"),
        Err(_) => Ok(json!({"format": "facesign-analytics export 1", "files": []})),
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
        let replace = replaced.as_ref().is_none_or(|parts| parts.contains(&partition_of_entry(f)));
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
    manifest["pending"] = Value::Null;
    write_manifest(out, &manifest)?;
    std::fs::remove_dir_all(&staging).ok();
    Ok(())
}

/// When the last committed run read its snapshot (RFC 3339), for the next incremental run.
pub fn last_snapshot(out: &Path) -> Result<Option<String>> {
    let manifest = read_manifest(out)?;
    roll_forward(out, manifest)?;
    Ok(read_manifest(out)?["snapshot"].as_str().map(str::to_owned))
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
        let staging = out.join(format!(".staging-{id}"));
        Ok(Run {
            out: out.to_owned(),
            sessions: DatasetWriter::new(&staging.join("sessions"), &id),
            nodes: DatasetWriter::new(&staging.join("node_outcomes"), &id),
            phrases: DatasetWriter::new(&staging.join("transcript"), &id),
            edges: DatasetWriter::new(&staging.join("flow_edges"), &id),
            staging,
            id,
            redaction,
            summary: ExportSummary::default(),
            started: Instant::now(),
        })
    }

    pub fn push_session(&mut self, partition: &str, row: SessionRow) -> Result<()> {
        self.summary.sessions += 1;
        self.sessions.push(partition, row)
    }
    pub fn push_node(&mut self, partition: &str, row: NodeOutcomeRow) -> Result<()> {
        self.summary.node_outcomes += 1;
        self.nodes.push(partition, row)
    }
    /// A transcript phrase, redacted when the run redacts, with what its session provided.
    pub fn push_phrase(&mut self, partition: &str, mut row: PhraseRow, provided: &Provided) -> Result<()> {
        self.summary.transcript += 1;
        if let (Some(r), Some(text)) = (&self.redaction, &row.text) {
            row.text = Some(r.apply(text, provided));
        }
        self.phrases.push(partition, row)
    }

    pub fn push_edge(&mut self, partition: &str, row: FlowEdgeRow) -> Result<()> {
        self.summary.flow_edges += 1;
        self.edges.push(partition, row)
    }

    /// Every row of one session (the NDJSON path, where a session's rows come together).
    pub fn push_all(&mut self, rows: SessionRows, provided: &Provided) -> Result<()> {
        let partition = partition_of(rows.session.created_at);
        self.push_session(&partition, rows.session)?;
        for n in rows.nodes {
            self.push_node(&partition, n)?;
        }
        for p in rows.phrases {
            self.push_phrase(&partition, p, provided)?;
        }
        for e in rows.edges {
            self.push_edge(&partition, e)?;
        }
        Ok(())
    }

    /// Replaces the dataset with this run's files (see the module's description); with
    /// `partitions`, only those partitions (an incremental run).
    pub fn commit(
        self,
        source: &str,
        snapshot: Option<&str>,
        partitions: Option<&[String]>,
    ) -> Result<ExportSummary> {
        let Run { out, staging, id, sessions, nodes, phrases, edges, mut summary, started, .. } = self;
        let written: Vec<(&str, Vec<WrittenFile>)> = vec![
            ("sessions", sessions.finish()?),
            ("node_outcomes", nodes.finish()?),
            ("transcript", phrases.finish()?),
            ("flow_edges", edges.finish()?),
        ];
        let files: Vec<Value> = written
            .iter()
            .flat_map(|(dataset, list)| {
                list.iter().map(
                    move |f| json!({"dataset": dataset, "path": f.path.to_string_lossy(), "rows": f.rows}),
                )
            })
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
