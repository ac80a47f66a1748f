//! `facesign-analytics score`: risk scores with their reasons and the anomaly detectors'
//! findings (the library's [`facesign_analytics::score`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use facesign_analytics::ndjson::{self, LineOptions};
use facesign_analytics::risk::config::{ScoreConfig, DEFAULT_TOML};
use facesign_analytics::score::{self, input::Source};
use indicatif::{ProgressBar, ProgressStyle};

/// Score every session (risk_score 0-100, risk_level, and the reasons whose points add up to
/// it) and run the anomaly detectors (impossible travel, new country, several countries,
/// new device, device churn, fraud farms, contradictory devices, age and sex
/// inconsistencies). Writes OUT/scores/ and OUT/findings/ as Parquet.
#[derive(clap::Args)]
pub struct Args {
    /// An export's folder (or its sessions/ folder), or an NDJSON file of sessions.
    #[arg(long, required_unless_present = "print_config")]
    pub input: Option<PathBuf>,
    /// Folder to write scores/ and findings/ into (each replaced whole).
    #[arg(long, required_unless_present = "print_config")]
    pub out: Option<PathBuf>,
    /// A TOML file of weights and thresholds overriding the defaults key by key.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print the default configuration, documented, and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Run only these detectors (comma-separated codes; default: all).
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(score::DETECTORS.map(|(code, _)| code)))]
    pub detectors: Vec<String>,
    /// Write only findings/, not scores/.
    #[arg(long)]
    pub no_scores: bool,
    /// How NDJSON --input lines are read.
    #[command(flatten)]
    pub lines: LineOptions,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let Args { input, out, config, print_config, detectors, no_scores, lines } = args;
    if print_config {
        print!("{DEFAULT_TOML}");
        return Ok(ExitCode::SUCCESS);
    }
    let (input, out) = (input.expect("clap requires it"), out.expect("clap requires it"));
    let config = match config {
        Some(path) => ScoreConfig::from_file(&path)?,
        None => ScoreConfig::default(),
    };
    let source = Source::of(&input)?;
    let bar =
        ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {msg}  {elapsed}")?);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let mut options = score::ScoreOptions { write_scores: !no_scores, lines, ..Default::default() };
    if !detectors.is_empty() {
        options.detectors.retain(|code| detectors.iter().any(|d| d == code));
    }
    let summary = score::run(&source, &out, &config, &options, |step| bar.set_message(step.to_owned()))?;
    bar.finish_and_clear();
    println!(
        "scored {} sessions of {} users ({} lines refused) in {:.2} s (reading {:.2} s), peak memory {}",
        summary.sessions,
        summary.users,
        summary.rejected.len(),
        summary.seconds,
        summary.read_seconds,
        summary.peak_rss_bytes.map_or("unknown".to_owned(), |b| format!("{:.0} MiB", b as f64 / 1048576.0))
    );
    if options.write_scores {
        let level = |l: &str| summary.levels.get(l).copied().unwrap_or(0);
        println!(
            "  risk levels: {} normal, {} elevated, {} high",
            level("normal"),
            level("elevated"),
            level("high")
        );
        let mut reasons: Vec<_> = summary.reasons.iter().collect();
        reasons.sort_by_key(|r| std::cmp::Reverse(r.1 .1));
        println!("  top reasons (sessions, points in all):");
        for (code, (n, points)) in reasons.iter().take(8) {
            println!("    {code:<22} {n:>9} {points:>11}");
        }
    }
    println!("  findings per detector:");
    for detector in &options.detectors {
        println!("    {detector:<22} {:>9}", summary.findings.get(detector).copied().unwrap_or(0));
    }
    if options.write_scores {
        println!("  {}", summary.scores_path.display());
    }
    println!("  {}", summary.findings_path.display());
    ndjson::print_refused(&summary.rejected);
    Ok(ExitCode::SUCCESS)
}
