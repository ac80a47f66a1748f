//! The `facesign-analytics` command line.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use facesign_analytics::generate::{self, Config, Rates};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(name = "facesign-analytics", version, about = "Data tooling for FaceSign session reports")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a synthetic corpus: sessions.ndjson (Session objects as GET /sessions/{id}
    /// returns them) and labels.csv (the planted anomalies and benign look-alikes, which
    /// detectors must not read).
    Generate {
        /// The same seed writes the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many sessions to write.
        #[arg(long, default_value_t = 100_000)]
        sessions: u64,
        /// How many users they belong to (default: one per ten sessions).
        #[arg(long)]
        users: Option<u64>,
        /// First day of the span, YYYY-MM-DD (UTC).
        #[arg(long, default_value = "2026-09-01")]
        start: String,
        /// Length of the span in days.
        #[arg(long, default_value_t = 60)]
        days: u32,
        /// Output folder.
        #[arg(long, default_value = "corpus")]
        out: PathBuf,
        /// Worker threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Generate { seed, sessions, users, start, days, out, threads } => {
            let config = Config {
                seed,
                sessions,
                users: users.unwrap_or((sessions / 10).max(1)),
                start_ms: generate::parse_date(&start)?,
                days: days.max(1),
                rates: Rates::default(),
            };
            let threads =
                threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
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
        }
    }
    Ok(())
}
