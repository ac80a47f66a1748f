//! `facesign-analytics evaluate`: each detector's precision, recall and F1 per session and per
//! user against a generated corpus's labels, the look-alikes and plain users flagged, and the
//! risk score's ranking (the library's [`facesign_analytics::score::evaluate`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use facesign_analytics::score::evaluate;

/// Precision, recall and F1 of each detector against a generated corpus's labels.csv, per
/// session and per user; the benign look-alikes each flagged; the plain users (no label) a geo
/// or device detector flagged; and risk_score's precision at the top k and area under the
/// precision-recall curve against "any planted anomaly".
#[derive(clap::Args)]
pub struct Args {
    /// labels.csv written by `generate`.
    #[arg(long)]
    pub labels: PathBuf,
    /// The findings/ folder written by `score`.
    #[arg(long)]
    pub findings: PathBuf,
    /// The scores/ folder written by `score` (default: beside findings/), for the plain users
    /// flagged and the score's ranking.
    #[arg(long)]
    pub scores: Option<PathBuf>,
    /// Also write the figures to this file as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let Args { labels, findings, scores, json } = args;
    let scores = scores.or_else(|| {
        let beside = findings.parent()?.join("scores");
        beside.is_dir().then_some(beside)
    });
    let labels = evaluate::read_labels(&labels)?;
    let result = evaluate::evaluate(&labels, &findings, scores.as_deref())?;
    print!("{result}");
    if let Some(path) = json {
        std::fs::write(&path, serde_json::to_string_pretty(&result.to_json())? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
