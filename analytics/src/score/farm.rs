//! The fraud-farm rule over the sessions it reads ([`FarmRows`]): many users on one network
//! and city within hours, on device profiles they came to new. Batch scoring builds the rows
//! from its table (`device_detectors::fraud_farm`); incremental scoring keeps them between runs
//! (the farm is the one rule across users, so a run needs every user's sessions of its span).

use std::collections::HashMap;
use std::ops::Range;

use super::table::FxBuild;
use crate::risk::config::FraudFarm;
use crate::risk::rules::HOUR_US;

/// The sessions the farm rule reads: each with a device profile, a network and a creation
/// time, sorted by network, city and time (sessions of one time in the order of their users'
/// reference ids, as a batch's table holds them), so each network and city is one run of rows.
#[derive(Debug, Default, Clone)]
pub struct FarmRows {
    pub asn: Vec<i64>,
    pub city: Vec<u32>,
    pub time_us: Vec<i64>,
    pub device: Vec<u32>,
    /// The user, as a number distinct per user.
    pub user: Vec<u32>,
    /// The profile is new to the user: none of their earlier sessions showed it.
    pub new: Vec<bool>,
}

impl FarmRows {
    pub fn with_capacity(n: usize) -> FarmRows {
        FarmRows {
            asn: Vec::with_capacity(n),
            city: Vec::with_capacity(n),
            time_us: Vec::with_capacity(n),
            device: Vec::with_capacity(n),
            user: Vec::with_capacity(n),
            new: Vec::with_capacity(n),
        }
    }
    pub fn len(&self) -> usize {
        self.time_us.len()
    }
    pub fn is_empty(&self) -> bool {
        self.time_us.is_empty()
    }
    /// Appends rows `range` of `other`.
    pub fn extend_from(&mut self, other: &FarmRows, range: Range<usize>) {
        self.asn.extend_from_slice(&other.asn[range.clone()]);
        self.city.extend_from_slice(&other.city[range.clone()]);
        self.time_us.extend_from_slice(&other.time_us[range.clone()]);
        self.device.extend_from_slice(&other.device[range.clone()]);
        self.user.extend_from_slice(&other.user[range.clone()]);
        self.new.extend_from_slice(&other.new[range]);
    }
    pub fn push(&mut self, asn: i64, city: u32, time_us: i64, device: u32, user: u32, new: bool) {
        self.asn.push(asn);
        self.city.push(city);
        self.time_us.push(time_us);
        self.device.push(device);
        self.user.push(user);
        self.new.push(new);
    }
    /// The rows of each network and city.
    pub fn groups(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..=self.len() {
            if i == self.len() || (self.asn[i], self.city[i]) != (self.asn[i - 1], self.city[i - 1]) {
                out.push(start..i);
                start = i;
            }
        }
        out
    }
}

/// The first of `0..n` for which `before` is false (`before` holds for a prefix).
pub fn partition_point(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// A window that fired, on one of its rows: how many users came new to the farm's phones, how
/// many phones, which of the configured windows (`window_hours`' position).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FarmHit {
    pub index: usize,
    pub members: usize,
    pub phones: usize,
    pub window: usize,
}

/// Distinct users per device profile in a sliding window over one network and city.
#[derive(Default)]
struct ProfileUsers {
    /// profile → user → sessions in the window
    users_on: HashMap<u32, HashMap<u32, u32, FxBuild>, FxBuild>,
    /// The profiles two or more users in the window used.
    shared: Vec<u32>,
    /// (profile, user) pairs in the window.
    pairs: usize,
    /// Users on the shared profiles, counted once per profile.
    shared_users: usize,
}

impl ProfileUsers {
    fn clear(&mut self) {
        self.users_on.clear();
        self.shared.clear();
        self.pairs = 0;
        self.shared_users = 0;
    }
    fn users(&self, profile: u32) -> usize {
        self.users_on.get(&profile).map_or(0, HashMap::len)
    }
    fn add(&mut self, profile: u32, user: u32) {
        let users = self.users_on.entry(profile).or_default();
        let count = users.entry(user).or_insert(0);
        *count += 1;
        if *count == 1 {
            self.pairs += 1;
            match users.len() {
                2 => {
                    self.shared.push(profile);
                    self.shared_users += 2;
                }
                n if n > 2 => self.shared_users += 1,
                _ => {}
            }
        }
    }
    fn remove(&mut self, profile: u32, user: u32) {
        let users = self.users_on.get_mut(&profile).expect("counted when it entered");
        let count = users.get_mut(&user).expect("counted when it entered");
        *count -= 1;
        if *count == 0 {
            users.remove(&user);
            self.pairs -= 1;
            match users.len() {
                1 => {
                    self.shared.retain(|&p| p != profile);
                    self.shared_users -= 2;
                }
                n if n > 1 => self.shared_users -= 1,
                _ => {}
            }
        }
    }
}

/// The chance that a Poisson count of mean `mean` is `k` or more.
pub fn poisson_tail(mean: f64, k: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    // P(X = k), then the terms after it, until they no longer count.
    let mut term = (-mean).exp();
    for i in 1..=k {
        term *= mean / i as f64;
    }
    let mut tail = 0.0;
    let mut i = k;
    while term > tail * 1e-12 && i < k + 1_000 {
        tail += term;
        i += 1;
        term *= mean / i as f64;
    }
    tail.min(1.0)
}

/// The profiles of a window that more users came to new than its other newcomers would bring
/// them (see [`fraud_farm`]). The other newcomers are counted without the farm's own phones,
/// which would hide one another: first without any profile two newcomers share, then with
/// those found ordinary, until nothing changes. Returns how many newcomers the found phones
/// have, and how many they would have had without a farm.
fn farm_phones_in(
    newcomers: &ProfileUsers,
    usual: &impl Fn(u32) -> (f64, f64),
    profiles: usize,
    chance: &mut ChanceLimit,
    out: &mut Vec<u32>,
) -> (usize, f64) {
    out.clear();
    out.extend_from_slice(&newcomers.shared);
    // A profile's usual newcomers per window, or what the window's other newcomers bring it.
    let expected = |on_farm_phones: usize, profile: u32| {
        let (rate, q) = usual(profile);
        rate.max((newcomers.pairs - on_farm_phones) as f64 * q / (1.0 - q))
    };
    for _ in 0..4 {
        let on_farm_phones: usize = out.iter().map(|&p| newcomers.users(p)).sum();
        let before = out.len();
        out.retain(|&profile| {
            chance.improbable(expected(on_farm_phones, profile), newcomers.users(profile), profiles)
        });
        if out.len() == before {
            break;
        }
    }
    let on_farm_phones: usize = out.iter().map(|&p| newcomers.users(p)).sum();
    (on_farm_phones, out.iter().map(|&p| expected(on_farm_phones, p)).sum())
}

/// The densest stretch of a farm's newcomers (their times, in order): the one whose count
/// stands furthest above the `per_us` the farm's phones would gather without it (the Poisson
/// likelihood ratio, a stretch counted as at least `min_us` long). A window of a day holds the
/// farm's hours and residents coming to those phones before and after them; the farm is where
/// its members crowd. Returns the stretch's first and last time.
///
/// The ratio falls as the expected count grows, so of the stretches holding `k` newcomers
/// the shortest is the best: one pass of subtractions per `k`, and a logarithm per `k`, not
/// per stretch (a busy city's day can hold hundreds of newcomers on a popular phone).
pub fn densest_stretch(times: &[i64], per_us: f64, min_us: i64) -> (i64, i64) {
    let mut best = (f64::NEG_INFINITY, times[0], times[times.len() - 1]);
    for span in 0..times.len() {
        // The first shortest run of `span + 1` newcomers.
        let (mut start, mut shortest) = (0, i64::MAX);
        for i in 0..times.len() - span {
            let length = times[i + span] - times[i];
            if length < shortest {
                (start, shortest) = (i, length);
            }
        }
        let k = (span + 1) as f64;
        let mu = (per_us * shortest.max(min_us) as f64).max(f64::MIN_POSITIVE);
        let ratio = if k > mu { k * (k / mu).ln() - (k - mu) } else { 0.0 };
        if ratio > best.0 {
            best = (ratio, times[start], times[start + span]);
        }
    }
    (best.1, best.2)
}

/// Whether a Poisson count of a mean reaches `k` with a chance of at most `max_chance`
/// ([`poisson_tail`]), answered without the tail's series for most means: the chance grows
/// with the mean, so for each `k` there is a largest mean that passes, found once by bisecting
/// the tail itself. A mean within a hair of that limit, or beyond where the series is summed
/// whole, is decided by the tail, so every answer is the tail's.
struct ChanceLimit {
    max_chance: f64,
    /// Per number of tests and `k`, the largest passing mean (NaN: not computed yet).
    limits: Vec<Vec<f64>>,
}

impl ChanceLimit {
    fn new(max_chance: f64) -> ChanceLimit {
        ChanceLimit { max_chance, limits: Vec::new() }
    }

    /// Whether the count is improbable for one of `tests` counts tested alike: each is held to
    /// `max_chance / tests`, so the chance that any of them passes by chance is `max_chance`.
    fn improbable(&mut self, mean: f64, k: usize, tests: usize) -> bool {
        let tests = tests.max(1);
        let chance = self.max_chance / tests as f64;
        if k == 0 || mean > (k + 500) as f64 || !mean.is_finite() {
            return poisson_tail(mean, k) <= chance;
        }
        let limit = self.limit(k, tests);
        if mean < limit * (1.0 - 1e-9) {
            true
        } else if mean > limit * (1.0 + 1e-9) {
            false
        } else {
            poisson_tail(mean, k) <= chance
        }
    }

    fn limit(&mut self, k: usize, tests: usize) -> f64 {
        if self.limits.len() <= tests {
            self.limits.resize(tests + 1, Vec::new());
        }
        let chance = self.max_chance / tests as f64;
        let limits = &mut self.limits[tests];
        if limits.len() <= k {
            limits.resize(k + 1, f64::NAN);
        }
        if limits[k].is_nan() {
            let passes = |mean: f64| poisson_tail(mean, k) <= chance;
            let (mut lo, mut hi) = (0.0, 1.0);
            while passes(hi) && hi < (k + 500) as f64 {
                (lo, hi) = (hi, hi * 2.0);
            }
            for _ in 0..200 {
                let mid = (lo + hi) / 2.0;
                if mid <= lo || mid >= hi {
                    break;
                }
                if passes(mid) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            limits[k] = lo;
        }
        limits[k]
    }
}

/// The newcomers (sessions on a profile new to their user) of one network and city between two
/// times, per profile: the span around a window that gives each profile its usual share. Both
/// ends only move forward over the group's rows in time order.
#[derive(Default)]
struct Baseline {
    of: HashMap<u32, usize, FxBuild>,
    total: usize,
    /// Profiles with a newcomer in the span.
    profiles: usize,
    /// The group's rows in the span: `lo..hi`.
    lo: usize,
    hi: usize,
}

impl Baseline {
    fn clear(&mut self, group: &Range<usize>) {
        self.of.clear();
        (self.total, self.profiles, self.lo, self.hi) = (0, 0, group.start, group.start);
    }
    /// Starts the span at a row: the rows before it are out of every span asked for.
    fn start_at(&mut self, row: usize) {
        debug_assert!(self.total == 0 && self.lo == self.hi && self.lo <= row);
        (self.lo, self.hi) = (row, row);
    }
    fn of(&self, profile: u32) -> usize {
        self.of.get(&profile).copied().unwrap_or(0)
    }
    /// The time from the span's first session to its last: the data may begin or end within
    /// `baseline_days`, so the span covers less than its nominal length there.
    fn spanned_us(&self, rows: &FarmRows) -> i64 {
        match self.lo < self.hi {
            true => rows.time_us[self.hi - 1] - rows.time_us[self.lo],
            false => 0,
        }
    }
    /// Moves the span to the group's rows after `from` and up to `to`.
    fn cover(&mut self, rows: &FarmRows, group: &Range<usize>, from: i64, to: i64) {
        while self.hi < group.end && rows.time_us[self.hi] <= to {
            if rows.new[self.hi] {
                let n = self.of.entry(rows.device[self.hi]).or_insert(0);
                self.profiles += usize::from(*n == 0);
                *n += 1;
                self.total += 1;
            }
            self.hi += 1;
        }
        while self.lo < self.hi && rows.time_us[self.lo] <= from {
            if rows.new[self.lo] {
                let n = self.of.get_mut(&rows.device[self.lo]).expect("counted when it entered");
                *n -= 1;
                self.profiles -= usize::from(*n == 0);
                self.total -= 1;
            }
            self.lo += 1;
        }
    }
}

/// The farm rule over the given groups of `rows` ([`FarmRows::groups`]): many users on one
/// network (ASN) in one GeoIP city within hours, on device profiles they came to new: sessions
/// sorted by (ASN, city, time), a sliding window per configured length. A farm's members come
/// to its phones (profiles none of their earlier sessions showed), while people in a city use
/// their own devices; so a profile is one of a farm's phones when more users came to it new in
/// the window than the window's other newcomers would bring it (their number times the
/// profile's share of this network and city's other newcomers within `baseline_days` either
/// side, Poisson) with a chance of at most `max_chance` over the number of the city's profiles
/// (any of them could reach its count by chance): a bounded span, not the whole data, so
/// sessions more than that after a window never change its findings. Measured against the
/// window's own newcomers, the test holds in a quiet town and a busy capital, and on the day
/// the data begins, when everyone is new. The farm is the window's densest stretch of
/// newcomers on those profiles ([`densest_stretch`]): a day's window also holds residents
/// who came to them before and after the farm's hours. It fires when `min_users` users are on
/// them in that stretch, `min_new_users` of them new, and flags all their sessions on them
/// there: a member who owned the phone's model is on it in the farm's hours like the others
/// (nothing in a report tells them from a resident on it then, who is flagged too).
pub fn farm_hits(
    rows: &FarmRows,
    groups: &[Range<usize>],
    c: &FraudFarm,
    evaluate_from_us: i64,
) -> Vec<FarmHit> {
    // Groups are independent: split them over the cores, about the same rows to each.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, groups.len().max(1));
    let total: usize = groups.iter().map(|g| g.len()).sum();
    let mut chunks: Vec<&[Range<usize>]> = Vec::with_capacity(threads);
    let (mut start, mut taken) = (0, 0);
    for (i, g) in groups.iter().enumerate() {
        taken += g.len();
        if taken * threads >= total * (chunks.len() + 1) || i + 1 == groups.len() {
            chunks.push(&groups[start..=i]);
            start = i + 1;
        }
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let mut window = Window {
                        baseline: Baseline::default(),
                        newcomers: ProfileUsers::default(),
                        farm_phones: Vec::new(),
                        times: Vec::new(),
                        users: Vec::new(),
                        flagged: Vec::new(),
                        chance: ChanceLimit::new(c.max_chance),
                    };
                    let mut hits = Vec::new();
                    chunk
                        .iter()
                        .for_each(|group| window.group_hits(rows, group, c, evaluate_from_us, &mut hits));
                    hits
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("the farm rule panicked")).collect()
    })
}

/// One thread's working state, kept from group to group.
struct Window {
    baseline: Baseline,
    newcomers: ProfileUsers,
    farm_phones: Vec<u32>,
    /// The times of a firing window's newcomers on the farm's phones.
    times: Vec<i64>,
    /// The users on the farm's phones in its stretch.
    users: Vec<u32>,
    flagged: Vec<bool>,
    chance: ChanceLimit,
}

impl Window {
    fn group_hits(
        &mut self,
        rows: &FarmRows,
        group: &Range<usize>,
        c: &FraudFarm,
        evaluate_from_us: i64,
        hits: &mut Vec<FarmHit>,
    ) {
        if group.len() < c.min_users {
            return;
        }
        let Window { baseline, newcomers, farm_phones, times, users, flagged, chance } = self;
        let baseline_us = (c.baseline_days * 24.0 * HOUR_US) as i64;
        flagged.clear();
        flagged.resize(group.len(), false);
        for (window, &hours) in c.window_hours.iter().enumerate() {
            let window_us = (hours * HOUR_US) as i64;
            newcomers.clear();
            // Sessions before the window of the first position evaluated count for nothing
            // asked about: start there, the baseline just before its span.
            let first = group.start
                + rows.time_us[group.clone()]
                    .partition_point(|&t| t < evaluate_from_us.saturating_sub(window_us));
            let evaluated =
                group.start + rows.time_us[group.clone()].partition_point(|&t| t < evaluate_from_us);
            let before_span = evaluated.min(group.end.saturating_sub(1)).max(group.start);
            let span_start = rows.time_us[before_span].saturating_sub(baseline_us);
            baseline.clear(group);
            baseline
                .start_at(group.start + rows.time_us[group.clone()].partition_point(|&t| t <= span_start));
            let mut left = first;
            for pos in first..group.end {
                let time = rows.time_us[pos];
                if rows.new[pos] {
                    newcomers.add(rows.device[pos], rows.user[pos]);
                }
                while left < pos && rows.time_us[left] <= time - window_us {
                    if rows.new[left] {
                        newcomers.remove(rows.device[left], rows.user[left]);
                    }
                    left += 1;
                }
                baseline.cover(
                    rows,
                    group,
                    time.saturating_sub(baseline_us),
                    time.saturating_add(baseline_us),
                );
                // A window flags only its own sessions: one before `evaluate_from_us` flags
                // none of those asked about. A farm's phones are among the shared profiles, so
                // with fewer than `min_new_users` newcomers on those the window cannot fire.
                if time < evaluate_from_us || newcomers.shared_users < c.min_new_users.max(1) {
                    continue;
                }
                let windows_in_baseline =
                    (baseline.spanned_us(rows).max(window_us) as f64 / window_us as f64).max(1.0);
                // A profile's newcomers per window around this one, and its share of the
                // newcomers (one more each, so none is certain), the window's own set aside: a
                // farm in a quiet town is most of its phone's newcomers there and would make it
                // look usual. (Set aside alone, the first days of the data, everyone new, looked
                // like farms in small towns; the chance shared among the profiles keeps them
                // out: docs.) The window lies within the span unless `window_hours` is set
                // longer than `baseline_days`, hence the saturation.
                let usual = |profile: u32| {
                    let n = baseline.of(profile).saturating_sub(newcomers.users(profile));
                    let total = baseline.total.saturating_sub(newcomers.pairs);
                    (n as f64 / windows_in_baseline, (n + 1) as f64 / (total + baseline.profiles + 1) as f64)
                };
                let (new_members, expected) =
                    farm_phones_in(newcomers, &usual, baseline.profiles, chance, farm_phones);
                if new_members < c.min_new_users {
                    continue;
                }
                // The farm is the window's densest stretch of newcomers on its phones; there
                // every session on them is flagged, a member who owned the phone's model too.
                times.clear();
                times.extend(
                    (left..=pos)
                        .filter(|&m| rows.new[m] && farm_phones.contains(&rows.device[m]))
                        .map(|m| rows.time_us[m]),
                );
                let (from, to) = densest_stretch(times, expected / window_us as f64, HOUR_US as i64);
                // The window's rows in the stretch (rows are in time order).
                let stretch = left + rows.time_us[left..=pos].partition_point(|&t| t < from)
                    ..left + rows.time_us[left..=pos].partition_point(|&t| t <= to);
                users.clear();
                users.extend(
                    stretch.clone().filter(|&m| farm_phones.contains(&rows.device[m])).map(|m| rows.user[m]),
                );
                users.sort_unstable();
                users.dedup();
                let members = users.len();
                if members < c.min_users {
                    continue;
                }
                for m in stretch {
                    if !farm_phones.contains(&rows.device[m])
                        || std::mem::replace(&mut flagged[m - group.start], true)
                    {
                        continue;
                    }
                    hits.push(FarmHit { index: m, members, phones: farm_phones.len(), window });
                }
            }
        }
    }
}
