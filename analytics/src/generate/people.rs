//! Who lives where, with whom, and who lends a session to a fraud farm: what users share, drawn
//! from streams of their own (a household's, a farm's) so every member's plan agrees whichever
//! thread plans it. [`Shared`] is built once per corpus; the rest is a function of the seed and
//! the user's index.

use std::collections::HashMap;

use super::plan::Network;
use super::rng::Rng;
use super::world::world;
use super::Config;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// Streams that plans draw from besides the user's own.
const HOME_STREAM: u64 = 0x686f_6d65;
const HOUSEHOLD_STREAM: u64 = 0x686f_7573;
const FARM_STREAM: u64 = 0x6661_726d;
const SPLIT_STREAM: u64 = 0x7370_6c69;

/// Households are drawn per group of this many consecutive users.
pub const HOUSEHOLD_GROUP: u64 = 6;

/// A family sharing a home, a phone and a line, who once verified together one evening (the
/// look-alike of a fraud farm: several users on one device and network within hours).
#[derive(Clone, Debug)]
pub struct Household {
    pub phone: usize,
    pub evening_ms: i64,
    pub spread_ms: i64,
}

/// A fraud farm: its members' sessions on its device profiles and network, in one city,
/// within its hours.
#[derive(Clone, Debug)]
pub struct Farm {
    pub city: usize,
    pub network: Network,
    pub devices: Vec<usize>,
    pub start_ms: i64,
    pub spread_ms: i64,
    pub members: Vec<u64>,
}

/// What the users of one corpus share: its fraud farms and who is in them.
pub struct Shared {
    pub farms: Vec<Farm>,
    /// user → (farm, the member's place in it)
    memberships: HashMap<u64, Vec<(usize, usize)>>,
}

/// `lo..=hi`.
pub fn between_usize(rng: &mut Rng, (lo, hi): (usize, usize)) -> usize {
    rng.between(lo as i64, hi.max(lo) as i64) as usize
}

/// A home city drawn as the profile says: by the square root of the population, or a country
/// first (every one alike) and then one of its cities by that weight.
pub fn draw_city(config: &Config, rng: &mut Rng) -> usize {
    let w = world();
    if config.profile.habits.countries_evenly {
        let (cities, cumulative) = &w.countries[rng.below(w.countries.len() as u64) as usize];
        cities[rng.weighted(cumulative)]
    } else {
        rng.weighted(&w.city_weights)
    }
}

/// The household a user belongs to, if any: the first few users of a household group.
fn household_of(config: &Config, user: u64) -> Option<(u64, Household)> {
    let group = user / HOUSEHOLD_GROUP;
    let mut rng = Rng::new(config.seed ^ HOUSEHOLD_STREAM, group);
    if !rng.chance(config.profile.rates.household) {
        return None;
    }
    let size = between_usize(&mut rng, config.profile.habits.household_size) as u64;
    if user % HOUSEHOLD_GROUP >= size {
        return None;
    }
    let spread_ms = rng.between(HOUR, 4 * HOUR);
    let household = Household {
        phone: *rng.pick(&world().mobile_devices),
        evening_ms: config.start_ms + rng.below((config.days as i64 * DAY - spread_ms).max(1) as u64) as i64,
        spread_ms,
    };
    Some((group, household))
}

/// A user's home city and household.
pub fn home_of(config: &Config, user: u64) -> (usize, Option<Household>) {
    match household_of(config, user) {
        // The members of a household draw the same home.
        Some((group, household)) => {
            (draw_city(config, &mut Rng::new(config.seed ^ HOME_STREAM ^ 1, group)), Some(household))
        }
        None => (draw_city(config, &mut Rng::new(config.seed ^ HOME_STREAM, user)), None),
    }
}

/// How many sessions a user has: each pair of users splits its share of the corpus, so counts
/// vary from user to user and still add up to `--sessions` exactly.
pub fn sessions_of(config: &Config, user: u64) -> usize {
    let (sessions, users) = (config.sessions, config.users);
    let base = |u: u64| (sessions * (u + 1) / users - sessions * u / users) as usize;
    let pair = user / 2;
    if pair * 2 + 1 >= users {
        return base(user);
    }
    let total = base(pair * 2) + base(pair * 2 + 1);
    let (lo, hi) = config.profile.habits.session_split;
    let share = Rng::new(config.seed ^ SPLIT_STREAM, pair).uniform(lo, hi);
    let first = ((total as f64 * share / 2.0).round() as usize).clamp(1, total - 1);
    if user % 2 == 0 {
        first
    } else {
        total - first
    }
}

impl Shared {
    /// The corpus's farms: one per `users_per_farm` users (at least one), each in a city drawn
    /// as homes are, with members drawn from the users who live there.
    pub fn of(config: &Config) -> Shared {
        let w = world();
        let (rates, ranges) = (&config.profile.rates, &config.profile.ranges);
        let mut residents: HashMap<usize, Vec<u64>> = HashMap::new();
        for user in 0..config.users {
            residents.entry(home_of(config, user).0).or_default().push(user);
        }
        let count = (config.users / rates.users_per_farm.max(1)).max(1);
        let mut farms = Vec::new();
        for f in 0..count {
            let mut rng = Rng::new(config.seed ^ FARM_STREAM, f);
            let wanted = between_usize(&mut rng, ranges.farm_members);
            // A city with enough residents for the farm (in a small corpus, the most populous
            // of the cities tried).
            let mut city = draw_city(config, &mut rng);
            for _ in 0..50 {
                if residents.get(&city).map_or(0, Vec::len) >= wanted {
                    break;
                }
                let other = draw_city(config, &mut rng);
                if residents.get(&other).map_or(0, Vec::len) > residents.get(&city).map_or(0, Vec::len) {
                    city = other;
                }
            }
            let network = if rng.chance(ranges.farm_mobile) { Network::Mobile } else { Network::Isp };
            let profiles = if rng.chance(ranges.farm_varied_devices) {
                between_usize(&mut rng, ranges.farm_profiles)
            } else {
                1
            };
            let mut devices: Vec<usize> = Vec::new();
            while devices.len() < profiles {
                let d = *rng.pick(&w.mobile_devices);
                if !devices.iter().any(|&x| w.profile_codes[x] == w.profile_codes[d]) {
                    devices.push(d);
                }
            }
            let spread_ms = (rng.uniform(ranges.farm_hours.0, ranges.farm_hours.1) * HOUR as f64) as i64;
            let start_ms =
                config.start_ms + rng.below((config.days as i64 * DAY - spread_ms).max(1) as u64) as i64;
            // The members: a random draw of the city's residents (a partial shuffle).
            let mut pool = residents.get(&city).cloned().unwrap_or_default();
            let size = wanted.min(pool.len());
            for k in 0..size {
                let j = k + rng.below((pool.len() - k) as u64) as usize;
                pool.swap(k, j);
            }
            pool.truncate(size);
            farms.push(Farm { city, network, devices, start_ms, spread_ms, members: pool });
        }
        let mut memberships: HashMap<u64, Vec<(usize, usize)>> = HashMap::new();
        for (f, farm) in farms.iter().enumerate() {
            for (m, &user) in farm.members.iter().enumerate() {
                memberships.entry(user).or_default().push((f, m));
            }
        }
        Shared { farms, memberships }
    }

    /// The farms a user lends a session to: (farm, the member's place in it).
    pub fn memberships(&self, user: u64) -> &[(usize, usize)] {
        self.memberships.get(&user).map_or(&[], Vec::as_slice)
    }
}

/// The stream a member's farm session draws its time from.
pub fn farm_member_rng(config: &Config, user: u64, farm: usize) -> Rng {
    Rng::new(config.seed ^ FARM_STREAM ^ 2, user * 1_000 + farm as u64)
}

/// The stream a household member's evening session draws from.
pub fn household_member_rng(config: &Config, user: u64) -> Rng {
    Rng::new(config.seed ^ HOUSEHOLD_STREAM ^ 2, user)
}
