//! The `facesign-analytics` command line.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use facesign_analytics::connect::Target;
use facesign_analytics::export;
use facesign_analytics::generate::{self, Config, Rates};
use facesign_analytics::load::{self, LoadOptions};
use facesign_analytics::score::{self, config::ScoreConfig, evaluate, input::Source};
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
    /// Export sessions as hive-partitioned Parquet (sessions/, node_outcomes/, transcript/,
    /// flow_edges/, partitioned by created_date), from PostgreSQL through the extension's readers, or from
    /// NDJSON with --from-ndjson. A run appears whole or not at all (see _manifest.json).
    Export {
        /// Output folder of the dataset.
        #[arg(long)]
        out: PathBuf,
        /// Read these NDJSON sessions instead of a database.
        #[arg(long)]
        from_ndjson: Option<PathBuf>,
        /// libpq connection string or URL (else the PG* variables).
        #[arg(long, env = "FACESIGN_DSN", hide_env_values = true)]
        dsn: Option<String>,
        /// Table holding the sessions (a `session jsonb` column).
        #[arg(long, default_value = "sessions")]
        table: String,
        /// Export only the days (partitions) holding a session that changed since the last run
        /// (recorded in _manifest.json), replacing just those; the first run exports all.
        /// Needs the reference table's updated_at column.
        #[arg(long, conflicts_with_all = ["from_ndjson", "since"])]
        incremental: bool,
        /// Like --incremental, from this time (e.g. '2026-10-01 00:00+00').
        #[arg(long, conflicts_with = "from_ndjson")]
        since: Option<String>,
        /// Personal data in transcript phrases (provided name, email, phone; any email, phone
        /// number, IP address or URL): `hash` replaces each with a salted SHA-256 token,
        /// `drop` with its kind alone.
        #[arg(long, value_parser = ["hash", "drop"])]
        redact: Option<String>,
        /// The salt for --redact hash (keep it secret: it is what stops guessing values back).
        #[arg(long, env = "FACESIGN_REDACT_SALT", hide_env_values = true)]
        salt: Option<String>,
    },
    /// Load NDJSON sessions into PostgreSQL over COPY. Idempotent: rerunning, or loading a
    /// file that overlaps one loaded before, adds no duplicate; a snapshot of a stored session
    /// is merged into it (facesign.merge_session: status never backwards, delayed node
    /// reports and video analysis kept), whatever order the snapshots arrive in.
    Load {
        /// NDJSON file of Session objects (or GET /sessions/{id} responses), one per line.
        #[arg(long)]
        input: PathBuf,
        /// libpq connection string or URL, e.g. postgres://user@host/db?sslmode=verify-full;
        /// without it the PG* variables apply (PGHOST, PGPORT, PGUSER, PGPASSWORD,
        /// PGDATABASE, PGSSLMODE, PGSSLROOTCERT).
        #[arg(long, env = "FACESIGN_DSN", hide_env_values = true)]
        dsn: Option<String>,
        /// Table to load into: the reference schema's `sessions` (created when missing) or
        /// another table with a `session jsonb` column and a unique `id`.
        #[arg(long, default_value = "sessions")]
        table: String,
        /// Sessions per batch (one COPY and one transaction each).
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
    },
    /// Score every session (risk_score 0-100, risk_level, and the reasons whose points add up to
    /// it) and run the anomaly detectors (impossible travel, new country, several countries,
    /// new device, device churn, fraud farms, contradictory devices, age and sex
    /// inconsistencies). Writes OUT/scores/ and OUT/findings/ as Parquet.
    Score {
        /// An export's folder (or its sessions/ folder), or an NDJSON file of sessions.
        #[arg(long, required_unless_present = "print_config")]
        input: Option<PathBuf>,
        /// Folder to write scores/ and findings/ into (each replaced whole).
        #[arg(long, required_unless_present = "print_config")]
        out: Option<PathBuf>,
        /// A TOML file of weights and thresholds overriding the defaults key by key.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print the default configuration, documented, and exit.
        #[arg(long)]
        print_config: bool,
        /// Run only these detectors (comma-separated codes; default: all).
        #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(score::DETECTORS.map(|(code, _)| code)))]
        detectors: Vec<String>,
        /// Write only findings/, not scores/.
        #[arg(long)]
        no_scores: bool,
    },
    /// Precision, recall and F1 of each detector against a generated corpus's labels.csv.
    Evaluate {
        /// labels.csv written by `generate`.
        #[arg(long)]
        labels: PathBuf,
        /// The findings/ folder written by `score`.
        #[arg(long)]
        findings: PathBuf,
        /// The scores/ folder written by `score` (default: beside findings/), to count the
        /// benign users a geo or device detector flagged.
        #[arg(long)]
        scores: Option<PathBuf>,
    },
}

/// glibc gives every thread that allocates its own arena and keeps their freed memory: the
/// scorer's reading threads left ~250 MiB of it at ten million sessions. One arena per core.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, std::thread::available_parallelism().map_or(2, |n| n.get()) as i32);
    }
}

fn main() -> Result<()> {
    limit_malloc_arenas();
    match Cli::parse().command {
        Command::Score { print_config: true, .. } => print!("{}", score::config::DEFAULT_TOML),
        Command::Score { input, out, config, detectors, no_scores, .. } => {
            let (input, out) = (input.expect("clap requires it"), out.expect("clap requires it"));
            let config = match config {
                Some(path) => ScoreConfig::from_file(&path)?,
                None => ScoreConfig::default(),
            };
            let source = Source::of(&input)?;
            let bar = ProgressBar::new_spinner()
                .with_style(ProgressStyle::with_template("{spinner} {msg}  {elapsed}")?);
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let mut options = score::ScoreOptions { write_scores: !no_scores, ..Default::default() };
            if !detectors.is_empty() {
                options.detectors.retain(|code| detectors.iter().any(|d| d == code));
            }
            let summary =
                score::run(&source, &out, &config, &options, |step| bar.set_message(step.to_owned()))?;
            bar.finish_and_clear();
            println!(
                "scored {} sessions of {} users in {:.2} s (reading {:.2} s), peak memory {}",
                summary.sessions,
                summary.users,
                summary.seconds,
                summary.read_seconds,
                summary
                    .peak_rss_bytes
                    .map_or("unknown".to_owned(), |b| format!("{:.0} MiB", b as f64 / 1048576.0))
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
                reasons.sort_by(|a, b| b.1 .1.cmp(&a.1 .1));
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
        }
        Command::Evaluate { labels, findings, scores } => {
            let scores = scores.or_else(|| {
                let beside = findings.parent()?.join("scores");
                beside.is_dir().then_some(beside)
            });
            let labels = evaluate::read_labels(&labels)?;
            let result = evaluate::evaluate(&labels, &findings, scores.as_deref())?;
            print!("{result}");
        }
        Command::Export { out, from_ndjson, dsn, table, incremental, since, redact, salt } => {
            let redaction = match (redact.as_deref(), salt) {
                (None, _) => None,
                (Some("drop"), _) => Some(export::redact::Redaction::Drop),
                (Some(_), Some(salt)) if !salt.is_empty() => Some(export::redact::Redaction::Hash { salt }),
                (Some(_), _) => anyhow::bail!(
                    "--redact hash needs a secret --salt (or FACESIGN_REDACT_SALT): without one, hashes of names and emails can be guessed back"
                ),
            };
            let bar = ProgressBar::new_spinner().with_style(ProgressStyle::with_template(
                "{spinner} {human_pos} sessions  {per_sec}  {elapsed}",
            )?);
            let summary = match from_ndjson {
                Some(input) => export::ndjson::export(&input, &out, redaction, |n| bar.set_position(n))?,
                None => {
                    let target = Target::resolve(dsn.as_deref())?;
                    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
                    runtime.block_on(async {
                        let mut client = target.connect().await?;
                        eprintln!("exporting {table} ({})", target.describe());
                        let scope = match (since, incremental) {
                            (Some(since), _) => export::db::Scope::ChangedSince(since),
                            (None, true) => match export::last_snapshot(&out)? {
                                Some(last) => export::db::Scope::ChangedSince(last),
                                None => export::db::Scope::Full,
                            },
                            (None, false) => export::db::Scope::Full,
                        };
                        export::db::export(&mut client, &table, &out, scope, redaction, |n| {
                            bar.set_position(n)
                        })
                        .await
                    })?
                }
            };
            bar.finish_and_clear();
            println!(
                "exported {} sessions, {} node outcomes, {} transcript phrases, {} flow edges into {} files in {:.2} s ({:.0} sessions/s): {}",
                summary.sessions,
                summary.node_outcomes,
                summary.transcript,
                summary.flow_edges,
                summary.files,
                summary.seconds,
                summary.sessions as f64 / summary.seconds.max(1e-9),
                out.display()
            );
            for (line, reason) in summary.rejected.iter().take(20) {
                println!("  skipped line {line}: {reason}");
            }
        }
        Command::Load { input, dsn, table, batch } => {
            let target = Target::resolve(dsn.as_deref())?;
            let file = std::fs::File::open(&input)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", input.display()))?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let summary = runtime.block_on(async {
                let mut client = target.connect().await?;
                eprintln!("loading {} into {} ({})", input.display(), table, target.describe());
                let bar = ProgressBar::new_spinner().with_style(ProgressStyle::with_template(
                    "{spinner} {human_pos} lines  {per_sec}  {elapsed}",
                )?);
                let options = LoadOptions { table: table.clone(), batch: batch.max(1) };
                let reader = std::io::BufReader::with_capacity(1 << 20, file);
                let summary = load::load(&mut client, reader, &options, |n| bar.set_position(n)).await;
                bar.finish_and_clear();
                summary
            })?;
            println!(
                "{} lines: {} sessions loaded, {} updated, {} unchanged, {} rejected",
                summary.lines,
                summary.inserted,
                summary.updated,
                summary.unchanged,
                summary.rejected.len()
            );
            for (line, reason) in summary.rejected.iter().take(20) {
                println!("  line {line}: {reason}");
            }
            if summary.rejected.len() > 20 {
                println!("  … and {} more", summary.rejected.len() - 20);
            }
        }
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
