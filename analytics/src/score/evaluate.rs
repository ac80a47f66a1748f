//! `facesign-analytics evaluate`: each detector against the generator's labels, per session and
//! per user, the benign look-alikes it flagged, the plain users any geo or device detector
//! flagged, and `risk_score` as a ranking of "any planted anomaly".
//!
//! Labels are what the generator planted (see `generate::stories`), not what a rule says of the
//! sessions. Per session, a finding on a session labelled with the detector's kind is a true
//! positive, any other finding a false positive, a labelled session without the finding a
//! false negative. Per user, a user is labelled with a kind when any of their sessions is, and
//! found when the detector flagged any of their sessions. A look-alike (`benign`, with the kind
//! it imitates) is a negative built to resemble the kind.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use polars::prelude::{col, DataFrame, Engine};
use serde_json::json;

use super::finding::detector;

/// True and false positives and negatives of one detector at one level (sessions or users).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub labelled: usize,
    pub found: usize,
    pub true_positives: usize,
}

impl Counts {
    fn of(truth: &HashSet<&str>, found: &HashSet<&str>) -> Counts {
        Counts {
            labelled: truth.len(),
            found: found.len(),
            true_positives: found.intersection(truth).count(),
        }
    }
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

#[derive(Debug, Clone, PartialEq)]
pub struct DetectorEval {
    pub detector: &'static str,
    pub sessions: Counts,
    pub users: Counts,
    /// Look-alike sessions of this kind (not labelled with it), and how many it flagged.
    pub lookalikes: usize,
    pub lookalikes_flagged: usize,
}

/// `risk_score` as a ranking of the sessions with any planted anomaly (any label but `benign`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreEval {
    pub sessions: usize,
    pub positives: usize,
    /// (k, precision among the k highest scores; ties at the k-th score shared out evenly).
    pub precision_at: Vec<(usize, f64)>,
    /// Area under the precision–recall curve (average precision over the distinct scores).
    pub pr_auc: f64,
}

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub detectors: Vec<DetectorEval>,
    /// Plain users: no geo or device story planted (no label of a geo or device detector's kind
    /// and no look-alike; session signals such as a deepfake do not count), and how many of them
    /// a geo or device detector flagged.
    pub plain_users: Option<usize>,
    pub plain_users_flagged: Option<usize>,
    /// Users with look-alike labels and no geo or device anomaly, and how many a geo or device
    /// detector flagged.
    pub lookalike_users: Option<usize>,
    pub lookalike_users_flagged: Option<usize>,
    pub score: Option<ScoreEval>,
}

fn share(k: usize, n: usize) -> f64 {
    k as f64 / n.max(1) as f64
}

impl Evaluation {
    pub fn get(&self, detector: &str) -> Option<&DetectorEval> {
        self.detectors.iter().find(|d| d.detector == detector)
    }
    pub fn plain_flagged_rate(&self) -> Option<f64> {
        Some(share(self.plain_users_flagged?, self.plain_users?))
    }
    /// All look-alike sessions, and those the detector they imitate flagged.
    pub fn lookalikes(&self) -> (usize, usize) {
        self.detectors.iter().fold((0, 0), |(n, k), d| (n + d.lookalikes, k + d.lookalikes_flagged))
    }
    pub fn lookalikes_flagged_rate(&self) -> f64 {
        let (n, k) = self.lookalikes();
        share(k, n)
    }

    /// The figures as JSON, for scripts (bench/evaluate_detectors.sh checks its targets on it).
    pub fn to_json(&self) -> serde_json::Value {
        let counts = |c: &Counts| {
            json!({"labelled": c.labelled, "found": c.found, "true_positives": c.true_positives,
                   "precision": c.precision(), "recall": c.recall(), "f1": c.f1()})
        };
        let (lookalikes, flagged) = self.lookalikes();
        json!({
            "detectors": self.detectors.iter().map(|d| json!({
                "detector": d.detector,
                "sessions": counts(&d.sessions),
                "users": counts(&d.users),
                "lookalikes": d.lookalikes,
                "lookalikes_flagged": d.lookalikes_flagged,
            })).collect::<Vec<_>>(),
            "lookalikes": lookalikes,
            "lookalikes_flagged": flagged,
            "plain_users": self.plain_users,
            "plain_users_flagged": self.plain_users_flagged,
            "lookalike_users": self.lookalike_users,
            "lookalike_users_flagged": self.lookalike_users_flagged,
            "score": self.score.as_ref().map(|s| json!({
                "sessions": s.sessions,
                "positives": s.positives,
                "precision_at": s.precision_at.iter().map(|&(k, p)| json!({"k": k, "precision": p})).collect::<Vec<_>>(),
                "pr_auc": s.pr_auc,
            })),
        })
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

/// Precision at each `k` and the average precision of `scores` (session, score) against
/// `positive`.
pub fn rank_quality(scores: &[(&str, i32)], positive: &HashSet<&str>, ks: &[usize]) -> ScoreEval {
    let mut by_score: Vec<(i32, bool)> =
        scores.iter().map(|&(s, score)| (score, positive.contains(s))).collect();
    by_score.sort_unstable_by_key(|x| std::cmp::Reverse(x.0));
    let positives = by_score.iter().filter(|x| x.1).count();
    // Groups of equal scores, highest first: (sessions, positives).
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (k, &(score, hit)) in by_score.iter().enumerate() {
        if k == 0 || by_score[k - 1].0 != score {
            groups.push((0, 0));
        }
        let g = groups.last_mut().expect("pushed");
        g.0 += 1;
        g.1 += hit as usize;
    }
    let (mut seen, mut found, mut pr_auc) = (0usize, 0usize, 0.0);
    for &(n, hits) in &groups {
        seen += n;
        found += hits;
        pr_auc += share(hits, positives) * share(found, seen);
    }
    let precision_at = ks
        .iter()
        .map(|&k| {
            let k = k.min(by_score.len());
            let (mut seen, mut found) = (0usize, 0.0);
            for &(n, hits) in &groups {
                if seen + n >= k {
                    found += (k - seen) as f64 * share(hits, n);
                    break;
                }
                seen += n;
                found += hits as f64;
            }
            (k, found / k.max(1) as f64)
        })
        .collect();
    ScoreEval { sessions: scores.len(), positives, precision_at, pr_auc }
}

/// Whether a label is the kind of a geo or device detector (not a session signal's).
fn geo_or_device(kind: &str) -> bool {
    super::DETECTORS.iter().any(|&(d, _)| d == kind) && detector::is_geo_or_device(kind)
}

/// Evaluates `findings/` against the labels; with `scores/` (every session), also the plain
/// users flagged and the score's ranking.
pub fn evaluate(labels: &[Label], findings_dir: &Path, scores_dir: Option<&Path>) -> Result<Evaluation> {
    let found = read_columns(findings_dir, &["session_id", "client_reference_id", "detector"])?;
    let mut found_sessions: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut found_users: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut flagged_users: HashSet<&str> = HashSet::new();
    for ((session, user), det) in strings(&found, "session_id")?
        .zip(strings(&found, "client_reference_id")?)
        .zip(strings(&found, "detector")?)
    {
        let (Some(session), Some(det)) = (session, det) else { continue };
        found_sessions.entry(det).or_default().insert(session);
        if let Some(u) = user {
            found_users.entry(det).or_default().insert(u);
            if detector::is_geo_or_device(det) {
                flagged_users.insert(u);
            }
        }
    }
    let mut labelled_sessions: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut labelled_users: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut lookalikes: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut geo_or_device_users: HashSet<&str> = HashSet::new();
    let mut storied_users: HashSet<&str> = HashSet::new();
    let mut anomalous_sessions: HashSet<&str> = HashSet::new();
    for l in labels {
        if l.kind == "benign" || geo_or_device(&l.kind) {
            storied_users.insert(&l.client_reference_id);
        }
        if geo_or_device(&l.kind) {
            geo_or_device_users.insert(&l.client_reference_id);
        }
        if l.kind == "benign" {
            lookalikes.entry(l.imitates.as_str()).or_default().insert(&l.session_id);
        } else {
            labelled_sessions.entry(l.kind.as_str()).or_default().insert(&l.session_id);
            labelled_users.entry(l.kind.as_str()).or_default().insert(&l.client_reference_id);
            anomalous_sessions.insert(&l.session_id);
        }
    }
    let empty = HashSet::new();
    let detectors = super::DETECTORS
        .iter()
        .map(|&(d, _)| {
            let truth = labelled_sessions.get(d).unwrap_or(&empty);
            let hits = found_sessions.get(d).unwrap_or(&empty);
            let alike: Vec<&&str> =
                lookalikes.get(d).unwrap_or(&empty).iter().filter(|s| !truth.contains(**s)).collect();
            DetectorEval {
                detector: d,
                sessions: Counts::of(truth, hits),
                users: Counts::of(
                    labelled_users.get(d).unwrap_or(&empty),
                    found_users.get(d).unwrap_or(&empty),
                ),
                lookalikes: alike.len(),
                lookalikes_flagged: alike.iter().filter(|s| hits.contains(**s)).count(),
            }
        })
        .collect();
    let mut evaluation = Evaluation {
        detectors,
        plain_users: None,
        plain_users_flagged: None,
        lookalike_users: None,
        lookalike_users_flagged: None,
        score: None,
    };
    if let Some(dir) = scores_dir {
        let scores = read_columns(dir, &["session_id", "client_reference_id", "risk_score"])?;
        let users: HashSet<&str> = strings(&scores, "client_reference_id")?.flatten().collect();
        let plain: Vec<&&str> = users.iter().filter(|u| !storied_users.contains(**u)).collect();
        evaluation.plain_users = Some(plain.len());
        evaluation.plain_users_flagged = Some(plain.iter().filter(|u| flagged_users.contains(**u)).count());
        let alike: Vec<&&str> = users
            .iter()
            .filter(|u| storied_users.contains(**u) && !geo_or_device_users.contains(**u))
            .collect();
        evaluation.lookalike_users = Some(alike.len());
        evaluation.lookalike_users_flagged =
            Some(alike.iter().filter(|u| flagged_users.contains(**u)).count());
        let ranked: Vec<(&str, i32)> = strings(&scores, "session_id")?
            .zip(scores.column("risk_score")?.i32()?.iter())
            .filter_map(|(s, score)| Some((s?, score.unwrap_or(0))))
            .collect();
        let k_all = anomalous_sessions.len();
        evaluation.score = Some(rank_quality(&ranked, &anomalous_sessions, &[100, 1_000, k_all]));
    }
    Ok(evaluation)
}

fn ratio(x: Option<f64>) -> String {
    x.map_or("-".to_owned(), |x| format!("{x:.3}"))
}

fn percent(k: usize, n: usize) -> String {
    format!("{k} of {n} ({:.2}%)", 100.0 * share(k, n))
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<20} | {:>29} {:>5} {:>5} | {:>27} {:>5} {:>5} | look-alikes",
            "", "per session", "", "", "per user", "", ""
        )?;
        writeln!(
            f,
            "{:<20} | {:>8} {:>6} {:>6} {:>5} {:>5} {:>5} | {:>6} {:>6} {:>6} {:>5} {:>5} {:>5} | flagged",
            "detector",
            "labelled",
            "found",
            "true",
            "prec",
            "rec",
            "F1",
            "users",
            "found",
            "true",
            "prec",
            "rec",
            "F1"
        )?;
        // One level's columns: labelled (width given), found, true, precision, recall, F1.
        let level = |c: &Counts, width: usize| {
            format!(
                "{:>width$} {:>6} {:>6} {:>5} {:>5} {:>5}",
                c.labelled,
                c.found,
                c.true_positives,
                ratio(c.precision()),
                ratio(c.recall()),
                ratio(c.f1())
            )
        };
        for d in &self.detectors {
            let flagged = if d.lookalikes > 0 {
                format!("{}/{}", d.lookalikes_flagged, d.lookalikes)
            } else {
                "-".into()
            };
            writeln!(
                f,
                "{:<20} | {} | {} | {flagged}",
                d.detector,
                level(&d.sessions, 8),
                level(&d.users, 6)
            )?;
        }
        let (n, k) = self.lookalikes();
        writeln!(f, "look-alike sessions flagged by the detector they imitate: {}", percent(k, n))?;
        if let (Some(n), Some(k)) = (self.plain_users, self.plain_users_flagged) {
            writeln!(
                f,
                "plain users (no geo or device story) flagged by a geo or device detector: {}",
                percent(k, n)
            )?;
        }
        if let (Some(n), Some(k)) = (self.lookalike_users, self.lookalike_users_flagged) {
            writeln!(
                f,
                "look-alike users (no geo or device anomaly) flagged by a geo or device detector: {}",
                percent(k, n)
            )?;
        }
        if let Some(s) = &self.score {
            let at: Vec<String> = s.precision_at.iter().map(|(k, p)| format!("{k} {p:.3}")).collect();
            writeln!(
                f,
                "risk_score against any planted anomaly ({} of {} sessions): PR-AUC {:.3}; precision at top {}",
                s.positives,
                s.sessions,
                s.pr_auc,
                at.join(", ")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranking_quality_counts_ties_evenly() {
        let positive: HashSet<&str> = ["a", "b"].into_iter().collect();
        // a perfect ranking
        let scores = [("a", 90), ("b", 50), ("c", 10), ("d", 0)];
        let q = rank_quality(&scores, &positive, &[1, 2, 4]);
        assert_eq!(q.pr_auc, 1.0);
        assert_eq!(q.precision_at, vec![(1, 1.0), (2, 1.0), (4, 0.5)]);
        // a tie between a positive and a negative at the top: precision 1/2 at recall 1/2
        let scores = [("a", 90), ("c", 90), ("b", 50), ("d", 0)];
        let q = rank_quality(&scores, &positive, &[1, 2]);
        assert!((q.pr_auc - (0.5 * 0.5 + 0.5 * 2.0 / 3.0)).abs() < 1e-12, "{}", q.pr_auc);
        assert_eq!(q.precision_at, vec![(1, 0.5), (2, 0.5)]);
        // everything at one score: the prevalence
        let scores = [("a", 0), ("b", 0), ("c", 0), ("d", 0)];
        assert_eq!(rank_quality(&scores, &positive, &[]).pr_auc, 0.5);
    }
}
