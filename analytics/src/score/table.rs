//! The sessions the scorer reads, held column by column and sorted by user and time, so each
//! user's history is one contiguous run of rows. Text columns are interned: a detector compares
//! countries, cities and device profiles as integers.
//!
//! The table is filled from a polars `DataFrame` with the `sessions/` dataset's columns (see
//! [`super::input`]), whichever way the sessions were read.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;

use anyhow::{Context, Result};
use polars::prelude::{
    BooleanChunked, ChunkFullNull, DataFrame, Float64Chunked, Int32Chunked, Int64Chunked, StringChunked,
};

/// FxHash: the interned values are short strings from our own dataset, not attacker-chosen
/// keys of a long-lived map, so the fast hash is safe here.
#[derive(Default)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 =
                (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

/// Code of a missing value in an interned column.
pub const NONE: u32 = u32::MAX;

/// An interned text column: a code per row, and the distinct values.
#[derive(Default, Debug)]
pub struct Interned {
    pub codes: Vec<u32>,
    pub values: Vec<String>,
    index: HashMap<String, u32, FxBuild>,
}

impl Interned {
    pub fn code_of(&mut self, value: Option<&str>) -> u32 {
        let Some(v) = value else { return NONE };
        if let Some(&c) = self.index.get(v) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(v.to_owned());
        self.index.insert(v.to_owned(), c);
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
        self.codes = gather(&self.codes, order);
    }
}

fn gather<T: Copy>(values: &[T], order: &[u32]) -> Vec<T> {
    order.iter().map(|&i| values[i as usize]).collect()
}

/// A text column of unique-ish values (ids), in one buffer.
#[derive(Default, Debug)]
pub struct Texts {
    bytes: String,
    ends: Vec<u64>,
    present: Vec<bool>,
}

impl Texts {
    fn gather(&self, order: &[u32]) -> Texts {
        let mut out = Texts { bytes: String::with_capacity(self.bytes.len()), ..Texts::default() };
        order.iter().for_each(|&i| out.push(self.get(i as usize)));
        out
    }
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

/// A device profile as the detectors compare them: browser, version, OS, platform, and whether
/// the device says it is mobile. The generator labels new devices and churn with this same key.
pub fn device_profile(
    browser: Option<&str>,
    version: Option<&str>,
    os: Option<&str>,
    platform: Option<&str>,
    is_mobile: Option<bool>,
    out: &mut String,
) -> bool {
    out.clear();
    if browser.is_none() && os.is_none() && platform.is_none() {
        return false;
    }
    for (k, part) in [browser, version, os, platform].into_iter().enumerate() {
        if k > 0 {
            out.push_str(if k == 2 { " · " } else { " " });
        }
        out.push_str(part.unwrap_or("?"));
    }
    if is_mobile == Some(true) {
        out.push_str(" · mobile");
    }
    true
}

/// Columns of `sessions/` the scorer reads.
pub const COLUMNS: [&str; 31] = [
    "session_id",
    "client_reference_id",
    "created_at",
    "status",
    "liveness",
    "face_compare",
    "face_similarity",
    "document_scan",
    "two_factor",
    "deepfake_verdict",
    "deepfake_score",
    "real_person",
    "age_min",
    "age_max",
    "sex",
    "video_suspicious",
    "video_high_risk",
    "country",
    "city",
    "latitude",
    "longitude",
    "accuracy_radius_km",
    "anonymizer",
    "asn",
    "browser",
    "browser_version",
    "os",
    "platform",
    "is_mobile",
    "is_bot",
    "face_scan",
];

/// The sessions, sorted by client reference id and creation time: filled one frame at a time
/// ([`SessionTable::append`], each frame dropped once read), then sorted
/// ([`SessionTable::sorted`]), so memory holds the compact columns and one frame, never the
/// whole dataset as polars strings.
#[derive(Default)]
pub struct SessionTable {
    pub id: Texts,
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
}

// A column the reader did not ask for (see [`columns_for`]) reads as all NULL.
fn strs(df: &DataFrame, name: &str) -> Result<StringChunked> {
    match df.column(name) {
        Ok(c) => Ok(c.str().with_context(|| format!("column {name}"))?.clone()),
        Err(_) => Ok(StringChunked::full_null(name.into(), df.height())),
    }
}
fn f64s(df: &DataFrame, name: &str) -> Result<Float64Chunked> {
    match df.column(name) {
        Ok(c) => Ok(c.f64().with_context(|| format!("column {name}"))?.clone()),
        Err(_) => Ok(Float64Chunked::full_null(name.into(), df.height())),
    }
}
fn i32s(df: &DataFrame, name: &str) -> Result<Int32Chunked> {
    match df.column(name) {
        Ok(c) => Ok(c.i32().with_context(|| format!("column {name}"))?.clone()),
        Err(_) => Ok(Int32Chunked::full_null(name.into(), df.height())),
    }
}
fn i64s(df: &DataFrame, name: &str) -> Result<Int64Chunked> {
    match df.column(name) {
        Ok(c) => Ok(c.i64().with_context(|| format!("column {name}"))?.clone()),
        Err(_) => Ok(Int64Chunked::full_null(name.into(), df.height())),
    }
}
fn bools(df: &DataFrame, name: &str) -> Result<BooleanChunked> {
    match df.column(name) {
        Ok(c) => Ok(c.bool().with_context(|| format!("column {name}"))?.clone()),
        Err(_) => Ok(BooleanChunked::full_null(name.into(), df.height())),
    }
}

/// The columns that scoring (`scores`) and the given detectors read: fewer columns, less to
/// read when only some detectors run.
pub fn columns_for(scores: bool, detectors: &[&str]) -> Vec<&'static str> {
    use super::finding::detector as d;
    if scores {
        return COLUMNS.to_vec();
    }
    let mut columns = vec!["session_id", "client_reference_id", "created_at"];
    let device = ["browser", "browser_version", "os", "platform", "is_mobile"];
    for &code in detectors {
        let extra: &[&'static str] = match code {
            d::IMPOSSIBLE_TRAVEL => {
                &["latitude", "longitude", "accuracy_radius_km", "anonymizer", "is_mobile", "city", "country"]
            }
            d::NEW_COUNTRY | d::MULTI_COUNTRY => &["country", "city"],
            d::NEW_DEVICE | d::DEVICE_CHURN | d::CONTRADICTORY_DEVICE => &device,
            d::FRAUD_FARM => &["browser", "browser_version", "os", "platform", "is_mobile", "asn", "city"],
            d::AGE_INCONSISTENT => &["age_min", "age_max"],
            d::SEX_INCONSISTENT => &["sex"],
            _ => &COLUMNS,
        };
        for c in extra {
            if !columns.contains(c) {
                columns.push(c);
            }
        }
    }
    columns
}

impl SessionTable {
    pub fn len(&self) -> usize {
        self.created_us.len()
    }
    pub fn is_empty(&self) -> bool {
        self.created_us.is_empty()
    }

    pub fn located(&self, row: usize) -> bool {
        self.latitude[row].is_finite() && self.longitude[row].is_finite()
    }

    /// Appends a frame's rows (the columns [`COLUMNS`] names, `created_at` an Int64 of
    /// microseconds), unsorted.
    pub fn append(&mut self, df: &DataFrame) -> Result<()> {
        let t = self;
        let ids = strs(df, "session_id")?;
        let refs = strs(df, "client_reference_id")?;
        let created = i64s(df, "created_at")?;
        let (lat, lon) = (f64s(df, "latitude")?, f64s(df, "longitude")?);
        let accuracy = i32s(df, "accuracy_radius_km")?;
        let (browser, version, os, platform) =
            (strs(df, "browser")?, strs(df, "browser_version")?, strs(df, "os")?, strs(df, "platform")?);
        let (anonymizer, mobile, bot) =
            (bools(df, "anonymizer")?, bools(df, "is_mobile")?, bools(df, "is_bot")?);
        let asn = i64s(df, "asn")?;
        let (age_min, age_max) = (i32s(df, "age_min")?, i32s(df, "age_max")?);
        for (column, name) in [
            (&mut t.liveness, "liveness"),
            (&mut t.face_compare, "face_compare"),
            (&mut t.face_scan, "face_scan"),
            (&mut t.document_scan, "document_scan"),
            (&mut t.two_factor, "two_factor"),
            (&mut t.deepfake_verdict, "deepfake_verdict"),
            (&mut t.real_person, "real_person"),
            (&mut t.country, "country"),
            (&mut t.city, "city"),
            (&mut t.platform, "platform"),
            (&mut t.sex, "sex"),
        ] {
            strs(df, name)?.iter().for_each(|v| column.push(v));
        }
        t.face_similarity.extend(f64s(df, "face_similarity")?.iter());
        t.deepfake_score.extend(f64s(df, "deepfake_score")?.iter());
        t.video_suspicious.extend(i32s(df, "video_suspicious")?.iter());
        t.video_high_risk.extend(i32s(df, "video_high_risk")?.iter());
        t.anonymizer.extend(anonymizer.iter());
        t.is_mobile.extend(mobile.iter());
        t.is_bot.extend(bot.iter());
        t.age_min.extend(age_min.iter());
        t.age_max.extend(age_max.iter());
        t.asn.extend(asn.iter().map(|v| v.unwrap_or(-1)));
        t.created_us.extend(created.iter().map(|v| v.unwrap_or(i64::MIN)));
        t.latitude.extend(lat.iter().map(|v| v.unwrap_or(f64::NAN)));
        t.longitude.extend(lon.iter().map(|v| v.unwrap_or(f64::NAN)));
        t.accuracy_km.extend(accuracy.iter().map(|v| v.unwrap_or(-1)));
        ids.iter().for_each(|v| t.id.push(v));
        refs.iter().for_each(|v| t.reference.push(v));
        let mut profile = String::new();
        let parts = browser.iter().zip(version.iter()).zip(os.iter()).zip(platform.iter()).zip(mobile.iter());
        for ((((b, v), o), p), m) in parts {
            let known = device_profile(b, v, o, p, m, &mut profile);
            t.device.push(known.then_some(profile.as_str()));
        }

        Ok(())
    }

    /// The table sorted by client reference id, creation time (unknown last) and session id,
    /// with each user's row range.
    pub fn sorted(mut self) -> SessionTable {
        // Rank the distinct references once, so rows compare integers.
        let mut by_value: Vec<u32> = (0..self.reference.values.len() as u32).collect();
        by_value.sort_unstable_by(|&a, &b| {
            self.reference.values[a as usize].cmp(&self.reference.values[b as usize])
        });
        let mut rank = vec![0u32; by_value.len()];
        by_value.iter().enumerate().for_each(|(r, &code)| rank[code as usize] = r as u32);
        let key = |row: usize| {
            let code = self.reference.codes[row];
            let user = if code == NONE { u32::MAX } else { rank[code as usize] };
            let time = self.created_us[row];
            (user, if time == i64::MIN { i64::MAX } else { time })
        };
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            key(a as usize)
                .cmp(&key(b as usize))
                .then_with(|| self.id.get(a as usize).cmp(&self.id.get(b as usize)))
        });
        let t = &mut self;
        t.id = t.id.gather(&order);
        for column in [
            &mut t.reference,
            &mut t.country,
            &mut t.city,
            &mut t.device,
            &mut t.platform,
            &mut t.sex,
            &mut t.liveness,
            &mut t.face_compare,
            &mut t.face_scan,
            &mut t.document_scan,
            &mut t.two_factor,
            &mut t.deepfake_verdict,
            &mut t.real_person,
        ] {
            column.gather(&order);
        }
        t.created_us = gather(&t.created_us, &order);
        t.latitude = gather(&t.latitude, &order);
        t.longitude = gather(&t.longitude, &order);
        t.accuracy_km = gather(&t.accuracy_km, &order);
        t.asn = gather(&t.asn, &order);
        t.anonymizer = gather(&t.anonymizer, &order);
        t.is_mobile = gather(&t.is_mobile, &order);
        t.is_bot = gather(&t.is_bot, &order);
        t.age_min = gather(&t.age_min, &order);
        t.age_max = gather(&t.age_max, &order);
        t.face_similarity = gather(&t.face_similarity, &order);
        t.deepfake_score = gather(&t.deepfake_score, &order);
        t.video_suspicious = gather(&t.video_suspicious, &order);
        t.video_high_risk = gather(&t.video_high_risk, &order);
        drop(order);
        let n = t.len();
        t.users.clear();
        let mut start = 0;
        for row in 1..=n {
            let code = if row < n { t.reference.codes[row] } else { NONE };
            if row == n || code == NONE || code != t.reference.codes[row - 1] {
                t.users.push(start..row);
                start = row;
            }
        }
        self
    }
}
