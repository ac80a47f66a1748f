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

#[test]
fn new_country_needs_a_history_and_a_country_not_in_it() {
    let rows = [session("u", 0.0, BERLIN), session("u", 48.0, HAMBURG), session("u", 96.0, PARIS)];
    assert_eq!(fires(&rows, detector::NEW_COUNTRY), vec!["u-96"]);
    // A first session abroad has nothing to compare with; coming home is not new.
    let rows = [session("v", 0.0, PARIS), session("v", 48.0, BERLIN), session("v", 96.0, PARIS)];
    assert_eq!(fires(&rows, detector::NEW_COUNTRY), vec!["v-48"]);
}

#[test]
fn several_countries_count_within_the_window_only() {
    let rows = [session("u", 0.0, BERLIN), session("u", 10.0, PARIS), session("u", 30.0, MILAN)];
    assert_eq!(fires(&rows, detector::MULTI_COUNTRY), vec!["u-30"]);
    let rows = [session("v", 0.0, BERLIN), session("v", 100.0, PARIS), session("v", 200.0, MILAN)];
    assert!(fires(&rows, detector::MULTI_COUNTRY).is_empty());
}

#[test]
fn a_new_device_needs_an_established_history() {
    let mut rows: Vec<SessionRow> = (0..3).map(|k| session("u", k as f64 * 50.0, BERLIN)).collect();
    let mut new = session("u", 200.0, BERLIN);
    on(&mut new, MAC);
    rows.push(new);
    assert_eq!(fires(&rows, detector::NEW_DEVICE), vec!["u-200"]);
    // After two sessions a second device is how people are, not news.
    rows.remove(0);
    assert!(fires(&rows, detector::NEW_DEVICE).is_empty());
}

#[test]
fn device_churn_needs_many_profiles_in_a_short_window() {
    let devices = [WINDOWS, MAC, IPHONE, ANDROID];
    let rows: Vec<SessionRow> = devices
        .iter()
        .enumerate()
        .map(|(k, &d)| {
            let mut r = session("u", k as f64 * 6.0, BERLIN);
            on(&mut r, d);
            r
        })
        .collect();
    assert_eq!(fires(&rows, detector::DEVICE_CHURN), vec!["u-18"]);
    // The same four devices a week apart each.
    let spread: Vec<SessionRow> = devices
        .iter()
        .enumerate()
        .map(|(k, &d)| {
            let mut r = session("v", k as f64 * 168.0, BERLIN);
            on(&mut r, d);
            r
        })
        .collect();
    assert!(fires(&spread, detector::DEVICE_CHURN).is_empty());
}

/// `users` sessions of different users on one phone and network, `gap` hours apart, and a
/// background of other users on other devices so the pair's usual rate is known.
fn farm(users: usize, gap: f64) -> Vec<SessionRow> {
    let mut rows: Vec<SessionRow> = (0..users)
        .map(|k| {
            let mut r = session(&format!("m{k}"), 100.0 + k as f64 * gap, BERLIN);
            on(&mut r, ANDROID);
            r
        })
        .collect();
    rows.extend((0..40).map(|k| session(&format!("bg{k}"), k as f64 * 30.0, BERLIN)));
    rows
}

#[test]
fn a_fraud_farm_is_many_users_on_one_device_and_network_within_hours() {
    let found = fires(&farm(9, 0.5), detector::FRAUD_FARM);
    assert_eq!(found.len(), 9, "{found:?}");
    assert!(found.iter().all(|id| id.starts_with('m')));
}

#[test]
fn a_household_or_a_popular_phone_over_days_is_not_a_farm() {
    // Two people sharing one phone and one line.
    assert!(fires(&farm(2, 0.5), detector::FRAUD_FARM).is_empty());
    // Nine users of one popular phone on one ISP, a day apart.
    assert!(fires(&farm(9, 24.0), detector::FRAUD_FARM).is_empty());
    // Nine on one phone but on nine different networks.
    let mut rows = farm(9, 0.5);
    rows.iter_mut()
        .take(9)
        .enumerate()
        .for_each(|(k, r)| set(r, "asn", SignalCell::BigInt(Some(1000 + k as i64))));
    assert!(fires(&rows, detector::FRAUD_FARM).is_empty());
    // Nine users of one phone on a national carrier, in cities across the country.
    let cities = [BERLIN, HAMBURG, ("Munich", "DE", 48.14, 11.58), ("Cologne", "DE", 50.94, 6.96)];
    let mut rows = farm(9, 0.5);
    rows.iter_mut().take(9).enumerate().for_each(|(k, r)| at(r, cities[k % 4], 100));
    let cities_found = fires(&rows, detector::FRAUD_FARM);
    assert!(cities_found.is_empty(), "{cities_found:?}");
}

#[test]
fn a_farm_must_stand_out_from_its_pairs_usual_traffic() {
    // A popular phone on a big city's carrier: 400 sessions of 400 users over ten days (about
    // ten per six hours), so nine more users in three hours is an ordinary afternoon.
    let mut rows: Vec<SessionRow> = (0..9)
        .map(|k| {
            let mut r = session(&format!("m{k}"), 100.0 + k as f64 * 0.3, BERLIN);
            on(&mut r, ANDROID);
            r
        })
        .collect();
    rows.extend((0..400).map(|k| {
        let mut r = session(&format!("city{k}"), k as f64 * 0.6, BERLIN);
        on(&mut r, ANDROID);
        r
    }));
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
