//! Device detectors: a new device profile for a user, device churn, one device profile and
//! network across many users (a fraud farm), and device flags that contradict the platform.

use super::farm::{farm_hits, FarmHit, FarmRows};
use super::finding::{detector, Evidence, Finding};
use super::geo_detectors::{names, visits};
use super::table::{SessionTable, NONE};
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

/// Whether each row's device profile is new to its user: none of the user's earlier sessions
/// showed it (a user's first session is new too: a farm's members may be accounts it just
/// opened). A farm's members come to its phones; people in a city use their own. On the first
/// days of the data everyone is new, which the test measures against the window's newcomers.
pub fn new_to_user(t: &SessionTable) -> Vec<bool> {
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

/// Many users on one network (ASN) in one GeoIP city within hours, on device profiles they came
/// to new ([`super::farm::farm_hits`], where the rule is explained).
pub fn fraud_farm(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let new = new_to_user(t);
    let at = farm_order(t, i64::MIN);
    let user_of = user_of_rows(t);
    let mut rows = FarmRows::default();
    for &r in &at {
        let r = r as usize;
        rows.push(t.asn[r], t.city.codes[r], t.created_us[r], t.device.codes[r], user_of[r], new[r]);
    }
    for hit in farm_hits(&rows, &rows.groups(), &config.fraud_farm, i64::MIN) {
        out.push(farm_finding(t, at[hit.index] as usize, &hit, config));
    }
}

/// The rows the farm rule reads (a device profile, a network and a creation time at or after
/// `from_us`), in its order: by network, city and time, and sessions of one time in the table's
/// order (by user), whatever order the sessions were read in.
pub fn farm_order(t: &SessionTable, from_us: i64) -> Vec<u32> {
    let mut at: Vec<u32> = (0..t.len() as u32)
        .filter(|&r| {
            let (r, time) = (r as usize, t.created_us[r as usize]);
            t.device.codes[r] != NONE && t.asn[r] >= 0 && time != i64::MIN && time >= from_us
        })
        .collect();
    at.sort_by_key(|&r| (t.asn[r as usize], t.city.codes[r as usize], t.created_us[r as usize]));
    at
}

/// Each row's user: its position in `t.users`.
pub fn user_of_rows(t: &SessionTable) -> Vec<u32> {
    let mut user_of = vec![0u32; t.len()];
    for (u, range) in t.users.iter().enumerate() {
        user_of[range.clone()].iter_mut().for_each(|x| *x = u as u32);
    }
    user_of
}

/// The finding of a farm's window on a session of the table.
pub fn farm_finding(t: &SessionTable, m: usize, hit: &FarmHit, config: &ScoreConfig) -> Finding {
    let c = &config.fraud_farm;
    let hours = c.window_hours[hit.window];
    Finding {
        row: m,
        detector: detector::FRAUD_FARM,
        severity: c.severity,
        points: c.points,
        summary: format!(
            "{} users on {} device profile(s) they came to new, via AS{} in {} within {} h (device {})",
            hit.members,
            hit.phones,
            t.asn[m],
            t.city.get(m).unwrap_or("?"),
            hours,
            t.device.get(m).unwrap_or("?"),
        ),
        evidence: Evidence {
            device_profiles: profile_of(t, m).into_iter().collect(),
            asn: Some(t.asn[m]),
            users: Some(hit.members as i32),
            hours: Some(hours),
            to_city: owned(t.city.get(m)),
            ..Evidence::default()
        },
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
