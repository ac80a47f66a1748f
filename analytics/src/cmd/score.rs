//! `facesign-analytics score`: risk scores with their reasons and the anomaly detectors'
//! findings (the library's [`facesign_analytics::score`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use facesign_analytics::connect::Target;
use facesign_analytics::ndjson::{self, LineOptions};
use facesign_analytics::risk::config::{ScoreConfig, DEFAULT_TOML};
use facesign_analytics::score::incremental::{self, Incoming, IncrementalOptions, IncrementalSummary};
use facesign_analytics::score::{self, input::Source};
use indicatif::{ProgressBar, ProgressStyle};

/// Score every session (risk_score 0-100, risk_level, and the reasons whose points add up to
/// it) and run the anomaly detectors (impossible travel, new country, several countries,
/// new device, device churn, fraud farms, contradictory devices, age and sex
/// inconsistencies). Writes OUT/scores/ and OUT/findings/ as Parquet.
#[derive(clap::Args)]
pub struct Args {
    /// An export's folder (or its sessions/ folder), or an NDJSON file of sessions.
    #[arg(long, required_unless_present_any = ["print_config", "dsn"], conflicts_with = "dsn")]
    pub input: Option<PathBuf>,
    /// With --state: read the sessions straight from PostgreSQL (libpq connection string or
    /// URL, else the PG* variables), through the facesign extension: the first run every row
    /// of --table, later runs the rows updated since.
    #[arg(long, requires = "state", num_args = 0..=1, default_missing_value = "")]
    pub dsn: Option<String>,
    /// With --dsn: the sessions table.
    #[arg(long, default_value = "sessions", requires = "dsn")]
    pub table: String,
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
    /// Score incrementally, keeping state in this folder: the first run scores --input (or
    /// --dsn's table) whole and writes the state; each later run scores only the sessions that
    /// are new (an NDJSON file not scored yet, an export's files not read yet, the table's rows
    /// updated since) and writes them, and the earlier sessions whose answers they change, to
    /// OUT/scores/run=N/ and OUT/findings/run=N/. A session's answer is its row of the latest
    /// run (docs/analytics.md).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["detectors", "no_scores"])]
    pub state: Option<PathBuf>,
    /// With --state: how many days older than the latest session scored so far a new session
    /// may be and still be scored exactly (older ones stop the run: rebuild the state then).
    /// The state keeps this many more days of sessions.
    #[arg(long, default_value_t = 7.0, requires = "state")]
    pub late_days: f64,
    /// How NDJSON --input lines are read.
    #[command(flatten)]
    pub lines: LineOptions,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let Args { input, out, config, print_config, detectors, no_scores, state, late_days, dsn, table, lines } =
        args;
    if print_config {
        print!("{DEFAULT_TOML}");
        return Ok(ExitCode::SUCCESS);
    }
    let out = out.expect("clap requires it");
    let config = match config {
        Some(path) => ScoreConfig::from_file(&path)?,
        None => ScoreConfig::default(),
    };
    let bar =
        ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {msg}  {elapsed}")?);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    if let Some(state) = state {
        let options = IncrementalOptions { late_days, lines };
        let (target, source);
        let incoming = match dsn {
            Some(dsn) => {
                target = Target::resolve(Some(dsn.as_str()).filter(|d| !d.is_empty()))?;
                Incoming::Database { target: &target, table: &table }
            }
            None => {
                source = Source::of(&input.expect("clap requires it"))?;
                Incoming::Files(&source)
            }
        };
        let summary = incremental::run_from(&incoming, &out, &state, &config, &options, |step| {
            bar.set_message(step.to_owned())
        })?;
        bar.finish_and_clear();
        print_incremental(&summary, &out);
        ndjson::print_refused(&summary.rejected);
        return Ok(ExitCode::SUCCESS);
    }
    let source = Source::of(&input.expect("clap requires it"))?;
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
        memory(summary.peak_rss_bytes)
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

/// Peak memory as the runs print it.
fn memory(peak_rss_bytes: Option<u64>) -> String {
    peak_rss_bytes.map_or("unknown".to_owned(), |b| format!("{:.0} MiB", b as f64 / 1048576.0))
}

fn print_incremental(s: &IncrementalSummary, out: &std::path::Path) {
    if s.run == 0 {
        println!(
            "nothing new to score: every session read was scored by an earlier run ({:.2} s)",
            s.seconds
        );
        return;
    }
    let mib = |b: u64| b as f64 / 1048576.0;
    println!(
        "run {}: scored {} new sessions; read {} users' records ({} for farm findings the new sessions changed), replayed {} of their earlier sessions, rewrote {} whose answers changed; {} findings written; {:.2} s, peak memory {}",
        s.run,
        s.new_sessions,
        s.users_read,
        s.farm_users,
        s.replayed,
        s.revised,
        s.findings_written,
        s.seconds,
        memory(s.peak_rss_bytes)
    );
    let per_user = if s.users == 0 { 0.0 } else { s.state_bytes as f64 / s.users as f64 };
    println!(
        "  state: {:.1} MiB for {} users ({:.0} bytes per user), the farm's last {} sessions among them",
        mib(s.state_bytes),
        s.users,
        per_user,
        s.farm_sessions
    );
    println!("  {}", out.join("scores").join(format!("run={:06}", s.run)).display());
    println!("  {}", out.join("findings").join(format!("run={:06}", s.run)).display());
}
