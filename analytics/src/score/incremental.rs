//! `facesign-analytics score --state DIR`: incremental scoring. Each run reads only the sessions
//! new since the last one, and its answers are exactly those one batch over every session so
//! far would give.
//!
//! # Why a run also rewrites earlier sessions' rows
//!
//! Some rules look ahead (a farm's first members are known when the later ones come, a usual
//! age is taken over the sessions after too): new sessions change the answers of sessions
//! created up to the settle horizon before them ([`ScoreConfig::settle_hours`]) and no
//! earlier. So a run writes, under `OUT/scores/run=N/` and `OUT/findings/run=N/`, the rows of
//! its new sessions and of each earlier session whose answer changed; a session's answer is
//! its row of the latest run that wrote it, with that run's findings of it (docs/analytics.md
//! has the query).
//!
//! # What the state holds (`DIR/state-N/`, the current one named in `DIR/CURRENT`)
//!
//! Three times order everything (µs): every session created before `accept_from` has been
//! seen, so a session older than that arriving now is refused (it would change answers that
//! were final); `emit_from = accept_from - settle horizon` is where answers can still change;
//! `replay_from = emit_from - replay horizon` ([`ScoreConfig::replay_hours`]) is where a run
//! starts replaying the rules.
//! - `tail.parquet`: the sessions created since `replay_from`, in the scorer's columns;
//! - `state.bin`: per user, the rules' state after their sessions before `replay_from`
//!   ([`Carry`]); the dictionaries its codes are of; a fingerprint of each answer since
//!   `emit_from` (to tell which changed); the inputs already scored.
//!
//! A run replays the tail and the new sessions from the carried states, which is exactly what
//! the batch does from that point, and then lets `accept_from` follow the latest session less
//! the lateness allowed (`--late-days`), folding what falls out of the tail into the carries.
//! Memory is the tail (a bounded number of days of sessions) and the carries, never the whole
//! history.
//!
//! # Crash safety
//!
//! A run writes its output folders and its state under staging names and renames them; the
//! state counts only once `CURRENT` (written whole, then renamed over the old one) names it.
//! Killed at any point, the previous state stays current, and the rerun recomputes the same
//! run and replaces whatever of its output the killed one had put in place.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{BufReader, BufWriter, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use polars::prelude::{col, lit, DataFrame, DataType, IntoLazy, ParquetWriter};
use serde::{Deserialize, Serialize};

use super::carry::{carry_forward, Carry};
use super::input::{self, Source};
use super::output::ScoreRow;
use super::table::{columns, Interned, SessionTable};
use super::{detect, finding::Finding, finding_row, peak_rss_bytes, replace_folder, score_row, score_rows};
use crate::dataset::parquet::DatasetWriter;
use crate::risk::config::ScoreConfig;
use crate::risk::rules::HOUR_US;

/// The state's format; a state of another format is refused with the command that rebuilds it.
pub const FORMAT: u32 = 1;

/// Name of the file naming the current state folder.
const CURRENT: &str = "CURRENT";

/// What a run keeps for the next one (besides the tail's sessions).
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    format: u32,
    /// Fingerprint of the configuration the answers were given under.
    config: u64,
    /// The last run (1 for the first).
    run: u32,
    accept_from_us: i64,
    replay_from_us: i64,
    latest_us: i64,
    /// Country, city and device profile dictionaries: the carries' codes are positions in them.
    countries: Vec<String>,
    cities: Vec<String>,
    devices: Vec<String>,
    /// Client reference id → the user's rules after their sessions before `replay_from_us`.
    carries: Vec<(String, Carry)>,
    /// Session id → fingerprint of its answer, for the sessions since the emit time.
    answers: Vec<(String, u64)>,
    /// The inputs already scored (an NDJSON file by its content, an export's file by its path).
    consumed: Vec<String>,
}

/// Options of an incremental run.
#[derive(Debug, Clone)]
pub struct IncrementalOptions {
    /// How much older than the latest session scored so far a session may be created and still
    /// be taken exactly; older ones are refused.
    pub late_days: f64,
    pub lines: crate::ndjson::LineOptions,
}

impl Default for IncrementalOptions {
    fn default() -> Self {
        IncrementalOptions { late_days: 7.0, lines: Default::default() }
    }
}

/// What an incremental run did.
#[derive(Debug, Default)]
pub struct IncrementalSummary {
    /// The run's number (`OUT/scores/run=N/`); 0 when there was nothing new to score.
    pub run: u32,
    pub new_sessions: usize,
    /// Sessions the run replayed besides the new ones (the state's tail).
    pub replayed: usize,
    /// Earlier sessions whose answer changed, rewritten.
    pub revised: usize,
    pub findings_written: usize,
    pub carried_users: usize,
    /// Users the state knows: carried, or with sessions kept to replay.
    pub users: usize,
    pub tail_sessions: usize,
    pub state_bytes: u64,
    pub seconds: f64,
    pub peak_rss_bytes: Option<u64>,
    pub rejected: Vec<(u64, String)>,
}

/// A time as people read it (`i64::MIN`: before every session).
fn when(us: i64) -> String {
    match us {
        i64::MIN => "the beginning".to_owned(),
        us => crate::calendar::timestamptz_text(us),
    }
}

fn micros_of_hours(hours: f64) -> i64 {
    (hours * HOUR_US) as i64
}

/// A time moved back by a span, `i64::MIN` (before everything) staying where it is.
fn back(time_us: i64, span_us: i64) -> i64 {
    if time_us == i64::MIN {
        i64::MIN
    } else {
        time_us.saturating_sub(span_us)
    }
}

fn fingerprint_config(config: &ScoreConfig) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{config:?}").hash(&mut h);
    h.finish()
}

/// A session's answer as one number: its score row and its findings (not their table rows).
fn fingerprint_answer(score: &ScoreRow, findings: &[Finding]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{score:?}").hash(&mut h);
    for f in findings {
        format!("{} {:?} {} {} {:?}", f.detector, f.severity, f.points, f.summary, f.evidence).hash(&mut h);
    }
    h.finish()
}

/// A failure injected for the kill test: with `FACESIGN_SCORE_KILL_AT=<point>` the process
/// aborts there, as a `kill -9` would leave it (no destructor, no clean-up).
fn kill_point(point: &str) {
    if std::env::var("FACESIGN_SCORE_KILL_AT").is_ok_and(|p| p == point) {
        eprintln!("killed at {point} (FACESIGN_SCORE_KILL_AT)");
        std::process::abort();
    }
}

/// The state folder `CURRENT` names, if any.
fn current_folder(dir: &Path) -> Result<Option<PathBuf>> {
    match std::fs::read_to_string(dir.join(CURRENT)) {
        Ok(name) => Ok(Some(dir.join(name.trim()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.join(CURRENT).display())),
    }
}

/// Removes what killed runs left: staging folders, and state folders `CURRENT` does not name.
fn clean(dir: &Path, current: Option<&Path>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stale = name.starts_with(".staging-")
            || name == format!("{CURRENT}.tmp")
            || (name.starts_with("state-") && Some(path.as_path()) != current);
        if stale {
            if path.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
    }
    Ok(())
}

/// Removes the staging folders a killed run left in an output dataset (`.run=N.staging-PID`).
fn clean_outputs(folder: &Path) -> Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".run=")) {
            std::fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

fn rebuild_hint(dir: &Path) -> String {
    format!(
        "rebuild the state from every session: move {} aside and run `facesign-analytics score --state {} --input <all sessions> --out <new folder>`",
        dir.display(),
        dir.display()
    )
}

fn load(folder: &Path) -> Result<State> {
    let path = folder.join("state.bin");
    let file = std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let state: State =
        bincode::serde::decode_from_std_read(&mut BufReader::new(file), bincode::config::standard())
            .with_context(|| format!("reading {}", path.display()))?;
    Ok(state)
}

/// The sessions of an input not scored yet.
struct NewSessions {
    frame: DataFrame,
    /// Keys of the inputs they came from (recorded in the state once scored).
    keys: Vec<String>,
    refused: Vec<(u64, String)>,
}

/// The new sessions as a frame of the scorer's columns, with the keys of the inputs they came
/// from; `None` when every input was already scored.
fn new_sessions(
    source: &Source,
    consumed: &HashSet<&str>,
    lines: &crate::ndjson::LineOptions,
) -> Result<Option<NewSessions>> {
    match source {
        Source::Ndjson(path) => {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            let mut file = BufReader::new(
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
            );
            let mut buffer = vec![0u8; 1 << 20];
            loop {
                let n = file.read(&mut buffer)?;
                if n == 0 {
                    break;
                }
                hasher.write(&buffer[..n]);
            }
            let key = format!("ndjson:{:016x}", hasher.finish());
            if consumed.contains(key.as_str()) {
                return Ok(None);
            }
            let (rows, refused) = input::read_ndjson(path, lines.nul)?;
            if lines.strict && !refused.is_empty() {
                return Err(crate::ndjson::StrictRefusal(refused).into());
            }
            Ok(Some(NewSessions { frame: input::frame_of_rows(&rows)?, keys: vec![key], refused }))
        }
        Source::Parquet(root) => {
            let files: Vec<PathBuf> = input::parquet_files(root)?
                .into_iter()
                .filter(|f| !consumed.contains(parquet_key(root, f).as_str()))
                .collect();
            if files.is_empty() {
                return Ok(None);
            }
            let keys = files.iter().map(|f| parquet_key(root, f)).collect();
            let columns: Vec<_> = columns()
                .into_iter()
                .map(|c| if c == "created_at" { col(c).cast(DataType::Int64) } else { col(c) })
                .collect();
            let frame = input::scan(&files)?.select(columns).collect()?;
            Ok(Some(NewSessions { frame, keys, refused: Vec::new() }))
        }
    }
}

fn parquet_key(root: &Path, file: &Path) -> String {
    format!("parquet:{}", file.strip_prefix(root).unwrap_or(file).display())
}

/// `frame` with each column cast to `like`'s type of it (an NDJSON frame types a column of
/// only NULLs, or a count, slightly differently from the Parquet the tail was written to).
fn aligned(frame: DataFrame, like: &DataFrame) -> Result<DataFrame> {
    let mut columns = Vec::with_capacity(like.width());
    for target in like.columns() {
        let column = frame.column(target.name())?;
        columns.push(if column.dtype() == target.dtype() {
            column.clone()
        } else {
            column.cast(target.dtype())?
        });
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Scores the sessions of `source` not yet scored, against the state in `dir` (created by the
/// first run), writing `out/scores/run=N/` and `out/findings/run=N/`.
pub fn run(
    source: &Source,
    out: &Path,
    dir: &Path,
    config: &ScoreConfig,
    options: &IncrementalOptions,
    mut step: impl FnMut(&str),
) -> Result<IncrementalSummary> {
    let started = Instant::now();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let current = current_folder(dir)?;
    clean(dir, current.as_deref())?;
    step("reading the state");
    let previous = match &current {
        Some(folder) => load(folder)?,
        None => State {
            format: FORMAT,
            config: fingerprint_config(config),
            accept_from_us: i64::MIN,
            replay_from_us: i64::MIN,
            latest_us: i64::MIN,
            ..State::default()
        },
    };
    if previous.format != FORMAT {
        bail!(
            "the state in {} has format {}, this build reads format {FORMAT}: {}",
            dir.display(),
            previous.format,
            rebuild_hint(dir)
        );
    }
    if previous.config != fingerprint_config(config) {
        bail!(
            "the state in {} was built with another scoring configuration, so its answers are not this one's: pass the same --config, or {}",
            dir.display(),
            rebuild_hint(dir)
        );
    }
    step("reading new sessions");
    let consumed: HashSet<&str> = previous.consumed.iter().map(String::as_str).collect();
    let Some(NewSessions { frame: new_frame, keys, refused }) =
        new_sessions(source, &consumed, &options.lines)?
    else {
        return Ok(IncrementalSummary { seconds: started.elapsed().as_secs_f64(), ..Default::default() });
    };
    let created = new_frame.column("created_at")?.i64()?.clone();
    let too_late = created.iter().flatten().filter(|&t| t < previous.accept_from_us).count();
    if too_late > 0 {
        bail!(
            "{too_late} new sessions were created before {} (the latest session scored so far less --late-days): answers that are final would change, so nothing was scored; score them with a larger --late-days from the start, or {}",
            when(previous.accept_from_us),
            rebuild_hint(dir)
        );
    }
    let latest_us = created.iter().flatten().fold(previous.latest_us, i64::max);

    step("replaying the state's sessions with the new ones");
    let tail_path = current.as_ref().map(|f| f.join("tail.parquet"));
    let tail_frame = match &tail_path {
        Some(path) => Some(input::scan(std::slice::from_ref(path))?.collect()?),
        None => None,
    };
    let new_frame = match &tail_frame {
        Some(tail) => aligned(new_frame, tail)?,
        None => new_frame,
    };
    let tail_rows = tail_frame.as_ref().map_or(0, DataFrame::height);
    let mut t = SessionTable::default();
    t.country = Interned::seeded(previous.countries.clone());
    t.city = Interned::seeded(previous.cities.clone());
    t.device = Interned::seeded(previous.devices.clone());
    if let Some(tail) = &tail_frame {
        t.append(tail)?;
    }
    t.append(&new_frame)?;
    let mut t = t.sorted();
    let carries: HashMap<String, Carry> = previous.carries.into_iter().collect();
    t.carried =
        t.users.iter().map(|u| t.reference.get(u.start).and_then(|r| carries.get(r)).cloned()).collect();

    let findings = detect(&t, config);
    let scored = score_rows(&t, &findings, config);

    step("finding the answers that changed");
    let settle_us = micros_of_hours(config.settle_hours());
    let replay_us = micros_of_hours(config.replay_hours());
    let emit_from = back(previous.accept_from_us, settle_us);
    let accept_from = previous.accept_from_us.max(back(latest_us, micros_of_hours(options.late_days * 24.0)));
    let next_emit_from = back(accept_from, settle_us);
    let next_replay_from = back(next_emit_from, replay_us);
    let answers: HashMap<String, u64> = previous.answers.into_iter().collect();
    let mut next_answers = Vec::new();
    let (mut score_out, mut finding_out) = (Vec::new(), Vec::new());
    let (mut new_sessions, mut revised) = (0, 0);
    let mut next_finding = 0;
    for (row, (score, reasons)) in scored.into_iter().enumerate() {
        let first = next_finding;
        while next_finding < findings.len() && findings[next_finding].row == row {
            next_finding += 1;
        }
        let is_new = t.read_position(row) >= tail_rows;
        let time = t.created_us[row];
        if !is_new && (time == i64::MIN || time < emit_from) {
            continue;
        }
        let own = &findings[first..next_finding];
        let score = score_row(&t, row, score, reasons, config);
        let print = fingerprint_answer(&score, own);
        let id = t.session_id(row);
        let changed = match (is_new, id) {
            (true, _) => true,
            (false, Some(id)) => answers.get(id) != Some(&print),
            (false, None) => false,
        };
        if let Some(id) = id.filter(|_| time != i64::MIN && time >= next_emit_from) {
            next_answers.push((id.to_owned(), print));
        }
        if changed {
            new_sessions += usize::from(is_new);
            revised += usize::from(!is_new);
            score_out.push(score);
            finding_out.extend(own.iter().map(|f| finding_row(&t, f)));
        }
    }

    step("carrying the rules' state forward");
    let mut next_carries = carries;
    for (u, user) in t.users.iter().enumerate() {
        let Some(reference) = t.reference.get(user.start) else { continue };
        let first = t.created_us[user.start];
        if first != i64::MIN && first < next_replay_from {
            if let Some(c) = carry_forward(&t, u, config, next_replay_from) {
                next_carries.insert(reference.to_owned(), c);
            }
        }
    }
    let users = next_carries.len()
        + t.users
            .iter()
            .filter(|u| t.reference.get(u.start).is_none_or(|r| !next_carries.contains_key(r)))
            .filter(|u| t.created_us[u.start] != i64::MIN && t.created_us[u.start] >= next_replay_from)
            .count();
    let mut carries: Vec<(String, Carry)> = next_carries.into_iter().collect();
    carries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    next_answers.sort_unstable();
    let mut consumed = previous.consumed;
    consumed.extend(keys);
    let run = previous.run + 1;
    let state = State {
        format: FORMAT,
        config: previous.config,
        run,
        accept_from_us: accept_from,
        replay_from_us: next_replay_from,
        latest_us,
        countries: t.country.values.clone(),
        cities: t.city.values.clone(),
        devices: t.device.values.clone(),
        carries,
        answers: next_answers,
        consumed,
    };
    let tail = match tail_frame {
        Some(mut tail) => {
            tail.vstack_mut(&new_frame)?;
            tail
        }
        None => new_frame,
    };
    let mut tail = tail.lazy().filter(col("created_at").gt_eq(lit(next_replay_from))).collect()?;

    step("writing");
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let run_name = format!("run={run:06}");
    let findings_written = finding_out.len();
    // Findings first: a run's answers are its scores/ rows (with that run's findings of the same
    // sessions), so until scores/run=N/ is in place readers keep the previous answers.
    for (dataset, write) in [
        (
            "findings",
            Box::new(|dir: &Path| write_rows(dir, run, finding_out)) as Box<dyn FnOnce(&Path) -> Result<()>>,
        ),
        ("scores", Box::new(|dir: &Path| write_rows(dir, run, score_out))),
    ] {
        let folder = out.join(dataset);
        std::fs::create_dir_all(&folder)?;
        clean_outputs(&folder)?;
        replace_folder(&folder, &run_name, write)?;
        kill_point(&format!("{dataset}-written"));
    }
    let staging = dir.join(format!(".staging-{run}"));
    std::fs::create_dir_all(&staging)?;
    let mut writer = BufWriter::new(std::fs::File::create(staging.join("state.bin"))?);
    bincode::serde::encode_into_std_write(&state, &mut writer, bincode::config::standard())?;
    writer.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    let file = std::fs::File::create(staging.join("tail.parquet"))?;
    ParquetWriter::new(&file).finish(&mut tail)?;
    file.sync_all()?;
    let tail_sessions = tail.height();
    drop(tail);
    let mut manifest = std::fs::File::create(staging.join("manifest.json"))?;
    writeln!(
        manifest,
        "{}",
        serde_json::json!({
            "format": FORMAT,
            "run": run,
            "accept_from": when(accept_from),
            "replay_from": when(next_replay_from),
            "latest": when(latest_us),
            "carried_users": state.carries.len(),
            "tail_sessions": tail_sessions,
        })
    )?;
    kill_point("state-staged");
    let folder = dir.join(format!("state-{run:06}"));
    if folder.exists() {
        std::fs::remove_dir_all(&folder)?;
    }
    std::fs::rename(&staging, &folder)?;
    kill_point("state-renamed");
    let pointer = dir.join(format!("{CURRENT}.tmp"));
    let mut file = std::fs::File::create(&pointer)?;
    file.write_all(format!("state-{run:06}\n").as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&pointer, dir.join(CURRENT))?;
    kill_point("committed");
    clean(dir, Some(&folder))?;

    let state_bytes = ["state.bin", "tail.parquet"]
        .iter()
        .map(|f| std::fs::metadata(folder.join(f)).map_or(0, |m| m.len()))
        .sum();
    Ok(IncrementalSummary {
        run,
        new_sessions,
        replayed: tail_rows,
        revised,
        findings_written,
        carried_users: state.carries.len(),
        users,
        tail_sessions,
        state_bytes,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: peak_rss_bytes(),
        rejected: refused,
    })
}

/// Writes one run's rows into a dataset folder.
fn write_rows<R: crate::dataset::parquet::ArrowRows>(dir: &Path, run: u32, rows: Vec<R>) -> Result<()> {
    let mut w = DatasetWriter::<R>::new(dir, &format!("{run:06}"));
    for row in rows {
        w.push("", row)?;
    }
    w.finish().map(|_| ())
}
