//! Geo detectors over each user's history in time order: impossible travel, a new country,
//! several countries in a short window.

use super::finding::{detector, Evidence, Finding};
use super::table::SessionTable;
use crate::dataset::rows::owned;
use crate::risk::config::{Doubt, ScoreConfig, Severity};
pub use crate::risk::geo::distance_km;
use crate::risk::rules::{self, Visit, HOUR_US};

/// Whether the row's location is a mobile carrier's coarse GeoIP.
fn on_carrier(t: &SessionTable, row: usize, config: &ScoreConfig) -> bool {
    t.is_mobile[row] == Some(true) && t.accuracy_km[row] >= config.impossible_travel.mobile_accuracy_km
}

/// Impossible travel between consecutive located sessions of each user: the distance left after
/// subtracting both accuracy radii is at least the floor, and covering it took an airliner's
/// speed or more.
pub fn impossible_travel(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.impossible_travel;
    for user in &t.users {
        let mut previous: Option<usize> = None;
        for row in user.clone() {
            if !t.located(row) || t.created_us[row] == i64::MIN {
                continue;
            }
            let Some(from) = previous.replace(row) else { continue };
            let km = distance_km((t.latitude[from], t.longitude[from]), (t.latitude[row], t.longitude[row]));
            let radius = |r: usize| t.accuracy_km[r].max(0) as f64;
            let beyond = km - radius(from) - radius(row);
            if beyond < c.min_distance_km {
                continue;
            }
            let hours = (t.created_us[row] - t.created_us[from]) as f64 / HOUR_US;
            let kmh = beyond / hours.max(c.min_hours);
            if kmh < c.max_speed_kmh {
                continue;
            }
            let anonymized = [from, row].iter().any(|&r| t.anonymizer[r] == Some(true));
            let carrier = [from, row].iter().any(|&r| on_carrier(t, r, config));
            let doubts = [(anonymized, c.anonymizer), (carrier, c.mobile_carrier)];
            if doubts.iter().any(|&(doubt, rule)| doubt && rule == Doubt::Suppress) {
                continue;
            }
            let downgraded = doubts.iter().any(|&(doubt, rule)| doubt && rule == Doubt::Downgrade);
            let (severity, points) =
                if downgraded { (Severity::Low, c.downgraded_points) } else { (c.severity, c.points) };
            let city = |r: usize| t.city.get(r).or(t.country.get(r)).unwrap_or("?").to_owned();
            let summary = format!(
                "{} to {}: {:.0} km ({:.0} km beyond GeoIP accuracy) in {:.2} h = {:.0} km/h{}",
                city(from),
                city(row),
                km,
                beyond,
                hours,
                kmh,
                if downgraded { " (downgraded: coarse location)" } else { "" }
            );
            out.push(Finding {
                row,
                detector: detector::IMPOSSIBLE_TRAVEL,
                severity,
                points,
                summary,
                evidence: Evidence {
                    km: Some(km),
                    km_beyond_accuracy: Some(beyond),
                    hours: Some(hours),
                    kmh: Some(kmh),
                    from_city: owned(t.city.get(from)),
                    to_city: owned(t.city.get(row)),
                    from_country: owned(t.country.get(from)),
                    to_country: owned(t.country.get(row)),
                    accuracy_from_km: (t.accuracy_km[from] >= 0).then_some(t.accuracy_km[from]),
                    accuracy_to_km: (t.accuracy_km[row] >= 0).then_some(t.accuracy_km[row]),
                    previous_session_id: owned(t.session_id(from)),
                    ..Evidence::default()
                },
            });
        }
    }
}

/// The visits of one user, for the shared rules.
pub fn visits(t: &SessionTable, user: std::ops::Range<usize>, buffer: &mut Vec<Visit>) {
    buffer.clear();
    buffer.extend(user.map(|row| Visit {
        time_us: t.created_us[row],
        country: t.country.codes[row],
        device: t.device.codes[row],
    }));
}

/// A country none of the user's sessions in the recent history came from.
pub fn new_country(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.new_country;
    let mut buffer = Vec::new();
    for user in &t.users {
        visits(t, user.clone(), &mut buffer);
        let countries_before = |index: usize| {
            let mut seen: Vec<&str> = Vec::new();
            for v in &buffer[..index] {
                if let Some(name) = t.country.value(v.country) {
                    if !seen.contains(&name) {
                        seen.push(name);
                    }
                }
            }
            seen.into_iter().map(str::to_owned).collect::<Vec<_>>()
        };
        let mut hits = Vec::new();
        rules::new_countries(&buffer, c.history_days * 24.0, |index| hits.push(index));
        for index in hits {
            let row = user.start + index;
            let known = countries_before(index);
            let country = t.country.get(row).unwrap_or("?");
            out.push(Finding {
                row,
                detector: detector::NEW_COUNTRY,
                severity: c.severity,
                points: c.points,
                summary: format!("first session from {country}; earlier from {}", known.join(", ")),
                evidence: Evidence {
                    to_country: owned(t.country.get(row)),
                    to_city: owned(t.city.get(row)),
                    countries: known,
                    ..Evidence::default()
                },
            });
        }
    }
}

/// Several countries within a short window.
pub fn multi_country(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.multi_country;
    let mut buffer = Vec::new();
    for user in &t.users {
        visits(t, user.clone(), &mut buffer);
        rules::country_hopping(&buffer, c.window_hours, c.min_distinct, |index, codes| {
            let row = user.start + index;
            let countries: Vec<String> =
                codes.iter().filter_map(|&k| t.country.value(k)).map(str::to_owned).collect();
            out.push(Finding {
                row,
                detector: detector::MULTI_COUNTRY,
                severity: c.severity,
                points: c.points,
                summary: format!(
                    "{} countries within {} h: {}",
                    countries.len(),
                    c.window_hours,
                    countries.join(", ")
                ),
                evidence: Evidence {
                    to_country: owned(t.country.get(row)),
                    countries,
                    hours: Some(c.window_hours),
                    ..Evidence::default()
                },
            });
        });
    }
}
