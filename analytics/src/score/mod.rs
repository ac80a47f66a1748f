//! `facesign-analytics score`: one explainable risk score per session and anomaly findings per
//! user, over an export's Parquet dataset or NDJSON sessions.
//!
//! - [`input`] reads the sessions (polars), sorted by user and time, into a [`table`].
//! - [`signals`] gives each session its own reasons; the detectors ([`geo_detectors`],
//!   [`device_detectors`] over the per-user rules of [`crate::risk::rules`],
//!   [`consistency_detectors`]) give findings, each also a reason of the session it is on.
//! - [`output`] writes `scores/` and `findings/`; [`evaluate`] measures findings against labels.
//!
//! Every weight and threshold is in [`crate::risk::config`] (`analytics/data/score.toml`).

pub mod carry;
pub mod consistency_detectors;
pub mod device_detectors;
pub mod evaluate;
pub mod farm;
pub mod finding;
pub mod geo_detectors;
pub mod incremental;
pub mod input;
pub mod output;
pub mod signals;
pub mod state_store;
pub mod table;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::risk::config::ScoreConfig;
use finding::Finding;
use output::{FindingRow, ScoreRow};
use signals::Reason;
use table::SessionTable;

use crate::dataset::parquet::DatasetWriter;

/// A detector: appends its findings over the table.
pub type Detector = fn(&SessionTable, &ScoreConfig, &mut Vec<Finding>);

/// Every detector, in the order findings are listed.
pub const DETECTORS: [(&str, Detector); 9] = [
    (finding::detector::IMPOSSIBLE_TRAVEL, geo_detectors::impossible_travel),
    (finding::detector::NEW_COUNTRY, geo_detectors::new_country),
    (finding::detector::MULTI_COUNTRY, geo_detectors::multi_country),
    (finding::detector::NEW_DEVICE, device_detectors::new_device),
    (finding::detector::DEVICE_CHURN, device_detectors::device_churn),
    (finding::detector::FRAUD_FARM, device_detectors::fraud_farm),
    (finding::detector::CONTRADICTORY_DEVICE, device_detectors::contradictory_device),
    (finding::detector::AGE_INCONSISTENT, consistency_detectors::age_inconsistent),
    (finding::detector::SEX_INCONSISTENT, consistency_detectors::sex_inconsistent),
];

/// Runs every detector.
pub fn detect(t: &SessionTable, config: &ScoreConfig) -> Vec<Finding> {
    detect_only(t, config, &DETECTORS.map(|(code, _)| code))
}

/// Runs the named detectors, on all cores (each detector is one pass over the table); the
/// findings come back in row order.
pub fn detect_only(t: &SessionTable, config: &ScoreConfig, which: &[&str]) -> Vec<Finding> {
    let chosen: Vec<_> = DETECTORS.iter().filter(|(code, _)| which.contains(code)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, chosen.len().max(1));
    let per_thread = chosen.len().div_ceil(threads).max(1);
    let mut all: Vec<Finding> = std::thread::scope(|scope| {
        let handles: Vec<_> = chosen
            .chunks(per_thread)
            .map(|detectors| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    detectors.iter().for_each(|(_, detect)| detect(t, config, &mut found));
                    found
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a detector panicked")).collect()
    });
    all.sort_by_key(|f| f.row);
    all
}

/// What to run and write.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Detector codes to run (all of them by default).
    pub detectors: Vec<&'static str>,
    /// Write `scores/` (else only `findings/`).
    pub write_scores: bool,
    /// How NDJSON lines are read, and whether a refused one stops the run before it writes.
    pub lines: crate::ndjson::LineOptions,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            detectors: DETECTORS.map(|(code, _)| code).to_vec(),
            write_scores: true,
            lines: Default::default(),
        }
    }
}

/// Peak resident memory of this process so far, in bytes (Linux; `None` elsewhere).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Each session's reasons (signals and findings), settled into its score.
pub fn score_rows(t: &SessionTable, findings: &[Finding], config: &ScoreConfig) -> Vec<(i32, Vec<Reason>)> {
    let mut out = Vec::with_capacity(t.len());
    let mut next = 0;
    for row in 0..t.len() {
        let mut reasons = Vec::new();
        signals::session_reasons(t, row, config, &mut reasons);
        while next < findings.len() && findings[next].row == row {
            let f = &findings[next];
            reasons.push(Reason { code: f.detector, points: f.points, evidence: f.summary.clone() });
            next += 1;
        }
        let score = signals::settle(&mut reasons);
        out.push((score, reasons));
    }
    out
}

/// A session's creation time, if known.
fn micros(t: &SessionTable, row: usize) -> Option<i64> {
    (t.created_us[row] != i64::MIN).then_some(t.created_us[row])
}

/// The `scores/` row of a table row, given its score and reasons.
pub fn score_row(
    t: &SessionTable,
    row: usize,
    score: i32,
    reasons: Vec<Reason>,
    config: &ScoreConfig,
) -> ScoreRow {
    ScoreRow {
        session_id: t.session_id(row).map(str::to_owned),
        client_reference_id: t.reference.get(row).map(str::to_owned),
        created_at: micros(t, row),
        risk_score: score,
        risk_level: config.level(score),
        reasons,
    }
}

/// The `findings/` row of a finding.
pub fn finding_row(t: &SessionTable, f: &Finding) -> FindingRow {
    FindingRow {
        session_id: t.session_id(f.row).map(str::to_owned),
        client_reference_id: t.reference.get(f.row).map(str::to_owned),
        created_at: micros(t, f.row),
        finding: f.clone(),
    }
}

/// What a run found.
#[derive(Debug, Default)]
pub struct ScoreSummary {
    pub sessions: usize,
    pub users: usize,
    pub levels: BTreeMap<&'static str, usize>,
    /// Reason code → (sessions, points in all).
    pub reasons: BTreeMap<&'static str, (usize, i64)>,
    /// Detector → findings.
    pub findings: BTreeMap<&'static str, usize>,
    pub read_seconds: f64,
    pub seconds: f64,
    pub peak_rss_bytes: Option<u64>,
    pub scores_path: PathBuf,
    pub findings_path: PathBuf,
    /// NDJSON lines refused (line number, reason).
    pub rejected: Vec<(u64, String)>,
}

/// Replaces `out/<name>` with what `write` puts in a fresh folder beside it, so a failed run
/// leaves the previous results whole.
pub(crate) fn replace_folder(
    out: &Path,
    name: &str,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<PathBuf> {
    let target = out.join(name);
    let staging = out.join(format!(".{name}.staging-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    write(&staging)?;
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("removing the previous {}", target.display()))?;
    }
    std::fs::rename(&staging, &target)?;
    Ok(target)
}

/// Reads, scores, detects and writes `out/scores/` and `out/findings/`.
pub fn run(
    source: &input::Source,
    out: &Path,
    config: &ScoreConfig,
    options: &ScoreOptions,
    mut step: impl FnMut(&str),
) -> Result<ScoreSummary> {
    let started = Instant::now();
    step("reading sessions");
    let input::Read { table: t, refused } = input::read(
        source,
        &table::columns_for(options.write_scores, &options.detectors),
        options.lines.nul,
    )?;
    if options.lines.strict && !refused.is_empty() {
        return Err(crate::ndjson::StrictRefusal(refused).into());
    }
    let read_seconds = started.elapsed().as_secs_f64();
    step("detecting");
    let findings = detect_only(&t, config, &options.detectors);
    // Without scores to write, the sessions' own signals are not needed.
    let scored = if options.write_scores {
        step("scoring");
        score_rows(&t, &findings, config)
    } else {
        Vec::new()
    };
    let mut summary = ScoreSummary {
        sessions: t.len(),
        users: t.users.len(),
        read_seconds,
        rejected: refused,
        ..Default::default()
    };
    for (score, reasons) in &scored {
        *summary.levels.entry(config.level(*score)).or_insert(0) += 1;
        for r in reasons {
            let e = summary.reasons.entry(r.code).or_insert((0, 0));
            e.0 += 1;
            e.1 += r.points as i64;
        }
    }
    for f in &findings {
        *summary.findings.entry(f.detector).or_insert(0) += 1;
    }
    step("writing");
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let run_id = format!("{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs());
    let (scores_path, findings_path) = std::thread::scope(|scope| -> Result<(PathBuf, PathBuf)> {
        let findings_writer = scope.spawn(|| {
            replace_folder(out, "findings", |dir| {
                let mut w = DatasetWriter::<FindingRow>::new(dir, &run_id);
                for f in &findings {
                    w.push("", finding_row(&t, f))?;
                }
                w.finish().map(|_| ())
            })
        });
        if !options.write_scores {
            let findings = findings_writer.join().expect("the findings writer panicked")?;
            return Ok((out.join("scores"), findings));
        }
        let scores = replace_folder(out, "scores", |dir| {
            let mut w = DatasetWriter::<ScoreRow>::new(dir, &run_id);
            for (row, (score, reasons)) in scored.into_iter().enumerate() {
                w.push("", score_row(&t, row, score, reasons, config))?;
            }
            w.finish().map(|_| ())
        })?;
        Ok((scores, findings_writer.join().expect("the findings writer panicked")?))
    })?;
    summary.scores_path = scores_path;
    summary.findings_path = findings_path;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.peak_rss_bytes = peak_rss_bytes();
    Ok(summary)
}

#[cfg(test)]
mod tests;
