//! The files of incremental scoring's state ([`super::incremental`]), in a folder `DIR`:
//!
//! - `DIR/segments/<name>.seg`: users' records ([`UserRecord`]), written once and never
//!   changed; a run writes the records it changed to a new segment.
//! - `DIR/state-N/`: one state, whole: `state.bin` ([`Header`]: times, dictionaries, inputs
//!   scored), `index.bin` (each user's key, number and where their record is), `farm.bin` (the
//!   farm rule's sessions of its span, [`FarmTable`]), `manifest.json` (the same, for people).
//! - `DIR/CURRENT`: the name of the current `state-N`, written whole and renamed into place:
//!   a state counts from that rename, so a run killed before it leaves the previous one.
//!
//! Segments no current index refers to (a killed run's, or ones a compaction replaced) are
//! removed when a run starts and after it commits.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::carry::Carry;
use super::farm::FarmRows;
use super::table::{StoredRow, INTERNED};

/// The state's format; a state of another format is refused with the command that rebuilds it.
pub const FORMAT: u32 = 2;

const CURRENT: &str = "CURRENT";

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_fixed_int_encoding()
}

/// Writes `value` to `path` and syncs it.
pub fn write_file<T: Serialize>(path: &Path, value: &T) -> Result<u64> {
    let mut writer = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let bytes = bincode::serde::encode_into_std_write(value, &mut writer, config())
        .with_context(|| format!("writing {}", path.display()))?;
    writer.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(bytes as u64)
}

pub fn read_file<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    bincode::serde::decode_from_std_read(&mut BufReader::with_capacity(1 << 20, file), config())
        .with_context(|| format!("reading {}", path.display()))
}

/// What a state holds besides its users and the farm's sessions.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    /// Fingerprint of the configuration the answers were given under.
    pub config: u64,
    /// The last run (1 for the first).
    pub run: u32,
    pub accept_from_us: i64,
    pub emit_from_us: i64,
    pub latest_us: i64,
    /// The interned columns' dictionaries (carries and stored rows hold codes of them).
    pub dictionaries: [Vec<String>; INTERNED.len()],
    /// The next user number.
    pub next_user: u32,
    /// The inputs already scored (an NDJSON file by its content, an export's file by its path
    /// and size).
    pub consumed: Vec<String>,
    /// With `--dsn`: the latest `updated_at` read from the database (timestamptz text).
    pub db_watermark: Option<String>,
}

/// One user's part of the state.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    /// The client reference id (`None`: a session without one, a user of its own).
    pub reference: Option<String>,
    /// The rules' state after the user's sessions before `rows`.
    pub carry: Option<Carry>,
    /// The user's sessions since the carry, in time order.
    pub rows: Vec<StoredRow>,
    /// Fingerprints of the answers that can still change (session id, fingerprint).
    pub answers: Vec<(String, u64)>,
}

/// Where a user's record is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The client reference id, or `"\0"` and the session id for a session without one.
    pub key: String,
    /// The user's number (in the farm's sessions).
    pub user: u32,
    pub segment: u32,
    pub offset: u64,
    pub len: u32,
}

/// Every user's entry, sorted by key.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Index {
    pub entries: Vec<IndexEntry>,
    /// Segment number → file name.
    pub segments: Vec<String>,
}

impl Index {
    pub fn find(&self, key: &str) -> Option<usize> {
        self.entries.binary_search_by(|e| e.key.as_str().cmp(key)).ok()
    }
    /// Bytes of records the index refers to.
    pub fn live_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.len as u64).sum()
    }
}

/// The farm rule's sessions since the farm's span began, with each one's current finding.
#[derive(Debug, Default)]
pub struct FarmTable {
    pub rows: FarmRows,
    /// Per row, the farm's finding on it: 0 for none, else [`pack_hit`]'s number.
    pub hits: Vec<u64>,
}

/// The first bytes of `farm.bin`.
const FARM_MAGIC: &[u8; 8] = if cfg!(target_endian = "little") { b"FSFARMle" } else { b"FSFARMbe" };

/// Writes a column of numbers as the bytes they are in memory (little-endian on every machine
/// this runs on: [`FarmTable::read`] refuses a file of the other order).
fn write_column<T: bytemuck::Pod>(w: &mut impl Write, values: &[T]) -> Result<()> {
    w.write_all(bytemuck::cast_slice(values))?;
    Ok(())
}

/// Reads `n` numbers written by [`write_column`] straight into their column.
fn read_column<T: bytemuck::Pod>(r: &mut impl Read, n: usize) -> Result<Vec<T>> {
    let mut out = vec![T::zeroed(); n];
    r.read_exact(bytemuck::cast_slice_mut(&mut out))?;
    Ok(out)
}

impl FarmTable {
    /// Writes the table's rows created at or after `from_us` (the farm's span moves on), column
    /// by column: each network and city once, then its rows' times, profiles, users, new flags
    /// and findings as arrays, copied range by range (ten million rows in a fraction of a
    /// second, where a value-by-value encoding took seconds).
    /// Returns the bytes and rows written.
    pub fn write(&self, path: &Path, from_us: i64) -> Result<(u64, usize)> {
        let rows = &self.rows;
        let kept: Vec<std::ops::Range<usize>> = rows
            .groups()
            .into_iter()
            .map(|g| g.start + rows.time_us[g.clone()].partition_point(|&t| t < from_us)..g.end)
            .filter(|g| !g.is_empty())
            .collect();
        let n: usize = kept.iter().map(|g| g.len()).sum();
        let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
        w.write_all(FARM_MAGIC)?;
        w.write_all(&(n as u64).to_le_bytes())?;
        w.write_all(&(kept.len() as u64).to_le_bytes())?;
        for g in &kept {
            w.write_all(&rows.asn[g.start].to_le_bytes())?;
            w.write_all(&rows.city[g.start].to_le_bytes())?;
            w.write_all(&(g.len() as u64).to_le_bytes())?;
        }
        for g in &kept {
            write_column(&mut w, &rows.time_us[g.clone()])?;
        }
        for g in &kept {
            write_column(&mut w, &rows.device[g.clone()])?;
        }
        for g in &kept {
            write_column(&mut w, &rows.user[g.clone()])?;
        }
        for g in &kept {
            let flags: Vec<u8> = rows.new[g.clone()].iter().map(|&b| u8::from(b)).collect();
            write_column(&mut w, &flags)?;
        }
        // Findings are few: their rows' positions and numbers.
        let mut found: Vec<(u64, u64)> = Vec::new();
        let mut position = 0u64;
        for g in &kept {
            for i in g.clone() {
                if self.hits[i] != 0 {
                    found.push((position, self.hits[i]));
                }
                position += 1;
            }
        }
        w.write_all(&(found.len() as u64).to_le_bytes())?;
        let (positions, words): (Vec<u64>, Vec<u64>) = found.into_iter().unzip();
        write_column(&mut w, &positions)?;
        write_column(&mut w, &words)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok((std::fs::metadata(path)?.len(), n))
    }

    pub fn read(path: &Path) -> Result<FarmTable> {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut r = BufReader::with_capacity(1 << 20, file);
        let mut word = [0u8; 8];
        r.read_exact(&mut word)?;
        anyhow::ensure!(
            &word == FARM_MAGIC,
            "{} is not a farm table of this build (another format, or another byte order)",
            path.display()
        );
        let mut u64_of = |r: &mut BufReader<File>| -> Result<u64> {
            r.read_exact(&mut word)?;
            Ok(u64::from_le_bytes(word))
        };
        let n = u64_of(&mut r)? as usize;
        let groups = u64_of(&mut r)? as usize;
        let (mut asn, mut city) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..groups {
            let mut g = [0u8; 20];
            r.read_exact(&mut g)?;
            let a = i64::from_le_bytes(g[..8].try_into().expect("8 bytes"));
            let c = u32::from_le_bytes(g[8..12].try_into().expect("4 bytes"));
            let len = u64::from_le_bytes(g[12..].try_into().expect("8 bytes")) as usize;
            asn.resize(asn.len() + len, a);
            city.resize(city.len() + len, c);
        }
        anyhow::ensure!(
            asn.len() == n,
            "{} is damaged: its groups hold {} rows of {n}",
            path.display(),
            asn.len()
        );
        let time_us = read_column::<i64>(&mut r, n)?;
        let device = read_column::<u32>(&mut r, n)?;
        let user = read_column::<u32>(&mut r, n)?;
        let new = read_column::<u8>(&mut r, n)?.into_iter().map(|b| b != 0).collect();
        let found = u64_of(&mut r)? as usize;
        let positions = read_column::<u64>(&mut r, found)?;
        let words = read_column::<u64>(&mut r, found)?;
        let mut hits = vec![0u64; n];
        for (&at, &word) in positions.iter().zip(&words) {
            *hits.get_mut(at as usize).context("a finding of the farm table is past its rows")? = word;
        }
        Ok(FarmTable { rows: FarmRows { asn, city, time_us, device, user, new }, hits })
    }
}

/// A farm finding's numbers in one nonzero word: members, phones, window (index + 1).
pub fn pack_hit(members: usize, phones: usize, window: usize) -> u64 {
    ((members as u64) << 32) | ((phones as u64 & 0xFFFF) << 16) | ((window as u64 + 1) & 0xFFFF)
}

/// [`pack_hit`]'s numbers back: members, phones, window index.
pub fn unpack_hit(word: u64) -> Option<(usize, usize, usize)> {
    (word != 0)
        .then(|| ((word >> 32) as usize, ((word >> 16) & 0xFFFF) as usize, (word & 0xFFFF) as usize - 1))
}

/// The state folder `DIR/CURRENT` names, if any.
pub fn current_folder(dir: &Path) -> Result<Option<PathBuf>> {
    match std::fs::read_to_string(dir.join(CURRENT)) {
        Ok(name) => Ok(Some(dir.join(name.trim()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.join(CURRENT).display())),
    }
}

/// Makes `folder` (a `state-N` in `dir`) the current state.
pub fn commit(dir: &Path, folder: &Path) -> Result<()> {
    let name = folder.file_name().expect("a state folder").to_string_lossy().into_owned();
    let pointer = dir.join(format!("{CURRENT}.tmp"));
    let mut file = File::create(&pointer)?;
    file.write_all(format!("{name}\n").as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&pointer, dir.join(CURRENT))?;
    Ok(())
}

/// Removes what is not part of the current state: staging folders, other `state-N` folders,
/// and segments `keep` does not name.
pub fn clean(dir: &Path, current: Option<&Path>, keep: &HashSet<String>) -> Result<()> {
    let remove = |path: &Path| -> Result<()> {
        if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) }
            .with_context(|| format!("removing {}", path.display()))
    };
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stale = name.starts_with(".staging-")
            || name == format!("{CURRENT}.tmp")
            || (name.starts_with("state-") && Some(path.as_path()) != current);
        if stale {
            remove(&path)?;
        }
    }
    let segments = dir.join("segments");
    if segments.is_dir() {
        for entry in std::fs::read_dir(&segments)? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if !keep.contains(&name) {
                remove(&path)?;
            }
        }
    }
    Ok(())
}

/// Reads records out of the segments.
pub struct RecordReader {
    dir: PathBuf,
    open: Vec<Option<File>>,
    buffer: Vec<u8>,
}

impl RecordReader {
    pub fn new(dir: &Path) -> RecordReader {
        RecordReader { dir: dir.join("segments"), open: Vec::new(), buffer: Vec::new() }
    }

    /// The record an entry points at.
    pub fn read(&mut self, index: &Index, entry: &IndexEntry) -> Result<UserRecord> {
        self.raw(index, entry)?;
        let (record, _) = bincode::serde::decode_from_slice(&self.buffer, config())
            .with_context(|| format!("reading the record of user {:?}", entry.key))?;
        Ok(record)
    }

    /// The record's bytes, in the reader's buffer.
    fn raw(&mut self, index: &Index, entry: &IndexEntry) -> Result<&[u8]> {
        let segment = entry.segment as usize;
        if self.open.len() <= segment {
            self.open.resize_with(segment + 1, || None);
        }
        if self.open[segment].is_none() {
            let path = self.dir.join(&index.segments[segment]);
            self.open[segment] =
                Some(File::open(&path).with_context(|| format!("opening {}", path.display()))?);
        }
        let file = self.open[segment].as_mut().expect("opened");
        file.seek(SeekFrom::Start(entry.offset))?;
        self.buffer.resize(entry.len as usize, 0);
        file.read_exact(&mut self.buffer)?;
        Ok(&self.buffer)
    }
}

/// Writes records to a new segment.
pub struct SegmentWriter {
    path: PathBuf,
    pub name: String,
    writer: BufWriter<File>,
    offset: u64,
    buffer: Vec<u8>,
}

impl SegmentWriter {
    pub fn create(dir: &Path, name: &str) -> Result<SegmentWriter> {
        let folder = dir.join("segments");
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(name);
        let writer = BufWriter::with_capacity(
            1 << 20,
            File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        Ok(SegmentWriter { path, name: name.to_owned(), writer, offset: 0, buffer: Vec::new() })
    }

    /// Appends a record; its offset and length.
    pub fn append(&mut self, record: &UserRecord) -> Result<(u64, u32)> {
        self.buffer.clear();
        bincode::serde::encode_into_std_write(record, &mut self.buffer, config())?;
        self.append_raw_buffer()
    }

    fn append_raw_buffer(&mut self) -> Result<(u64, u32)> {
        let len = u32::try_from(self.buffer.len()).context("a user's record is over 4 GiB")?;
        self.writer.write_all(&self.buffer)?;
        let at = self.offset;
        self.offset += len as u64;
        Ok((at, len))
    }

    /// Copies a record as it is from another segment.
    pub fn copy(
        &mut self,
        reader: &mut RecordReader,
        index: &Index,
        entry: &IndexEntry,
    ) -> Result<(u64, u32)> {
        let bytes = reader.raw(index, entry)?;
        self.buffer.clear();
        self.buffer.extend_from_slice(bytes);
        self.append_raw_buffer()
    }

    pub fn finish(self) -> Result<u64> {
        self.writer.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(std::fs::metadata(&self.path)?.len())
    }
}
