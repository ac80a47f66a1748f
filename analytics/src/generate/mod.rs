//! `facesign-analytics generate`: a synthetic corpus of FaceSign sessions with planted,
//! labelled anomalies and benign look-alikes.
//!
//! Users are planned independently from the seed (`plan.rs`), rendered to NDJSON on every core
//! in fixed-size blocks (`render.rs`), and written in block order, so the output is
//! byte-identical for a seed whatever the number of threads, and memory stays bounded by the
//! blocks in flight.

pub mod flows;
pub mod plan;
pub mod render;
pub mod rng;
pub mod world;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// How often each anomaly and look-alike is planted. Rates are per user unless they say
/// per session; every one is a few percent or less.
#[derive(Clone, Debug)]
pub struct Rates {
    /// Users whose last session is impossibly far from the one before (per user with 2+).
    pub impossible_travel: f64,
    /// Users whose last session is a long-haul flight away, with the hours it takes.
    pub real_flight: f64,
    /// Users whose phone's GeoIP jumps within its accuracy radius.
    pub mobile_jump: f64,
    /// Users whose last session comes through a VPN exit abroad minutes later.
    pub vpn_travel: f64,
    /// Users who travel abroad, with time enough to get there.
    pub new_country: f64,
    /// Users whose last three sessions are in three countries within two days, each reachable.
    pub country_hop: f64,
    /// Sessions through a VPN, hosting network or Tor exit.
    pub anonymizer: f64,
    /// Users (with 6+ sessions) who use five or more devices within two days.
    pub device_churn: f64,
    /// One fraud farm per this many users; each gathers about `farm_members` users of one city
    /// on one device profile and network within six hours.
    pub users_per_farm: u64,
    pub farm_members: u64,
    /// Sessions with a deepfake, a liveness failure, a virtual person.
    pub deepfake: f64,
    pub liveness_failure: f64,
    pub virtual_person: f64,
    /// Users (with 3+ sessions) with one age estimate decades off.
    pub age_inconsistent: f64,
    /// Users (with 4+ sessions) with one session whose AI analysis gives the other sex.
    pub sex_inconsistent: f64,
    /// Users with one session from a spoofed user agent (flags contradicting the platform).
    pub contradictory_device: f64,
    /// Pairs of users who share a home, a phone and a line.
    pub household_pairs: f64,
    /// Sessions never started, still running, abandoned part-way.
    pub created: f64,
    pub in_progress: f64,
    pub abandoned: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            impossible_travel: 0.02,
            real_flight: 0.02,
            mobile_jump: 0.02,
            vpn_travel: 0.01,
            new_country: 0.02,
            country_hop: 0.01,
            anonymizer: 0.015,
            device_churn: 0.03,
            users_per_farm: 5_000,
            farm_members: 15,
            deepfake: 0.008,
            liveness_failure: 0.015,
            virtual_person: 0.005,
            age_inconsistent: 0.02,
            sex_inconsistent: 0.01,
            contradictory_device: 0.005,
            household_pairs: 0.01,
            created: 0.02,
            in_progress: 0.01,
            abandoned: 0.06,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub sessions: u64,
    pub users: u64,
    /// First day of the span, Unix epoch milliseconds at 00:00 UTC.
    pub start_ms: i64,
    pub days: u32,
    pub rates: Rates,
}

/// Unix epoch milliseconds of `YYYY-MM-DD` 00:00 UTC.
pub fn parse_date(s: &str) -> Result<i64> {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else { bail!("dates are YYYY-MM-DD, not {s:?}") };
    let (y, m, d): (i64, i64, i64) = (y.parse()?, m.parse()?, d.parse()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        bail!("dates are YYYY-MM-DD, not {s:?}");
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok((era * 146_097 + doe - 719_468) * 86_400_000)
}

/// What a run wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub sessions: u64,
    pub users: u64,
    pub labels: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub sessions_path: PathBuf,
    pub labels_path: PathBuf,
}

/// Users rendered per block: big enough to keep a core busy, small enough to bound memory.
const USERS_PER_BLOCK: u64 = 128;

/// One rendered block: its NDJSON lines and its label rows.
struct Block {
    index: u64,
    sessions: String,
    labels: String,
    count: u64,
}

fn render_block(config: &Config, index: u64) -> Block {
    let first = index * USERS_PER_BLOCK;
    let last = (first + USERS_PER_BLOCK).min(config.users);
    let mut sessions =
        String::with_capacity(((last - first) * config.sessions / config.users.max(1) + 1) as usize * 9_000);
    let mut labels = String::new();
    let mut count = 0;
    for u in first..last {
        let user = plan::plan_user(config, u);
        for k in 0..user.sessions.len() {
            let start = sessions.len();
            render::render_session(&mut sessions, config.seed, &user, k);
            sessions.push('\n');
            count += 1;
            // The session id is the first field of the line: {"id":"<20 chars>"
            let id = &sessions[start + 7..start + 27];
            for (kind, imitates) in &user.sessions[k].labels {
                labels.push_str(id);
                labels.push(',');
                labels.push_str(&user.reference);
                labels.push(',');
                labels.push_str(kind);
                labels.push(',');
                labels.push_str(imitates);
                labels.push('\n');
            }
        }
    }
    Block { index, sessions, labels, count }
}

/// Writes `sessions.ndjson` and `labels.csv` into `out_dir`, calling `progress` with the
/// number of sessions written so far.
pub fn generate(
    config: &Config,
    out_dir: &Path,
    threads: usize,
    mut progress: impl FnMut(u64),
) -> Result<Summary> {
    if config.users == 0 || config.sessions == 0 {
        bail!("--sessions and --users must be at least 1");
    }
    if config.users > config.sessions {
        bail!(
            "--users ({}) cannot exceed --sessions ({}): every user has at least one session",
            config.users,
            config.sessions
        );
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let sessions_path = out_dir.join("sessions.ndjson");
    let labels_path = out_dir.join("labels.csv");
    let mut sessions_out = BufWriter::with_capacity(1 << 20, File::create(&sessions_path)?);
    let mut labels_out = BufWriter::new(File::create(&labels_path)?);
    labels_out.write_all(b"session_id,client_reference_id,kind,imitates\n")?;

    let started = Instant::now();
    let blocks = config.users.div_ceil(USERS_PER_BLOCK);
    let threads = threads.max(1) as u64;
    let (tx, rx) = mpsc::sync_channel::<Block>(2 * threads as usize);
    let (mut written, mut bytes, mut label_rows) = (0u64, 0u64, 0u64);
    std::thread::scope(|scope| -> Result<()> {
        for t in 0..threads {
            let tx = tx.clone();
            scope.spawn(move || {
                let mut b = t;
                while b < blocks {
                    if tx.send(render_block(config, b)).is_err() {
                        return;
                    }
                    b += threads;
                }
            });
        }
        drop(tx);
        // Write blocks in order; hold the few that arrive early.
        let mut pending: std::collections::BTreeMap<u64, Block> = Default::default();
        let mut next = 0;
        for block in rx {
            pending.insert(block.index, block);
            while let Some(block) = pending.remove(&next) {
                sessions_out.write_all(block.sessions.as_bytes())?;
                labels_out.write_all(block.labels.as_bytes())?;
                written += block.count;
                bytes += block.sessions.len() as u64;
                label_rows += block.labels.bytes().filter(|&c| c == b'\n').count() as u64;
                progress(written);
                next += 1;
            }
        }
        Ok(())
    })?;
    sessions_out.flush()?;
    labels_out.flush()?;
    Ok(Summary {
        sessions: written,
        users: config.users,
        labels: label_rows,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
        sessions_path,
        labels_path,
    })
}
