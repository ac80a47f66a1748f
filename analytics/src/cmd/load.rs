//! `facesign-analytics load`: NDJSON sessions into PostgreSQL (the library's
//! [`facesign_analytics::load`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use facesign_analytics::connect::Target;
use facesign_analytics::load::{self, LoadOptions};
use facesign_analytics::ndjson::{self, LineOptions};
use indicatif::{ProgressBar, ProgressStyle};

use super::refused_status;

/// Load NDJSON sessions into PostgreSQL over COPY. Idempotent: rerunning, or loading a
/// file that overlaps one loaded before, adds no duplicate; a snapshot of a stored session
/// is merged into it (facesign.merge_session: status never backwards, delayed node
/// reports and video analysis kept), whatever order the snapshots arrive in.
#[derive(clap::Args)]
pub struct Args {
    /// NDJSON file of Session objects (or GET /sessions/{id} responses), one per line.
    #[arg(long)]
    pub input: PathBuf,
    /// libpq connection string or URL, e.g. postgres://user@host/db?sslmode=verify-full;
    /// without it the PG* variables apply (PGHOST, PGPORT, PGUSER, PGPASSWORD,
    /// PGDATABASE, PGSSLMODE, PGSSLROOTCERT).
    #[arg(long, env = "FACESIGN_DSN", hide_env_values = true)]
    pub dsn: Option<String>,
    /// Table to load into: the reference schema's `sessions` (created when missing) or
    /// another table with a `session jsonb` column and a unique `id`.
    #[arg(long, default_value = "sessions")]
    pub table: String,
    /// Sessions per batch (one COPY and one transaction each). A batch PostgreSQL refuses
    /// for one session's sake is retried in halves, so only that session is left out.
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
    /// Erased sessions (a session id a line, or created_before=T for a retention horizon):
    /// those are stored redacted, as the table's own erasures are.
    #[arg(long)]
    pub erasures: Option<PathBuf>,
    #[command(flatten)]
    pub lines: LineOptions,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let Args { input, dsn, table, batch, erasures, lines } = args;
    let erasures = erasures.map(|path| facesign_analytics::erasures::Erasures::read(&path)).transpose()?;
    let target = Target::resolve(dsn.as_deref())?;
    let file =
        std::fs::File::open(&input).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", input.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let summary = runtime.block_on(async {
        let mut client = target.connect().await?;
        eprintln!("loading {} into {} ({})", input.display(), table, target.describe());
        let bar = ProgressBar::new_spinner()
            .with_style(ProgressStyle::with_template("{spinner} {human_pos} lines  {per_sec}  {elapsed}")?);
        let options = LoadOptions { table: table.clone(), batch: batch.max(1), nul: lines.nul, erasures };
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
    ndjson::print_refused(&summary.rejected);
    Ok(refused_status(&summary.rejected, &lines))
}
