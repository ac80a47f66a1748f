//! The per-user rules of the geo and device detectors. Each is a small state carried along one
//! user's sessions in time order ([`Visit`]s), taking one session at a time: what it remembers
//! is bounded (the user's usual places, the countries and device profiles of a trailing span,
//! the sessions of its longest window), so it could be kept between runs and fed only the new
//! sessions. Each step is linear in that state, so a history of any length costs linear time.

use std::collections::VecDeque;
use std::hash::BuildHasherDefault;

use serde::{Deserialize, Serialize};

pub use super::geo::distance_km;

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

pub const HOUR_US: f64 = 3_600_000_000.0;

/// A span of hours in microseconds.
pub fn span_us(hours: f64) -> i64 {
    (hours * HOUR_US) as i64
}

/// One session of a user's history, as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Visit {
    /// Microseconds since the epoch; `i64::MIN` when unknown (such a visit is skipped).
    pub time_us: i64,
    /// Interned country and city codes, [`NONE`] when the session has none.
    pub country: u32,
    pub city: u32,
    /// GeoIP coordinates, NaN when unknown.
    pub latitude: f64,
    pub longitude: f64,
    /// GeoIP marks the network anonymous: the location is the exit's, not the user's.
    pub anonymized: bool,
    /// Interned device profile, [`NONE`] when the session has no device.
    pub device: u32,
}

impl Visit {
    /// Where the user was: a country and coordinates, not through an anonymizer.
    pub fn located(&self) -> bool {
        self.time_us != i64::MIN
            && self.country != NONE
            && self.latitude.is_finite()
            && self.longitude.is_finite()
            && !self.anonymized
    }
    fn with_device(&self) -> bool {
        self.time_us != i64::MIN && self.device != NONE
    }
}

/// Places a user is remembered at, at most.
const PLACES: usize = 16;

/// The cities a user's located sessions came from, with how many sessions each (at most
/// [`PLACES`] of them; the least visited is forgotten first). The most visited is home.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Places {
    places: Vec<Place>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Place {
    city: u32,
    latitude: f64,
    longitude: f64,
    sessions: u32,
}

impl Places {
    /// Counts a located session in its city (where the city is known).
    pub fn observe(&mut self, v: &Visit) {
        if !v.located() || v.city == NONE {
            return;
        }
        if let Some(p) = self.places.iter_mut().find(|p| p.city == v.city) {
            p.sessions += 1;
            return;
        }
        if self.places.len() == PLACES {
            let least = (0..self.places.len()).min_by_key(|&k| self.places[k].sessions).expect("full");
            self.places.remove(least);
        }
        self.places.push(Place { city: v.city, latitude: v.latitude, longitude: v.longitude, sessions: 1 });
    }

    /// Home: the city of most sessions (the first of them on a tie).
    fn home(&self) -> Option<&Place> {
        self.places.iter().rev().max_by_key(|p| p.sessions)
    }

    /// How far a session is from home, once there is one.
    pub fn km_from_home(&self, v: &Visit) -> Option<f64> {
        self.home().map(|h| distance_km((h.latitude, h.longitude), (v.latitude, v.longitude)))
    }

    /// How far a session is from the nearest place the user has been, once there is one.
    pub fn km_from_nearest(&self, v: &Visit) -> Option<f64> {
        self.places
            .iter()
            .map(|p| distance_km((p.latitude, p.longitude), (v.latitude, v.longitude)))
            .min_by(f64::total_cmp)
    }
}

/// Values a user is remembered to have shown, at most.
const RECENT: usize = 32;

/// Values (countries, device profiles) a user showed, with when each was last seen (at most
/// [`RECENT`] of them; the longest unseen is forgotten first).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Recent {
    seen: Vec<(u32, i64)>,
}

impl Recent {
    pub fn seen_since(&self, value: u32, since_us: i64) -> bool {
        self.seen.iter().any(|&(v, t)| v == value && t >= since_us)
    }
    pub fn values_since(&self, since_us: i64) -> Vec<u32> {
        let mut values: Vec<u32> =
            self.seen.iter().filter(|&&(_, t)| t >= since_us).map(|&(v, _)| v).collect();
        values.sort_unstable();
        values
    }
    pub fn note(&mut self, value: u32, time_us: i64) {
        if let Some(entry) = self.seen.iter_mut().find(|(v, _)| *v == value) {
            entry.1 = entry.1.max(time_us);
            return;
        }
        if self.seen.len() == RECENT {
            let oldest = (0..self.seen.len()).min_by_key(|&k| self.seen[k].1).expect("full");
            self.seen.remove(oldest);
        }
        self.seen.push((value, time_us));
    }
}

/// The thresholds of [`NewCountry`].
#[derive(Clone, Debug)]
pub struct NewCountryRule {
    pub history_hours: f64,
    pub min_history: usize,
    pub min_km: f64,
}

/// A country none of the user's located sessions of the trailing history came from, at least
/// `min_km` from home: travel abroad, not a border crossed within the user's own region.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewCountry {
    places: Places,
    countries: Recent,
    located: usize,
}

/// What [`NewCountry`] found: the distance from home and the countries of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCountryHit {
    pub km_from_home: Option<f64>,
    pub known: Vec<u32>,
}

impl NewCountry {
    pub fn step(&mut self, v: &Visit, rule: &NewCountryRule) -> Option<NewCountryHit> {
        if !v.located() {
            return None;
        }
        let known = self.countries.values_since(v.time_us.saturating_sub(span_us(rule.history_hours)));
        let km_from_home = self.places.km_from_home(v);
        let hit = self.located >= rule.min_history.max(1)
            && !known.is_empty()
            && !known.contains(&v.country)
            && km_from_home.is_none_or(|km| km >= rule.min_km);
        self.places.observe(v);
        self.countries.note(v.country, v.time_us);
        self.located += 1;
        hit.then_some(NewCountryHit { km_from_home, known })
    }
}

/// The thresholds of [`MultiCountry`]: windows (hours, least countries), and how near home a
/// session counts as home.
#[derive(Clone, Debug)]
pub struct MultiCountryRule {
    pub windows: Vec<(f64, usize)>,
    pub home_km: f64,
}

/// Several countries in a short window, home counted once: a session within `home_km` of home
/// is home whatever its country (a commuter's neighbouring country is part of their region).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MultiCountry {
    places: Places,
    /// The located sessions of the longest window: (time, country, coordinates, position).
    window: VecDeque<(i64, u32, f64, f64, usize)>,
}

/// What [`MultiCountry`] found: the window, its countries, and the positions of its sessions
/// away from home (the hop).
#[derive(Clone, Debug, PartialEq)]
pub struct MultiCountryHit {
    pub window_hours: f64,
    pub countries: Vec<u32>,
    pub away: Vec<usize>,
}

/// The position a carried session has: one of an earlier run, before every position of the
/// history a run replays (see [`crate::score::carry`]); a hit's position list may hold it, and
/// the detectors skip it (such a session's answer is settled).
pub const EARLIER_RUN: usize = usize::MAX;

impl MultiCountry {
    /// Marks the sessions held as ones of an earlier run, when the state is carried over.
    pub fn forget_positions(&mut self) {
        self.window.iter_mut().for_each(|e| e.4 = EARLIER_RUN);
    }

    /// Takes the user's session at `position` of their history.
    pub fn step(&mut self, v: &Visit, position: usize, rule: &MultiCountryRule) -> Option<MultiCountryHit> {
        if !v.located() {
            return None;
        }
        self.places.observe(v);
        let longest = rule.windows.iter().map(|w| w.0).fold(0.0, f64::max);
        self.window.push_back((v.time_us, v.country, v.latitude, v.longitude, position));
        while self.window.front().is_some_and(|e| e.0 <= v.time_us - span_us(longest)) {
            self.window.pop_front();
        }
        const HOME: u32 = NONE;
        for &(hours, least) in &rule.windows {
            let since = v.time_us - span_us(hours);
            let mut keys: Vec<u32> = Vec::new();
            let mut countries: Vec<u32> = Vec::new();
            let mut away = Vec::new();
            for &(_, country, latitude, longitude, at) in self.window.iter().filter(|e| e.0 > since) {
                let here = Visit { latitude, longitude, ..*v };
                let home = self.places.km_from_home(&here).is_some_and(|km| km < rule.home_km);
                let key = if home { HOME } else { country };
                if !home {
                    away.push(at);
                }
                if !keys.contains(&key) {
                    keys.push(key);
                }
                if !countries.contains(&country) {
                    countries.push(country);
                }
            }
            if keys.len() >= least.max(2) {
                countries.sort_unstable();
                return Some(MultiCountryHit { window_hours: hours, countries, away });
            }
        }
        None
    }
}

/// The thresholds of [`NewDevice`].
#[derive(Clone, Debug)]
pub struct NewDeviceRule {
    pub history_hours: f64,
    pub min_history: usize,
    pub min_km: f64,
}

/// A device profile the user has not shown in the trailing history, in a session at least
/// `min_km` from every place the user has been, after `min_history` sessions with a device:
/// someone else's device, somewhere else. A new device where the user has been (a new phone,
/// the laptop used now and then, at home or where they stayed) is how people are, not a finding.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NewDevice {
    places: Places,
    profiles: Recent,
    with_device: usize,
}

/// What [`NewDevice`] found: how many earlier sessions had a device, how far from the nearest
/// place the user had been.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDeviceHit {
    pub earlier: usize,
    pub km_from_known: f64,
}

impl NewDevice {
    pub fn step(&mut self, v: &Visit, rule: &NewDeviceRule) -> Option<NewDeviceHit> {
        let mut hit = None;
        if v.with_device() {
            let new =
                !self.profiles.seen_since(v.device, v.time_us.saturating_sub(span_us(rule.history_hours)));
            if new && self.with_device >= rule.min_history.max(1) && v.located() {
                hit = self
                    .places
                    .km_from_nearest(v)
                    .filter(|&km| km >= rule.min_km)
                    .map(|km_from_known| NewDeviceHit { earlier: self.with_device, km_from_known });
            }
            self.profiles.note(v.device, v.time_us);
            self.with_device += 1;
        }
        self.places.observe(v);
        hit
    }
}

/// The thresholds of [`DeviceChurn`]: windows (hours, least new profiles), the least share of
/// the sessions since the first of them that are on them, the sessions whose profiles are the
/// user's own to begin with, and how long a profile stays known.
#[derive(Clone, Debug)]
pub struct DeviceChurnRule {
    pub windows: Vec<(f64, usize)>,
    pub min_new_share: f64,
    pub min_history: usize,
    pub history_hours: f64,
}

/// Many device profiles new to the user within a window, in place of the user's own: counted
/// against the profiles of the user's history, so a user of five devices switching between
/// them is not churn and ten days of new devices, one a day, is; the new profiles are most of
/// the sessions since the first of them, so a user taking up a new phone and tablet while
/// still using their laptop is not churn either; and a new profile counts in a window only if
/// the user does not come back to it after the window's length (the caller says when the
/// user's history last shows it, looking a bounded time ahead): churned profiles are thrown
/// away, a device the user comes back to weeks later is theirs (a new phone, or a device the
/// history had not shown yet).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DeviceChurn {
    profiles: Recent,
    with_device: usize,
    /// Profiles first seen within the longest window: (first seen, profile, positions of the
    /// sessions on it, the last time the user's history shows it).
    fresh: VecDeque<(i64, u32, Vec<usize>, i64)>,
    /// The sessions with a device within the longest window: (time, on a fresh profile).
    recent: VecDeque<(i64, bool)>,
}

/// What [`DeviceChurn`] found: the window, the new profiles, the positions of their sessions.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceChurnHit {
    pub window_hours: f64,
    pub profiles: Vec<u32>,
    pub sessions: Vec<usize>,
}

impl DeviceChurn {
    /// Marks the sessions held as ones of an earlier run, when the state is carried over.
    pub fn forget_positions(&mut self) {
        self.fresh.iter_mut().for_each(|e| e.2.iter_mut().for_each(|p| *p = EARLIER_RUN));
    }

    /// Takes the user's session at `position` of their history; `last_use_us` is the time of the
    /// user's last session on the same profile up to the return horizon after this one (this
    /// one's own time if there is none later).
    pub fn step(
        &mut self,
        v: &Visit,
        position: usize,
        last_use_us: i64,
        rule: &DeviceChurnRule,
    ) -> Option<DeviceChurnHit> {
        if !v.with_device() {
            return None;
        }
        let longest = rule.windows.iter().map(|w| w.0).fold(0.0, f64::max);
        let expired = v.time_us - span_us(longest);
        while self.fresh.front().is_some_and(|e| e.0 <= expired) {
            self.fresh.pop_front();
        }
        while self.recent.front().is_some_and(|e| e.0 <= expired) {
            self.recent.pop_front();
        }
        let fresh = if let Some(entry) = self.fresh.iter_mut().find(|e| e.1 == v.device) {
            entry.2.push(position);
            true
        } else {
            let known =
                self.profiles.seen_since(v.device, v.time_us.saturating_sub(span_us(rule.history_hours)));
            let fresh = !known && self.with_device >= rule.min_history;
            if fresh {
                self.fresh.push_back((v.time_us, v.device, vec![position], last_use_us));
            }
            fresh
        };
        self.recent.push_back((v.time_us, fresh));
        self.profiles.note(v.device, v.time_us);
        self.with_device += 1;
        for &(hours, least) in &rule.windows {
            let since = v.time_us - span_us(hours);
            let span = span_us(hours);
            let new: Vec<&(i64, u32, Vec<usize>, i64)> =
                self.fresh.iter().filter(|e| e.0 > since && e.3 - e.0 <= span).collect();
            let Some(first) = new.first().map(|e| e.0) else { continue };
            let (on_new, all) = self
                .recent
                .iter()
                .filter(|e| e.0 >= first)
                .fold((0usize, 0usize), |(n, a), e| (n + e.1 as usize, a + 1));
            if new.len() >= least.max(2) && on_new as f64 >= rule.min_new_share * all as f64 {
                let mut profiles: Vec<u32> = new.iter().map(|e| e.1).collect();
                profiles.sort_unstable();
                let mut sessions: Vec<usize> = new.iter().flat_map(|e| e.2.iter().copied()).collect();
                sessions.sort_unstable();
                return Some(DeviceChurnHit { window_hours: hours, profiles, sessions });
            }
        }
        None
    }
}
