//! `facesign-analytics lint`: the rows of `facesign.validate_flow` / `facesign.validate_session`
//! for flow and session JSON files, from the same core rules, for a customer's CI to run
//! before a flow is deployed.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use facesign_core::flow::{validate_flow, validate_session, Problem, Severity};
use serde_json::Value;

/// Validate flows and sessions: every error and warning `facesign.validate_flow` and
/// `facesign.validate_session` would give, one line each (`FILE[:LINE]:POINTER: severity
/// code [node] message`). A bare JSON array is read as a flow; an object as a session or a
/// create-session request body, whose settings (langs, providedData) add their own rules;
/// `.ndjson`/`.jsonl` files as one session a line. Exit status: 0 when no row is an error
/// (nor, with --deny-warnings, a warning), 1 when one is, 2 when a file cannot be read.
#[derive(clap::Args)]
pub struct Args {
    /// Flow or session JSON files (`-` reads standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Read every document as this, instead of by its shape.
    #[arg(long = "as", value_enum, default_value_t = Kind::Auto)]
    pub kind: Kind,
    /// Fail (exit status 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print each row as a JSON object (NDJSON: file, line, severity, code, path, nodeId,
    /// message) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// An array is a flow, an object a session or request body.
    Auto,
    Flow,
    Session,
}

/// What one document gave.
struct Linted {
    /// 1-based line of an NDJSON file, `None` for a whole-file document.
    line: Option<u64>,
    problems: Vec<Problem>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let Args { files, kind, deny_warnings, json } = args;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut errors, mut warnings, mut unreadable, mut documents) = (0usize, 0usize, 0usize, 0usize);
    for file in &files {
        let linted = match read(file, kind) {
            Ok(linted) => linted,
            Err(e) => {
                eprintln!("{}: cannot be linted: {e:#}", file.display());
                unreadable += 1;
                continue;
            }
        };
        for doc in linted {
            documents += 1;
            for p in &doc.problems {
                match p.severity() {
                    Severity::Error => errors += 1,
                    Severity::Warning => warnings += 1,
                }
                print_row(&mut out, file, doc.line, p, json)?;
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{documents} document{} in {} file{}: {errors} error{}, {warnings} warning{}{}",
        plural(documents),
        files.len() - unreadable,
        plural(files.len() - unreadable),
        plural(errors),
        plural(warnings),
        if unreadable > 0 {
            format!("; {unreadable} file{} could not be read", plural(unreadable))
        } else {
            String::new()
        }
    );
    Ok(if unreadable > 0 {
        ExitCode::from(2)
    } else if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Every document in `file`, validated.
fn read(file: &Path, kind: Kind) -> Result<Vec<Linted>> {
    let ndjson = matches!(file.extension().and_then(|e| e.to_str()), Some("ndjson" | "jsonl"));
    let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(std::fs::File::open(file).context("cannot open it")?))
    };
    if !ndjson {
        let doc: Value = serde_json::from_reader(reader).context("not JSON")?;
        return Ok(vec![Linted { line: None, problems: lint(&doc, kind) }]);
    }
    let mut out = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.context("cannot read it")?;
        if line.trim().is_empty() {
            continue;
        }
        let doc: Value =
            serde_json::from_str(&line).with_context(|| format!("line {} is not JSON", n + 1))?;
        out.push(Linted { line: Some(n as u64 + 1), problems: lint(&doc, kind) });
    }
    Ok(out)
}

/// The rows for one document, read as `kind`.
fn lint(doc: &Value, kind: Kind) -> Vec<Problem> {
    match kind {
        Kind::Flow => validate_flow(doc),
        Kind::Session => validate_session(doc),
        Kind::Auto if doc.is_array() => validate_flow(doc),
        // A GET /sessions/:id response wraps the session.
        Kind::Auto => match doc.get("session") {
            Some(session) if session.is_object() && doc.get("settings").is_none() => {
                validate_session(session)
            }
            _ => validate_session(doc),
        },
    }
}

fn print_row(out: &mut impl Write, file: &Path, line: Option<u64>, p: &Problem, json: bool) -> Result<()> {
    if json {
        let row = serde_json::json!({
            "file": file.display().to_string(),
            "line": line,
            "severity": p.severity().as_str(),
            "code": p.code.as_str(),
            "path": p.path,
            "nodeId": p.node_id,
            "message": p.message,
        });
        writeln!(out, "{row}")?;
        return Ok(());
    }
    let place = match line {
        Some(n) => format!("{}:{n}", file.display()),
        None => file.display().to_string(),
    };
    // The pointer "" (the document as a whole) is left out rather than shown as "/", which
    // would point at a key named "".
    let path = if p.path.is_empty() { String::new() } else { format!(":{}", p.path) };
    let node = p.node_id.as_deref().map_or(String::new(), |id| format!(" [{id}]"));
    writeln!(out, "{place}{path}: {} {}{node} {}", p.severity().as_str(), p.code.as_str(), p.message)?;
    Ok(())
}
