//! What happens to each user: where they live, which devices they use, when their sessions
//! run, and which anomalies (or benign look-alikes) are planted in them. A user's plan depends
//! only on the corpus seed and the user's index, so users can be planned on any thread.

use super::flows::library;
use super::rng::Rng;
use super::world::{distance_km, world, ANONYMIZER_NETWORKS};
use super::Config;
use crate::risk::config::ScoreConfig;
use crate::risk::rules::NONE;
use crate::risk::rules::{self, Visit};

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
    /// Must run to the end: a planted anomaly's reference session (the one travelled from).
    pub keep_report: bool,
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

/// Streams that plans draw from besides the user's own, so that decisions shared between
/// users (households, fraud farms) come out the same whichever user asks.
const HOME_STREAM: u64 = 0x686f_6d65;
const HOUSEHOLD_STREAM: u64 = 0x686f_7573;
const FARM_STREAM: u64 = 0x6661_726d;
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

/// A far city (at least `min_km` from `from`), or `None` after a few tries.
fn far_city(rng: &mut Rng, from: usize, min_km: f64) -> Option<usize> {
    let w = world();
    let a = (w.cities[from].lat, w.cities[from].lon);
    (0..20)
        .map(|_| rng.weighted(&w.city_weights))
        .find(|&c| distance_km(a, (w.cities[c].lat, w.cities[c].lon)) >= min_km)
}

/// A point `km` away from (lat, lon) in a random direction (flat-earth is fine at this scale).
fn moved(rng: &mut Rng, lat: f64, lon: f64, km: f64) -> (f64, f64) {
    let bearing = rng.uniform(0.0, std::f64::consts::TAU);
    let dlat = km * bearing.cos() / 111.0;
    let dlon = km * bearing.sin() / (111.0 * lat.to_radians().cos().max(0.2));
    ((lat + dlat).clamp(-89.0, 89.0), ((lon + dlon + 540.0) % 360.0) - 180.0)
}

fn home_city(config: &Config, user: u64) -> (usize, bool) {
    let pair = user / 2;
    let household = Rng::new(config.seed ^ HOUSEHOLD_STREAM, pair).chance(config.rates.household_pairs);
    // Both members of a household draw the same home.
    let stream = if household { user & !1 } else { user };
    let mut rng = Rng::new(config.seed ^ HOME_STREAM, stream);
    (rng.weighted(&world().city_weights), household)
}

/// The fraud farms of this corpus: (city, device, start of the window, members wanted).
fn farms(config: &Config) -> Vec<(usize, usize, i64)> {
    let count = (config.users / config.rates.users_per_farm).max(1);
    let w = world();
    (0..count)
        .map(|f| {
            let mut rng = Rng::new(config.seed ^ FARM_STREAM, f);
            let city = rng.weighted(&w.city_weights);
            let device = *rng.pick(&w.mobile_devices);
            let start = config.start_ms + rng.below((config.days.max(1) as u64) * DAY as u64) as i64;
            (city, device, start)
        })
        .collect()
}

pub fn plan_user(config: &Config, user: u64) -> UserPlan {
    let w = world();
    let mut rng = Rng::new(config.seed, user);
    let count =
        (config.sessions * (user + 1) / config.users - config.sessions * user / config.users) as usize;
    let (home, household) = home_city(config, user);
    let city = &w.cities[home];
    let language = if rng.chance(0.8) { city.language.clone() } else { "en".to_owned() };
    let name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
    let sex = if rng.chance(0.5) { "female" } else { "male" };
    let age_min = rng.between(18, 72) as u32;
    let age_max = age_min + rng.between(4, 8) as u32;
    // A few usual devices; a household shares its first.
    let mut devices = Vec::new();
    let device_count = 1 + rng.below(3) as usize;
    for _ in 0..device_count {
        let pool = if rng.chance(0.6) { &w.mobile_devices } else { &w.desktop_devices };
        devices.push(*rng.pick(pool));
    }
    if household {
        let shared = *Rng::new(config.seed ^ HOUSEHOLD_STREAM ^ 1, user / 2).pick(&w.mobile_devices);
        devices[0] = shared;
    }
    let weights = flow_weights();
    let usual_flow = rng.weighted(&weights);
    let reference = format!("usr_{}", Rng::new(config.seed ^ REFERENCE_STREAM, user).id(12));

    let mut sessions: Vec<SessionPlan> = (0..count)
        .map(|_| {
            let device = devices[if rng.chance(0.7) { 0 } else { rng.below(devices.len() as u64) as usize }];
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
                labels: Vec::new(),
            }
        })
        .collect();

    // Fraud farms: users living in a farm's city may lend one session to it.
    for (f, (farm_city, farm_device, farm_start)) in farms(config).into_iter().enumerate() {
        if farm_city != home || sessions.is_empty() {
            continue;
        }
        let residents = config.users as f64 * city_share(farm_city);
        let p = (config.rates.farm_members as f64 / residents.max(1.0)).min(1.0);
        let mut farm_rng = Rng::new(config.seed ^ FARM_STREAM ^ 2, user * 1_000 + f as u64);
        if farm_rng.chance(p) {
            let k = farm_rng.below(sessions.len() as u64) as usize;
            let s = &mut sessions[k];
            s.time_ms = farm_start + farm_rng.below(6 * HOUR as u64) as i64;
            s.device = farm_device;
            s.network = Network::Isp;
            s.labels.push((kind::FRAUD_FARM, ""));
        }
    }
    sessions.sort_by_key(|s| s.time_ms);
    if household && count > 0 {
        // A household: two people, one phone, one line.
        let k = rng.below(count as u64) as usize;
        sessions[k].device = devices[0];
        sessions[k].network = Network::Isp;
        if sessions[k].labels.is_empty() {
            sessions[k].labels.push((kind::BENIGN, kind::FRAUD_FARM));
        }
    }

    plant_device_churn(config, &mut rng, &mut sessions, w.devices.len());
    sessions.sort_by_key(|s| s.time_ms);
    plant_travel(config, &mut rng, &mut sessions, home);
    plant_age_inconsistency(config, &mut rng, &mut sessions);
    plant_sex_inconsistency(config, &mut rng, &mut sessions);
    plant_contradictory_device(config, &mut rng, &mut sessions);
    plant_session_level(config, &mut rng, &mut sessions);
    label_by_rule(&mut sessions);
    for (k, s) in sessions.iter_mut().enumerate() {
        s.returning = k > 0;
    }

    UserPlan { index: user, reference, name, language, sex, sessions }
}

fn city_share(city: usize) -> f64 {
    let weights = &world().city_weights;
    let total = *weights.last().unwrap();
    let prev = if city == 0 { 0.0 } else { weights[city - 1] };
    (weights[city] - prev) / total
}

/// Travel, real and impossible, on the user's last session (so no later session has to
/// travel back), measured from the session before it.
fn plant_travel(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan], home: usize) {
    let n = sessions.len();
    if n < 2 || !sessions[n - 1].labels.is_empty() || !sessions[n - 2].labels.is_empty() {
        return;
    }
    let w = world();
    let r = &config.rates;
    let prev_time = sessions[n - 2].time_ms;
    // Whatever is planted is measured from this session: it keeps its report.
    sessions[n - 2].keep_report = true;
    let roll = rng.unit();
    let mut cut = 0.0;
    let mut next = |p: f64| {
        cut += p;
        roll < cut
    };
    if next(r.impossible_travel) {
        let Some(far) = far_city(rng, home, 2_500.0) else { return };
        let km =
            distance_km((w.cities[home].lat, w.cities[home].lon), (w.cities[far].lat, w.cities[far].lon));
        // Faster than any airliner: the time a 2 000+ km/h trip would take, at most 3 hours.
        let hours = rng.uniform(0.2, (km / 2_000.0).min(3.0));
        let last = &mut sessions[n - 1];
        move_to_city(rng, last, far);
        last.time_ms = prev_time + (hours * HOUR as f64) as i64;
        last.labels.push((kind::IMPOSSIBLE_TRAVEL, ""));
    } else if next(r.real_flight) {
        let Some(far) = far_city(rng, home, 3_000.0) else { return };
        let km =
            distance_km((w.cities[home].lat, w.cities[home].lon), (w.cities[far].lat, w.cities[far].lon));
        // Airliner speed plus time at both airports.
        let hours = km / 850.0 + rng.uniform(2.5, 8.0);
        let last = &mut sessions[n - 1];
        move_to_city(rng, last, far);
        last.time_ms = prev_time + (hours * HOUR as f64) as i64;
        last.labels.push((kind::BENIGN, kind::IMPOSSIBLE_TRAVEL));
    } else if next(r.mobile_jump) {
        // One phone on a mobile network: GeoIP places it elsewhere, within its accuracy.
        let prev = &sessions[n - 2];
        let (prev_lat, prev_lon, device) = (prev.lat, prev.lon, prev.device);
        let accuracy = rng.between(250, 500) as u32;
        let jump_km = rng.uniform(120.0, 220.0);
        let (lat, lon) = moved(rng, prev_lat, prev_lon, jump_km);
        let mobile = if w.devices[device].is_mobile { device } else { *rng.pick(&w.mobile_devices) };
        for s in &mut sessions[n - 2..] {
            s.network = Network::Mobile;
            s.accuracy_km = accuracy;
            s.device = mobile;
        }
        let last = &mut sessions[n - 1];
        last.lat = lat;
        last.lon = lon;
        last.time_ms = prev_time + rng.between(5 * 60_000, HOUR);
        last.labels.push((kind::BENIGN, kind::IMPOSSIBLE_TRAVEL));
    } else if next(r.vpn_travel) {
        // A VPN exit abroad a few minutes after a session at home.
        let Some(far) = far_city(rng, home, 2_500.0) else { return };
        let last = &mut sessions[n - 1];
        move_to_city(rng, last, far);
        last.network =
            Network::Anonymizer { network: rng.below(ANONYMIZER_NETWORKS.len() as u64) as usize, tor: false };
        last.time_ms = prev_time + rng.between(10 * 60_000, 2 * HOUR);
        last.labels.push((kind::ANONYMIZER, ""));
        last.labels.push((kind::BENIGN, kind::IMPOSSIBLE_TRAVEL));
    } else if next(r.country_hop) && n >= 3 && sessions[n - 3].labels.is_empty() {
        // Three countries in two days, each reachable in the time taken (no impossible travel).
        let here = &w.cities[home];
        let mut route = vec![home];
        for _ in 0..2 {
            let from = &w.cities[*route.last().unwrap()];
            let next_city = (0..40).map(|_| rng.weighted(&w.city_weights)).find(|&c| {
                let city = &w.cities[c];
                city.country != here.country
                    && route.iter().all(|&r| w.cities[r].country != city.country)
                    && distance_km((from.lat, from.lon), (city.lat, city.lon)) < 2_500.0
            });
            let Some(next_city) = next_city else { return };
            route.push(next_city);
        }
        sessions[n - 3].keep_report = true;
        let mut time = sessions[n - 3].time_ms;
        for (k, pair) in route.windows(2).enumerate() {
            let (a, b) = (&w.cities[pair[0]], &w.cities[pair[1]]);
            let km = distance_km((a.lat, a.lon), (b.lat, b.lon));
            time += ((km / 600.0 + rng.uniform(3.0, 12.0)) * HOUR as f64) as i64;
            let s = &mut sessions[n - 2 + k];
            move_to_city(rng, s, pair[1]);
            s.time_ms = time;
            s.keep_report = true;
            if s.network != Network::Mobile {
                s.network = Network::Isp;
            }
        }
    } else if next(r.new_country) {
        // A trip abroad, with time enough to get there.
        let here = &w.cities[home];
        let Some(abroad) =
            (0..20).map(|_| rng.weighted(&w.city_weights)).find(|&c| w.cities[c].country != here.country)
        else {
            return;
        };
        let km = distance_km((here.lat, here.lon), (w.cities[abroad].lat, w.cities[abroad].lon));
        let hours = km / 700.0 + rng.uniform(24.0, 96.0);
        let last = &mut sessions[n - 1];
        move_to_city(rng, last, abroad);
        last.time_ms = prev_time + (hours * HOUR as f64) as i64;
    }
}

fn move_to_city(rng: &mut Rng, s: &mut SessionPlan, city: usize) {
    let c = &world().cities[city];
    s.city = city;
    s.lat = c.lat + rng.uniform(-0.03, 0.03);
    s.lon = c.lon + rng.uniform(-0.03, 0.03);
    if s.network == Network::Mobile {
        s.accuracy_km = rng.between(50, 300) as u32;
    }
}

/// Device churn: five or more different devices within two days, at the end of the history.
fn plant_device_churn(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan], devices: usize) {
    let n = sessions.len();
    if n >= 6 && rng.chance(config.rates.device_churn) {
        let churn = 5.min(n);
        let end = sessions[n - 1].time_ms;
        let window_start = end - rng.between(6 * HOUR, 2 * DAY);
        let w = world();
        let mut used = Vec::new();
        for (k, s) in sessions[n - churn..].iter_mut().enumerate() {
            let mut device = rng.below(devices as u64) as usize;
            while used.contains(&device) || w.devices[device].is_bot || w.devices[device].spoofed {
                device = (device + 1) % devices;
            }
            used.push(device);
            s.device = device;
            s.time_ms = window_start + (end - window_start) * k as i64 / churn as i64;
            // Labelled by rule (`label_by_rule`) where the window shows enough profiles.
            s.keep_report = true;
        }
    }
}

/// One session whose AI age estimate is decades off the user's others.
fn plant_age_inconsistency(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let n = sessions.len();
    if n >= 3 && rng.chance(config.rates.age_inconsistent) {
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
        s.labels.push((kind::AGE_INCONSISTENT, ""));
    }
}

/// One session whose AI analysis gives the other sex.
fn plant_sex_inconsistency(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let n = sessions.len();
    if n >= 4 && rng.chance(config.rates.sex_inconsistent) {
        let k = rng.below(n as u64) as usize;
        sessions[k].sex_flipped = true;
        sessions[k].labels.push((kind::SEX_INCONSISTENT, ""));
    }
}

/// One session from a spoofed user agent whose flags contradict its platform.
fn plant_contradictory_device(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let n = sessions.len();
    if n >= 1 && rng.chance(config.rates.contradictory_device) {
        let k = rng.below(n as u64) as usize;
        // A session planted with something else (a farm's phone) keeps its device.
        if !sessions[k].labels.is_empty() {
            return;
        }
        sessions[k].device = *rng.pick(&world().spoofed_devices);
        sessions[k].labels.push((kind::CONTRADICTORY_DEVICE, ""));
    }
}

/// Deepfakes, virtual persons, liveness failures, anonymizers and unfinished sessions.
fn plant_session_level(config: &Config, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = &config.rates;
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
        // A planted pattern's reference session keeps its real location.
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

/// Labels the detectors' rule-defined kinds (new country, several countries, new device,
/// device churn) by applying the detectors' own rules ([`crate::risk::rules`], default
/// thresholds) to the plan: whatever planted the pattern (a trip, a flight, an impossible jump,
/// a VPN exit, churn), the label says what the sessions show. A session never started has no
/// report, hence no location and no device.
fn label_by_rule(sessions: &mut [SessionPlan]) {
    let w = world();
    let config = ScoreConfig::defaults();
    let mut countries: Vec<&str> = Vec::new();
    let visits: Vec<Visit> = sessions
        .iter()
        .map(|s| {
            if s.status == Status::Created {
                return Visit { time_us: s.time_ms * 1000, country: NONE, device: NONE };
            }
            let country = w.cities[s.city].country.as_str();
            let code = countries.iter().position(|c| *c == country).unwrap_or_else(|| {
                countries.push(country);
                countries.len() - 1
            });
            Visit { time_us: s.time_ms * 1000, country: code as u32, device: w.profile_codes[s.device] }
        })
        .collect();
    let mut labels: Vec<(usize, &'static str)> = Vec::new();
    rules::new_countries(&visits, config.new_country.history_days * 24.0, |i| {
        labels.push((i, kind::NEW_COUNTRY))
    });
    rules::country_hopping(
        &visits,
        config.multi_country.window_hours,
        config.multi_country.min_distinct,
        |i, _| labels.push((i, kind::MULTI_COUNTRY)),
    );
    rules::new_devices(&visits, config.new_device.min_history, |i, _| labels.push((i, kind::NEW_DEVICE)));
    rules::device_churn(
        &visits,
        config.device_churn.window_hours,
        config.device_churn.min_distinct,
        |i, _| labels.push((i, kind::DEVICE_CHURN)),
    );
    for (i, label) in labels {
        sessions[i].labels.push((label, ""));
    }
}
