//! `facesign-analytics evaluate`: each detector's precision, recall and F1 against a generated
//! corpus's labels (the library's [`facesign_analytics::score::evaluate`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use facesign_analytics::score::evaluate;

/// Precision, recall and F1 of each detector against a generated corpus's labels.csv.
#[derive(clap::Args)]
pub struct Args {
    /// labels.csv written by `generate`.
    #[arg(long)]
    pub labels: PathBuf,
    /// The findings/ folder written by `score`.
    #[arg(long)]
    pub findings: PathBuf,
    /// The scores/ folder written by `score` (default: beside findings/), to count the
    /// benign users a geo or device detector flagged.
    #[arg(long)]
    pub scores: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let Args { labels, findings, scores } = args;
    let scores = scores.or_else(|| {
        let beside = findings.parent()?.join("scores");
        beside.is_dir().then_some(beside)
    });
    let labels = evaluate::read_labels(&labels)?;
    let result = evaluate::evaluate(&labels, &findings, scores.as_deref())?;
    print!("{result}");
    Ok(ExitCode::SUCCESS)
}
