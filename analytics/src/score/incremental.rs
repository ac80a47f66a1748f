//! `facesign-analytics score --state DIR`: incremental scoring. Each run reads only the sessions
//! new since the last one, works on the users they touch, and its answers are exactly those one
//! batch over every session so far would give.
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
//! # Times
//!
//! Every session created before `accept_from` has been seen: an older one arriving now is
//! refused (it would change answers that are final), so `accept_from` trails the latest session
//! by the lateness allowed (`--late-days`). Answers can change from `emit_from = accept_from -
//! settle horizon` on; the rules need the sessions from `emit_from - replay horizon`
//! ([`ScoreConfig::replay_hours`]) as they are, and of older ones only what the per-user rules
//! carry ([`Carry`]).
//!
//! # What a run reads and writes ([`super::state_store`] has the files)
//!
//! The per-user rules need only the user's own sessions; the farm rule is the one across users.
//! So the state keeps one record per user (their carry, their sessions since it, fingerprints
//! of their answers that can still change), read only for the users a run touches, and the
//! farm's sessions of its span in compact columns ([`FarmTable`]) with each one's finding. A
//! run:
//! 1. reads the new sessions and the records of their users;
//! 2. replaces those users' sessions among the farm's and runs the farm rule over the networks
//!    and cities they are in; sessions of other users whose farm finding changed bring their
//!    users in too;
//! 3. replays those users' sessions from their carries (every detector but the farm, whose
//!    findings come from step 2), scores them, and writes each answer that is new or changed;
//! 4. folds what falls behind the replay horizon into the carries and writes the changed
//!    records to a new segment, and the state to a new `state-N` folder, made current last.
//!
//! # Crash safety
//!
//! Outputs, segments and state are written under names nothing refers to yet and then renamed
//! or referred to; the state counts only once `CURRENT` (written whole, then renamed over the
//! old one) names it. Killed at any point, the previous state stays current, and the rerun
//! recomputes the same run and replaces whatever of its output the killed one had put in place.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{BufReader, Read as _, Write as _};
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use super::carry::{carry_forward, Carry};
use super::device_detectors::{farm_finding, farm_order, new_to_user, user_of_rows};
use super::farm::{farm_hits, FarmHit, FarmRows};
use super::finding::{detector, Finding};
use super::input::{self, Source};
use super::output::ScoreRow;
use super::state_store::{
    clean, commit, current_folder, pack_hit, read_file, unpack_hit, write_file, FarmTable, Header, Index,
    IndexEntry, RecordReader, SegmentWriter, UserRecord, FORMAT,
};
use super::table::{columns, Interned, SessionTable, StoredRow, INTERNED};
use super::{detect_only, finding_row, peak_rss_bytes, replace_folder, score_row, score_rows, DETECTORS};
use crate::dataset::parquet::DatasetWriter;
use crate::risk::config::ScoreConfig;
use crate::risk::rules::span_us;

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
    /// Users whose records the run read: those of the new sessions, and those whose farm
    /// findings the new sessions changed.
    pub users_read: usize,
    /// Of them, users with no new session whose farm findings the new sessions changed.
    pub farm_users: usize,
    /// Sessions the run replayed besides the new ones.
    pub replayed: usize,
    /// Earlier sessions whose answer changed, rewritten.
    pub revised: usize,
    pub findings_written: usize,
    /// Users the state knows.
    pub users: usize,
    /// The farm's sessions kept.
    pub farm_sessions: usize,
    /// Bytes of the state (its files and the records it refers to).
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

fn rebuild_hint(dir: &Path) -> String {
    format!(
        "rebuild the state from every session: move {} aside and run `facesign-analytics score --state {} --input <all sessions> --out <new folder>`",
        dir.display(),
        dir.display()
    )
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

/// The sessions of an input not scored yet, read into a table of their own.
struct NewSessions {
    table: SessionTable,
    /// Keys of the inputs they came from (recorded in the state once scored).
    keys: Vec<String>,
    refused: Vec<(u64, String)>,
    /// From a database: the latest `updated_at` read.
    watermark: Option<String>,
}

/// The new sessions; `None` when every input was already scored.
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
            let read = input::read(source, &columns(), lines.nul)?;
            if lines.strict && !read.refused.is_empty() {
                return Err(crate::ndjson::StrictRefusal(read.refused).into());
            }
            Ok(Some(NewSessions {
                table: read.table,
                keys: vec![key],
                refused: read.refused,
                watermark: None,
            }))
        }
        Source::Parquet(root) => {
            let mut files = Vec::new();
            let mut keys = Vec::new();
            for file in input::parquet_files(root)? {
                let size = std::fs::metadata(&file)?.len();
                let key = format!("parquet:{}:{size}", file.strip_prefix(root).unwrap_or(&file).display());
                if !consumed.contains(key.as_str()) {
                    files.push(file);
                    keys.push(key);
                }
            }
            if files.is_empty() {
                return Ok(None);
            }
            let read = input::read_parquet(&files, &columns())?;
            Ok(Some(NewSessions { table: read.table, keys, refused: Vec::new(), watermark: None }))
        }
    }
}

/// How far before the last run's latest `updated_at` a database run reads again: a transaction
/// that committed late may have written an earlier `updated_at` (what was read already and has
/// not changed is skipped).
const LATE_COMMIT_MARGIN: &str = "10 minutes";

/// The sessions of `table` updated since `watermark` less [`LATE_COMMIT_MARGIN`] (all of them
/// without one), each document read once through the extension (`facesign.export_rows`);
/// `None` when there is none.
fn database_sessions(
    target: &crate::connect::Target,
    table: &str,
    watermark: Option<&str>,
) -> Result<Option<NewSessions>> {
    use futures_util::{pin_mut, TryStreamExt};
    let table = crate::sql_names::quote_table(table)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let client = target.connect().await?;
        let has_extension: bool = client
            .query_one("SELECT to_regprocedure('facesign.export_rows(jsonb, boolean)') IS NOT NULL", &[])
            .await?
            .get(0);
        if !has_extension {
            bail!(
                "{} has no facesign extension, which score --dsn reads the sessions through: CREATE EXTENSION facesign, or export the sessions and score the export",
                target.describe()
            );
        }
        let since = watermark.unwrap_or("-infinity");
        let sql = format!(
            "SELECT facesign.export_rows(session, false), updated_at::text FROM {table} \
             WHERE updated_at >= $1::text::timestamptz - interval '{LATE_COMMIT_MARGIN}' ORDER BY updated_at"
        );
        let rows = client
            .query_raw(&sql, [since])
            .await
            .with_context(|| format!("reading {table}: score --dsn needs its session and updated_at columns"))?;
        pin_mut!(rows);
        let (mut sessions, mut latest) = (Vec::new(), None::<String>);
        while let Some(row) = rows.try_next().await? {
            let bytes: &[u8] = row.get(0);
            let decoded = facesign_core::export_rows::wire::decode(bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
            sessions.push(decoded.session);
            latest = Some(row.get(1));
        }
        if sessions.is_empty() {
            return Ok(None);
        }
        Ok(Some(NewSessions {
            table: input::table_of_rows(&sessions)?,
            keys: Vec::new(),
            refused: Vec::new(),
            watermark: latest,
        }))
    })
}

/// A user the run works on: their record (empty for a user new to the state) and new sessions.
struct Loaded {
    /// The index key ([`IndexEntry::key`]).
    key: String,
    user: u32,
    record: UserRecord,
    new_rows: Vec<StoredRow>,
}

/// The key a user is kept under: the client reference id, or for a session without one (a user
/// of its own) `"\0"` and its session id.
fn key_of(reference: Option<&str>, session_id: Option<&str>) -> Option<String> {
    match (reference, session_id) {
        (Some(r), _) => Some(r.to_owned()),
        (None, Some(id)) => Some(format!("\0{id}")),
        (None, None) => None,
    }
}

/// How sessions of one network, city and time are ordered among the farm's: as a batch's table
/// holds them, by client reference id, sessions without one after.
fn tie_order(key: &str) -> (bool, &str) {
    (key.starts_with('\0'), key)
}

/// The table a run scores: the loaded users' sessions with their carries, each table user's
/// position in `loaded`, and which rows are new (not of a record).
struct RunTable {
    t: SessionTable,
    owner: Vec<usize>,
    is_new: Vec<bool>,
}

/// The loaded users' sessions, records' and new ones, as a [`RunTable`].
fn table_of(loaded: &[Loaded], dictionaries: &[Vec<String>; INTERNED.len()]) -> RunTable {
    let mut t = SessionTable::with_dictionaries(dictionaries);
    let mut new_when_read = Vec::new();
    for l in loaded {
        for (row, new) in l.record.rows.iter().map(|r| (r, false)).chain(l.new_rows.iter().map(|r| (r, true)))
        {
            t.push_stored(l.record.reference.as_deref(), row);
            new_when_read.push(new);
        }
    }
    let mut t = t.sorted();
    let owner = owners(&t, loaded);
    t.carried = owner.iter().map(|&i| loaded[i].record.carry.clone()).collect();
    let is_new = (0..t.len()).map(|row| new_when_read[t.read_position(row)]).collect();
    RunTable { t, owner, is_new }
}

/// Each table user's position in `loaded`.
fn owners(t: &SessionTable, loaded: &[Loaded]) -> Vec<usize> {
    let by_key: HashMap<&str, usize> = loaded.iter().enumerate().map(|(i, l)| (l.key.as_str(), i)).collect();
    t.users
        .iter()
        .map(|u| {
            let key = key_of(t.reference.get(u.start), t.session_id(u.start));
            key.and_then(|k| by_key.get(k.as_str()).copied()).expect("every user of the table was loaded")
        })
        .collect()
}

/// Where a run's sessions come from.
pub enum Incoming<'a> {
    /// An export's folder or an NDJSON file: the files not scored yet.
    Files(&'a Source),
    /// A sessions table, through the extension: the rows updated since the last run read.
    Database { target: &'a crate::connect::Target, table: &'a str },
}

/// Scores the sessions of `source` not yet scored, against the state in `dir` (created by the
/// first run), writing `out/scores/run=N/` and `out/findings/run=N/`.
pub fn run(
    source: &Source,
    out: &Path,
    dir: &Path,
    config: &ScoreConfig,
    options: &IncrementalOptions,
    step: impl FnMut(&str),
) -> Result<IncrementalSummary> {
    run_from(&Incoming::Files(source), out, dir, config, options, step)
}

/// [`run`] from files or a database.
pub fn run_from(
    incoming: &Incoming,
    out: &Path,
    dir: &Path,
    config: &ScoreConfig,
    options: &IncrementalOptions,
    mut step: impl FnMut(&str),
) -> Result<IncrementalSummary> {
    let started = Instant::now();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let current = current_folder(dir)?;
    step("reading the state");
    let (header, mut index, mut farm) = match &current {
        Some(folder) => {
            let header: Header = read_file(&folder.join("state.bin")).with_context(|| {
                format!("the state in {} cannot be read: {}", dir.display(), rebuild_hint(dir))
            })?;
            if header.format != FORMAT {
                bail!(
                    "the state in {} has format {}, this build reads format {FORMAT}: {}",
                    dir.display(),
                    header.format,
                    rebuild_hint(dir)
                );
            }
            let damaged = || format!("the state in {} cannot be read: {}", dir.display(), rebuild_hint(dir));
            let index: Index = read_file(&folder.join("index.bin")).with_context(damaged)?;
            let farm = FarmTable::read(&folder.join("farm.bin")).with_context(damaged)?;
            (header, index, farm)
        }
        None => (
            Header {
                format: FORMAT,
                config: fingerprint_config(config),
                accept_from_us: i64::MIN,
                emit_from_us: i64::MIN,
                latest_us: i64::MIN,
                ..Header::default()
            },
            Index::default(),
            FarmTable::default(),
        ),
    };
    if header.config != fingerprint_config(config) {
        bail!(
            "the state in {} was built with another scoring configuration, so its answers are not this one's: pass the same --config, or {}",
            dir.display(),
            rebuild_hint(dir)
        );
    }
    clean(dir, current.as_deref(), &index.segments.iter().cloned().collect())?;

    step("reading new sessions");
    let consumed: HashSet<&str> = header.consumed.iter().map(String::as_str).collect();
    let incoming = match incoming {
        Incoming::Files(source) => new_sessions(source, &consumed, &options.lines)?,
        Incoming::Database { target, table } => {
            database_sessions(target, table, header.db_watermark.as_deref())?
        }
    };
    let Some(NewSessions { table: fresh, keys, refused, watermark }) = incoming else {
        return Ok(IncrementalSummary { seconds: started.elapsed().as_secs_f64(), ..Default::default() });
    };
    let anonymous = (0..fresh.len())
        .filter(|&r| fresh.reference.get(r).is_none() && fresh.session_id(r).is_none())
        .count();
    if anonymous > 0 {
        bail!(
            "{anonymous} of the new sessions have neither an id nor a client reference id: incremental scoring keeps each answer by its session's id, so nothing was scored; score such sessions with a batch run (without --state)"
        );
    }
    let latest_us =
        fresh.created_us.iter().copied().filter(|&t| t != i64::MIN).fold(header.latest_us, i64::max);
    // The first run takes the sessions' own dictionaries, so their table is the run's table.
    let first_run = current.is_none();

    step("reading the users' records");
    // Codes of the state's dictionaries; new values get new codes.
    let mut dictionaries: [Interned; INTERNED.len()] = match first_run {
        true => fresh.dictionaries().map(Interned::seeded),
        false => header.dictionaries.clone().map(Interned::seeded),
    };
    let mut next_user = header.next_user;
    let mut reader = RecordReader::new(dir);
    let mut loaded: Vec<Loaded> = Vec::with_capacity(fresh.users.len());
    let mut at_entry: Vec<Option<usize>> = Vec::with_capacity(fresh.users.len());
    for user in &fresh.users {
        let reference = fresh.reference.get(user.start);
        let key =
            key_of(reference, fresh.session_id(user.start)).expect("sessions without both keys are refused");
        let mut new_rows: Vec<StoredRow> = match first_run {
            true => Vec::new(),
            false => user.clone().map(|row| fresh.stored_row(row, &mut dictionaries)).collect(),
        };
        let found = index.find(&key);
        let (user, record) = match found {
            Some(i) => {
                let mut record = reader.read(&index, &index.entries[i])?;
                // A session sent again (an export's day rewritten, a session fetched again): the
                // same is not new; a changed one replaces the one kept.
                new_rows.retain(|row| {
                    let Some(at) = record.rows.iter().position(|kept| row.id.is_some() && kept.id == row.id)
                    else {
                        return true;
                    };
                    if format!("{:?}", record.rows[at]) == format!("{row:?}") {
                        return false;
                    }
                    record.rows.remove(at);
                    true
                });
                (index.entries[i].user, record)
            }
            None => {
                next_user += 1;
                (
                    next_user - 1,
                    UserRecord { reference: reference.map(str::to_owned), ..UserRecord::default() },
                )
            }
        };
        loaded.push(Loaded { key, user, record, new_rows });
        at_entry.push(found);
    }
    let dictionary_values: [Vec<String>; INTERNED.len()] = dictionaries.each_ref().map(|d| d.values.clone());
    let new_sessions = match first_run {
        true => fresh.len(),
        false => loaded.iter().map(|l| l.new_rows.len()).sum(),
    };
    if new_sessions == 0 {
        // Every session read was one scored before, unchanged (a database's rows read again).
        return Ok(IncrementalSummary { seconds: started.elapsed().as_secs_f64(), ..Default::default() });
    }
    let too_late = loaded
        .iter()
        .flat_map(|l| &l.new_rows)
        .filter(|r| r.created_us != i64::MIN && r.created_us < header.accept_from_us)
        .count();
    if too_late > 0 {
        bail!(
            "{too_late} of the new sessions were created before {} (the latest session scored so far less --late-days), new or changed: answers that are final would change, so nothing was scored; score them with a larger --late-days from the start, or {}",
            when(header.accept_from_us),
            rebuild_hint(dir)
        );
    }

    let settle_us = span_us(config.settle_hours());
    let emit_from = back(header.accept_from_us, settle_us);
    let farm_from = back(emit_from, span_us(config.farm_replay_hours()));
    // Where the times stand after this run.
    let accept_from = header.accept_from_us.max(back(latest_us, span_us(options.late_days * 24.0)));
    let next_emit_from = back(accept_from, settle_us);
    let next_replay_from = back(next_emit_from, span_us(config.replay_hours()));
    let next_farm_from = back(next_emit_from, span_us(config.farm_replay_hours()));
    let run = header.run + 1;
    let staging = dir.join(format!(".staging-{run}"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;

    step("running the farm rule over the networks the new sessions are on");
    let run0 = match first_run {
        // Every session of the first run is new.
        true => RunTable { owner: owners(&fresh, &loaded), is_new: vec![true; fresh.len()], t: fresh },
        false => {
            drop(fresh);
            table_of(&loaded, &dictionary_values)
        }
    };
    let (t0, owner0) = (&run0.t, &run0.owner);
    let new0 = new_to_user(t0);
    // The loaded users' rows the farm reads, in its order: (table row, loaded).
    let user_of = user_of_rows(t0);
    let added: Vec<(usize, usize)> = farm_order(t0, farm_from)
        .into_iter()
        .map(|r| (r as usize, owner0[user_of[r as usize] as usize]))
        .collect();
    // Per user number: the index entry, and whether the run has the user's sessions at hand.
    let mut entry_of = vec![u32::MAX; next_user as usize];
    index.entries.iter().enumerate().for_each(|(i, e)| entry_of[e.user as usize] = i as u32);
    let mut is_loaded = vec![false; next_user as usize];
    loaded.iter().for_each(|l| is_loaded[l.user as usize] = true);
    let key_of_user = |user: u32| -> &str {
        match entry_of[user as usize] {
            u32::MAX => loaded.iter().find(|l| l.user == user).map_or("\0", |l| l.key.as_str()),
            i => index.entries[i as usize].key.as_str(),
        }
    };
    // The loaded users' rows among the farm's are replaced by the ones their table gives: the
    // same, but for the new sessions and the flags a late session changes. A row as it was
    // keeps its finding; the earliest row that changed bounds what the farm rule must redo.
    let mut touched_groups: HashSet<(i64, u32)> = HashSet::new();
    let mut removed: HashMap<(u32, i64, u32, bool), Vec<u64>> = HashMap::new();
    let old = std::mem::take(&mut farm);
    let capacity = old.rows.len() + added.len();
    let (mut merged, mut merged_hits) = (FarmRows::with_capacity(capacity), Vec::with_capacity(capacity));
    let mut pending: Vec<(usize, usize)> = Vec::new(); // (merged row, table row) of the added rows
    {
        let rows = &old.rows;
        // The loaded users' rows leave; each added row goes before the first row that sorts
        // after it (by network, city, time, then as a batch's table orders users). Between
        // those places the rows are copied a run at a time.
        let leaving: Vec<usize> = (0..rows.len()).filter(|&i| is_loaded[rows.user[i] as usize]).collect();
        let place = |&(r, owner): &(usize, usize)| -> usize {
            let theirs = (t0.asn[r], t0.city.codes[r], t0.created_us[r]);
            let tie = tie_order(&loaded[owner].key);
            crate::score::farm::partition_point(rows.len(), |i| {
                let here = (rows.asn[i], rows.city[i], rows.time_us[i]);
                here < theirs || (here == theirs && tie_order(key_of_user(rows.user[i])) < tie)
            })
        };
        let places: Vec<usize> = added.iter().map(place).collect();
        let (mut cursor, mut next_leaving, mut next_added) = (0, 0, 0);
        loop {
            let stop = leaving
                .get(next_leaving)
                .copied()
                .unwrap_or(rows.len())
                .min(places.get(next_added).copied().unwrap_or(rows.len()));
            merged.extend_from(rows, cursor..stop);
            merged_hits.extend_from_slice(&old.hits[cursor..stop]);
            cursor = stop;
            if places.get(next_added) == Some(&cursor) {
                let (r, owner) = added[next_added];
                pending.push((merged.len(), r));
                let user = loaded[owner].user;
                merged.push(t0.asn[r], t0.city.codes[r], t0.created_us[r], t0.device.codes[r], user, new0[r]);
                merged_hits.push(0);
                next_added += 1;
            } else if leaving.get(next_leaving) == Some(&cursor) {
                let i = cursor;
                touched_groups.insert((rows.asn[i], rows.city[i]));
                removed
                    .entry((rows.user[i], rows.time_us[i], rows.device[i], rows.new[i]))
                    .or_default()
                    .push(old.hits[i]);
                next_leaving += 1;
                cursor += 1;
            } else {
                break;
            }
        }
    }
    drop(old);
    let mut earliest_change = i64::MAX;
    for &(m, r) in &pending {
        touched_groups.insert((t0.asn[r], t0.city.codes[r]));
        let key = (merged.user[m], merged.time_us[m], merged.device[m], merged.new[m]);
        match removed.get_mut(&key).and_then(Vec::pop) {
            Some(hit) => merged_hits[m] = hit,
            None => earliest_change = earliest_change.min(merged.time_us[m]),
        }
    }
    for ((_, time, _, _), left) in &removed {
        if !left.is_empty() {
            earliest_change = earliest_change.min(*time);
        }
    }
    let groups: Vec<_> = merged
        .groups()
        .into_iter()
        .filter(|g| touched_groups.contains(&(merged.asn[g.start], merged.city[g.start])))
        .collect();
    // A changed row changes the windows whose baseline holds it (from `baseline_days` before
    // it on), and those flag sessions up to their length before them: the rule is redone from
    // there, for the sessions from there.
    let c = &config.fraud_farm;
    let redo_from = emit_from.max(back(earliest_change, span_us(config.farm_replay_hours())));
    let hits: HashMap<usize, FarmHit> =
        farm_hits(&merged, &groups, c, redo_from).into_iter().map(|h| (h.index, h)).collect();
    let mut changed_users: Vec<u32> = Vec::new();
    for g in &groups {
        for i in g.clone() {
            if merged.time_us[i] < redo_from {
                continue;
            }
            let now = hits.get(&i).map_or(0, |h| pack_hit(h.members, h.phones, h.window));
            if now != merged_hits[i] {
                merged_hits[i] = now;
                if !is_loaded[merged.user[i] as usize] {
                    changed_users.push(merged.user[i]);
                }
            }
        }
    }

    // Users whose farm findings changed come in with their records.
    changed_users.sort_unstable();
    changed_users.dedup();
    let more_users = !changed_users.is_empty();
    let farm_users = changed_users.len();
    for user in changed_users {
        let i = entry_of[user as usize];
        if i == u32::MAX {
            continue;
        }
        let i = i as usize;
        let record = reader.read(&index, &index.entries[i])?;
        loaded.push(Loaded { key: index.entries[i].key.clone(), user, record, new_rows: Vec::new() });
        at_entry.push(Some(i));
        is_loaded[user as usize] = true;
    }

    // The farm's findings on the loaded users' sessions; then the farm's rows are final, and
    // are written while the users' sessions are replayed.
    let mut farm_rows_of: HashMap<(u32, i64, u32), u64> = HashMap::new();
    for (i, &word) in merged_hits.iter().enumerate() {
        if word != 0 && is_loaded[merged.user[i] as usize] {
            farm_rows_of.insert((merged.user[i], merged.time_us[i], merged.device[i]), word);
        }
    }
    let farm_path = staging.join("farm.bin");
    let farm_writer = std::thread::spawn(move || {
        FarmTable { rows: merged, hits: merged_hits }.write(&farm_path, next_farm_from)
    });

    step("replaying the users' sessions");
    let RunTable { t, owner, is_new: is_new_row } = match more_users {
        true => {
            drop(run0);
            table_of(&loaded, &dictionary_values)
        }
        false => run0,
    };
    let per_user: Vec<&str> =
        DETECTORS.iter().map(|(code, _)| *code).filter(|&code| code != detector::FRAUD_FARM).collect();
    let mut findings = detect_only(&t, config, &per_user);
    for (u, range) in t.users.iter().enumerate() {
        let l = &loaded[owner[u]];
        for row in range.clone() {
            let Some(&word) = farm_rows_of.get(&(l.user, t.created_us[row], t.device.codes[row])) else {
                continue;
            };
            let (members, phones, window) = unpack_hit(word).expect("nonzero");
            let hit = FarmHit { index: 0, members, phones, window };
            findings.push(farm_finding(&t, row, &hit, config));
        }
    }
    findings.sort_by_key(|f| f.row);
    let scored = score_rows(&t, &findings, config);

    step("finding the answers that changed");
    let mut answers_of: Vec<Vec<(String, u64)>> = vec![Vec::new(); loaded.len()];
    let (mut score_out, mut finding_out) = (Vec::new(), Vec::new());
    let mut revised = 0;
    let mut next_finding = 0;
    for (u, range) in t.users.iter().enumerate() {
        let known: HashMap<&str, u64> =
            loaded[owner[u]].record.answers.iter().map(|(id, print)| (id.as_str(), *print)).collect();
        for row in range.clone() {
            let first = next_finding;
            while next_finding < findings.len() && findings[next_finding].row == row {
                next_finding += 1;
            }
            let time = t.created_us[row];
            let is_new = is_new_row[row];
            if !is_new && (time == i64::MIN || time < emit_from) {
                continue;
            }
            let own = &findings[first..next_finding];
            let (score, reasons) = scored[row].clone();
            let score = score_row(&t, row, score, reasons, config);
            let print = fingerprint_answer(&score, own);
            let id = t.session_id(row);
            let changed = is_new || id.is_some_and(|id| known.get(id) != Some(&print));
            if let Some(id) = id.filter(|_| time != i64::MIN && time >= next_emit_from) {
                answers_of[owner[u]].push((id.to_owned(), print));
            }
            if changed {
                revised += usize::from(!is_new);
                score_out.push(score);
                finding_out.extend(own.iter().map(|f| finding_row(&t, f)));
            }
        }
    }

    step("carrying the users' rules forward");
    let segment_name = format!("{run:06}.seg");
    let mut segment = SegmentWriter::create(dir, &segment_name)?;
    let segment_number = index.segments.len() as u32;
    let mut new_entries: Vec<IndexEntry> = Vec::new();
    let mut store = dictionaries;
    let mut replayed = 0;
    for (u, range) in t.users.iter().enumerate() {
        let l = &loaded[owner[u]];
        replayed += range.clone().filter(|&r| !is_new_row[r]).count();
        let carry: Option<Carry> = carry_forward(&t, u, config, next_replay_from);
        let rows = range
            .clone()
            .filter(|&r| t.created_us[r] != i64::MIN && t.created_us[r] >= next_replay_from)
            .map(|r| t.stored_row(r, &mut store))
            .collect();
        let record = UserRecord {
            reference: l.record.reference.clone(),
            carry,
            rows,
            answers: std::mem::take(&mut answers_of[owner[u]]),
        };
        let (offset, len) = segment.append(&record)?;
        let entry = IndexEntry { key: l.key.clone(), user: l.user, segment: segment_number, offset, len };
        match at_entry[owner[u]] {
            Some(i) => index.entries[i] = entry,
            None => new_entries.push(entry),
        }
    }
    segment.finish()?;
    index.segments.push(segment_name);
    new_entries.sort_by(|a, b| a.key.cmp(&b.key));
    if !new_entries.is_empty() {
        let old_entries = std::mem::take(&mut index.entries);
        let mut merged_entries = Vec::with_capacity(old_entries.len() + new_entries.len());
        let mut incoming = new_entries.into_iter().peekable();
        for e in old_entries {
            while incoming.peek().is_some_and(|n| n.key < e.key) {
                merged_entries.push(incoming.next().expect("peeked"));
            }
            merged_entries.push(e);
        }
        merged_entries.extend(incoming);
        index.entries = merged_entries;
    }
    kill_point("segment-written");
    compact_if_sparse(dir, &mut index, &mut reader, run)?;

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
    let mut consumed = header.consumed;
    consumed.extend(keys);
    let db_watermark = watermark.or(header.db_watermark);
    let header = Header {
        format: FORMAT,
        config: header.config,
        run,
        accept_from_us: accept_from,
        emit_from_us: next_emit_from,
        latest_us,
        dictionaries: store.map(|d| d.values),
        next_user,
        consumed,
        db_watermark,
    };
    let mut state_bytes = write_file(&staging.join("state.bin"), &header)?;
    state_bytes += write_file(&staging.join("index.bin"), &index)?;
    let (farm_bytes, farm_sessions) = farm_writer.join().expect("the farm table's writer panicked")?;
    state_bytes += farm_bytes;
    state_bytes += index.live_bytes();
    let mut manifest = std::fs::File::create(staging.join("manifest.json"))?;
    writeln!(
        manifest,
        "{}",
        serde_json::json!({
            "format": FORMAT,
            "run": run,
            "accept_from": when(accept_from),
            "emit_from": when(next_emit_from),
            "latest": when(latest_us),
            "users": index.entries.len(),
            "farm_sessions": farm_sessions,
            "segments": index.segments,
        })
    )?;
    manifest.sync_all()?;
    kill_point("state-staged");
    let folder = dir.join(format!("state-{run:06}"));
    if folder.exists() {
        std::fs::remove_dir_all(&folder)?;
    }
    std::fs::rename(&staging, &folder)?;
    kill_point("state-renamed");
    commit(dir, &folder)?;
    kill_point("committed");
    clean(dir, Some(&folder), &index.segments.iter().cloned().collect())?;

    Ok(IncrementalSummary {
        run,
        new_sessions,
        users_read: loaded.len(),
        farm_users,
        replayed,
        revised,
        findings_written,
        users: index.entries.len(),
        farm_sessions,
        state_bytes,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: peak_rss_bytes(),
        rejected: refused,
    })
}

/// Rewrites every record the index refers to into one segment when the segments hold more than
/// twice as many bytes as those records (a record is rewritten each run that touches its user).
fn compact_if_sparse(dir: &Path, index: &mut Index, reader: &mut RecordReader, run: u32) -> Result<()> {
    let total: u64 = index
        .segments
        .iter()
        .map(|s| std::fs::metadata(dir.join("segments").join(s)).map_or(0, |m| m.len()))
        .sum();
    let live = index.live_bytes();
    if total <= 2 * live + (64 << 20) {
        return Ok(());
    }
    let name = format!("{run:06}-compacted.seg");
    let mut writer = SegmentWriter::create(dir, &name)?;
    let mut entries = std::mem::take(&mut index.entries);
    for e in &mut entries {
        let (offset, len) = writer.copy(reader, index, e)?;
        (e.segment, e.offset, e.len) = (0, offset, len);
    }
    writer.finish()?;
    index.entries = entries;
    index.segments = vec![name];
    Ok(())
}

/// Writes one run's rows into a dataset folder.
fn write_rows<R: crate::dataset::parquet::ArrowRows>(dir: &Path, run: u32, rows: Vec<R>) -> Result<()> {
    let mut w = DatasetWriter::<R>::new(dir, &format!("{run:06}"));
    for row in rows {
        w.push("", row)?;
    }
    w.finish().map(|_| ())
}
