//! The commands, one file each (`facesign-analytics <command>` is `cmd/<command>.rs`), each with
//! its own `Args` and `run`. They share only what is here (the exit status for refused lines)
//! and the library; no command uses another's module.

pub mod evaluate;
pub mod export;
pub mod generate;
pub mod lint;
pub mod load;
pub mod score;

use std::process::ExitCode;

use facesign_analytics::ndjson::LineOptions;

/// The exit status of a run that refused input lines under --strict (1 is any other error).
pub const EXIT_REFUSED_LINES: u8 = 3;

/// Exit status 3 when lines were refused under --strict, else success.
pub fn refused_status(refused: &[(u64, String)], lines: &LineOptions) -> ExitCode {
    if lines.strict && !refused.is_empty() {
        eprintln!("error: {} lines were refused and --strict is set", refused.len());
        ExitCode::from(EXIT_REFUSED_LINES)
    } else {
        ExitCode::SUCCESS
    }
}
