//! What happens to each user: where they live, which devices they use, when their sessions
//! run, and which stories (anomalies and benign look-alikes, [`super::stories`]) are planted
//! in them, each labelled by what it is. A user's plan depends only on the corpus seed, the
//! user's index and what users share ([`Shared`]: fraud farms), so users can be planned on any
//! thread.

use super::flows::library;
use super::people::{between_usize, farm_member_rng, home_of, household_member_rng, sessions_of, Shared};
use super::rng::Rng;
use super::stories::{self, move_to_city};
use super::world::{world, ANONYMIZER_NETWORKS};
use super::Config;

/// Labelled kinds: the anomalies a detector should find (named as the detectors and signal
/// reasons are), and `benign` look-alikes.
pub mod kind {
    use crate::risk::codes::detector;
    use crate::risk::codes::signal;

    pub const IMPOSSIBLE_TRAVEL: &str = detector::IMPOSSIBLE_TRAVEL;
    pub const NEW_COUNTRY: &str = detector::NEW_COUNTRY;
    pub const MULTI_COUNTRY: &str = detector::MULTI_COUNTRY;
    pub const NEW_DEVICE: &str = detector::NEW_DEVICE;
    pub const DEVICE_CHURN: &str = detector::DEVICE_CHURN;
    pub const FRAUD_FARM: &str = detector::FRAUD_FARM;
    pub const CONTRADICTORY_DEVICE: &str = detector::CONTRADICTORY_DEVICE;
    pub const AGE_INCONSISTENT: &str = detector::AGE_INCONSISTENT;
    pub const SEX_INCONSISTENT: &str = detector::SEX_INCONSISTENT;
    pub const ANONYMIZER: &str = signal::ANONYMIZER;
    pub const DEEPFAKE: &str = signal::DEEPFAKE;
    pub const VIRTUAL_PERSON: &str = signal::VIRTUAL_PERSON;
    pub const LIVENESS_FAILURE: &str = signal::LIVENESS_FAILURE;
    pub const BENIGN: &str = "benign";
}

/// The network a session comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Network {
    /// The city's fixed-line ISP.
    Isp,
    /// The city's mobile carrier (GeoIP is coarse: large accuracy radius).
    Mobile,
    /// A hosting or VPN network (index into `ANONYMIZER_NETWORKS`); `tor` marks a Tor exit.
    Anonymizer { network: usize, tor: bool },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Status {
    Created,
    InProgress,
    Incomplete,
    Complete,
}

/// How the session's liveness check goes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Liveness {
    Live,
    Deepfake,
    Failed,
}

#[derive(Clone, Debug)]
pub struct SessionPlan {
    pub time_ms: i64,
    pub city: usize,
    /// Where GeoIP places the session (the city, jittered, or moved within GeoIP accuracy).
    pub lat: f64,
    pub lon: f64,
    pub accuracy_km: u32,
    pub device: usize,
    pub network: Network,
    pub flow: usize,
    pub status: Status,
    pub liveness: Liveness,
    pub virtual_person: bool,
    /// The AI analysis gives the other sex than the user's.
    pub sex_flipped: bool,
    pub age_min: u32,
    pub age_max: u32,
    pub returning: bool,
    /// Must run to the end, unanonymised: a story's session, or the one a story starts from.
    pub keep_report: bool,
    /// Part of a story (or a farm's or a household's session): no other story takes it.
    pub taken: bool,
    /// (kind, what a benign look-alike imitates)
    pub labels: Vec<(&'static str, &'static str)>,
}

pub struct UserPlan {
    pub index: u64,
    pub reference: String,
    pub name: String,
    pub language: String,
    pub sex: &'static str,
    pub sessions: Vec<SessionPlan>,
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// The stream a user's reference id is drawn from.
const REFERENCE_STREAM: u64 = 0x0072_6566;

const FIRST_NAMES: &[&str] = &[
    "Lena", "Jonas", "Marie", "Lucas", "Sofia", "Mateo", "Emma", "Noah", "Aiko", "Haruto", "Ana", "João",
    "Chloé", "Louis", "Giulia", "Marco", "Olga", "Ivan", "Fatima", "Omar", "Priya", "Arjun", "Mei", "Wei",
    "Sara", "David", "Zeynep", "Emre", "Anna", "Piotr", "Eva", "Jan", "Nora", "Liam", "Maya", "Elias",
];
const LAST_NAMES: &[&str] = &[
    "Vogel",
    "Schmidt",
    "Martin",
    "Bernard",
    "Rossi",
    "Silva",
    "Santos",
    "Garcia",
    "Lopez",
    "Müller",
    "Kowalski",
    "Novak",
    "Yamamoto",
    "Tanaka",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Singh",
    "Patel",
    "Haddad",
    "Cohen",
    "Johnson",
    "Smith",
    "Brown",
    "Jansen",
    "de Vries",
    "Andersson",
    "Yilmaz",
    "Ivanova",
    "Costa",
    "Nguyen",
];

/// Cumulative flow weights.
fn flow_weights() -> Vec<f64> {
    let mut total = 0.0;
    library()
        .iter()
        .map(|f| {
            total += f.weight;
            total
        })
        .collect()
}

/// A session time on day `day` at a plausible local hour in a city `offset_min` from UTC.
fn local_time(rng: &mut Rng, config: &Config, offset_min: i64) -> i64 {
    // People verify themselves in the day and evening, rarely at night.
    const HOURS: [f64; 24] = [
        0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.8, 2.5, 3.0, 3.0, 3.0, 3.0, 3.0, 2.8, 2.8, 3.0, 3.2, 3.4,
        3.2, 2.6, 1.6, 0.7,
    ];
    let mut cumulative = [0.0; 24];
    let mut total = 0.0;
    for (c, h) in cumulative.iter_mut().zip(HOURS) {
        total += h;
        *c = total;
    }
    let day = rng.below(config.days as u64) as i64;
    let hour = rng.weighted(&cumulative) as i64;
    let minute_ms = rng.below(HOUR as u64) as i64;
    config.start_ms + day * DAY + hour * HOUR + minute_ms - offset_min * 60_000
}

/// The user's usual devices: distinct profiles, phones and tablets at the profile's share; a
/// household's shared phone is its members' main device.
fn usual_devices(config: &Config, rng: &mut Rng, shared_phone: Option<usize>) -> Vec<usize> {
    let w = world();
    let habits = &config.profile.habits;
    let wanted = between_usize(rng, habits.devices);
    let mut devices: Vec<usize> = shared_phone.into_iter().collect();
    for _ in 0..100 {
        if devices.len() >= wanted {
            break;
        }
        let pool =
            if rng.chance(habits.mobile_device_share) { &w.mobile_devices } else { &w.desktop_devices };
        let d = *rng.pick(pool);
        if !devices.iter().any(|&x| w.profile_codes[x] == w.profile_codes[d]) {
            devices.push(d);
        }
    }
    devices
}

pub fn plan_user(config: &Config, shared: &Shared, user: u64) -> UserPlan {
    let w = world();
    let habits = &config.profile.habits;
    let mut rng = Rng::new(config.seed, user);
    let count = sessions_of(config, user);
    let (home, household) = home_of(config, user);
    let city = &w.cities[home];
    let language = if rng.chance(0.8) { city.language.clone() } else { "en".to_owned() };
    let name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
    let sex = if rng.chance(0.5) { "female" } else { "male" };
    let age_min = rng.between(18, 72) as u32;
    let age_max = age_min + rng.between(4, 8) as u32;
    let devices = usual_devices(config, &mut rng, household.as_ref().map(|h| h.phone));
    let weights = flow_weights();
    let usual_flow = rng.weighted(&weights);
    let reference = format!("usr_{}", Rng::new(config.seed ^ REFERENCE_STREAM, user).id(12));

    let mut sessions: Vec<SessionPlan> = (0..count)
        .map(|_| {
            // The main device most of the time, otherwise any of them.
            let device = if rng.chance(habits.main_device_share) {
                devices[0]
            } else {
                devices[rng.below(devices.len() as u64) as usize]
            };
            let mobile = w.devices[device].is_mobile || w.devices[device].is_tablet;
            let network = if mobile && rng.chance(0.6) { Network::Mobile } else { Network::Isp };
            let accuracy_km = match network {
                Network::Mobile => rng.between(50, 300) as u32,
                _ => rng.between(5, 50) as u32,
            };
            let (lat, lon) = (city.lat + rng.uniform(-0.03, 0.03), city.lon + rng.uniform(-0.03, 0.03));
            SessionPlan {
                time_ms: local_time(&mut rng, config, city.utc_offset_minutes),
                city: home,
                lat,
                lon,
                accuracy_km,
                device,
                network,
                flow: if rng.chance(0.85) { usual_flow } else { rng.weighted(&weights) },
                status: Status::Complete,
                liveness: Liveness::Live,
                virtual_person: false,
                sex_flipped: false,
                age_min: (age_min as i64 + rng.between(-1, 1)).max(16) as u32,
                age_max: (age_max as i64 + rng.between(-1, 1)).max(20) as u32,
                returning: false,
                keep_report: false,
                taken: false,
                labels: Vec::new(),
            }
        })
        .collect();

    // Fraud farms this user lends a session to: the farm's time, device profile and network.
    for &(f, member) in shared.memberships(user) {
        let farm = &shared.farms[f];
        let mut farm_rng = farm_member_rng(config, user, f);
        let Some(k) = free_session(&mut farm_rng, &sessions) else { break };
        let s = &mut sessions[k];
        s.time_ms = farm.start_ms + (farm_rng.unit() * farm.spread_ms as f64) as i64;
        s.device = farm.devices[member % farm.devices.len()];
        s.network = farm.network;
        move_to_city(&mut farm_rng, s, farm.city);
        s.taken = true;
        s.keep_report = true;
        s.labels.push((kind::FRAUD_FARM, ""));
    }
    // A household's evening: every member on the shared phone and line within a few hours.
    if let Some(h) = &household {
        let mut h_rng = household_member_rng(config, user);
        if let Some(k) = free_session(&mut h_rng, &sessions) {
            let s = &mut sessions[k];
            s.time_ms = h.evening_ms + (h_rng.unit() * h.spread_ms as f64) as i64;
            s.device = h.phone;
            s.network = Network::Isp;
            move_to_city(&mut h_rng, s, home);
            s.taken = true;
            s.keep_report = true;
            s.labels.push((kind::BENIGN, kind::FRAUD_FARM));
        }
    }
    sessions.sort_by_key(|s| s.time_ms);

    let story_user =
        stories::User { config, home, devices: &devices, end_ms: config.start_ms + config.days as i64 * DAY };
    stories::plant_device_story(&story_user, &mut rng, &mut sessions);
    stories::plant_location_story(&story_user, &mut rng, &mut sessions);
    sessions.sort_by_key(|s| s.time_ms);
    plant_age_inconsistency(config, &mut rng, &mut sessions);
    plant_sex_inconsistency(config, &mut rng, &mut sessions);
    plant_contradictory_device(config, &mut rng, &mut sessions);
    plant_session_level(config, &mut rng, &mut sessions);
    for (k, s) in sessions.iter_mut().enumerate() {
        s.returning = k > 0;
    }

    UserPlan { index: user, reference, name, language, sex, sessions }
}

/// A session no story has taken.
fn free_session(rng: &mut Rng, sessions: &[SessionPlan]) -> Option<usize> {
    let free: Vec<usize> = (0..sessions.len()).filter(|&k| !sessions[k].taken).collect();
    (!free.is_empty()).then(|| free[rng.below(free.len() as u64) as usize])
}

/// One session whose AI age estimate is decades off the user's others.
fn plant_age_inconsistency(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let n = sessions.len();
    if n >= 3 && rng.chance(config.profile.rates.age_inconsistent) {
        let k = 1 + rng.below((n - 1) as u64) as usize;
        let s = &mut sessions[k];
        let shift = rng.between(20, 30) as u32;
        if s.age_min > 45 {
            s.age_min -= shift;
            s.age_max -= shift;
        } else {
            s.age_min += shift;
            s.age_max += shift;
        }
        s.keep_report = true;
        s.labels.push((kind::AGE_INCONSISTENT, ""));
    }
}

/// One session whose AI analysis gives the other sex.
fn plant_sex_inconsistency(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let n = sessions.len();
    if n >= 4 && rng.chance(config.profile.rates.sex_inconsistent) {
        let k = rng.below(n as u64) as usize;
        sessions[k].sex_flipped = true;
        sessions[k].keep_report = true;
        sessions[k].labels.push((kind::SEX_INCONSISTENT, ""));
    }
}

/// One session from a spoofed user agent whose flags contradict its platform.
fn plant_contradictory_device(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let n = sessions.len();
    if n >= 1 && rng.chance(config.profile.rates.contradictory_device) {
        let k = rng.below(n as u64) as usize;
        // A session a story planted (a farm's phone, a trip) keeps its device.
        if !sessions[k].labels.is_empty() || sessions[k].taken {
            return;
        }
        sessions[k].device = *rng.pick(&world().spoofed_devices);
        sessions[k].labels.push((kind::CONTRADICTORY_DEVICE, ""));
    }
}

/// Deepfakes, virtual persons, liveness failures, anonymizers and unfinished sessions.
fn plant_session_level(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = &config.profile.rates;
    let flows = library();
    for s in sessions.iter_mut() {
        let has_liveness = flows[s.flow].nodes.iter().any(|n| n.node_type == "liveness_detection");
        let roll = rng.unit();
        if has_liveness && roll < r.deepfake {
            s.liveness = Liveness::Deepfake;
            s.labels.push((kind::DEEPFAKE, ""));
        } else if has_liveness && roll < r.deepfake + r.liveness_failure {
            s.liveness = Liveness::Failed;
            s.labels.push((kind::LIVENESS_FAILURE, ""));
        } else if roll < r.deepfake + r.liveness_failure + r.virtual_person {
            s.virtual_person = true;
            s.labels.push((kind::VIRTUAL_PERSON, ""));
        }
        // A story's session keeps its real location.
        if s.labels.is_empty() && !s.keep_report && rng.chance(r.anonymizer) {
            let tor = rng.chance(0.2);
            s.network =
                Network::Anonymizer { network: rng.below(ANONYMIZER_NETWORKS.len() as u64) as usize, tor };
            s.labels.push((kind::ANONYMIZER, ""));
        }
        let roll = rng.unit();
        // A planted anomaly needs a report that shows it: those sessions ran to the end.
        s.status = if !s.labels.is_empty() || s.keep_report {
            Status::Complete
        } else if roll < r.created {
            Status::Created
        } else if roll < r.created + r.in_progress {
            Status::InProgress
        } else if roll < r.created + r.in_progress + r.abandoned {
            Status::Incomplete
        } else {
            Status::Complete
        };
    }
}
