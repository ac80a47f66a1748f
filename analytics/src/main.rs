//! The `facesign-analytics` command line: parses the arguments and hands them to the command's
//! own module under `cmd/`.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use facesign_analytics::ndjson::{self, StrictRefusal};

#[derive(Parser)]
#[command(name = "facesign-analytics", version, about = "Data tooling for FaceSign session reports")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Generate(cmd::generate::Args),
    Load(cmd::load::Args),
    Export(cmd::export::Args),
    Score(cmd::score::Args),
    Evaluate(cmd::evaluate::Args),
    Lint(cmd::lint::Args),
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

fn main() -> ExitCode {
    limit_malloc_arenas();
    let outcome = match Cli::parse().command {
        Command::Generate(args) => cmd::generate::run(args),
        Command::Load(args) => cmd::load::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Score(args) => cmd::score::run(args),
        Command::Evaluate(args) => cmd::evaluate::run(args),
        Command::Lint(args) => cmd::lint::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<StrictRefusal>() {
            // Under --strict, export and score refuse to write: the lines, then status 3.
            Some(StrictRefusal(lines)) => {
                ndjson::print_refused(lines);
                eprintln!("error: {e}");
                ExitCode::from(cmd::EXIT_REFUSED_LINES)
            }
            None => {
                eprintln!("Error: {e:?}");
                ExitCode::FAILURE
            }
        },
    }
}
