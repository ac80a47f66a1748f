//! `facesign-analytics evaluate`: precision, recall and F1 of each detector against the
//! generator's labels. The unit is a session: a finding on a session labelled with the
//! detector's kind is a true positive, any other finding a false positive (benign look-alikes,
//! labelled `benign` with the kind they imitate, are such negatives), a labelled session without
//! the finding a false negative.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use polars::prelude::{col, DataFrame, Engine};

use super::finding::detector;

#[derive(Debug, Clone, PartialEq)]
pub struct DetectorEval {
    pub detector: &'static str,
    pub labelled: usize,
    pub found: usize,
    pub true_positives: usize,
    /// Look-alikes of this kind, and how many of them the detector flagged.
    pub lookalikes: usize,
    pub lookalikes_flagged: usize,
}

impl DetectorEval {
    pub fn precision(&self) -> Option<f64> {
        (self.found > 0).then(|| self.true_positives as f64 / self.found as f64)
    }
    pub fn recall(&self) -> Option<f64> {
        (self.labelled > 0).then(|| self.true_positives as f64 / self.labelled as f64)
    }
    pub fn f1(&self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        Some(if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) })
    }
}

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub detectors: Vec<DetectorEval>,
    /// Users with no label but `benign`, and how many of them a geo or device detector flagged.
    pub benign_users: Option<usize>,
    pub benign_users_flagged: Option<usize>,
}

impl Evaluation {
    pub fn get(&self, detector: &str) -> Option<&DetectorEval> {
        self.detectors.iter().find(|d| d.detector == detector)
    }
    pub fn benign_flagged_rate(&self) -> Option<f64> {
        Some(self.benign_users_flagged? as f64 / self.benign_users?.max(1) as f64)
    }
}

/// A label row: session, user, kind, and what a benign look-alike imitates.
pub struct Label {
    pub session_id: String,
    pub client_reference_id: String,
    pub kind: String,
    pub imitates: String,
}

pub fn read_labels(path: &Path) -> Result<Vec<Label>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines();
    if lines.next() != Some("session_id,client_reference_id,kind,imitates") {
        bail!("{} is not a labels.csv written by `facesign-analytics generate`", path.display());
    }
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let [s, u, k, i] = f.as_slice() else { bail!("bad label line {l:?}") };
            Ok(Label {
                session_id: s.to_string(),
                client_reference_id: u.to_string(),
                kind: k.to_string(),
                imitates: i.to_string(),
            })
        })
        .collect()
}

/// Columns of the Parquet files in `dir` (a `findings/` or `scores/` folder).
fn read_columns(dir: &Path, columns: &[&str]) -> Result<DataFrame> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    let frame = super::input::scan(&files)?.select(columns.iter().map(|&c| col(c)).collect::<Vec<_>>());
    Ok(frame
        .collect_with_engine(Engine::Streaming)
        .with_context(|| format!("reading {}", dir.display()))?
        .unwrap_single())
}

fn strings<'a>(df: &'a DataFrame, name: &str) -> Result<impl Iterator<Item = Option<&'a str>>> {
    Ok(df.column(name)?.str()?.iter())
}

/// Evaluates `findings/` against the labels; with `scores/` (every session), also the share of
/// benign users flagged.
pub fn evaluate(labels: &[Label], findings_dir: &Path, scores_dir: Option<&Path>) -> Result<Evaluation> {
    let found = read_columns(findings_dir, &["session_id", "client_reference_id", "detector"])?;
    let mut found_by: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut flagged_users: HashSet<&str> = HashSet::new();
    for ((session, user), det) in strings(&found, "session_id")?
        .zip(strings(&found, "client_reference_id")?)
        .zip(strings(&found, "detector")?)
    {
        let (Some(session), Some(det)) = (session, det) else { continue };
        found_by.entry(det).or_default().insert(session);
        if detector::is_geo_or_device(det) {
            if let Some(u) = user {
                flagged_users.insert(u);
            }
        }
    }
    let mut labelled: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut lookalikes: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut anomalous_users: HashSet<&str> = HashSet::new();
    for l in labels {
        if l.kind == "benign" {
            lookalikes.entry(l.imitates.as_str()).or_default().insert(&l.session_id);
        } else {
            labelled.entry(l.kind.as_str()).or_default().insert(&l.session_id);
            anomalous_users.insert(&l.client_reference_id);
        }
    }
    let empty = HashSet::new();
    let detectors = super::DETECTORS
        .iter()
        .map(|&(d, _)| {
            let (truth, hits) = (labelled.get(d).unwrap_or(&empty), found_by.get(d).unwrap_or(&empty));
            let alike = lookalikes.get(d).unwrap_or(&empty);
            DetectorEval {
                detector: d,
                labelled: truth.len(),
                found: hits.len(),
                true_positives: hits.intersection(truth).count(),
                lookalikes: alike.len(),
                lookalikes_flagged: alike.iter().filter(|s| hits.contains(*s) && !truth.contains(*s)).count(),
            }
        })
        .collect();
    let (mut benign_users, mut benign_users_flagged) = (None, None);
    if let Some(dir) = scores_dir {
        let scores = read_columns(dir, &["client_reference_id"])?;
        let users: HashSet<&str> = strings(&scores, "client_reference_id")?.flatten().collect();
        let benign: Vec<&&str> = users.iter().filter(|u| !anomalous_users.contains(**u)).collect();
        benign_users = Some(benign.len());
        benign_users_flagged = Some(benign.iter().filter(|u| flagged_users.contains(**u)).count());
    }
    Ok(Evaluation { detectors, benign_users, benign_users_flagged })
}

fn ratio(x: Option<f64>) -> String {
    x.map_or("-".to_owned(), |x| format!("{x:.3}"))
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<22} {:>9} {:>7} {:>9} {:>9} {:>7} {:>7} {:>12}",
            "detector", "labelled", "found", "true pos", "precision", "recall", "F1", "look-alikes"
        )?;
        for d in &self.detectors {
            writeln!(
                f,
                "{:<22} {:>9} {:>7} {:>9} {:>9} {:>7} {:>7} {:>12}",
                d.detector,
                d.labelled,
                d.found,
                d.true_positives,
                ratio(d.precision()),
                ratio(d.recall()),
                ratio(d.f1()),
                if d.lookalikes > 0 {
                    format!("{}/{} hit", d.lookalikes_flagged, d.lookalikes)
                } else {
                    "-".into()
                }
            )?;
        }
        if let (Some(n), Some(k), Some(rate)) =
            (self.benign_users, self.benign_users_flagged, self.benign_flagged_rate())
        {
            writeln!(
                f,
                "benign users flagged by a geo or device detector: {k} of {n} ({:.2}%)",
                rate * 100.0
            )?;
        }
        Ok(())
    }
}
