//! Device detectors: a new device profile for a user, device churn, one device profile and
//! network across many users (a fraud farm), and device flags that contradict the platform.

use std::collections::HashMap;

use super::finding::{detector, Evidence, Finding};
use super::geo_detectors::{names, visits};
use super::table::{FxBuild, SessionTable, NONE};
use crate::dataset::rows::owned;
use crate::risk::config::ScoreConfig;
use crate::risk::rules::{self, HOUR_US};

fn profile_of(t: &SessionTable, row: usize) -> Option<String> {
    owned(t.device.get(row))
}

/// A device profile new to the user, far from anywhere they have been ([`rules::NewDevice`]).
pub fn new_device(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.new_device;
    let rule = c.rule();
    let mut buffer = Vec::new();
    for (u, user) in t.users.iter().enumerate() {
        visits(t, user.clone(), &mut buffer);
        let mut state = t.carry(u).map(|c| c.new_device.clone()).unwrap_or_default();
        for (index, v) in buffer.iter().enumerate() {
            let Some(hit) = state.step(v, &rule) else { continue };
            let row = user.start + index;
            out.push(Finding {
                row,
                detector: detector::NEW_DEVICE,
                severity: c.severity,
                points: c.points,
                summary: format!(
                    "device {} not seen in {} earlier sessions, {:.0} km from anywhere the user has been",
                    t.device.get(row).unwrap_or("?"),
                    hit.earlier,
                    hit.km_from_known
                ),
                evidence: Evidence {
                    device_profiles: profile_of(t, row).into_iter().collect(),
                    sessions: Some(hit.earlier as i32),
                    km: Some(hit.km_from_known),
                    to_city: owned(t.city.get(row)),
                    to_country: owned(t.country.get(row)),
                    ..Evidence::default()
                },
            });
        }
    }
}

/// Each session's profile's last use no later than `return_us` after the session, in one
/// user's history in time order (`i64::MIN` for a session of unknown time): the rule looks that
/// far ahead and no further, so later sessions change a session's finding for a bounded time.
pub(crate) fn last_uses(
    buffer: &[rules::Visit],
    return_us: i64,
    by_profile: &mut Vec<usize>,
    out: &mut Vec<i64>,
) {
    out.clear();
    out.resize(buffer.len(), i64::MIN);
    by_profile.clear();
    by_profile.extend((0..buffer.len()).filter(|&i| buffer[i].time_us != i64::MIN));
    // Stable: each profile's sessions stay in time order.
    by_profile.sort_by_key(|&i| buffer[i].device);
    for same in by_profile.chunk_by(|&a, &b| buffer[a].device == buffer[b].device) {
        for (k, &i) in same.iter().enumerate() {
            let limit = buffer[i].time_us.saturating_add(return_us);
            let last = k + same[k..].partition_point(|&j| buffer[j].time_us <= limit) - 1;
            out[i] = buffer[same[last]].time_us;
        }
    }
}

/// Many device profiles new to the user within a window ([`rules::DeviceChurn`]): every session
/// on those profiles is flagged.
pub fn device_churn(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.device_churn;
    let rule = c.rule();
    let return_us = (c.return_days * 24.0 * HOUR_US) as i64;
    let mut buffer = Vec::new();
    let mut flagged: Vec<bool> = Vec::new();
    let mut last_use: Vec<i64> = Vec::new();
    let mut by_profile: Vec<usize> = Vec::new();
    for (u, user) in t.users.iter().enumerate() {
        visits(t, user.clone(), &mut buffer);
        let mut state = t.carry(u).map(|c| c.device_churn.clone()).unwrap_or_default();
        flagged.clear();
        flagged.resize(buffer.len(), false);
        last_uses(&buffer, return_us, &mut by_profile, &mut last_use);
        for (index, v) in buffer.iter().enumerate() {
            let Some(hit) = state.step(v, index, last_use[index], &rule) else { continue };
            let profiles = names(&t.device, &hit.profiles);
            for &at in &hit.sessions {
                // A session of an earlier run (rules::EARLIER_RUN) has settled.
                let Some(seen) = flagged.get_mut(at) else { continue };
                if std::mem::replace(seen, true) {
                    continue;
                }
                out.push(Finding {
                    row: user.start + at,
                    detector: detector::DEVICE_CHURN,
                    severity: c.severity,
                    points: c.points,
                    summary: format!(
                        "{} device profiles new to the user within {} h",
                        profiles.len(),
                        hit.window_hours
                    ),
                    evidence: Evidence {
                        device_profiles: profiles.clone(),
                        hours: Some(hit.window_hours),
                        sessions: Some(hit.sessions.len() as i32),
                        ..Evidence::default()
                    },
                });
            }
        }
    }
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
}

impl ProfileUsers {
    fn clear(&mut self) {
        self.users_on.clear();
        self.shared.clear();
        self.pairs = 0;
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
            if users.len() == 2 {
                self.shared.push(profile);
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
            if users.len() == 1 {
                self.shared.retain(|&p| p != profile);
            }
        }
    }
}

/// Whether each row's device profile is new to its user: none of the user's earlier sessions
/// showed it (a user's first session is new too: a farm's members may be accounts it just
/// opened). A farm's members come to its phones; people in a city use their own. On the first
/// days of the data everyone is new, which the test measures against the window's newcomers.
fn new_to_user(t: &SessionTable) -> Vec<bool> {
    let mut new = vec![false; t.len()];
    let mut seen: Vec<u32> = Vec::new();
    for (u, user) in t.users.iter().enumerate() {
        seen.clear();
        // The profiles of the user's sessions of earlier runs, when the table holds only the later.
        seen.extend(t.carry(u).iter().flat_map(|c| c.profiles.iter().copied()));
        for row in user.clone() {
            let profile = t.device.codes[row];
            if profile != NONE && !seen.contains(&profile) {
                new[row] = true;
                seen.push(profile);
            }
        }
    }
    new
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
/// those found ordinary, until nothing changes.
fn farm_phones_in(
    newcomers: &ProfileUsers,
    usual: &impl Fn(u32) -> (f64, f64),
    max_chance: f64,
    out: &mut Vec<u32>,
) {
    out.clear();
    out.extend_from_slice(&newcomers.shared);
    for _ in 0..4 {
        let on_farm_phones: usize = out.iter().map(|&p| newcomers.users(p)).sum();
        let others = newcomers.pairs - on_farm_phones;
        let before = out.len();
        out.retain(|&profile| {
            let (rate, q) = usual(profile);
            let expected = rate.max(others as f64 * q / (1.0 - q));
            poisson_tail(expected, newcomers.users(profile)) <= max_chance
        });
        if out.len() == before {
            break;
        }
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
    fn clear(&mut self) {
        self.of.clear();
        (self.total, self.profiles, self.lo, self.hi) = (0, 0, 0, 0);
    }
    fn of(&self, profile: u32) -> usize {
        self.of.get(&profile).copied().unwrap_or(0)
    }
    /// The time from the span's first session to its last: the data may begin or end within
    /// `baseline_days`, so the span covers less than its nominal length there.
    fn spanned_us(&self, t: &SessionTable, group: &[u32]) -> i64 {
        match self.lo < self.hi {
            true => t.created_us[group[self.hi - 1] as usize] - t.created_us[group[self.lo] as usize],
            false => 0,
        }
    }
    /// Moves the span to the rows after `from` and up to `to`.
    fn cover(&mut self, t: &SessionTable, group: &[u32], new: &[bool], from: i64, to: i64) {
        while self.hi < group.len() && t.created_us[group[self.hi] as usize] <= to {
            let r = group[self.hi] as usize;
            if new[r] {
                let n = self.of.entry(t.device.codes[r]).or_insert(0);
                self.profiles += usize::from(*n == 0);
                *n += 1;
                self.total += 1;
            }
            self.hi += 1;
        }
        while self.lo < self.hi && t.created_us[group[self.lo] as usize] <= from {
            let r = group[self.lo] as usize;
            if new[r] {
                let n = self.of.get_mut(&t.device.codes[r]).expect("counted when it entered");
                *n -= 1;
                self.profiles -= usize::from(*n == 0);
                self.total -= 1;
            }
            self.lo += 1;
        }
    }
}

/// Many users on one network (ASN) in one GeoIP city within hours, on device profiles they came
/// to new: sessions sorted by (ASN, city, time), a sliding window per configured length. A
/// farm's members come to its phones (profiles none of their earlier sessions showed), while
/// people in a city use their own devices; so a profile is one of a farm's phones when more
/// users came to it new in the window than the window's other newcomers would bring it (their
/// number times the profile's share of this network and city's newcomers within
/// `baseline_days` either side, Poisson) with a chance of at most `max_chance`: a bounded span,
/// not the whole data, so sessions more than that after a window never change its findings.
/// Measured against the window's own newcomers, the test holds in a quiet town and a busy
/// capital, and on the day the data begins, when everyone is new. A window fires when
/// `min_users` users came new to such profiles, and flags those sessions (not a resident's who
/// had the phone before).
pub fn fraud_farm(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.fraud_farm;
    let mut rows: Vec<u32> = (0..t.len() as u32)
        .filter(|&r| {
            let r = r as usize;
            t.device.codes[r] != NONE && t.asn[r] >= 0 && t.created_us[r] != i64::MIN
        })
        .collect();
    // A farm sits in one place: one network, one GeoIP city. (A national carrier's ASN spans a
    // country, where a popular phone is everyone's.)
    let key = |r: u32| (t.asn[r as usize], t.city.codes[r as usize]);
    rows.sort_unstable_by_key(|&r| (key(r), t.created_us[r as usize]));
    // Which user each row belongs to.
    let mut user_of = vec![0u32; t.len()];
    for (u, range) in t.users.iter().enumerate() {
        user_of[range.clone()].iter_mut().for_each(|x| *x = u as u32);
    }
    let new = new_to_user(t);
    let baseline_us = (c.baseline_days * 24.0 * HOUR_US) as i64;
    let mut flagged = vec![false; t.len()];
    let mut group_start = 0;
    let mut baseline = Baseline::default();
    let mut newcomers = ProfileUsers::default();
    let mut farm_phones: Vec<u32> = Vec::new();
    while group_start < rows.len() {
        let group_key = key(rows[group_start]);
        let group_end = group_start
            + rows[group_start..]
                .iter()
                .position(|&r| key(r) != group_key)
                .unwrap_or(rows.len() - group_start);
        let group = &rows[group_start..group_end];
        group_start = group_end;
        if group.len() < c.min_users {
            continue;
        }
        for &hours in &c.window_hours {
            let window_us = (hours * HOUR_US) as i64;
            newcomers.clear();
            baseline.clear();
            let mut left = 0;
            for (pos, &r) in group.iter().enumerate() {
                let (r, time) = (r as usize, t.created_us[r as usize]);
                if new[r] {
                    newcomers.add(t.device.codes[r], user_of[r]);
                }
                while left < pos && t.created_us[group[left] as usize] <= time - window_us {
                    let gone = group[left] as usize;
                    if new[gone] {
                        newcomers.remove(t.device.codes[gone], user_of[gone]);
                    }
                    left += 1;
                }
                baseline.cover(
                    t,
                    group,
                    &new,
                    time.saturating_sub(baseline_us),
                    time.saturating_add(baseline_us),
                );
                let windows_in_baseline =
                    (baseline.spanned_us(t, group).max(window_us) as f64 / window_us as f64).max(1.0);
                // A profile's newcomers per window around this one, and its share of the
                // newcomers (one more each, so none is certain). The window's own count too: set
                // aside, the first days of the data (everyone new) look like farms in small
                // towns; kept, a farm in a quiet town can make its phone look usual (docs).
                let usual = |profile: u32| {
                    let n = baseline.of(profile);
                    (
                        n as f64 / windows_in_baseline,
                        (n + 1) as f64 / (baseline.total + baseline.profiles + 1) as f64,
                    )
                };
                farm_phones_in(&newcomers, &usual, c.max_chance, &mut farm_phones);
                let members: usize = farm_phones.iter().map(|&p| newcomers.users(p)).sum();
                if members < c.min_users {
                    continue;
                }
                for &m in &group[left..=pos] {
                    let m = m as usize;
                    // A resident who had the phone before is not one of the farm's members.
                    if !new[m]
                        || !farm_phones.contains(&t.device.codes[m])
                        || std::mem::replace(&mut flagged[m], true)
                    {
                        continue;
                    }
                    out.push(Finding {
                        row: m,
                        detector: detector::FRAUD_FARM,
                        severity: c.severity,
                        points: c.points,
                        summary: format!(
                            "{members} users on {} device profile(s) they came to new, via AS{} in {} within {hours} h (device {})",
                            farm_phones.len(),
                            t.asn[m],
                            t.city.get(m).unwrap_or("?"),
                            t.device.get(m).unwrap_or("?"),
                        ),
                        evidence: Evidence {
                            device_profiles: profile_of(t, m).into_iter().collect(),
                            asn: Some(t.asn[m]),
                            users: Some(members as i32),
                            hours: Some(hours),
                            to_city: owned(t.city.get(m)),
                            ..Evidence::default()
                        },
                    });
                }
            }
        }
    }
}

/// Why a device's flags contradict its platform, if they do.
pub fn contradiction(platform: Option<&str>, is_mobile: Option<bool>) -> Option<&'static str> {
    let platform = platform?;
    let desktop = matches!(platform, "Microsoft Windows" | "Apple Mac" | "Linux" | "Chrome OS");
    let handheld = matches!(platform, "iPhone" | "iPad" | "iPod" | "Android");
    match is_mobile? {
        true if desktop => Some("a mobile device on a desktop platform"),
        false if handheld => Some("a non-mobile device on a handheld platform"),
        _ => None,
    }
}

pub fn contradictory_device(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.contradictory_device;
    for row in 0..t.len() {
        if let Some(why) = contradiction(t.platform.get(row), t.is_mobile[row]) {
            out.push(Finding {
                row,
                detector: detector::CONTRADICTORY_DEVICE,
                severity: c.severity,
                points: c.points,
                summary: format!("{why}: {}", t.device.get(row).unwrap_or("?")),
                evidence: Evidence {
                    device_profiles: profile_of(t, row).into_iter().collect(),
                    ..Evidence::default()
                },
            });
        }
    }
}
