//! Geo detectors over each user's history in time order: impossible travel, a new country,
//! several countries in a short window.

use super::finding::{detector, Evidence, Finding};
use super::table::SessionTable;
use crate::dataset::rows::owned;
use crate::risk::config::ScoreConfig;
pub use crate::risk::geo::distance_km;
use crate::risk::rules::{self, Visit};
use facesign_core::risk::{travel_finding, Located};

/// A row as core's travel rule reads it.
fn located(t: &SessionTable, row: usize) -> Located<'_> {
    Located {
        latitude: t.latitude[row],
        longitude: t.longitude[row],
        accuracy_km: t.accuracy_km[row],
        created_us: t.created_us[row],
        anonymizer: t.anonymizer[row],
        is_mobile: t.is_mobile[row],
        city: t.city.get(row),
        country: t.country.get(row),
        session_id: t.session_id(row),
    }
}

/// Impossible travel between consecutive located sessions of each user: core's rule
/// (`facesign_core::risk::travel`, which `facesign.travel_finding` applies in the database).
pub fn impossible_travel(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.impossible_travel;
    for user in &t.users {
        let mut previous: Option<usize> = None;
        for row in user.clone() {
            if !t.located(row) || t.created_us[row] == i64::MIN {
                continue;
            }
            let Some(from) = previous.replace(row) else { continue };
            let Some(f) = travel_finding(&located(t, from), &located(t, row), c) else { continue };
            out.push(Finding {
                row,
                detector: detector::IMPOSSIBLE_TRAVEL,
                severity: f.severity,
                points: f.points,
                summary: f.summary,
                evidence: Evidence {
                    km: Some(f.km),
                    km_beyond_accuracy: Some(f.km_beyond_accuracy),
                    hours: Some(f.hours),
                    kmh: Some(f.kmh),
                    from_city: owned(f.from_city),
                    to_city: owned(f.to_city),
                    from_country: owned(f.from_country),
                    to_country: owned(f.to_country),
                    accuracy_from_km: f.accuracy_from_km,
                    accuracy_to_km: f.accuracy_to_km,
                    previous_session_id: owned(f.previous_session_id),
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
