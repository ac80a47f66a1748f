//! Device detectors: a new device profile for a user, device churn, one device profile and
//! network across many users (a fraud farm), and device flags that contradict the platform.

use std::collections::HashMap;

use super::finding::{detector, Evidence, Finding};
use super::geo_detectors::visits;
use super::table::{FxBuild, SessionTable, NONE};
use crate::dataset::rows::owned;
use crate::risk::config::ScoreConfig;
use crate::risk::rules::{self, HOUR_US};

fn profile(t: &SessionTable, row: usize) -> Option<String> {
    owned(t.device.get(row))
}

pub fn new_device(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.new_device;
    let mut buffer = Vec::new();
    for user in &t.users {
        visits(t, user.clone(), &mut buffer);
        rules::new_devices(&buffer, c.min_history, |index, earlier| {
            let row = user.start + index;
            out.push(Finding {
                row,
                detector: detector::NEW_DEVICE,
                severity: c.severity,
                points: c.points,
                summary: format!(
                    "device {} not seen in {earlier} earlier sessions",
                    t.device.get(row).unwrap_or("?")
                ),
                evidence: Evidence {
                    device_profiles: profile(t, row).into_iter().collect(),
                    sessions: Some(earlier as i32),
                    ..Evidence::default()
                },
            });
        });
    }
}

pub fn device_churn(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.device_churn;
    let mut buffer = Vec::new();
    for user in &t.users {
        visits(t, user.clone(), &mut buffer);
        rules::device_churn(&buffer, c.window_hours, c.min_distinct, |index, codes| {
            let row = user.start + index;
            let profiles: Vec<String> =
                codes.iter().filter_map(|&k| t.device.value(k)).map(str::to_owned).collect();
            out.push(Finding {
                row,
                detector: detector::DEVICE_CHURN,
                severity: c.severity,
                points: c.points,
                summary: format!("{} device profiles within {} h", profiles.len(), c.window_hours),
                evidence: Evidence {
                    device_profiles: profiles,
                    hours: Some(c.window_hours),
                    ..Evidence::default()
                },
            });
        });
    }
}

/// One device profile on one network in one city used by many users within a few hours, well
/// above what that profile, network and city usually see (a popular phone on a big city's
/// carrier is used by many people every hour): sessions sorted by (profile, ASN, city, time), a
/// sliding window counting distinct users against a threshold of `min_users` or `burst_factor`
/// times the usual sessions per window, whichever is higher.
pub fn fraud_farm(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.fraud_farm;
    let window_us = (c.window_hours * HOUR_US) as i64;
    let mut rows: Vec<u32> = (0..t.len() as u32)
        .filter(|&r| {
            let r = r as usize;
            t.device.codes[r] != NONE && t.asn[r] >= 0 && t.created_us[r] != i64::MIN
        })
        .collect();
    // A farm sits in one place: one device profile, one network, one GeoIP city. (A national
    // carrier's ASN spans a country, where a popular phone is everyone's.)
    let key = |r: u32| (t.device.codes[r as usize], t.asn[r as usize], t.city.codes[r as usize]);
    rows.sort_unstable_by_key(|&r| (key(r), t.created_us[r as usize]));
    // Which user each row belongs to.
    let mut user_of = vec![0u32; t.len()];
    for (u, range) in t.users.iter().enumerate() {
        user_of[range.clone()].iter_mut().for_each(|x| *x = u as u32);
    }

    let (span_start, span_end) = t
        .created_us
        .iter()
        .filter(|&&x| x != i64::MIN)
        .fold((i64::MAX, i64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    let span_windows = ((span_end - span_start).max(window_us) as f64 / window_us as f64).max(1.0);
    let mut flagged = vec![false; t.len()];
    let mut group_start = 0;
    let mut users_in_window: HashMap<u32, u32, FxBuild> = HashMap::default();
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
        // The usual traffic of this profile, network and city: its sessions per window over
        // the whole span.
        let usual = group.len() as f64 / span_windows;
        let threshold = (c.min_users as f64).max(c.burst_factor * usual).ceil() as usize;
        users_in_window.clear();
        let mut left = 0;
        for (pos, &r) in group.iter().enumerate() {
            let time = t.created_us[r as usize];
            *users_in_window.entry(user_of[r as usize]).or_insert(0) += 1;
            while left < pos && t.created_us[group[left] as usize] <= time - window_us {
                let u = user_of[group[left] as usize];
                let count = users_in_window.get_mut(&u).expect("counted when it entered");
                *count -= 1;
                if *count == 0 {
                    users_in_window.remove(&u);
                }
                left += 1;
            }
            if users_in_window.len() >= threshold {
                let members = users_in_window.len() as i32;
                for &m in &group[left..=pos] {
                    let m = m as usize;
                    if flagged[m] {
                        continue;
                    }
                    flagged[m] = true;
                    out.push(Finding {
                        row: m,
                        detector: detector::FRAUD_FARM,
                        severity: c.severity,
                        points: c.points,
                        summary: format!(
                            "{members} users on device {} via AS{} within {} h (usually {usual:.1})",
                            t.device.get(m).unwrap_or("?"),
                            t.asn[m],
                            c.window_hours
                        ),
                        evidence: Evidence {
                            device_profiles: profile(t, m).into_iter().collect(),
                            asn: Some(t.asn[m]),
                            users: Some(members),
                            hours: Some(c.window_hours),
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
                    device_profiles: profile(t, row).into_iter().collect(),
                    ..Evidence::default()
                },
            });
        }
    }
}
