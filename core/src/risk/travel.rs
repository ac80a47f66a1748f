//! Impossible travel between two consecutive located sessions of one user: the rule the
//! toolkit's `impossible_travel` detector applies along each user's history, and
//! `facesign.travel_finding` applies to a pair (`LAG(session) OVER (PARTITION BY
//! client_reference_id ORDER BY created_at, id)` over the located sessions finds what the batch
//! finds).

use super::config::{Doubt, ImpossibleTravel, Severity};
use super::geo::distance_km;
use crate::export_rows::micros;
use crate::json::JsonRef;
use crate::report::risk_signals::risk_signals;
use crate::report::session_summary::session_summary;

pub const HOUR_US: f64 = 3_600_000_000.0;

/// What the rule reads of one session.
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    /// Degrees; NaN when the session has no location.
    pub latitude: f64,
    pub longitude: f64,
    /// The GeoIP accuracy radius; -1 when unknown.
    pub accuracy_km: i32,
    /// Microseconds since the epoch; `i64::MIN` when unknown.
    pub created_us: i64,
    pub anonymizer: Option<bool>,
    pub is_mobile: Option<bool>,
    pub city: Option<&'a str>,
    pub country: Option<&'a str>,
    pub session_id: Option<&'a str>,
}

impl<'a> Located<'a> {
    /// The fields of a stored session (or its `{session}` wrapper).
    pub fn of<J: JsonRef<'a>>(doc: J) -> Located<'a> {
        let r = risk_signals(doc);
        let s = session_summary(doc);
        Located {
            latitude: r.latitude.unwrap_or(f64::NAN),
            longitude: r.longitude.unwrap_or(f64::NAN),
            accuracy_km: r.accuracy_radius_km.unwrap_or(-1),
            created_us: micros(s.created_at_ms).unwrap_or(i64::MIN),
            anonymizer: r.anonymizer,
            is_mobile: r.is_mobile,
            city: r.city,
            country: r.country,
            session_id: s.id,
        }
    }

    /// True when the session has a location (both coordinates).
    pub fn located(&self) -> bool {
        self.latitude.is_finite() && self.longitude.is_finite()
    }

    /// A mobile device on a carrier network, where GeoIP is coarse.
    fn on_carrier(&self, c: &ImpossibleTravel) -> bool {
        self.is_mobile == Some(true) && self.accuracy_km >= c.mobile_accuracy_km
    }
}

/// The finding, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelFinding<'a> {
    pub severity: Severity,
    pub points: i32,
    pub summary: String,
    pub km: f64,
    pub km_beyond_accuracy: f64,
    pub hours: f64,
    pub kmh: f64,
    pub from_city: Option<&'a str>,
    pub to_city: Option<&'a str>,
    pub from_country: Option<&'a str>,
    pub to_country: Option<&'a str>,
    pub accuracy_from_km: Option<i32>,
    pub accuracy_to_km: Option<i32>,
    pub previous_session_id: Option<&'a str>,
}

/// Impossible travel from `from` to `to` (the user's previous located session and this one):
/// the distance left after subtracting both accuracy radii is at least `min_distance_km`, and
/// covering it took `max_speed_kmh` or more. Doubtful locations (an anonymizer, a mobile
/// carrier's coarse GeoIP) are suppressed, downgraded or kept as configured. `None` when
/// either session has no location or time, or the travel was possible.
pub fn travel_finding<'a>(
    from: &Located<'a>,
    to: &Located<'a>,
    c: &ImpossibleTravel,
) -> Option<TravelFinding<'a>> {
    if !from.located() || !to.located() || from.created_us == i64::MIN || to.created_us == i64::MIN {
        return None;
    }
    let km = distance_km((from.latitude, from.longitude), (to.latitude, to.longitude));
    let radius = |l: &Located| l.accuracy_km.max(0) as f64;
    let beyond = km - radius(from) - radius(to);
    if beyond < c.min_distance_km {
        return None;
    }
    let hours = (to.created_us - from.created_us) as f64 / HOUR_US;
    let kmh = beyond / hours.max(c.min_hours);
    if kmh < c.max_speed_kmh {
        return None;
    }
    let anonymized = from.anonymizer == Some(true) || to.anonymizer == Some(true);
    let carrier = from.on_carrier(c) || to.on_carrier(c);
    let doubts = [(anonymized, c.anonymizer), (carrier, c.mobile_carrier)];
    if doubts.iter().any(|&(doubt, rule)| doubt && rule == Doubt::Suppress) {
        return None;
    }
    let downgraded = doubts.iter().any(|&(doubt, rule)| doubt && rule == Doubt::Downgrade);
    let (severity, points) =
        if downgraded { (Severity::Low, c.downgraded_points) } else { (c.severity, c.points) };
    let place = |l: &Located| l.city.or(l.country).unwrap_or("?").to_owned();
    let summary = format!(
        "{} to {}: {:.0} km ({:.0} km beyond GeoIP accuracy) in {:.2} h = {:.0} km/h{}",
        place(from),
        place(to),
        km,
        beyond,
        hours,
        kmh,
        if downgraded { " (downgraded: coarse location)" } else { "" }
    );
    Some(TravelFinding {
        severity,
        points,
        summary,
        km,
        km_beyond_accuracy: beyond,
        hours,
        kmh,
        from_city: from.city,
        to_city: to.city,
        from_country: from.country,
        to_country: to.country,
        accuracy_from_km: (from.accuracy_km >= 0).then_some(from.accuracy_km),
        accuracy_to_km: (to.accuracy_km >= 0).then_some(to.accuracy_km),
        previous_session_id: from.session_id,
    })
}
