//! The stories planted in a user's history, each labelled by what it is (its intent), whatever
//! a detector's thresholds would say of the sessions: a trip abroad is a `new_country` on its
//! arrival, churned devices are `device_churn` on every churned session, a long trip through
//! three countries is a benign look-alike of `multi_country`. Parameters are drawn from the
//! profile's [`Ranges`]; docs/analytics.md lists them.
//!
//! A story takes a block of consecutive sessions nothing else planted (see [`pick_block`]) and
//! moves them in time only between the sessions around the block, so stories never overlap and
//! every trip has time to go and come back.

use super::people::between_usize;
use super::plan::{kind, Network, SessionPlan};
use super::rng::Rng;
use super::world::{distance_km, world, ANONYMIZER_NETWORKS};
use super::{Config, Ranges};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

fn hours(h: f64) -> i64 {
    (h * HOUR as f64) as i64
}

fn uniform(rng: &mut Rng, (lo, hi): (f64, f64)) -> f64 {
    rng.uniform(lo, hi)
}

/// Uniform on a log scale: as many churns over hours as over days.
fn log_uniform(rng: &mut Rng, (lo, hi): (f64, f64)) -> f64 {
    rng.uniform(lo.ln(), hi.ln()).exp()
}

/// Hours a trip of `km` takes at least: an airliner's average with an hour at the airports.
/// Every planted trip takes at least this, so none is impossible travel.
fn travel_hours(km: f64) -> f64 {
    km / 700.0 + 1.0
}

/// What a story needs of the user.
pub struct User<'a> {
    pub config: &'a Config,
    pub home: usize,
    /// The user's usual devices (the first is the main one).
    pub devices: &'a [usize],
    /// The end of the corpus's span.
    pub end_ms: i64,
}

impl User<'_> {
    fn ranges(&self) -> &Ranges {
        &self.config.profile.ranges
    }
    fn km_from_home(&self, city: usize) -> f64 {
        km_between(self.home, city)
    }
    fn is_foreign(&self, city: usize) -> bool {
        let w = world();
        w.cities[city].country != w.cities[self.home].country
    }
    /// A device profile the user has none of: someone else's device.
    fn other_device(&self, rng: &mut Rng, pool: &[usize]) -> Option<usize> {
        let w = world();
        let own: Vec<u32> = self.devices.iter().map(|&d| w.profile_codes[d]).collect();
        (0..100).map(|_| *rng.pick(pool)).find(|&d| !own.contains(&w.profile_codes[d]))
    }
}

fn km_between(a: usize, b: usize) -> f64 {
    let w = world();
    distance_km((w.cities[a].lat, w.cities[a].lon), (w.cities[b].lat, w.cities[b].lon))
}

/// A city (weighted by population) passing `fits`, or `None` after a few tries.
fn city_where(rng: &mut Rng, fits: impl Fn(usize) -> bool) -> Option<usize> {
    let w = world();
    (0..60).map(|_| rng.weighted(&w.city_weights)).find(|&c| fits(c))
}

/// A block of `k` consecutive sessions that no story has taken, after at least `before`
/// sessions (the one just before it free too, as the story starts from it), with `needed_ms`
/// between the session before the block and the one after it (or the span's end):
/// (first index, the time before, the time after).
fn pick_block(
    sessions: &[SessionPlan],
    k: usize,
    before: usize,
    needed_ms: i64,
    end_ms: i64,
    rng: &mut Rng,
) -> Option<(usize, i64, i64)> {
    let n = sessions.len();
    let before = before.max(1);
    if k == 0 || n < before + k {
        return None;
    }
    let candidates: Vec<(usize, i64, i64)> = (before..=n - k)
        .filter(|&i| !sessions[i - 1].taken && sessions[i..i + k].iter().all(|s| !s.taken))
        .map(|i| {
            let after = if i + k < n { sessions[i + k].time_ms } else { end_ms.max(sessions[n - 1].time_ms) };
            (i, sessions[i - 1].time_ms, after)
        })
        .filter(|&(_, a, b)| b - a >= needed_ms)
        .collect();
    (!candidates.is_empty()).then(|| candidates[rng.below(candidates.len() as u64) as usize])
}

/// The network a traveller's session comes from: a phone on the local carrier half the time,
/// else the fixed line where they stay.
fn travel_network(rng: &mut Rng, device: usize) -> Network {
    let d = &world().devices[device];
    if (d.is_mobile || d.is_tablet) && rng.chance(0.5) {
        Network::Mobile
    } else {
        Network::Isp
    }
}

/// Puts a session in `city` (GeoIP jitter, and an accuracy radius fitting its network).
pub fn move_to_city(rng: &mut Rng, s: &mut SessionPlan, city: usize) {
    let c = &world().cities[city];
    s.city = city;
    s.lat = c.lat + rng.uniform(-0.03, 0.03);
    s.lon = c.lon + rng.uniform(-0.03, 0.03);
    s.accuracy_km = match s.network {
        Network::Mobile => rng.between(50, 300) as u32,
        _ => rng.between(5, 50) as u32,
    };
}

/// Takes the sessions `i..i + times.len()` for a story: their times, the place and device,
/// planted (no other story takes them) and kept to the end (their reports show the story).
fn place(rng: &mut Rng, sessions: &mut [SessionPlan], i: usize, times: &[i64], city: usize, device: usize) {
    for (j, &t) in times.iter().enumerate() {
        let s = &mut sessions[i + j];
        s.time_ms = t;
        s.device = device;
        s.network = travel_network(rng, device);
        move_to_city(rng, s, city);
        s.taken = true;
        s.keep_report = true;
    }
}

/// Times from `start`, each a draw of `gap` hours after the one before.
fn times_from(rng: &mut Rng, start: i64, k: usize, gap: (f64, f64)) -> Vec<i64> {
    let mut t = start;
    (0..k)
        .map(|j| {
            if j > 0 {
                t += hours(uniform(rng, gap));
            }
            t
        })
        .collect()
}

/// The location stories, at most one per user, drawn by the profile's rates.
pub fn plant_location_story(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = &user.config.profile.rates;
    let roll = rng.unit();
    let mut cut = 0.0;
    let mut next = |p: f64| {
        cut += p;
        roll < cut
    };
    if next(r.impossible_travel) {
        impossible_travel(user, rng, sessions);
    } else if next(r.real_flight) {
        real_flight(user, rng, sessions);
    } else if next(r.mobile_jump) {
        mobile_jump(user, rng, sessions);
    } else if next(r.vpn_travel) {
        vpn_travel(user, rng, sessions);
    } else if next(r.country_hop) {
        country_hop(user, rng, sessions);
    } else if next(r.multi_leg_trip) {
        multi_leg_trip(user, rng, sessions);
    } else if next(r.trip_abroad) {
        trip_abroad(user, rng, sessions);
    } else if next(r.takeover) {
        takeover(user, rng, sessions);
    } else if next(r.domestic_trip) {
        domestic_trip(user, rng, sessions);
    } else if next(r.commuter) {
        commuter(user, rng, sessions);
    }
}

/// A session far away, sooner than any airliner gets there (someone else, elsewhere), on the
/// device of the session before; the user's next session is back home with time to spare.
fn impossible_travel(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = user.ranges();
    let Some(far) = city_where(rng, |c| user.km_from_home(c) >= r.impossible_min_km) else { return };
    let km = user.km_from_home(far);
    let h = rng.uniform(0.2, (km / r.impossible_min_kmh).min(3.0));
    let needed = hours(h + travel_hours(km) + 4.0);
    let Some((i, a, _)) = pick_block(sessions, 1, 1, needed, user.end_ms, rng) else { return };
    let device = sessions[i - 1].device;
    sessions[i - 1].keep_report = true;
    place(rng, sessions, i, &[a + hours(h)], far, device);
    sessions[i].labels.push((kind::IMPOSSIBLE_TRAVEL, ""));
    if user.is_foreign(far) {
        sessions[i].labels.push((kind::NEW_COUNTRY, ""));
    }
}

/// A long-haul flight: airliner speed plus hours at both airports (look-alike of impossible
/// travel), a few sessions there, and the flight back.
fn real_flight(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = user.ranges();
    let Some(far) = city_where(rng, |c| user.km_from_home(c) >= r.flight_min_km) else { return };
    let km = user.km_from_home(far);
    let k = between_usize(rng, r.flight_sessions);
    let out = km / r.flight_kmh + uniform(rng, r.flight_airport_hours);
    let stay: Vec<f64> = (1..k).map(|_| rng.uniform(6.0, 72.0)).collect();
    let back = km / r.flight_kmh + r.flight_airport_hours.0;
    let needed = hours(out + stay.iter().sum::<f64>() + back);
    let Some((i, a, _)) = pick_block(sessions, k, 1, needed, user.end_ms, rng) else { return };
    let device = sessions[i - 1].device;
    sessions[i - 1].keep_report = true;
    let mut t = a + hours(out);
    let times: Vec<i64> = (0..k)
        .map(|j| {
            if j > 0 {
                t += hours(stay[j - 1]);
            }
            t
        })
        .collect();
    place(rng, sessions, i, &times, far, device);
    sessions[i].labels.push((kind::BENIGN, kind::IMPOSSIBLE_TRAVEL));
    if user.is_foreign(far) {
        sessions[i].labels.push((kind::NEW_COUNTRY, ""));
    }
}

/// One phone on a mobile network, GeoIP placing it 120–220 km away within its 250–500 km
/// accuracy radius minutes later (look-alike of impossible travel). Only for users with a
/// phone of their own.
fn mobile_jump(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let w = world();
    let phones: Vec<usize> =
        user.devices.iter().copied().filter(|&d| w.devices[d].is_mobile || w.devices[d].is_tablet).collect();
    if phones.is_empty() {
        return;
    }
    let Some((i, a, _)) = pick_block(sessions, 1, 1, HOUR + 5 * MINUTE, user.end_ms, rng) else { return };
    let phone = *rng.pick(&phones);
    let accuracy = rng.between(250, 500) as u32;
    for s in &mut sessions[i - 1..=i] {
        s.network = Network::Mobile;
        s.accuracy_km = accuracy;
        s.device = phone;
        s.taken = true;
        s.keep_report = true;
    }
    let km = rng.uniform(120.0, 220.0);
    let (lat, lon) = moved(rng, sessions[i - 1].lat, sessions[i - 1].lon, km);
    let jump = &mut sessions[i];
    jump.lat = lat;
    jump.lon = lon;
    jump.time_ms = a + rng.between(5 * MINUTE, HOUR);
    jump.labels.push((kind::BENIGN, kind::IMPOSSIBLE_TRAVEL));
}

/// A point `km` away from (lat, lon) in a random direction (flat-earth is fine at this scale).
fn moved(rng: &mut Rng, lat: f64, lon: f64, km: f64) -> (f64, f64) {
    let bearing = rng.uniform(0.0, std::f64::consts::TAU);
    let dlat = km * bearing.cos() / 111.0;
    let dlon = km * bearing.sin() / (111.0 * lat.to_radians().cos().max(0.2));
    ((lat + dlat).clamp(-89.0, 89.0), ((lon + dlon + 540.0) % 360.0) - 180.0)
}

/// A VPN exit abroad minutes after a session at home: the location is the exit's, not the
/// user's (look-alike of impossible travel and of a new country).
fn vpn_travel(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let Some(far) = city_where(rng, |c| user.km_from_home(c) >= 2_500.0) else { return };
    let Some((i, a, _)) = pick_block(sessions, 1, 1, 2 * HOUR + MINUTE, user.end_ms, rng) else { return };
    let device = sessions[i - 1].device;
    sessions[i - 1].keep_report = true;
    let at = a + rng.between(10 * MINUTE, 2 * HOUR);
    place(rng, sessions, i, &[at], far, device);
    let s = &mut sessions[i];
    s.network =
        Network::Anonymizer { network: rng.below(ANONYMIZER_NETWORKS.len() as u64) as usize, tor: false };
    s.labels.push((kind::ANONYMIZER, ""));
    s.labels.push((kind::BENIGN, kind::IMPOSSIBLE_TRAVEL));
    s.labels.push((kind::BENIGN, kind::NEW_COUNTRY));
}

/// A route of `count` cities abroad, each in a country of its own, each at least the profile's
/// distance from home, each leg passing `leg_fits(km)`.
fn route_abroad(
    user: &User,
    rng: &mut Rng,
    count: usize,
    leg_fits: impl Fn(f64) -> bool,
) -> Option<Vec<usize>> {
    let w = world();
    let min_km = user.ranges().abroad_min_km;
    let mut route: Vec<usize> = Vec::new();
    for _ in 0..count {
        let from = route.last().copied().unwrap_or(user.home);
        let next = city_where(rng, |c| {
            let country = &w.cities[c].country;
            user.is_foreign(c)
                && user.km_from_home(c) >= min_km
                && route.iter().all(|&r| w.cities[r].country != *country)
                && leg_fits(km_between(from, c))
        })?;
        route.push(next);
    }
    Some(route)
}

/// Several countries in a few days (home included, from the last session at home), each leg
/// reachable in the time taken: `multi_country` on every session abroad, `new_country` on each
/// arrival.
fn country_hop(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = user.ranges();
    let countries = between_usize(rng, r.hop_countries).max(3);
    let abroad = countries - 1;
    let total = if countries == 3 { uniform(rng, r.hop_hours_three) } else { uniform(rng, r.hop_hours_more) };
    // Each leg fits in its share of the time, with room to spare for the others.
    let budget = total / abroad as f64;
    let Some(route) = route_abroad(user, rng, abroad, |km| travel_hours(km) <= 0.9 * budget) else { return };
    let mut from = user.home;
    let legs: Vec<f64> = route
        .iter()
        .map(|&c| {
            let h = travel_hours(km_between(from, c));
            from = c;
            h
        })
        .collect();
    let slack = total - legs.iter().sum::<f64>();
    let weights: Vec<f64> = legs.iter().map(|_| rng.unit() + 0.05).collect();
    let weight_sum: f64 = weights.iter().sum();
    let back = travel_hours(km_between(*route.last().expect("a route"), user.home)) + 2.0;
    let Some((i, a, _)) = pick_block(sessions, abroad, 2, hours(total + back), user.end_ms, rng) else {
        return;
    };
    let device = sessions[i - 1].device;
    sessions[i - 1].keep_report = true;
    let mut t = a;
    for (j, &city) in route.iter().enumerate() {
        t += hours(legs[j] + slack * weights[j] / weight_sum);
        place(rng, sessions, i + j, &[t], city, device);
        sessions[i + j].labels.push((kind::NEW_COUNTRY, ""));
        sessions[i + j].labels.push((kind::MULTI_COUNTRY, ""));
    }
}

/// A long trip through two or three countries, a week or more in each (look-alike of several
/// countries): `new_country` on each arrival, the look-alike label from the second country on.
fn multi_leg_trip(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = user.ranges();
    let abroad = between_usize(rng, r.multi_leg_countries);
    let Some(route) = route_abroad(user, rng, abroad, |_| true) else { return };
    let stays: Vec<f64> = (0..abroad).map(|_| 24.0 * uniform(rng, r.multi_leg_days)).collect();
    let mut from = user.home;
    let legs: Vec<f64> = route
        .iter()
        .map(|&c| {
            let h = travel_hours(km_between(from, c)) + rng.uniform(2.0, 24.0);
            from = c;
            h
        })
        .collect();
    let back = travel_hours(km_between(*route.last().expect("a route"), user.home)) + 2.0;
    let needed = hours(legs.iter().sum::<f64>() + stays.iter().sum::<f64>() + back);
    let Some((i, a, _)) = pick_block(sessions, abroad, 2, needed, user.end_ms, rng) else { return };
    let device = sessions[i - 1].device;
    sessions[i - 1].keep_report = true;
    let mut arrival = a;
    for (j, &city) in route.iter().enumerate() {
        arrival += hours(legs[j]);
        // One session early in the stay.
        let at = arrival + hours(rng.uniform(0.0, 0.3) * stays[j]);
        place(rng, sessions, i + j, &[at], city, device);
        sessions[i + j].labels.push((kind::NEW_COUNTRY, ""));
        if j > 0 {
            sessions[i + j].labels.push((kind::BENIGN, kind::MULTI_COUNTRY));
        }
        arrival += hours(stays[j]);
    }
}

/// A trip abroad with time to get there: `new_country` on the arrival; the first session back
/// home is a look-alike (coming home is not new).
fn trip_abroad(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = user.ranges();
    let Some(dest) = city_where(rng, |c| user.is_foreign(c) && user.km_from_home(c) >= r.abroad_min_km)
    else {
        return;
    };
    let km = user.km_from_home(dest);
    let k = between_usize(rng, r.trip_sessions);
    let out = travel_hours(km) + uniform(rng, r.trip_extra_hours);
    let stay = 72.0 * k as f64;
    let back = travel_hours(km) + 2.0;
    let Some((i, a, _)) = pick_block(sessions, k, 2, hours(out + stay + back), user.end_ms, rng) else {
        return;
    };
    let device = sessions[i - 1].device;
    sessions[i - 1].keep_report = true;
    let times = times_from(rng, a + hours(out), k, (4.0, 72.0));
    place(rng, sessions, i, &times, dest, device);
    sessions[i].labels.push((kind::NEW_COUNTRY, ""));
    if let Some(home) = sessions.get_mut(i + k) {
        home.keep_report = true;
        home.labels.push((kind::BENIGN, kind::NEW_COUNTRY));
    }
}

/// Someone else's device, somewhere the user never was: a city at least the profile's distance
/// from home (in the home country or abroad, alike), a device profile the user has none of,
/// after an established history. `new_device` on its first session (`new_country` too when
/// abroad); the user carries on at home afterwards.
fn takeover(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = user.ranges();
    let w = world();
    let far_enough = |c: usize| user.km_from_home(c) >= r.abroad_min_km;
    let dest = if rng.chance(0.5) {
        city_where(rng, |c| !user.is_foreign(c) && far_enough(c))
            .or_else(|| city_where(rng, |c| user.is_foreign(c) && far_enough(c)))
    } else {
        city_where(rng, |c| user.is_foreign(c) && far_enough(c))
    };
    let Some(dest) = dest else { return };
    let pool = if rng.chance(0.6) { &w.mobile_devices } else { &w.desktop_devices };
    let Some(device) = user.other_device(rng, pool) else { return };
    let km = user.km_from_home(dest);
    let k = between_usize(rng, r.takeover_sessions);
    let out = travel_hours(km) + rng.uniform(1.0, 72.0);
    let back = travel_hours(km) + 2.0;
    let needed = hours(out + 24.0 * k as f64 + back);
    let Some((i, a, _)) = pick_block(sessions, k, r.takeover_min_history, needed, user.end_ms, rng) else {
        return;
    };
    let times = times_from(rng, a + hours(out), k, (0.2, 24.0));
    place(rng, sessions, i, &times, dest, device);
    sessions[i].labels.push((kind::NEW_DEVICE, ""));
    if user.is_foreign(dest) {
        sessions[i].labels.push((kind::NEW_COUNTRY, ""));
    }
}

/// A trip inside the home country with a device the user has: a plain habit, no label.
fn domestic_trip(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let Some(dest) = city_where(rng, |c| !user.is_foreign(c) && c != user.home) else { return };
    let km = user.km_from_home(dest);
    let k = between_usize(rng, (1, 3));
    let out = travel_hours(km) + rng.uniform(1.0, 24.0);
    let back = travel_hours(km) + 2.0;
    let needed = hours(out + 48.0 * k as f64 + back);
    let Some((i, a, _)) = pick_block(sessions, k, 1, needed, user.end_ms, rng) else { return };
    let device = sessions[i - 1].device;
    let times = times_from(rng, a + hours(out), k, (4.0, 48.0));
    place(rng, sessions, i, &times, dest, device);
}

/// A user who lives near a border and is often in the neighbouring country's city (look-alike
/// of a new country on every session there). Only where home has such a neighbour.
fn commuter(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let (max_km, share) = (user.ranges().commute_max_km, user.config.profile.habits.commuter_share);
    let near: Vec<usize> = world().foreign_neighbours[user.home]
        .iter()
        .filter(|&&(_, km)| km <= max_km)
        .map(|&(c, _)| c)
        .collect();
    if near.is_empty() {
        return;
    }
    let partner = *rng.pick(&near);
    let share = uniform(rng, share);
    for s in sessions.iter_mut().filter(|s| !s.taken) {
        if rng.chance(share) {
            move_to_city(rng, s, partner);
            s.taken = true;
            s.keep_report = true;
            s.labels.push((kind::BENIGN, kind::NEW_COUNTRY));
        }
    }
}

/// The device stories, at most one per user, drawn by the profile's rates.
pub fn plant_device_story(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let r = &user.config.profile.rates;
    let roll = rng.unit();
    if roll < r.device_churn {
        device_churn(user, rng, sessions);
    } else if roll < r.device_churn + r.replaced_phone {
        replaced_phone(user, rng, sessions);
    } else if roll < r.device_churn + r.replaced_phone + r.own_device_burst {
        own_device_burst(user, rng, sessions);
    }
}

/// `count` times from `start` to `start + spread`, the first and last at the ends, the others
/// drawn between them, in order.
fn spread_times(rng: &mut Rng, start: i64, spread: i64, count: usize) -> Vec<i64> {
    let mut offsets: Vec<i64> = (0..count)
        .map(|j| match j {
            0 => 0,
            j if j + 1 == count => spread,
            _ => (rng.unit() * spread as f64) as i64,
        })
        .collect();
    offsets.sort_unstable();
    offsets.into_iter().map(|o| start + o).collect()
}

/// One account cycled through device profiles it never used, over hours or days (the churn an
/// outside corpus showed spread over several days): `device_churn` on every churned session.
/// Each profile is used once, some again (the profile's `churn_reused`).
fn device_churn(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let w = world();
    let r = user.ranges();
    let profiles = between_usize(rng, r.churn_profiles);
    let reused = between_usize(rng, r.churn_reused);
    let k = profiles + reused;
    let spread = hours(log_uniform(rng, r.churn_hours));
    let Some((i, a, b)) = pick_block(sessions, k, r.churn_min_history, spread + HOUR, user.end_ms, rng)
    else {
        return;
    };
    let ordinary: Vec<usize> = w.mobile_devices.iter().chain(&w.desktop_devices).copied().collect();
    let mut churned: Vec<usize> = Vec::new();
    for _ in 0..200 {
        if churned.len() == profiles {
            break;
        }
        let Some(d) = user.other_device(rng, &ordinary) else { return };
        if !churned.iter().any(|&c| w.profile_codes[c] == w.profile_codes[d]) {
            churned.push(d);
        }
    }
    if churned.len() < profiles {
        return;
    }
    let mut order = churned.clone();
    for _ in 0..reused {
        let again = churned[rng.below(churned.len() as u64) as usize];
        order.insert(1 + rng.below(order.len() as u64) as usize, again);
    }
    let room = (b - a - spread - HOUR).max(0);
    let start = a + 30 * MINUTE + (rng.unit() * room as f64) as i64;
    let times = spread_times(rng, start, spread, k);
    let home = user.home;
    for (j, (&device, &t)) in order.iter().zip(&times).enumerate() {
        let s = &mut sessions[i + j];
        s.time_ms = t;
        s.device = device;
        s.network = travel_network(rng, device);
        move_to_city(rng, s, home);
        s.taken = true;
        s.keep_report = true;
        s.labels.push((kind::DEVICE_CHURN, ""));
    }
}

/// A new phone replacing the user's own from some session on (and sometimes a new laptop):
/// look-alike of churn and of a new device, on the first session of each.
fn replaced_phone(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    let w = world();
    let is_phone = |d: usize| w.devices[d].is_mobile || w.devices[d].is_tablet;
    let Some(&old_phone) = user.devices.iter().find(|&&d| is_phone(d)) else { return };
    let mut replacements = vec![(old_phone, &w.mobile_devices)];
    if let Some(&laptop) = user.devices.iter().find(|&&d| !is_phone(d)) {
        if rng.chance(0.3) {
            replacements.push((laptop, &w.desktop_devices));
        }
    }
    let n = sessions.len();
    if n < 5 {
        return;
    }
    let from = 3 + rng.below((n - 3) as u64) as usize;
    for (old, pool) in replacements {
        let Some(new) = user.other_device(rng, pool) else { return };
        let mut first = true;
        for s in sessions[from..].iter_mut().filter(|s| s.device == old && !s.taken) {
            s.device = new;
            if first {
                s.keep_report = true;
                s.labels.push((kind::BENIGN, kind::DEVICE_CHURN));
                s.labels.push((kind::BENIGN, kind::NEW_DEVICE));
                first = false;
            }
        }
    }
}

/// A user with three or more devices using several of them, each already used before, within
/// a day or three (look-alike of churn).
fn own_device_burst(user: &User, rng: &mut Rng, sessions: &mut [SessionPlan]) {
    if user.devices.len() < 3 {
        return;
    }
    let r = user.ranges();
    let wanted = between_usize(rng, r.burst_devices).min(user.devices.len());
    let window = hours(uniform(rng, r.burst_hours));
    let Some((i, a, b)) = pick_block(sessions, wanted, 3, window + HOUR, user.end_ms, rng) else { return };
    // Devices the user's earlier sessions showed (kept to the end, so their reports show them).
    let mut known: Vec<(usize, usize)> = Vec::new();
    for (j, s) in sessions[..i].iter().enumerate() {
        if !known.iter().any(|&(d, _)| d == s.device) && user.devices.contains(&s.device) {
            known.push((s.device, j));
        }
    }
    if known.len() < 3 {
        return;
    }
    let k = wanted.min(known.len());
    for j in 0..k {
        let pick = j + rng.below((known.len() - j) as u64) as usize;
        known.swap(j, pick);
    }
    for &(_, j) in &known[..k] {
        sessions[j].keep_report = true;
    }
    let room = (b - a - window - HOUR).max(0);
    let start = a + 30 * MINUTE + (rng.unit() * room as f64) as i64;
    let times = spread_times(rng, start, window, k);
    for (j, (&(device, _), &t)) in known[..k].iter().zip(&times).enumerate() {
        let s = &mut sessions[i + j];
        s.time_ms = t;
        s.device = device;
        s.taken = true;
        s.keep_report = true;
        s.labels.push((kind::BENIGN, kind::DEVICE_CHURN));
    }
}
