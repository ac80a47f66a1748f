//! `facesign-analytics generate`: a synthetic corpus of sessions with planted, labelled
//! anomalies (the library's [`facesign_analytics::generate`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use facesign_analytics::generate::{self, Config, Profile, PROFILES};
use indicatif::{ProgressBar, ProgressStyle};

/// Write a synthetic corpus: sessions.ndjson (Session objects as GET /sessions/{id}
/// returns them) and labels.csv (the planted anomalies and benign look-alikes, which
/// detectors must not read).
#[derive(clap::Args)]
pub struct Args {
    /// The same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many sessions to write.
    #[arg(long, default_value_t = 100_000)]
    pub sessions: u64,
    /// How many users they belong to (default: one per ten sessions).
    #[arg(long)]
    pub users: Option<u64>,
    /// First day of the span, YYYY-MM-DD (UTC).
    #[arg(long, default_value = "2026-09-01")]
    pub start: String,
    /// Length of the span in days.
    #[arg(long, default_value_t = 60)]
    pub days: u32,
    /// Output folder.
    #[arg(long, default_value = "corpus")]
    pub out: PathBuf,
    /// Worker threads (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The corpus's character: `default`, or `shifted` (more devices per user, more travel,
    /// homes in other countries, patterns drawn wider), to see whether detectors generalise.
    #[arg(long, default_value = "default", value_parser = clap::builder::PossibleValuesParser::new(PROFILES))]
    pub profile: String,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let Args { seed, sessions, users, start, days, out, threads, profile } = args;
    let config = Config {
        seed,
        sessions,
        users: users.unwrap_or((sessions / 10).max(1)),
        start_ms: generate::parse_date(&start)?,
        days: days.max(1),
        profile: Profile::named(&profile)?,
    };
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let bar = ProgressBar::new(sessions).with_style(ProgressStyle::with_template(
        "{bar:40} {human_pos}/{human_len} sessions  {per_sec}  eta {eta}",
    )?);
    let summary = generate::generate(&config, &out, threads, |n| bar.set_position(n))?;
    bar.finish_and_clear();
    println!(
        "wrote {} sessions of {} users ({:.1} MB) and {} labels in {:.2} s: {:.0} sessions/s",
        summary.sessions,
        summary.users,
        summary.bytes as f64 / 1e6,
        summary.labels,
        summary.seconds,
        summary.sessions as f64 / summary.seconds
    );
    println!("  {}\n  {}", summary.sessions_path.display(), summary.labels_path.display());
    Ok(ExitCode::SUCCESS)
}
