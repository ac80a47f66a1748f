//! `facesign-analytics export`: sessions as Parquet datasets, from PostgreSQL or from NDJSON
//! (the library's [`facesign_analytics::export`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use facesign_analytics::connect::Target;
use facesign_analytics::export;
use facesign_analytics::ndjson::{self, LineOptions};
use indicatif::{ProgressBar, ProgressStyle};

/// Export sessions as Parquet: sessions/, node_outcomes/ and transcript/ partitioned by
/// created_date, and flows/ (each distinct flow once, by flow_id). From PostgreSQL (each
/// session read once, by the facesign extension where it is installed, else here), or from
/// NDJSON with --from-ndjson. A run appears whole or not at all (see _manifest.json).
#[derive(clap::Args)]
pub struct Args {
    /// Output folder of the dataset.
    #[arg(long)]
    pub out: PathBuf,
    /// Read these NDJSON sessions instead of a database.
    #[arg(long)]
    pub from_ndjson: Option<PathBuf>,
    /// libpq connection string or URL (else the PG* variables).
    #[arg(long, env = "FACESIGN_DSN", hide_env_values = true)]
    pub dsn: Option<String>,
    /// Table holding the sessions (a `session jsonb` column).
    #[arg(long, default_value = "sessions")]
    pub table: String,
    /// Export only the days (partitions) holding a session that changed since the last run
    /// (recorded in _manifest.json), replacing just those; the first run exports all.
    /// Needs the reference table's updated_at column.
    #[arg(long, conflicts_with_all = ["from_ndjson", "since"])]
    pub incremental: bool,
    /// Like --incremental, from this time (e.g. '2026-10-01 00:00+00').
    #[arg(long, conflicts_with = "from_ndjson")]
    pub since: Option<String>,
    /// Personal data in transcript phrases (provided name, email, phone; any email, phone
    /// number, IP address or URL): `hash` replaces each with a salted SHA-256 token,
    /// `drop` with its kind alone.
    #[arg(long, value_parser = ["hash", "drop"])]
    pub redact: Option<String>,
    /// The salt for --redact hash (keep it secret: it is what stops guessing values back).
    #[arg(long, env = "FACESIGN_REDACT_SALT", hide_env_values = true)]
    pub salt: Option<String>,
    /// Connections reading at once, each its own days, all in one snapshot (default: the
    /// machine's cores). The files are the same whatever the number.
    #[arg(long, conflicts_with = "from_ndjson")]
    pub jobs: Option<usize>,
    /// Who flattens the sessions: `extension` (facesign.export_rows, in the database),
    /// `documents` (the documents are fetched and flattened here, for a database without the
    /// extension), or `auto`: the extension where it is installed. The files are the same.
    #[arg(long, value_parser = ["auto", "extension", "documents"], default_value = "auto", conflicts_with = "from_ndjson")]
    pub read: String,
    /// With --from-ndjson: erased sessions (a session id a line, or created_before=T for a
    /// retention horizon), exported redacted as the database would hold them.
    #[arg(long, requires = "from_ndjson")]
    pub erasures: Option<PathBuf>,
    /// How --from-ndjson lines are read.
    #[command(flatten)]
    pub lines: LineOptions,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let Args { out, from_ndjson, dsn, table, incremental, since, redact, salt, jobs, read, erasures, lines } =
        args;
    let erasures = erasures.map(|path| facesign_analytics::erasures::Erasures::read(&path)).transpose()?;
    let redaction = match (redact.as_deref(), salt) {
            (None, _) => None,
            (Some("drop"), _) => Some(export::redact::Redaction::Drop),
            (Some(_), Some(salt)) if !salt.is_empty() => Some(export::redact::Redaction::Hash { salt }),
            (Some(_), _) => anyhow::bail!(
                "--redact hash needs a secret --salt (or FACESIGN_REDACT_SALT): without one, hashes of names and emails can be guessed back"
            ),
        };
    let bar = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template("{spinner} {human_pos} sessions  {per_sec}  {elapsed}")?);
    let summary = match from_ndjson {
        Some(input) => export::ndjson::export(&input, &out, redaction, erasures.as_ref(), lines, |n| {
            bar.set_position(n)
        })?,
        None => {
            let target = Target::resolve(dsn.as_deref())?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(async {
                let client = target.connect().await?;
                eprintln!("exporting {table} ({})", target.describe());
                let scope = match (since, incremental) {
                    (Some(since), _) => export::db::Scope::ChangedSince(since),
                    (None, true) => match export::last_snapshot(&out)? {
                        Some(last) => export::db::Scope::ChangedSince(last),
                        None => export::db::Scope::Full,
                    },
                    (None, false) => export::db::Scope::Full,
                };
                let options = export::db::Options {
                    jobs: jobs.unwrap_or_else(export::db::default_jobs).max(1),
                    reading: match read.as_str() {
                        "extension" => Some(export::db::Reading::Extension),
                        "documents" => Some(export::db::Reading::Documents),
                        _ => None,
                    },
                    redaction,
                };
                export::db::export(&target, client, &table, &out, scope, options, |n| bar.set_position(n))
                    .await
            })?
        }
    };
    bar.finish_and_clear();
    println!(
            "exported {} sessions ({} lines refused), {} node outcomes, {} transcript phrases, {} flows ({} edges) into {} files in {:.2} s ({:.0} sessions/s; {}): {}",
            summary.sessions,
            summary.rejected.len(),
            summary.node_outcomes,
            summary.transcript,
            summary.flows,
            summary.flow_edges,
            summary.files,
            summary.seconds,
            summary.sessions as f64 / summary.seconds.max(1e-9),
            summary.reading,
            out.display()
        );
    ndjson::print_refused(&summary.rejected);
    Ok(ExitCode::SUCCESS)
}
