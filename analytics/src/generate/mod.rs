//! `facesign-analytics generate`: a synthetic corpus of FaceSign sessions with planted,
//! labelled anomalies and benign look-alikes.
//!
//! Users are planned independently from the seed (`plan.rs`), rendered to NDJSON on every core
//! in fixed-size blocks (`render.rs`), and written in block order, so the output is
//! byte-identical for a seed whatever the number of threads, and memory stays bounded by the
//! blocks in flight.

pub mod flows;
pub mod people;
pub mod plan;
pub mod render;
pub mod rng;
pub mod stories;
pub mod world;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// How often each planted story happens, per user. A user lives at most one location story
/// (a trip, a flight, a hop, impossible travel, a takeover, …) and at most one device story
/// (churn, a replaced phone, a burst on their own devices); session-level anomalies are per
/// session. Every rate is a few percent or less.
#[derive(Clone, Debug)]
pub struct Rates {
    /// Location stories (per user, mutually exclusive).
    pub impossible_travel: f64,
    /// A long-haul flight with the hours it takes (look-alike of impossible travel).
    pub real_flight: f64,
    /// A phone whose GeoIP jumps within its accuracy radius (look-alike of impossible travel).
    pub mobile_jump: f64,
    /// A session through a VPN exit abroad minutes after one at home (look-alike of impossible
    /// travel and of a new country).
    pub vpn_travel: f64,
    /// Several countries in a few days, each reachable in the time taken.
    pub country_hop: f64,
    /// A long trip through two or three countries, a week or more in each (look-alike of
    /// several countries).
    pub multi_leg_trip: f64,
    /// A trip abroad, with time to get there.
    pub trip_abroad: f64,
    /// Someone else's device, somewhere the user never was (a takeover).
    pub takeover: f64,
    /// A trip inside the home country (a plain habit: no label).
    pub domestic_trip: f64,
    /// Users who live near a border and are often in the neighbouring country (look-alike of a
    /// new country), where their home has such a neighbour.
    pub commuter: f64,
    /// Device stories (per user, mutually exclusive).
    pub device_churn: f64,
    /// A replaced phone (and sometimes a new laptop): look-alike of churn and of a new device.
    pub replaced_phone: f64,
    /// A user with three or more devices who uses several of them within a day or three
    /// (look-alike of churn).
    pub own_device_burst: f64,
    /// One fraud farm per this many users.
    pub users_per_farm: u64,
    /// Groups of six consecutive users that are a household (a family onboarding together on
    /// one phone and line: look-alike of a fraud farm).
    pub household: f64,
    /// Sessions with a deepfake, a liveness failure, a virtual person, an anonymizer.
    pub deepfake: f64,
    pub liveness_failure: f64,
    pub virtual_person: f64,
    pub anonymizer: f64,
    /// Users (with 3+ sessions) with one age estimate decades off.
    pub age_inconsistent: f64,
    /// Users (with 4+ sessions) with one session whose AI analysis gives the other sex.
    pub sex_inconsistent: f64,
    /// Users with one session from a spoofed user agent (flags contradicting the platform).
    pub contradictory_device: f64,
    /// Sessions never started, still running, abandoned part-way.
    pub created: f64,
    pub in_progress: f64,
    pub abandoned: f64,
}

/// How ordinary users behave.
#[derive(Clone, Debug)]
pub struct Habits {
    /// Usual devices per user (inclusive), the share of sessions on the main one (the rest
    /// spread evenly over all of them), and the chance that a usual device is a phone or tablet.
    pub devices: (usize, usize),
    pub main_device_share: f64,
    pub mobile_device_share: f64,
    /// Sessions per user vary: each pair of users splits its sessions, the first taking this
    /// share (of twice the average) and the second the rest.
    pub session_split: (f64, f64),
    /// Where users live: cities weighted by the square root of their population (`false`), or
    /// every country equally likely and then a city of it by that weight (`true`).
    pub countries_evenly: bool,
    /// Share of a commuter's sessions in the neighbouring country.
    pub commuter_share: (f64, f64),
    /// People in a household (inclusive).
    pub household_size: (usize, usize),
}

/// The ranges each planted story draws its parameters from (inclusive). The docs' table
/// (docs/analytics.md, "generate") lists them for both profiles.
#[derive(Clone, Debug)]
pub struct Ranges {
    /// Impossible travel: at least this far, at least this fast (the time taken is drawn up to
    /// what this speed allows, and at most 3 hours).
    pub impossible_min_km: f64,
    pub impossible_min_kmh: f64,
    /// Real flights: at least this far, at airliner speed plus hours at both airports.
    pub flight_min_km: f64,
    pub flight_kmh: f64,
    pub flight_airport_hours: (f64, f64),
    pub flight_sessions: (usize, usize),
    /// Trips abroad (also a hop's and a takeover's places): at least this far from home.
    pub abroad_min_km: f64,
    /// Sessions during a trip abroad, and the hours spent getting there beyond flying time.
    pub trip_sessions: (usize, usize),
    pub trip_extra_hours: (f64, f64),
    /// Country hops: countries including home, and the hours from the last session at home to
    /// the last abroad (three countries; four or more).
    pub hop_countries: (usize, usize),
    pub hop_hours_three: (f64, f64),
    pub hop_hours_more: (f64, f64),
    /// Multi-leg trips: countries abroad, and days in each.
    pub multi_leg_countries: (usize, usize),
    pub multi_leg_days: (f64, f64),
    /// Takeovers: sessions on the other device, earlier sessions the user had.
    pub takeover_sessions: (usize, usize),
    pub takeover_min_history: usize,
    /// Device churn: device profiles new to the user, sessions beyond one per profile (a
    /// profile used again), the hours the churn is spread over, earlier sessions the user had.
    pub churn_profiles: (usize, usize),
    pub churn_reused: (usize, usize),
    pub churn_hours: (f64, f64),
    pub churn_min_history: usize,
    /// Own-device bursts: own devices used, within this many hours.
    pub burst_devices: (usize, usize),
    pub burst_hours: (f64, f64),
    /// Fraud farms: member users, the hours their sessions spread over, the chance the farm
    /// uses several device profiles (else one shared), how many then, and the chance it sits on
    /// the city's mobile carrier (else its fixed-line ISP).
    pub farm_members: (usize, usize),
    pub farm_hours: (f64, f64),
    pub farm_varied_devices: f64,
    pub farm_profiles: (usize, usize),
    pub farm_mobile: f64,
    /// Commuters: the neighbouring country's city is at most this far from home.
    pub commute_max_km: f64,
}

/// A corpus's character: rates, habits and ranges. `default` is what the detectors were
/// developed on; `shifted` changes all three (more devices per user, more travel, homes spread
/// over other countries, wider and slower patterns), to show whether a detector generalises.
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: &'static str,
    pub rates: Rates,
    pub habits: Habits,
    pub ranges: Ranges,
}

/// The profiles `generate --profile` accepts.
pub const PROFILES: [&str; 2] = ["default", "shifted"];

impl Default for Profile {
    fn default() -> Self {
        Profile {
            name: "default",
            rates: Rates {
                impossible_travel: 0.02,
                real_flight: 0.02,
                mobile_jump: 0.02,
                vpn_travel: 0.01,
                country_hop: 0.01,
                multi_leg_trip: 0.01,
                trip_abroad: 0.02,
                takeover: 0.02,
                domestic_trip: 0.03,
                commuter: 0.01,
                device_churn: 0.03,
                replaced_phone: 0.02,
                own_device_burst: 0.02,
                users_per_farm: 2_500,
                household: 0.02,
                deepfake: 0.008,
                liveness_failure: 0.015,
                virtual_person: 0.005,
                anonymizer: 0.015,
                age_inconsistent: 0.02,
                sex_inconsistent: 0.01,
                contradictory_device: 0.005,
                created: 0.02,
                in_progress: 0.01,
                abandoned: 0.06,
            },
            habits: Habits {
                devices: (1, 3),
                main_device_share: 0.7,
                mobile_device_share: 0.6,
                session_split: (0.6, 1.4),
                countries_evenly: false,
                commuter_share: (0.2, 0.5),
                household_size: (2, 4),
            },
            ranges: Ranges {
                impossible_min_km: 2_500.0,
                impossible_min_kmh: 2_000.0,
                flight_min_km: 3_000.0,
                flight_kmh: 850.0,
                flight_airport_hours: (2.5, 8.0),
                flight_sessions: (1, 1),
                abroad_min_km: 300.0,
                trip_sessions: (1, 3),
                trip_extra_hours: (2.0, 48.0),
                hop_countries: (3, 4),
                hop_hours_three: (6.0, 96.0),
                hop_hours_more: (12.0, 192.0),
                multi_leg_countries: (2, 3),
                multi_leg_days: (6.0, 14.0),
                takeover_sessions: (1, 3),
                takeover_min_history: 3,
                churn_profiles: (4, 8),
                churn_reused: (0, 0),
                churn_hours: (2.0, 168.0),
                churn_min_history: 2,
                burst_devices: (3, 5),
                burst_hours: (6.0, 72.0),
                farm_members: (8, 25),
                farm_hours: (1.0, 12.0),
                farm_varied_devices: 0.4,
                farm_profiles: (2, 3),
                farm_mobile: 0.3,
                commute_max_km: 150.0,
            },
        }
    }
}

impl Profile {
    /// The profile of that name (see [`PROFILES`]).
    pub fn named(name: &str) -> Result<Profile> {
        match name {
            "default" => Ok(Profile::default()),
            "shifted" => Ok(Profile::shifted()),
            other => bail!("no profile {other:?} (profiles: {})", PROFILES.join(", ")),
        }
    }

    /// More devices per user, more travel, homes spread evenly over countries, more sessions
    /// for some users and fewer for others, and patterns drawn wider: bigger and slower farms,
    /// slower churn with profiles used again, longer hops, faster (but possible) trips.
    pub fn shifted() -> Profile {
        let base = Profile::default();
        Profile {
            name: "shifted",
            rates: Rates {
                real_flight: 0.04,
                mobile_jump: 0.03,
                vpn_travel: 0.02,
                country_hop: 0.015,
                multi_leg_trip: 0.03,
                trip_abroad: 0.05,
                domestic_trip: 0.10,
                commuter: 0.04,
                replaced_phone: 0.03,
                own_device_burst: 0.05,
                users_per_farm: 2_000,
                household: 0.04,
                ..base.rates
            },
            habits: Habits {
                devices: (2, 5),
                main_device_share: 0.45,
                mobile_device_share: 0.7,
                session_split: (0.2, 1.8),
                countries_evenly: true,
                commuter_share: (0.2, 0.6),
                household_size: (2, 6),
            },
            ranges: Ranges {
                impossible_min_km: 2_000.0,
                impossible_min_kmh: 1_600.0,
                flight_kmh: 900.0,
                flight_airport_hours: (1.5, 8.0),
                flight_sessions: (1, 3),
                abroad_min_km: 250.0,
                trip_sessions: (1, 4),
                trip_extra_hours: (1.0, 96.0),
                hop_countries: (3, 5),
                hop_hours_three: (4.0, 110.0),
                hop_hours_more: (12.0, 216.0),
                takeover_sessions: (1, 4),
                churn_profiles: (4, 10),
                churn_reused: (0, 3),
                churn_hours: (1.0, 240.0),
                burst_devices: (3, 5),
                burst_hours: (2.0, 96.0),
                farm_members: (8, 40),
                farm_hours: (0.5, 20.0),
                farm_varied_devices: 0.5,
                farm_profiles: (2, 4),
                farm_mobile: 0.4,
                ..base.ranges
            },
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
    pub profile: Profile,
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

fn render_block(config: &Config, shared: &people::Shared, index: u64) -> Block {
    let first = index * USERS_PER_BLOCK;
    let last = (first + USERS_PER_BLOCK).min(config.users);
    let mut sessions =
        String::with_capacity(((last - first) * config.sessions / config.users.max(1) + 1) as usize * 9_000);
    let mut labels = String::new();
    let mut count = 0;
    for u in first..last {
        let user = plan::plan_user(config, shared, u);
        for k in 0..user.sessions.len() {
            let start = sessions.len();
            let rendered = render::render_session(&mut sessions, config.seed, &user, k);
            sessions.push('\n');
            count += 1;
            // The session id is the first field of the line: {"id":"<20 chars>"
            let id = &sessions[start + 7..start + 27];
            let planted = user.sessions[k].labels.iter().copied();
            for (kind, imitates) in planted.chain(rendered.iter().map(|&kind| (kind, ""))) {
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
    let shared = people::Shared::of(config);
    let shared = &shared;
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
                    if tx.send(render_block(config, shared, b)).is_err() {
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
