//! Geo detectors over each user's history in time order: impossible travel, a new country,
//! several countries in a short window.

use super::finding::{detector, Evidence, Finding};
use super::table::SessionTable;
use crate::dataset::rows::owned;
use crate::risk::config::ScoreConfig;
pub use crate::risk::geo::distance_km;
use crate::risk::rules::Visit;
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
        // Looked up only for a finding (`previous_session_id` below): the ids are kept in the
        // order they were read, so each lookup is a cache miss, and there are two per session.
        session_id: None,
    }
}

/// Impossible travel between consecutive located sessions of each user: core's rule
/// (`facesign_core::risk::travel`, which `facesign.travel_finding` applies in the database).
pub fn impossible_travel(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.impossible_travel;
    for (u, user) in t.users.iter().enumerate() {
        // The user's last located session: a row, or the one an earlier run carried.
        let carried = t.carry(u).and_then(|carry| carry.travel.as_ref());
        let mut previous: Option<usize> = None;
        for row in user.clone() {
            if !t.located(row) || t.created_us[row] == i64::MIN {
                continue;
            }
            let previous_row = previous.replace(row);
            let from = match (previous_row, carried) {
                (Some(from), _) => located(t, from),
                (None, Some(c)) => c.located(t),
                (None, None) => continue,
            };
            let Some(f) = travel_finding(&from, &located(t, row), c) else { continue };
            // The id only for a finding: ids are kept in read order, each lookup a cache miss.
            let from_id = match previous_row {
                Some(from) => t.session_id(from),
                None => carried.and_then(|c| c.session_id.as_deref()),
            };
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
                    previous_session_id: owned(from_id),
                    ..Evidence::default()
                },
            });
        }
    }
}

/// The visits of one user, for the per-user rules.
pub fn visits(t: &SessionTable, user: std::ops::Range<usize>, buffer: &mut Vec<Visit>) {
    buffer.clear();
    buffer.extend(user.map(|row| Visit {
        time_us: t.created_us[row],
        country: t.country.codes[row],
        city: t.city.codes[row],
        latitude: t.latitude[row],
        longitude: t.longitude[row],
        anonymized: t.anonymizer[row] == Some(true),
        device: t.device.codes[row],
    }));
}

/// The values of interned codes, sorted by name: codes follow the order the sessions were read
/// in, which differs between an export's days and an NDJSON file, and the evidence must not.
pub fn names(column: &crate::score::table::Interned, codes: &[u32]) -> Vec<String> {
    let mut names: Vec<String> = codes.iter().filter_map(|&k| column.value(k)).map(str::to_owned).collect();
    names.sort_unstable();
    names
}

/// A country none of the user's sessions of the recent history came from, away from home
/// ([`crate::risk::rules::NewCountry`]).
pub fn new_country(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.new_country;
    let rule = c.rule();
    let mut buffer = Vec::new();
    for (u, user) in t.users.iter().enumerate() {
        visits(t, user.clone(), &mut buffer);
        let mut state = t.carry(u).map(|c| c.new_country.clone()).unwrap_or_default();
        for (index, v) in buffer.iter().enumerate() {
            let Some(hit) = state.step(v, &rule) else { continue };
            let row = user.start + index;
            let known = names(&t.country, &hit.known);
            let country = t.country.get(row).unwrap_or("?");
            let away = hit.km_from_home.map_or(String::new(), |km| format!(", {km:.0} km from home"));
            out.push(Finding {
                row,
                detector: detector::NEW_COUNTRY,
                severity: c.severity,
                points: c.points,
                summary: format!("first session from {country}{away}; earlier from {}", known.join(", ")),
                evidence: Evidence {
                    to_country: owned(t.country.get(row)),
                    to_city: owned(t.city.get(row)),
                    km: hit.km_from_home,
                    countries: known,
                    ..Evidence::default()
                },
            });
        }
    }
}

/// Several countries within a short window, home counted once ([`crate::risk::rules::MultiCountry`]): the
/// sessions away from home in the window are flagged.
pub fn multi_country(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.multi_country;
    let rule = c.rule();
    let mut buffer = Vec::new();
    let mut flagged: Vec<bool> = Vec::new();
    for (u, user) in t.users.iter().enumerate() {
        visits(t, user.clone(), &mut buffer);
        let mut state = t.carry(u).map(|c| c.multi_country.clone()).unwrap_or_default();
        flagged.clear();
        flagged.resize(buffer.len(), false);
        for (index, v) in buffer.iter().enumerate() {
            let Some(hit) = state.step(v, index, &rule) else { continue };
            let countries = names(&t.country, &hit.countries);
            for &at in &hit.away {
                // A session of an earlier run (rules::EARLIER_RUN) has settled.
                let Some(seen) = flagged.get_mut(at) else { continue };
                if std::mem::replace(seen, true) {
                    continue;
                }
                let row = user.start + at;
                out.push(Finding {
                    row,
                    detector: detector::MULTI_COUNTRY,
                    severity: c.severity,
                    points: c.points,
                    summary: format!(
                        "{} countries within {} h: {}",
                        countries.len(),
                        hit.window_hours,
                        countries.join(", ")
                    ),
                    evidence: Evidence {
                        to_country: owned(t.country.get(row)),
                        countries: countries.clone(),
                        hours: Some(hit.window_hours),
                        ..Evidence::default()
                    },
                });
            }
        }
    }
}
