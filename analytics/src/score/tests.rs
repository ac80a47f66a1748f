//! Each detector on tiny hand-built histories, including the look-alikes that must not fire,
//! and a property test that a score is exactly the sum of its reasons' points.

use proptest::prelude::*;

use super::finding::{detector, Finding};
use super::input::table_of_rows;
use super::table::SessionTable;
use super::{detect, score_rows, DETECTORS};
use crate::dataset::rows::{SessionRow, SignalCell};
use crate::risk::config::{Doubt, ScoreConfig, Severity};

const HOUR_US: i64 = 3_600_000_000;
const START_US: i64 = 1_788_000_000_000_000;

type City = (&'static str, &'static str, f64, f64);
const BERLIN: City = ("Berlin", "DE", 52.52, 13.405);
const HAMBURG: City = ("Hamburg", "DE", 53.55, 9.99);
const PARIS: City = ("Paris", "FR", 48.857, 2.352);
const MILAN: City = ("Milan", "IT", 45.464, 9.19);
const NEW_YORK: City = ("New York", "US", 40.713, -74.006);

type Device = (&'static str, &'static str, &'static str, &'static str, bool);
const WINDOWS: Device = ("Chrome", "126.0.0.0", "Windows 10.0", "Microsoft Windows", false);
const MAC: Device = ("Safari", "17.5", "OS X", "Apple Mac", false);
const IPHONE: Device = ("Safari", "17.5", "OS X", "iPhone", true);
const ANDROID: Device = ("Chrome", "126.0.0.0", "Linux", "Android", true);
const FIREFOX: Device = ("Firefox", "127.0", "Linux 64", "Linux", false);

/// Sets the signal exported as `name`.
fn set(row: &mut SessionRow, name: &str, value: SignalCell) {
    let k = facesign_core::report::risk_signals::SIGNALS.iter().position(|s| s.column == name).expect(name);
    row.signals[k] = value;
}
fn text(row: &mut SessionRow, name: &str, value: &str) {
    set(row, name, SignalCell::Text(Some(value.to_owned())));
}
fn float(row: &mut SessionRow, name: &str, value: f64) {
    set(row, name, SignalCell::Float(Some(value)));
}
fn int(row: &mut SessionRow, name: &str, value: i32) {
    set(row, name, SignalCell::Int(Some(value)));
}
fn flag(row: &mut SessionRow, name: &str, value: bool) {
    set(row, name, SignalCell::Bool(Some(value)));
}

/// A completed session of `user`, `hours` after the start, in `city` on a fixed line.
fn session(user: &str, hours: f64, city: City) -> SessionRow {
    let mut r = SessionRow {
        id: Some(format!("{user}-{hours}")),
        status: Some("complete".into()),
        client_reference_id: Some(user.into()),
        created_at: Some(START_US + (hours * HOUR_US as f64) as i64),
        ..SessionRow::default()
    };
    set(&mut r, "asn", SignalCell::BigInt(Some(3320)));
    text(&mut r, "liveness", "livenessDetected");
    text(&mut r, "sex", "female");
    int(&mut r, "age_min", 30);
    int(&mut r, "age_max", 36);
    flag(&mut r, "anonymizer", false);
    flag(&mut r, "is_bot", false);
    at(&mut r, city, 10);
    on(&mut r, WINDOWS);
    r
}

fn at(r: &mut SessionRow, city: City, accuracy_km: i32) {
    text(r, "city", city.0);
    text(r, "country", city.1);
    float(r, "latitude", city.2);
    float(r, "longitude", city.3);
    int(r, "accuracy_radius_km", accuracy_km);
}

fn on(r: &mut SessionRow, d: Device) {
    text(r, "browser", d.0);
    text(r, "browser_version", d.1);
    text(r, "os", d.2);
    text(r, "platform", d.3);
    flag(r, "is_mobile", d.4);
}

fn run(rows: &[SessionRow], config: &ScoreConfig, code: &str) -> (SessionTable, Vec<Finding>) {
    let t = table_of_rows(rows).unwrap();
    let mut out = Vec::new();
    let (_, f) = DETECTORS.iter().find(|(c, _)| *c == code).unwrap();
    f(&t, config, &mut out);
    (t, out)
}

/// Session ids the detector fires on.
fn fires(rows: &[SessionRow], code: &str) -> Vec<String> {
    fires_with(rows, &ScoreConfig::default(), code)
}
fn fires_with(rows: &[SessionRow], config: &ScoreConfig, code: &str) -> Vec<String> {
    let (t, out) = run(rows, config, code);
    out.iter().map(|f| t.session_id(f.row).unwrap().to_owned()).collect()
}

#[test]
fn impossible_travel_fires_beyond_an_airliner_and_the_accuracy_radii() {
    let rows = [session("u", 0.0, BERLIN), session("u", 2.0, NEW_YORK)];
    let (t, found) = run(&rows, &ScoreConfig::default(), detector::IMPOSSIBLE_TRAVEL);
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(t.session_id(f.row), Some("u-2"));
    assert_eq!(f.severity, Severity::High);
    let e = &f.evidence;
    assert!((e.km.unwrap() - 6385.0).abs() < 20.0, "{e:?}");
    assert!((e.km_beyond_accuracy.unwrap() - (e.km.unwrap() - 20.0)).abs() < 1e-9);
    assert!((e.kmh.unwrap() - e.km_beyond_accuracy.unwrap() / 2.0).abs() < 1e-6);
    assert_eq!((e.from_city.as_deref(), e.to_country.as_deref()), (Some("Berlin"), Some("US")));
    assert_eq!(e.previous_session_id.as_deref(), Some("u-0"));
}

#[test]
fn a_real_flight_is_not_impossible_travel() {
    // Berlin to New York in 12 hours: ~530 km/h.
    assert!(fires(&[session("u", 0.0, BERLIN), session("u", 12.0, NEW_YORK)], detector::IMPOSSIBLE_TRAVEL)
        .is_empty());
}

#[test]
fn a_mobile_jump_within_the_accuracy_radius_is_not_impossible_travel() {
    // GeoIP puts one phone 255 km away ten minutes later, with radii of 300 km.
    let mut a = session("u", 0.0, BERLIN);
    let mut b = session("u", 0.17, HAMBURG);
    for r in [&mut a, &mut b] {
        on(r, ANDROID);
    }
    at(&mut a, BERLIN, 300);
    at(&mut b, HAMBURG, 300);
    assert!(fires(&[a, b], detector::IMPOSSIBLE_TRAVEL).is_empty());
}

#[test]
fn a_short_jump_under_the_distance_floor_is_noise() {
    // Berlin to Hamburg (255 km) in one minute: absurdly fast, but under the 500 km floor.
    let rows = [session("u", 0.0, BERLIN), session("u", 0.0167, HAMBURG)];
    assert!(fires(&rows, detector::IMPOSSIBLE_TRAVEL).is_empty());
}

#[test]
fn a_vpn_exit_abroad_is_suppressed_unless_configured_otherwise() {
    let mut vpn = session("u", 0.5, NEW_YORK);
    flag(&mut vpn, "anonymizer", true);
    let rows = [session("u", 0.0, BERLIN), vpn];
    assert!(fires(&rows, detector::IMPOSSIBLE_TRAVEL).is_empty());
    let mut keep = ScoreConfig::default();
    keep.impossible_travel.anonymizer = Doubt::Keep;
    assert_eq!(fires_with(&rows, &keep, detector::IMPOSSIBLE_TRAVEL), vec!["u-0.5"]);
}

#[test]
fn a_mobile_carrier_location_is_downgraded() {
    let mut phone = session("u", 2.0, NEW_YORK);
    on(&mut phone, IPHONE);
    at(&mut phone, NEW_YORK, 200);
    let (_, found) =
        run(&[session("u", 0.0, BERLIN), phone], &ScoreConfig::default(), detector::IMPOSSIBLE_TRAVEL);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].severity, found[0].points), (Severity::Low, 15));
}

#[test]
fn impossible_travel_compares_one_user_with_itself_only() {
    let rows = [session("a", 0.0, BERLIN), session("b", 1.0, NEW_YORK), session("a", 30.0, BERLIN)];
    assert!(fires(&rows, detector::IMPOSSIBLE_TRAVEL).is_empty());
}

/// A place `km` due north of `city`, in `country` (the haversine on core's mean radius: a
/// degree of latitude is 111.195 km).
fn north_of(city: City, km: f64, name: &'static str, country: &'static str) -> City {
    (name, country, city.2 + km / 111.195_08, city.3)
}

/// `u`'s sessions at `hours`, each in its city on its device.
fn history(user: &str, visits: &[(f64, City, Device)]) -> Vec<SessionRow> {
    visits
        .iter()
        .map(|&(hours, city, device)| {
            let mut r = session(user, hours, city);
            on(&mut r, device);
            r
        })
        .collect()
}

#[test]
fn a_new_country_is_travel_abroad_and_coming_home_is_not_new() {
    let rows = history("u", &[(0.0, BERLIN, WINDOWS), (48.0, HAMBURG, WINDOWS), (96.0, PARIS, WINDOWS)]);
    assert_eq!(fires(&rows, detector::NEW_COUNTRY), vec!["u-96"]);
    let rows = history(
        "v",
        &[(0.0, BERLIN, WINDOWS), (10.0, BERLIN, WINDOWS), (48.0, PARIS, WINDOWS), (96.0, BERLIN, WINDOWS)],
    );
    assert_eq!(fires(&rows, detector::NEW_COUNTRY), vec!["v-48"]);
    // A first session has nothing to compare with.
    assert!(fires(&history("w", &[(0.0, PARIS, WINDOWS)]), detector::NEW_COUNTRY).is_empty());
}

#[test]
fn a_new_country_must_be_away_from_home() {
    // Home in Berlin; the other country's session 199 km away is the user's region (a border
    // crossed, a neighbouring city's GeoIP), 201 km away it is travel.
    let near = north_of(BERLIN, 199.0, "Near", "PL");
    let far = north_of(BERLIN, 201.0, "Far", "PL");
    for (place, fires_expected) in [(near, false), (far, true)] {
        let rows = history("u", &[(0.0, BERLIN, WINDOWS), (24.0, BERLIN, WINDOWS), (48.0, place, WINDOWS)]);
        assert_eq!(!fires(&rows, detector::NEW_COUNTRY).is_empty(), fires_expected, "{}", place.0);
    }
    // A commuter: home near the border, often across it; a trip abroad is still new.
    let basel = north_of(BERLIN, 120.0, "Basel", "CH");
    let rows = history(
        "c",
        &[
            (0.0, BERLIN, WINDOWS),
            (24.0, basel, WINDOWS),
            (48.0, BERLIN, WINDOWS),
            (72.0, basel, WINDOWS),
            (96.0, PARIS, WINDOWS),
        ],
    );
    assert_eq!(fires(&rows, detector::NEW_COUNTRY), vec!["c-96"]);
}

#[test]
fn a_new_country_skips_anonymizers_and_forgets_old_trips() {
    // A VPN exit abroad is not where the user is.
    let mut rows = history("u", &[(0.0, BERLIN, WINDOWS), (1.0, NEW_YORK, WINDOWS)]);
    flag(&mut rows[1], "anonymizer", true);
    assert!(fires(&rows, detector::NEW_COUNTRY).is_empty());
    // Paris 89 days ago is remembered; 91 days ago it is new again.
    for (days, expected) in [(89.0, false), (91.0, true)] {
        let rows = history(
            "v",
            &[
                (0.0, BERLIN, WINDOWS),
                (24.0, PARIS, WINDOWS),
                (48.0 * 24.0, BERLIN, WINDOWS),
                (24.0 + days * 24.0, PARIS, WINDOWS),
            ],
        );
        let found = fires(&rows, detector::NEW_COUNTRY);
        assert_eq!(found.len(), 1 + expected as usize, "{days} days: {found:?}");
    }
}

#[test]
fn several_countries_within_five_or_ten_days_home_counted_once() {
    let hop = |user: &str, last: f64| {
        history(user, &[(0.0, BERLIN, WINDOWS), (last / 2.0, PARIS, WINDOWS), (last, MILAN, WINDOWS)])
    };
    // Three countries in 119.9 hours: the sessions abroad are flagged.
    assert_eq!(fires(&hop("u", 119.9), detector::MULTI_COUNTRY), vec!["u-59.95", "u-119.9"]);
    // In 120 hours the first has left the window.
    assert!(fires(&hop("v", 120.0), detector::MULTI_COUNTRY).is_empty());
    // Four countries in ten days (no three in five): 239 hours fire, 240 do not.
    let madrid: City = ("Madrid", "ES", 40.416, -3.703);
    for (last, expected) in [(239.0, 3), (240.0, 0)] {
        let rows = history(
            "w",
            &[
                (0.0, BERLIN, WINDOWS),
                (100.0, PARIS, WINDOWS),
                (200.0, MILAN, WINDOWS),
                (last, madrid, WINDOWS),
            ],
        );
        assert_eq!(fires(&rows, detector::MULTI_COUNTRY).len(), expected, "{last} h");
    }
    // A commuter's neighbouring country is home: home, Basel and Paris in two days are two.
    let basel = north_of(BERLIN, 120.0, "Basel", "CH");
    let rows = history("c", &[(0.0, BERLIN, WINDOWS), (20.0, basel, WINDOWS), (40.0, PARIS, WINDOWS)]);
    assert!(fires(&rows, detector::MULTI_COUNTRY).is_empty());
    // A long trip, a week in each country, is not a hop.
    let rows =
        history("t", &[(0.0, BERLIN, WINDOWS), (30.0, PARIS, WINDOWS), (30.0 + 7.0 * 24.0, MILAN, WINDOWS)]);
    assert!(fires(&rows, detector::MULTI_COUNTRY).is_empty());
}

#[test]
fn a_new_device_is_someone_elses_device_somewhere_else() {
    let home = [(0.0, BERLIN, WINDOWS), (50.0, BERLIN, WINDOWS), (100.0, BERLIN, WINDOWS)];
    let mut rows = history("u", &home);
    rows.extend(history("u", &[(200.0, PARIS, IPHONE), (300.0, BERLIN, IPHONE)]));
    assert_eq!(fires(&rows, detector::NEW_DEVICE), vec!["u-200"]);
    // At home a new device is a new phone; abroad, a known device is the user travelling.
    let mut rows = history("v", &home);
    rows.extend(history("v", &[(200.0, BERLIN, IPHONE), (300.0, PARIS, WINDOWS)]));
    assert!(fires(&rows, detector::NEW_DEVICE).is_empty());
    // 199 km from home is home's region; 201 km is away.
    for (km, expected) in [(199.0, false), (201.0, true)] {
        let mut rows = history("w", &home);
        rows.extend(history("w", &[(200.0, north_of(BERLIN, km, "Somewhere", "DE"), IPHONE)]));
        assert_eq!(!fires(&rows, detector::NEW_DEVICE).is_empty(), expected, "{km} km");
    }
    // Three earlier sessions make a history; two do not.
    let rows = history("x", &[(0.0, BERLIN, WINDOWS), (50.0, BERLIN, WINDOWS), (200.0, PARIS, IPHONE)]);
    assert!(fires(&rows, detector::NEW_DEVICE).is_empty());
    // Through an anonymizer the place is the exit's.
    let mut rows = history("y", &home);
    rows.extend(history("y", &[(200.0, PARIS, IPHONE)]));
    flag(&mut rows[3], "anonymizer", true);
    assert!(fires(&rows, detector::NEW_DEVICE).is_empty());
}

const IPAD: Device = ("Safari", "17.5", "OS X", "iPad", true);
const EDGE: Device = ("Edge", "126.0.0.0", "Windows 10.0", "Microsoft Windows", false);
const SAMSUNG: Device = ("Chrome", "121.0.0.0", "Linux", "Android", true);

/// Two sessions on the user's own laptop, then `devices` one after another `gap` hours apart.
fn churn(user: &str, devices: &[Device], gap: f64) -> Vec<SessionRow> {
    let mut rows = history(user, &[(0.0, BERLIN, WINDOWS), (24.0, BERLIN, WINDOWS)]);
    for (k, &d) in devices.iter().enumerate() {
        rows.extend(history(user, &[(100.0 + k as f64 * gap, BERLIN, d)]));
    }
    rows
}

#[test]
fn device_churn_counts_profiles_new_to_the_user_fast_or_slow() {
    let four = [MAC, IPHONE, ANDROID, FIREFOX];
    // Fast: four new profiles in 18 hours; every churned session is flagged.
    assert_eq!(fires(&churn("u", &four, 6.0), detector::DEVICE_CHURN).len(), 4);
    // Slow: one a day, and one every 111.9 hours (the fourth 335.7 hours after the first).
    assert_eq!(fires(&churn("v", &four, 24.0), detector::DEVICE_CHURN).len(), 4);
    assert_eq!(fires(&churn("w", &four, 111.9), detector::DEVICE_CHURN).len(), 4);
    // The first has left the 14-day window when the fourth comes 336 hours later.
    assert!(fires(&churn("x", &four, 112.0), detector::DEVICE_CHURN).is_empty());
    // Three new profiles are not enough in any window.
    assert!(fires(&churn("y", &four[..3], 1.0), detector::DEVICE_CHURN).is_empty());
}

#[test]
fn a_new_profile_the_user_comes_back_to_after_the_window_is_theirs() {
    let four = [MAC, IPHONE, ANDROID, FIREFOX];
    // The Mac (first seen at hour 100) again 40 hours later, inside the 48-hour window: churn.
    let mut rows = churn("u", &four, 6.0);
    rows.extend(history("u", &[(140.0, BERLIN, MAC)]));
    assert_eq!(fires(&rows, detector::DEVICE_CHURN).len(), 5);
    // Again 336 hours later (the longest window's length): still churn, in that window.
    let mut rows = churn("v", &four, 6.0);
    rows.extend(history("v", &[(436.0, BERLIN, MAC)]));
    assert_eq!(fires(&rows, detector::DEVICE_CHURN).len(), 4);
    // Again 337 hours later: the Mac is the user's own, three new profiles are not churn.
    let mut rows = churn("w", &four, 6.0);
    rows.extend(history("w", &[(437.0, BERLIN, MAC)]));
    assert!(fires(&rows, detector::DEVICE_CHURN).is_empty());
    // A return is looked for up to 28 days (`return_days`) after the first showing: at 28 days
    // the Mac is still the user's own, an hour later the return is too late to count.
    let mut rows = churn("x", &four, 6.0);
    rows.extend(history("x", &[(100.0 + 28.0 * 24.0, BERLIN, MAC)]));
    assert!(fires(&rows, detector::DEVICE_CHURN).is_empty());
    let mut rows = churn("y", &four, 6.0);
    rows.extend(history("y", &[(101.0 + 28.0 * 24.0, BERLIN, MAC)]));
    assert_eq!(fires(&rows, detector::DEVICE_CHURN).len(), 4);
}

#[test]
fn switching_between_own_devices_is_not_churn() {
    // Five devices, each used once before, then all five within a day.
    let own = [WINDOWS, MAC, IPHONE, ANDROID, FIREFOX];
    let mut rows: Vec<SessionRow> =
        own.iter().enumerate().flat_map(|(k, &d)| history("u", &[(k as f64 * 100.0, BERLIN, d)])).collect();
    rows.extend(
        own.iter().enumerate().flat_map(|(k, &d)| history("u", &[(1000.0 + k as f64 * 4.0, BERLIN, d)])),
    );
    assert!(fires(&rows, detector::DEVICE_CHURN).is_empty());
    // A new phone and a new laptop in a week are a replacement, not churn.
    let rows = churn("v", &[SAMSUNG, EDGE, SAMSUNG, EDGE], 24.0);
    assert!(fires(&rows, detector::DEVICE_CHURN).is_empty());
    // A new account's first two sessions are its own devices: four more new profiles churn.
    let rows: Vec<SessionRow> = [WINDOWS, MAC, IPHONE, ANDROID, FIREFOX, IPAD, SAMSUNG]
        .iter()
        .enumerate()
        .flat_map(|(k, &d)| history("w", &[(k as f64, BERLIN, d)]))
        .collect();
    assert_eq!(fires(&rows[..5], detector::DEVICE_CHURN).len(), 0);
    assert_eq!(fires(&rows[..6], detector::DEVICE_CHURN).len(), 4);
}

/// `users` sessions of different users on `phones` (in turn) and one network, `gap` hours
/// apart; each user's first session on their own laptop days before, a day or so apart like
/// the background's (so the farm's members come to its phones new); and a background of other
/// users on other devices so the city's usual rate is known. The farm's sessions are the ones
/// at hour 100 or later.
fn farm_on(users: usize, gap: f64, phones: &[Device]) -> Vec<SessionRow> {
    let mut rows: Vec<SessionRow> = (0..users)
        .flat_map(|k| {
            let own = session(&format!("m{k}"), -50.0 - k as f64 * 30.0, BERLIN);
            let mut r = session(&format!("m{k}"), 100.0 + k as f64 * gap, BERLIN);
            on(&mut r, phones[k % phones.len()]);
            [own, r]
        })
        .collect();
    rows.extend((0..40).map(|k| session(&format!("bg{k}"), k as f64 * 30.0, BERLIN)));
    rows
}

/// Whether a session id of [`farm_on`] is a farm's session.
fn on_the_farm(id: &str) -> bool {
    id.starts_with('m')
        && id.rsplit('-').next().and_then(|h| h.parse::<f64>().ok()).is_some_and(|h| h >= 100.0)
}

fn farm(users: usize, gap: f64) -> Vec<SessionRow> {
    farm_on(users, gap, &[ANDROID])
}

#[test]
fn a_fraud_farm_is_many_users_on_shared_devices_and_one_network_within_hours() {
    for rows in [farm(9, 0.5), farm_on(9, 0.2, &[ANDROID, IPHONE, SAMSUNG]), farm(8, 3.4)] {
        let found = fires(&rows, detector::FRAUD_FARM);
        assert_eq!(found.len(), (rows.len() - 40) / 2, "{found:?}");
        assert!(found.iter().all(|id| on_the_farm(id)), "{found:?}");
    }
    // Accounts opened on the farm's phone: their first sessions.
    let mut rows: Vec<SessionRow> =
        farm(9, 0.5).into_iter().filter(|r| on_the_farm(r.id.as_deref().unwrap())).collect();
    rows.extend((0..40).map(|k| session(&format!("bg{k}"), k as f64 * 30.0, BERLIN)));
    assert_eq!(fires(&rows, detector::FRAUD_FARM).len(), 9);
    // A member who had the farm's phone model before is on it in the farm's hours, as is
    // anyone on that line with that model then (nothing tells them apart); a resident on it
    // hours before or after the farm, still within its day's window, is not flagged.
    let mut rows = farm(9, 0.5);
    rows.extend(history("owner", &[(-50.0, BERLIN, ANDROID), (101.0, BERLIN, ANDROID)]));
    rows.extend(history("before", &[(-40.0, BERLIN, ANDROID), (94.0, BERLIN, ANDROID)]));
    rows.extend(history("after", &[(-30.0, BERLIN, ANDROID), (110.0, BERLIN, ANDROID)]));
    let mut found = fires(&rows, detector::FRAUD_FARM);
    found.sort();
    assert_eq!(found.len(), 10, "{found:?}");
    assert!(found.iter().all(|id| on_the_farm(id) || id == "owner-101"), "{found:?}");
    // Members who owned the model count toward the farm's size: five new to the phone and
    // three owners are a farm of eight; four and four are not (`min_new_users`).
    for (new, owners, expected) in [(5, 3, 8), (4, 4, 0)] {
        let mut rows = farm(new, 0.5);
        for k in 0..owners {
            let user = format!("owner{k}");
            rows.extend(history(
                &user,
                &[(-50.0 - k as f64, BERLIN, ANDROID), (100.2 + 0.5 * k as f64, BERLIN, ANDROID)],
            ));
        }
        assert_eq!(fires(&rows, detector::FRAUD_FARM).len(), expected, "{new} new and {owners} owners");
    }
    // Eight users over 24 hours are one window; over 24.5 hours, each window holds seven.
    assert_eq!(fires(&farm(8, 23.9 / 7.0), detector::FRAUD_FARM).len(), 8);
    assert!(fires(&farm(8, 24.5 / 7.0), detector::FRAUD_FARM).is_empty());
}

#[test]
fn a_household_an_office_or_a_popular_phone_over_days_is_not_a_farm() {
    // A family of seven on one phone and one line one evening.
    assert!(fires(&farm(7, 0.3), detector::FRAUD_FARM).is_empty());
    // Nine users of one popular phone on one ISP, a day apart.
    assert!(fires(&farm(9, 24.0), detector::FRAUD_FARM).is_empty());
    // Nine colleagues onboarded in an afternoon, each on their own device.
    let devices = [WINDOWS, MAC, IPHONE, ANDROID, FIREFOX, IPAD, SAMSUNG, EDGE, MAC_CHROME];
    assert!(fires(&farm_on(9, 0.3, &devices), detector::FRAUD_FARM).is_empty());
    // Nine on one phone but on nine different networks.
    let mut rows = farm(9, 0.5);
    rows.iter_mut()
        .skip(1)
        .step_by(2)
        .take(9)
        .enumerate()
        .for_each(|(k, r)| set(r, "asn", SignalCell::BigInt(Some(1000 + k as i64))));
    assert!(fires(&rows, detector::FRAUD_FARM).is_empty());
    // Nine users of one phone on a national carrier, in cities across the country.
    let cities = [BERLIN, HAMBURG, ("Munich", "DE", 48.14, 11.58), ("Cologne", "DE", 50.94, 6.96)];
    let mut rows = farm(9, 0.5);
    rows.iter_mut().skip(1).step_by(2).take(9).enumerate().for_each(|(k, r)| at(r, cities[k % 4], 100));
    let cities_found = fires(&rows, detector::FRAUD_FARM);
    assert!(cities_found.is_empty(), "{cities_found:?}");
    // A family of six on one phone one evening, and within the same hours two residents who
    // each came to a rare laptop: two newcomers on one of the city's dozen profiles happen by
    // chance somewhere every week, so each profile is held to its share of the chance.
    let mut rows = farm(6, 0.3);
    let background = [WINDOWS, MAC, IPHONE, FIREFOX, IPAD, SAMSUNG, MAC_CHROME, EDGE];
    rows.extend((0..80).map(|k| {
        let mut r = session(&format!("bg{k}"), k as f64 * 15.0, BERLIN);
        on(&mut r, background[k % background.len()]);
        r
    }));
    const RARE: Device = ("Opera", "112.0.0.0", "Windows 10.0", "Microsoft Windows", false);
    for (k, hours) in [(0, 99.0), (1, 100.0)] {
        rows.extend(history(
            &format!("laptop{k}"),
            &[(-60.0 - k as f64, BERLIN, WINDOWS), (hours, BERLIN, RARE)],
        ));
    }
    let found = fires(&rows, detector::FRAUD_FARM);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_farms_stretch_is_where_its_newcomers_crowd() {
    use super::farm::densest_stretch;
    let hour = HOUR_US;
    // Ten members within two hours, residents an hour or more from them either side, at a
    // usual rate of one newcomer a day: the stretch is the members'.
    let mut times: Vec<i64> = (0..10).map(|k| 10 * hour + k * hour / 5).collect();
    times.extend([2 * hour, 5 * hour, 14 * hour, 20 * hour]);
    times.sort();
    assert_eq!(
        densest_stretch(&times, 1.0 / (24 * hour) as f64, hour),
        (10 * hour, 10 * hour + 9 * hour / 5)
    );
    // Where nothing is usual, every newcomer is part of it.
    assert_eq!(densest_stretch(&times, 1e-30, hour), (2 * hour, 20 * hour));
    // One newcomer: the stretch is that time.
    assert_eq!(densest_stretch(&[7], 1.0, hour), (7, 7));
}

const MAC_CHROME: Device = ("Chrome", "126.0.0.0", "OS X", "Apple Mac", false);

#[test]
fn a_farm_must_stand_out_from_its_citys_usual_traffic() {
    // A popular phone on a big city's carrier: 400 users over ten days come to it from their
    // old laptops (about ten per six hours), so nine more users in three hours is an ordinary
    // afternoon.
    let newcomer = |user: String, hours: f64| {
        let own = session(&user, hours - 0.2, BERLIN);
        let mut r = session(&user, hours, BERLIN);
        on(&mut r, ANDROID);
        [own, r]
    };
    let mut rows: Vec<SessionRow> =
        (0..9).flat_map(|k| newcomer(format!("m{k}"), 100.0 + k as f64 * 0.3)).collect();
    rows.extend((0..400).flat_map(|k| newcomer(format!("city{k}"), k as f64 * 0.6)));
    assert!(fires(&rows, detector::FRAUD_FARM).is_empty());
}

#[test]
fn contradictory_flags_fire_and_every_real_profile_is_consistent() {
    let mut spoofed = session("u", 0.0, BERLIN);
    on(&mut spoofed, ("Chrome", "126.0.0.0", "Windows 10.0", "Microsoft Windows", true));
    let mut desk_phone = session("v", 0.0, BERLIN);
    on(&mut desk_phone, ("Safari", "17.0", "OS X", "iPhone", false));
    let mut fine = session("w", 0.0, BERLIN);
    on(&mut fine, IPHONE);
    let mut found = fires(&[spoofed, desk_phone, fine], detector::CONTRADICTORY_DEVICE);
    found.sort();
    assert_eq!(found, vec!["u-0", "v-0"]);
    for d in &crate::generate::world::world().devices {
        let why = super::device_detectors::contradiction(Some(&d.platform), Some(d.is_mobile || d.is_tablet));
        assert_eq!(why.is_some(), d.spoofed, "{}", d.profile);
    }
}

#[test]
fn an_age_estimate_decades_off_is_inconsistent_and_normal_jitter_is_not() {
    let mut rows: Vec<SessionRow> = (0..4).map(|k| session("u", k as f64 * 50.0, BERLIN)).collect();
    int(&mut rows[1], "age_min", 31);
    int(&mut rows[2], "age_max", 38);
    assert!(fires(&rows, detector::AGE_INCONSISTENT).is_empty());
    int(&mut rows[3], "age_min", 55);
    int(&mut rows[3], "age_max", 61);
    assert_eq!(fires(&rows, detector::AGE_INCONSISTENT), vec!["u-150"]);
    // Two sessions are not enough to know the usual estimate.
    assert!(fires(&rows[2..], detector::AGE_INCONSISTENT).is_empty());
}

#[test]
fn the_usual_age_and_sex_come_from_90_days_before_to_28_days_after() {
    let day = 24.0;
    // Three sessions, then a different face two weeks after the last: compared with all three.
    let mut rows: Vec<SessionRow> = (0..3).map(|k| session("u", k as f64 * day, BERLIN)).collect();
    let mut odd = session("u", 16.0 * day, BERLIN);
    int(&mut odd, "age_min", 55);
    int(&mut odd, "age_max", 61);
    text(&mut odd, "sex", "male");
    rows.push(odd);
    assert_eq!(fires(&rows, detector::AGE_INCONSISTENT), vec!["u-384"]);
    assert_eq!(fires(&rows, detector::SEX_INCONSISTENT), vec!["u-384"]);
    // 91 days after the last, the three are out of its history: too few to know the usual one.
    let last = rows.len() - 1;
    rows[last].created_at = Some(START_US + ((2.0 * day + 91.0 * day) * HOUR_US as f64) as i64);
    assert!(fires(&rows, detector::AGE_INCONSISTENT).is_empty());
    assert!(fires(&rows, detector::SEX_INCONSISTENT).is_empty());
    // The first session is judged by the two after it within 28 days: a first session by
    // someone else is found, once the user's own sessions follow in time.
    let mut rows: Vec<SessionRow> = (0..3).map(|k| session("v", k as f64 * 14.0 * day, BERLIN)).collect();
    int(&mut rows[0], "age_min", 55);
    int(&mut rows[0], "age_max", 61);
    assert_eq!(fires(&rows, detector::AGE_INCONSISTENT), vec!["v-0"]);
    // The third 29 days after the first: the first is compared with two, not enough.
    rows[2].created_at = Some(START_US + (29.0 * day * HOUR_US as f64) as i64);
    assert!(fires(&rows, detector::AGE_INCONSISTENT).is_empty());
}

#[test]
fn a_sex_against_a_clear_majority_is_inconsistent() {
    let mut rows: Vec<SessionRow> = (0..4).map(|k| session("u", k as f64 * 50.0, BERLIN)).collect();
    text(&mut rows[2], "sex", "male");
    assert_eq!(fires(&rows, detector::SEX_INCONSISTENT), vec!["u-100"]);
    // Two and two: no majority, no finding (a shared account is another matter).
    text(&mut rows[3], "sex", "male");
    assert!(fires(&rows, detector::SEX_INCONSISTENT).is_empty());
}

#[test]
fn signals_give_reasons_with_evidence() {
    let mut r = session("u", 0.0, BERLIN);
    text(&mut r, "deepfake_verdict", "manipulated");
    float(&mut r, "deepfake_score", 0.93);
    text(&mut r, "liveness", "deepfakeDetected");
    int(&mut r, "video_high_risk", 1);
    int(&mut r, "video_suspicious", 2);
    flag(&mut r, "anonymizer", true);
    let t = table_of_rows(&[r]).unwrap();
    let config = ScoreConfig::default();
    let scored = score_rows(&t, &detect(&t, &config), &config);
    let (score, reasons) = &scored[0];
    let codes: Vec<(&str, i32)> = reasons.iter().map(|r| (r.code, r.points)).collect();
    assert_eq!(codes, vec![("deepfake", 70), ("video_analysis", 25), ("anonymizer", 5)]);
    assert_eq!(*score, 100);
    assert_eq!(config.level(*score), "high");
    assert!(reasons[0].evidence.contains("manipulated (score 0.93)"), "{}", reasons[0].evidence);
    assert_eq!(reasons[1].evidence, "video analysis: 1 criteria high fraud risk, 2 suspicious");
}

#[test]
fn a_clean_session_scores_zero() {
    let t = table_of_rows(&[session("u", 0.0, BERLIN)]).unwrap();
    let config = ScoreConfig::default();
    assert_eq!(score_rows(&t, &detect(&t, &config), &config), vec![(0, vec![])]);
}

fn arbitrary_session() -> impl Strategy<Value = SessionRow> {
    let texts = [
        ("liveness", vec!["livenessDetected", "deepfakeDetected", "noFace", "inconclusive"]),
        ("deepfake_verdict", vec!["authentic", "manipulated", "unknown"]),
        ("real_person", vec!["real", "virtual", "noface"]),
        ("face_compare", vec!["match", "noMatch", "imageUnavailable"]),
        ("document_scan", vec!["scanSuccess", "userCancelled", "scanTimeout"]),
        ("two_factor", vec!["verified", "failed_unverified", "delivery_failed"]),
        ("sex", vec!["female", "male"]),
    ];
    let cities = [BERLIN, HAMBURG, PARIS, MILAN, NEW_YORK];
    let devices = [WINDOWS, MAC, IPHONE, ANDROID, FIREFOX, ("Chrome", "1", "Linux", "Android", false)];
    (
        0usize..4,
        0.0f64..400.0,
        0usize..cities.len(),
        0usize..devices.len(),
        proptest::collection::vec(0usize..4, texts.len()),
        (0i32..4, 0i32..4, any::<bool>(), any::<bool>(), 18i32..70, 0.0f64..1.0, 1i32..400),
    )
        .prop_map(
            move |(user, hours, city, device, picks, (high, suspicious, anon, bot, age, sim, acc))| {
                let mut r = session(&format!("u{user}"), hours, cities[city]);
                at(&mut r, cities[city], acc);
                on(&mut r, devices[device]);
                for ((name, values), pick) in texts.iter().zip(picks) {
                    if let Some(v) = values.get(pick) {
                        text(&mut r, name, v);
                    }
                }
                int(&mut r, "video_high_risk", high);
                int(&mut r, "video_suspicious", suspicious);
                flag(&mut r, "anonymizer", anon);
                flag(&mut r, "is_bot", bot);
                int(&mut r, "age_min", age);
                int(&mut r, "age_max", age + 6);
                float(&mut r, "face_similarity", sim);
                r
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_points_of_the_reasons_add_up_to_the_score(rows in proptest::collection::vec(arbitrary_session(), 1..24)) {
        let t = table_of_rows(&rows).unwrap();
        let config = ScoreConfig::default();
        let findings = detect(&t, &config);
        let scored = score_rows(&t, &findings, &config);
        prop_assert_eq!(scored.len(), rows.len());
        for (score, reasons) in &scored {
            prop_assert_eq!(reasons.iter().map(|r| r.points).sum::<i32>(), *score);
            prop_assert!((0..=100).contains(score));
            prop_assert!(reasons.windows(2).all(|w| w[0].points >= w[1].points));
        }
        // Every finding is one of its session's reasons.
        for f in &findings {
            prop_assert!(scored[f.row].1.iter().any(|r| r.code == f.detector));
        }
    }
}

/// Every column the scorer asks for ([`super::table::columns`]: the keys and each signal core's
/// list marks `scored`) is read into the table: dropping any one from the frame changes what
/// the table holds, so a signal marked `scored` that `SessionTable::append` ignores fails here.
#[test]
fn append_reads_every_column() {
    use super::input::frame_of_rows;
    use super::table::{columns, SessionTable};
    use facesign_core::report::risk_signals::{SignalKind, SIGNALS};
    let mut rows = vec![session("u", 0.0, BERLIN), session("v", 5.0, PARIS)];
    for row in &mut rows {
        for (k, signal) in SIGNALS.iter().enumerate().filter(|(_, s)| s.scored) {
            row.signals[k] = match signal.kind {
                SignalKind::Text => SignalCell::Text(Some(format!("value of {}", signal.name))),
                SignalKind::Float => SignalCell::Float(Some(1.5)),
                SignalKind::Int => SignalCell::Int(Some(7)),
                SignalKind::BigInt => SignalCell::BigInt(Some(99)),
                SignalKind::Bool => SignalCell::Bool(Some(true)),
            };
        }
    }
    let frame = frame_of_rows(&rows).unwrap();
    let table_of = |frame: &polars::prelude::DataFrame| {
        let mut t = SessionTable::default();
        t.append(frame).unwrap();
        format!("{t:?}")
    };
    let whole = table_of(&frame);
    for name in columns() {
        let without = frame.drop(name).unwrap();
        assert_ne!(
            table_of(&without),
            whole,
            "the scorer asks for column {name} but SessionTable::append never reads it"
        );
    }
}

/// The generator's planted patterns at the edges of their ranges (both profiles), found; and
/// just beyond what a rule counts (one profile, one member, one country fewer), not.
#[test]
fn the_edges_of_the_planted_ranges_are_found() {
    use crate::generate::Profile;
    let devices = [MAC, IPHONE, ANDROID, FIREFOX, IPAD, SAMSUNG, EDGE, MAC_CHROME];
    let phones = [ANDROID, IPHONE, SAMSUNG, IPAD];
    for profile in [Profile::default(), Profile::shifted()] {
        let (r, name) = (&profile.ranges, profile.name);
        // Device churn: the fewest profiles over the longest spread, then one fewer.
        let n = r.churn_profiles.0;
        let gap = r.churn_hours.1 / (n - 1) as f64;
        assert_eq!(fires(&churn("c", &devices[..n], gap), detector::DEVICE_CHURN).len(), n, "{name}");
        assert!(fires(&churn("d", &devices[..n - 1], gap), detector::DEVICE_CHURN).is_empty(), "{name}");
        // A country hop: three countries (home included) in the longest time for three, four
        // in the longest for four; and two countries, however fast.
        let madrid: City = ("Madrid", "ES", 40.416, -3.703);
        let three = r.hop_hours_three.1;
        let rows =
            history("h", &[(0.0, BERLIN, WINDOWS), (three / 2.0, PARIS, WINDOWS), (three, MILAN, WINDOWS)]);
        assert_eq!(fires(&rows, detector::MULTI_COUNTRY).len(), 2, "{name}");
        let four = r.hop_hours_more.1;
        let rows = history(
            "i",
            &[
                (0.0, BERLIN, WINDOWS),
                (four * 0.37, PARIS, WINDOWS),
                (four * 0.63, MILAN, WINDOWS),
                (four, madrid, WINDOWS),
            ],
        );
        // (No three of them within 120 hours: the four-country window finds them.)
        assert_eq!(fires(&rows, detector::MULTI_COUNTRY).len(), 3, "{name}");
        let rows = history("j", &[(0.0, BERLIN, WINDOWS), (4.0, PARIS, WINDOWS)]);
        assert!(fires(&rows, detector::MULTI_COUNTRY).is_empty(), "{name}");
        // A trip abroad and a takeover at the least distance from home.
        let abroad = north_of(BERLIN, r.abroad_min_km, "Abroad", "PL");
        let home = [(0.0, BERLIN, WINDOWS), (50.0, BERLIN, WINDOWS), (100.0, BERLIN, WINDOWS)];
        let mut rows = history("t", &home);
        rows.extend(history("t", &[(200.0, abroad, IPHONE)]));
        assert_eq!(fires(&rows, detector::NEW_COUNTRY), vec!["t-200"], "{name}");
        assert_eq!(fires(&rows, detector::NEW_DEVICE), vec!["t-200"], "{name}");
        // A fraud farm: the fewest members over the longest spread, on one phone, and on the
        // most phones with three members on each; then one member fewer. (Two members on a
        // phone are not unusual enough alone, and the phones are tested one by one: the fewest
        // members spread over the most phones are missed, as docs/analytics.md says.)
        let (members, hours) = (r.farm_members.0, r.farm_hours.1);
        let gap = hours / (members - 1) as f64;
        assert_eq!(fires(&farm(members, gap), detector::FRAUD_FARM).len(), members, "{name}");
        let varied = &phones[..r.farm_profiles.1];
        let three_each = (3 * varied.len()).max(members);
        let spread = hours / (three_each - 1) as f64;
        let found = fires(&farm_on(three_each, spread, varied), detector::FRAUD_FARM);
        assert_eq!(found.len(), three_each, "{name}");
        assert!(fires(&farm(members - 1, gap), detector::FRAUD_FARM).is_empty(), "{name}");
    }
}
