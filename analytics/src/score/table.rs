//! The sessions the scorer reads, held column by column and sorted by user and time, so each
//! user's history is one contiguous run of rows. Text columns are interned: a detector compares
//! countries, cities and device profiles as integers.
//!
//! The table is filled from a polars `DataFrame` with the `sessions/` dataset's columns (see
//! [`super::input`]), whichever way the sessions were read.

use std::collections::HashMap;
use std::ops::Range;

use anyhow::{Context, Result};
use polars::prelude::{BooleanChunked, ChunkFullNull, Column, DataFrame, PolarsResult, StringChunked};
use serde::{Deserialize, Serialize};

pub use crate::risk::device::device_profile;
pub use crate::risk::rules::{FxBuild, NONE};
use facesign_core::report::risk_signals::SIGNALS;

/// An interned text column: a code per row, and the distinct values.
#[derive(Default, Debug)]
pub struct Interned {
    pub codes: Vec<u32>,
    pub values: Vec<String>,
    index: HashMap<Key, u32, FxBuild>,
}

/// A value as the index holds it: short values (user ids, cities) inside the entry, so a
/// lookup that finds its bucket compares bytes already in the cache line rather than following
/// a pointer to the heap (with a million user ids, that second miss was half of reading them).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Inline(u8, [u8; 23]),
    Heap(Box<[u8]>),
}

impl Key {
    fn of(value: &str) -> Key {
        let bytes = value.as_bytes();
        if bytes.len() <= 23 {
            let mut inline = [0u8; 23];
            inline[..bytes.len()].copy_from_slice(bytes);
            Key::Inline(bytes.len() as u8, inline)
        } else {
            Key::Heap(bytes.into())
        }
    }
    fn bytes(&self) -> &[u8] {
        match self {
            Key::Inline(len, inline) => &inline[..*len as usize],
            Key::Heap(bytes) => bytes,
        }
    }
}

// Hashed and compared as its bytes, so the index is searched with a `&[u8]` (no key built).
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes().hash(state)
    }
}

impl std::borrow::Borrow<[u8]> for Key {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

impl Interned {
    /// A column whose first codes are `values`' positions: a state kept between runs holds
    /// codes, which mean the same values in every run that starts from it.
    pub fn seeded(values: Vec<String>) -> Interned {
        let index = values.iter().enumerate().map(|(code, v)| (Key::of(v), code as u32)).collect();
        Interned { codes: Vec::new(), values, index }
    }
    pub fn code_of(&mut self, value: Option<&str>) -> u32 {
        Interned::code_in(&mut self.values, &mut self.index, value)
    }
    /// [`Interned::code_of`] over the parts, so a caller can hold the codes mutably meanwhile.
    fn code_in(values: &mut Vec<String>, index: &mut HashMap<Key, u32, FxBuild>, value: Option<&str>) -> u32 {
        let Some(v) = value else { return NONE };
        if let Some(&c) = index.get(v.as_bytes()) {
            return c;
        }
        let c = values.len() as u32;
        values.push(v.to_owned());
        index.insert(Key::of(v), c);
        c
    }
    pub fn push(&mut self, value: Option<&str>) {
        let c = self.code_of(value);
        self.codes.push(c);
    }
    pub fn get(&self, row: usize) -> Option<&str> {
        self.value(self.codes[row])
    }
    pub fn value(&self, code: u32) -> Option<&str> {
        self.values.get(code as usize).map(String::as_str)
    }
    fn gather(&mut self, order: &[u32]) {
        // With no values every code is NONE, and any order of them is the same.
        if !self.values.is_empty() {
            gather(&mut self.codes, order);
        }
    }
}

/// Puts `values` in `order`.
fn gather<T: Copy>(values: &mut Vec<T>, order: &[u32]) {
    *values = order.iter().map(|&i| values[i as usize]).collect();
}

/// Puts `values` in `order`, unless they are all NULL (a column the reader did not ask for).
fn gather_options<T: Copy>(values: &mut Vec<Option<T>>, order: &[u32]) {
    if values.iter().any(Option::is_some) {
        gather(values, order);
    }
}

/// A text column of unique-ish values (ids), in one buffer.
#[derive(Default, Debug)]
pub struct Texts {
    bytes: String,
    ends: Vec<u64>,
    present: Vec<bool>,
}

impl Texts {
    pub fn push(&mut self, value: Option<&str>) {
        self.bytes.push_str(value.unwrap_or(""));
        self.ends.push(self.bytes.len() as u64);
        self.present.push(value.is_some());
    }
    pub fn get(&self, row: usize) -> Option<&str> {
        if !self.present[row] {
            return None;
        }
        let start = if row == 0 { 0 } else { self.ends[row - 1] as usize };
        Some(&self.bytes[start..self.ends[row] as usize])
    }
}

/// The columns of `sessions/` the scorer reads besides the risk signals.
const KEY_COLUMNS: [&str; 3] = ["session_id", "client_reference_id", "created_at"];

/// Columns of `sessions/` the scorer reads: the keys, then every signal core's list marks
/// `scored` ([`SIGNALS`]), in the list's order.
pub fn columns() -> Vec<&'static str> {
    KEY_COLUMNS.into_iter().chain(SIGNALS.iter().filter(|s| s.scored).map(|s| s.column)).collect()
}

/// The sessions, sorted by client reference id and creation time: filled one frame at a time
/// ([`SessionTable::append`], each frame dropped once read), then sorted
/// ([`SessionTable::sorted`]), so memory holds the compact columns and one frame, never the
/// whole dataset as polars strings.
#[derive(Default, Debug)]
pub struct SessionTable {
    /// Session ids in the order they were read: ids are only looked at for the rows that
    /// are written out, so sorting leaves them in place (see [`SessionTable::session_id`]).
    ids: Texts,
    /// The read position of each sorted row (empty until sorted).
    read_row: Vec<u32>,
    pub reference: Interned,
    /// Microseconds since the epoch, `i64::MIN` when unknown.
    pub created_us: Vec<i64>,
    /// Row ranges of each user's sessions (a session without a client reference id is a user
    /// of its own).
    pub users: Vec<Range<usize>>,
    pub latitude: Vec<f64>,
    pub longitude: Vec<f64>,
    /// GeoIP accuracy radius in km, -1 when unknown.
    pub accuracy_km: Vec<i32>,
    pub country: Interned,
    pub city: Interned,
    pub device: Interned,
    pub platform: Interned,
    pub asn: Vec<i64>,
    pub anonymizer: Vec<Option<bool>>,
    pub is_mobile: Vec<Option<bool>>,
    pub is_bot: Vec<Option<bool>>,
    pub age_min: Vec<Option<i32>>,
    pub age_max: Vec<Option<i32>>,
    pub sex: Interned,
    pub liveness: Interned,
    pub face_compare: Interned,
    pub face_scan: Interned,
    pub face_similarity: Vec<Option<f64>>,
    pub document_scan: Interned,
    pub two_factor: Interned,
    pub deepfake_verdict: Interned,
    pub deepfake_score: Vec<Option<f64>>,
    pub real_person: Interned,
    pub video_suspicious: Vec<Option<i32>>,
    pub video_high_risk: Vec<Option<i32>>,
    /// Per user (by position in `users`), the rules' state carried from the sessions of earlier
    /// runs (incremental scoring, [`super::carry`]); empty in a batch run.
    pub carried: Vec<Option<super::carry::Carry>>,
}

/// The interned columns, in the order [`SessionTable::interned`] lists them and a
/// [`StoredRow`] holds their codes.
pub const INTERNED: [&str; 12] = [
    "country",
    "city",
    "device",
    "platform",
    "sex",
    "liveness",
    "face_compare",
    "face_scan",
    "document_scan",
    "two_factor",
    "deepfake_verdict",
    "real_person",
];

/// One session as the table holds it, its interned values as codes of dictionaries kept with
/// it ([`INTERNED`]'s order): what incremental scoring keeps of a session between runs. The
/// user is whoever holds the row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredRow {
    pub id: Option<String>,
    pub created_us: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_km: i32,
    pub asn: i64,
    pub codes: [u32; INTERNED.len()],
    pub anonymizer: Option<bool>,
    pub is_mobile: Option<bool>,
    pub is_bot: Option<bool>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub video_suspicious: Option<i32>,
    pub video_high_risk: Option<i32>,
    pub face_similarity: Option<f64>,
    pub deepfake_score: Option<f64>,
}

/// Appends a frame's column to `out` through `read`, or the frame's height of `null` when the
/// frame lacks the column (one the reader did not ask for, see [`columns_for`]): filling a
/// missing column costs one `resize`, not a pass over a column of NULLs.
fn extend_column<T: Clone>(
    df: &DataFrame,
    name: &str,
    out: &mut Vec<T>,
    null: T,
    read: impl FnOnce(&Column, &mut Vec<T>) -> PolarsResult<()>,
) -> Result<()> {
    match df.column(name) {
        Ok(column) => read(column, out).with_context(|| format!("column {name}")),
        Err(_) => {
            out.resize(out.len() + df.height(), null);
            Ok(())
        }
    }
}

fn extend_interned(df: &DataFrame, name: &str, out: &mut Interned) -> Result<()> {
    let Interned { codes, values, index } = out;
    extend_column(df, name, codes, NONE, |c, codes| {
        for v in c.str()?.iter() {
            codes.push(Interned::code_in(values, index, v));
        }
        Ok(())
    })
}

fn extend_options<T: Copy>(
    df: &DataFrame,
    name: &str,
    out: &mut Vec<Option<T>>,
    read: impl FnOnce(&Column, &mut Vec<Option<T>>) -> PolarsResult<()>,
) -> Result<()> {
    extend_column(df, name, out, None, read)
}

/// The columns that scoring (`scores`) and the given detectors read: fewer columns, less to
/// read when only some detectors run.
pub fn columns_for(scores: bool, detectors: &[&str]) -> Vec<&'static str> {
    use super::finding::detector as d;
    if scores {
        return columns();
    }
    let all = columns();
    let mut chosen = vec!["session_id", "client_reference_id", "created_at"];
    let device = ["browser", "browser_version", "os", "platform", "is_mobile"];
    for &code in detectors {
        let extra: &[&'static str] = match code {
            d::IMPOSSIBLE_TRAVEL => {
                &["latitude", "longitude", "accuracy_radius_km", "anonymizer", "is_mobile", "city", "country"]
            }
            d::NEW_COUNTRY | d::MULTI_COUNTRY => &["country", "city", "latitude", "longitude", "anonymizer"],
            d::NEW_DEVICE => &[
                "browser",
                "browser_version",
                "os",
                "platform",
                "is_mobile",
                "country",
                "city",
                "latitude",
                "longitude",
                "anonymizer",
            ],
            d::DEVICE_CHURN | d::CONTRADICTORY_DEVICE => &device,
            d::FRAUD_FARM => &["browser", "browser_version", "os", "platform", "is_mobile", "asn", "city"],
            d::AGE_INCONSISTENT => &["age_min", "age_max"],
            d::SEX_INCONSISTENT => &["sex"],
            _ => &all,
        };
        for c in extra {
            if !chosen.contains(c) {
                chosen.push(c);
            }
        }
    }
    chosen
}

impl SessionTable {
    pub fn len(&self) -> usize {
        self.created_us.len()
    }
    pub fn is_empty(&self) -> bool {
        self.created_us.is_empty()
    }

    /// The session id of a row.
    pub fn session_id(&self, row: usize) -> Option<&str> {
        match self.read_row.get(row) {
            Some(&read) => self.ids.get(read as usize),
            None => self.ids.get(row),
        }
    }

    /// The position a sorted row was read at (rows are appended frame after frame).
    pub fn read_position(&self, row: usize) -> usize {
        self.read_row.get(row).map_or(row, |&r| r as usize)
    }

    /// The interned columns, in [`INTERNED`]'s order.
    pub fn interned(&self) -> [&Interned; INTERNED.len()] {
        [
            &self.country,
            &self.city,
            &self.device,
            &self.platform,
            &self.sex,
            &self.liveness,
            &self.face_compare,
            &self.face_scan,
            &self.document_scan,
            &self.two_factor,
            &self.deepfake_verdict,
            &self.real_person,
        ]
    }

    fn interned_mut(&mut self) -> [&mut Interned; INTERNED.len()] {
        [
            &mut self.country,
            &mut self.city,
            &mut self.device,
            &mut self.platform,
            &mut self.sex,
            &mut self.liveness,
            &mut self.face_compare,
            &mut self.face_scan,
            &mut self.document_scan,
            &mut self.two_factor,
            &mut self.deepfake_verdict,
            &mut self.real_person,
        ]
    }

    /// An empty table whose interned columns start from `dictionaries` ([`INTERNED`]'s order),
    /// so a [`StoredRow`]'s codes mean their values.
    pub fn with_dictionaries(dictionaries: &[Vec<String>; INTERNED.len()]) -> SessionTable {
        let mut t = SessionTable::default();
        for (column, values) in t.interned_mut().into_iter().zip(dictionaries) {
            *column = Interned::seeded(values.clone());
        }
        t
    }

    /// The dictionaries of the interned columns ([`INTERNED`]'s order).
    pub fn dictionaries(&self) -> [Vec<String>; INTERNED.len()] {
        self.interned().map(|c| c.values.clone())
    }

    /// A row as stored between runs, its values coded in `dictionaries` (interned columns in
    /// [`INTERNED`]'s order, which take any value new to them).
    pub fn stored_row(&self, row: usize, dictionaries: &mut [Interned; INTERNED.len()]) -> StoredRow {
        let mut codes = [NONE; INTERNED.len()];
        for ((code, column), dictionary) in codes.iter_mut().zip(self.interned()).zip(dictionaries.iter_mut())
        {
            *code = dictionary.code_of(column.get(row));
        }
        StoredRow {
            id: self.session_id(row).map(str::to_owned),
            created_us: self.created_us[row],
            latitude: self.latitude[row],
            longitude: self.longitude[row],
            accuracy_km: self.accuracy_km[row],
            asn: self.asn[row],
            codes,
            anonymizer: self.anonymizer[row],
            is_mobile: self.is_mobile[row],
            is_bot: self.is_bot[row],
            age_min: self.age_min[row],
            age_max: self.age_max[row],
            video_suspicious: self.video_suspicious[row],
            video_high_risk: self.video_high_risk[row],
            face_similarity: self.face_similarity[row],
            deepfake_score: self.deepfake_score[row],
        }
    }

    /// Appends a stored row of the user `reference` (unsorted; the table's dictionaries are the
    /// ones its codes are of: [`SessionTable::with_dictionaries`]).
    pub fn push_stored(&mut self, reference: Option<&str>, r: &StoredRow) {
        self.ids.push(r.id.as_deref());
        self.reference.push(reference);
        for (column, &code) in self.interned_mut().into_iter().zip(&r.codes) {
            column.codes.push(code);
        }
        self.created_us.push(r.created_us);
        self.latitude.push(r.latitude);
        self.longitude.push(r.longitude);
        self.accuracy_km.push(r.accuracy_km);
        self.asn.push(r.asn);
        self.anonymizer.push(r.anonymizer);
        self.is_mobile.push(r.is_mobile);
        self.is_bot.push(r.is_bot);
        self.age_min.push(r.age_min);
        self.age_max.push(r.age_max);
        self.video_suspicious.push(r.video_suspicious);
        self.video_high_risk.push(r.video_high_risk);
        self.face_similarity.push(r.face_similarity);
        self.deepfake_score.push(r.deepfake_score);
    }

    /// The state carried for a user from earlier runs, if any.
    pub fn carry(&self, user: usize) -> Option<&super::carry::Carry> {
        self.carried.get(user).and_then(Option::as_ref)
    }

    pub fn located(&self, row: usize) -> bool {
        self.latitude[row].is_finite() && self.longitude[row].is_finite()
    }

    /// Appends a frame's rows (the columns [`columns`] names, `created_at` an Int64 of
    /// microseconds), unsorted. Two threads share the work: ids, users and device profiles
    /// (the columns with many distinct values) on one, everything else on the other.
    pub fn append(&mut self, df: &DataFrame) -> Result<()> {
        // Every field by name (no `..`): a field added to the table but not appended here does
        // not compile; `append_reads_every_column` checks each column is read.
        let SessionTable {
            ids,
            read_row: _,
            reference,
            created_us,
            users: _,
            latitude,
            longitude,
            accuracy_km,
            country,
            city,
            device,
            platform,
            asn,
            anonymizer,
            is_mobile,
            is_bot,
            age_min,
            age_max,
            sex,
            liveness,
            face_compare,
            face_scan,
            face_similarity,
            document_scan,
            two_factor,
            deepfake_verdict,
            deepfake_score,
            real_person,
            video_suspicious,
            video_high_risk,
            carried: _,
        } = self;
        std::thread::scope(|scope| -> Result<()> {
            let identities = scope.spawn(|| -> Result<()> {
                extend_interned(df, "client_reference_id", reference)?;
                append_device_profiles(df, device)
            });
            match df.column("session_id") {
                Ok(c) => c.str().context("column session_id")?.iter().for_each(|v| ids.push(v)),
                Err(_) => (0..df.height()).for_each(|_| ids.push(None)),
            }
            extend_column(df, "created_at", created_us, i64::MIN, |c, out| {
                out.extend(c.i64()?.iter().map(|v| v.unwrap_or(i64::MIN)));
                Ok(())
            })?;
            for (name, out) in [("latitude", latitude), ("longitude", longitude)] {
                extend_column(df, name, out, f64::NAN, |c, out| {
                    out.extend(c.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)));
                    Ok(())
                })?;
            }
            extend_column(df, "accuracy_radius_km", accuracy_km, -1, |c, out| {
                out.extend(c.i32()?.iter().map(|v| v.unwrap_or(-1)));
                Ok(())
            })?;
            extend_column(df, "asn", asn, -1, |c, out| {
                out.extend(c.i64()?.iter().map(|v| v.unwrap_or(-1)));
                Ok(())
            })?;
            for (name, out) in [
                ("liveness", liveness),
                ("face_compare", face_compare),
                ("face_scan", face_scan),
                ("document_scan", document_scan),
                ("two_factor", two_factor),
                ("deepfake_verdict", deepfake_verdict),
                ("real_person", real_person),
                ("country", country),
                ("city", city),
                ("platform", platform),
                ("sex", sex),
            ] {
                extend_interned(df, name, out)?;
            }
            for (name, out) in [("face_similarity", face_similarity), ("deepfake_score", deepfake_score)] {
                extend_options(df, name, out, |c, out| {
                    out.extend(c.f64()?.iter());
                    Ok(())
                })?;
            }
            for (name, out) in [
                ("video_suspicious", video_suspicious),
                ("video_high_risk", video_high_risk),
                ("age_min", age_min),
                ("age_max", age_max),
            ] {
                extend_options(df, name, out, |c, out| {
                    out.extend(c.i32()?.iter());
                    Ok(())
                })?;
            }
            for (name, out) in [("anonymizer", anonymizer), ("is_mobile", is_mobile), ("is_bot", is_bot)] {
                extend_options(df, name, out, |c, out| {
                    out.extend(c.bool()?.iter());
                    Ok(())
                })?;
            }
            identities.join().expect("reading session ids panicked")
        })
    }

    /// The table sorted by client reference id, creation time (unknown last) and session id,
    /// with each user's row range.
    pub fn sorted(mut self) -> SessionTable {
        let order = self.order();
        self.permute(&order);
        self.read_row = order;
        let codes = &self.reference.codes;
        let n = codes.len();
        self.users.clear();
        let mut start = 0;
        for row in 1..=n {
            if row == n || codes[row] == NONE || codes[row] != codes[row - 1] {
                self.users.push(start..row);
                start = row;
            }
        }
        self
    }

    /// The rows in sorted order. Rows are placed by user with a counting sort (users in the
    /// order of their reference ids, sessions without one last), then each user's few rows
    /// sorted by time and id: a comparison sort of all rows took seconds at ten million.
    fn order(&self) -> Vec<u32> {
        debug_assert!(self.read_row.is_empty(), "sorted twice");
        let values = &self.reference.values;
        let mut by_value: Vec<u32> = (0..values.len() as u32).collect();
        by_value.sort_unstable_by(|&a, &b| values[a as usize].cmp(&values[b as usize]));
        let mut rank = vec![0u32; values.len()];
        by_value.iter().enumerate().for_each(|(r, &code)| rank[code as usize] = r as u32);
        let bucket = |code: u32| if code == NONE { values.len() } else { rank[code as usize] as usize };

        let mut next = vec![0usize; values.len() + 2];
        self.reference.codes.iter().for_each(|&code| next[bucket(code) + 1] += 1);
        for b in 1..next.len() {
            next[b] += next[b - 1];
        }
        let bounds = next.clone();
        let mut order = vec![0u32; self.len()];
        for (row, &code) in self.reference.codes.iter().enumerate() {
            let b = bucket(code);
            order[next[b]] = row as u32;
            next[b] += 1;
        }
        let time = |row: u32| match self.created_us[row as usize] {
            i64::MIN => i64::MAX,
            t => t,
        };
        for b in 0..bounds.len() - 1 {
            order[bounds[b]..bounds[b + 1]].sort_unstable_by(|&x, &y| {
                time(x).cmp(&time(y)).then_with(|| self.ids.get(x as usize).cmp(&self.ids.get(y as usize)))
            });
        }
        order
    }

    /// Puts every column in `order`, on two threads; a column that is all NULL stays as it is.
    fn permute(&mut self, order: &[u32]) {
        // Every field by name (no `..`): a column left out of the permutation does not compile.
        let SessionTable {
            ids: _,
            read_row: _,
            reference,
            created_us,
            users: _,
            latitude,
            longitude,
            accuracy_km,
            country,
            city,
            device,
            platform,
            asn,
            anonymizer,
            is_mobile,
            is_bot,
            age_min,
            age_max,
            sex,
            liveness,
            face_compare,
            face_scan,
            face_similarity,
            document_scan,
            two_factor,
            deepfake_verdict,
            deepfake_score,
            real_person,
            video_suspicious,
            video_high_risk,
            carried: _,
        } = self;
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for column in [reference, device, country, city] {
                    column.gather(order);
                }
                gather(created_us, order);
                gather(latitude, order);
                gather(longitude, order);
            });
            for column in [
                platform,
                sex,
                liveness,
                face_compare,
                face_scan,
                document_scan,
                two_factor,
                deepfake_verdict,
                real_person,
            ] {
                column.gather(order);
            }
            gather(accuracy_km, order);
            gather(asn, order);
            for column in [anonymizer, is_mobile, is_bot] {
                gather_options(column, order);
            }
            for column in [age_min, age_max, video_suspicious, video_high_risk] {
                gather_options(column, order);
            }
            for column in [face_similarity, deepfake_score] {
                gather_options(column, order);
            }
        });
    }
}

/// Device profiles of a frame's rows (see [`device_profile`]), interned.
fn append_device_profiles(df: &DataFrame, device: &mut Interned) -> Result<()> {
    let parts = ["browser", "os", "platform"];
    if !parts.iter().any(|name| df.column(name).is_ok()) {
        device.codes.resize(device.codes.len() + df.height(), NONE);
        return Ok(());
    }
    let texts = |name: &str| -> Result<StringChunked> {
        match df.column(name) {
            Ok(c) => Ok(c.str().with_context(|| format!("column {name}"))?.clone()),
            Err(_) => Ok(StringChunked::full_null(name.into(), df.height())),
        }
    };
    let (browser, version, os, platform) =
        (texts("browser")?, texts("browser_version")?, texts("os")?, texts("platform")?);
    let mobile = match df.column("is_mobile") {
        Ok(c) => c.bool().context("column is_mobile")?.clone(),
        Err(_) => BooleanChunked::full_null("is_mobile".into(), df.height()),
    };
    let mut profile = String::new();
    let rows = browser.iter().zip(version.iter()).zip(os.iter()).zip(platform.iter()).zip(mobile.iter());
    for ((((b, v), o), p), m) in rows {
        let known = device_profile(b, v, o, p, m, &mut profile);
        device.push(known.then_some(profile.as_str()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Interned;

    /// Values of any length, held inline (up to 23 bytes) or on the heap, get one code each.
    #[test]
    fn each_distinct_value_gets_one_code_whatever_its_length() {
        let (inline_most, heap_least) = ("x".repeat(23), "x".repeat(24));
        let values = ["usr_1", "", inline_most.as_str(), heap_least.as_str(), "usr_10", "usr_1"];
        let mut column = Interned::default();
        for v in values.iter().chain(values.iter()) {
            column.push(Some(v));
        }
        column.push(None);
        assert_eq!(column.values, ["usr_1", "", inline_most.as_str(), heap_least.as_str(), "usr_10"]);
        assert_eq!(&column.codes[..6], &[0, 1, 2, 3, 4, 0]);
        assert_eq!(&column.codes[6..12], &column.codes[..6]);
        assert_eq!(column.get(12), None);
        assert_eq!(column.get(3), Some(heap_least.as_str()));
    }
}
