//! The generated corpus: valid flows, consistent paths, ordered timestamps, the same bytes for
//! the same seed, and planted anomalies and look-alikes that are what their labels say.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use facesign_analytics::generate::world::distance_km;
use facesign_analytics::generate::{generate, parse_date, Config, Profile};
use facesign_core::report::risk_signals;
use serde_json::Value;

fn config(seed: u64, sessions: u64, users: u64) -> Config {
    Config {
        seed,
        sessions,
        users,
        start_ms: parse_date("2026-09-01").unwrap(),
        days: 60,
        profile: Profile::default(),
    }
}

/// A label row: session id, client reference id, kind, what a look-alike imitates.
type Label = (String, String, String, String);
type Corpus = (Vec<Value>, Vec<Label>);

fn run(config: &Config, dir: &Path, threads: usize) -> Corpus {
    let summary = generate(config, dir, threads, |_| {}).unwrap();
    assert_eq!(summary.sessions, config.sessions);
    let text = std::fs::read_to_string(&summary.sessions_path).unwrap();
    let sessions: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let labels = std::fs::read_to_string(&summary.labels_path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned(), f[3].to_owned())
        })
        .collect();
    (sessions, labels)
}

fn corpus() -> &'static Corpus {
    static C: std::sync::OnceLock<Corpus> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        run(&config(42, 30_000, 3_000), dir.path(), 2)
    })
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let (a, b, c) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cfg = config(7, 5_000, 700);
    generate(&cfg, a.path(), 1, |_| {}).unwrap();
    generate(&cfg, b.path(), 3, |_| {}).unwrap();
    generate(&config(8, 5_000, 700), c.path(), 2, |_| {}).unwrap();
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    assert_eq!(read(a.path(), "sessions.ndjson"), read(b.path(), "sessions.ndjson"));
    assert_eq!(read(a.path(), "labels.csv"), read(b.path(), "labels.csv"));
    assert_ne!(read(a.path(), "sessions.ndjson"), read(c.path(), "sessions.ndjson"));
}

#[test]
fn flows_are_valid_and_paths_follow_their_edges() {
    let (sessions, _) = corpus();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for s in sessions {
        let flow = &s["settings"]["flow"];
        assert!(facesign_core::flow::flow_is_valid(flow), "flow of {}", s["id"]);
        let edges = facesign_core::flow::flow_edges(flow);
        let status = s["status"].as_str().unwrap();
        *statuses.entry(status.to_owned()).or_default() += 1;
        let reports = s["report"]["nodeReports"].as_array().unwrap();
        // From the start node's one edge, each report is a node the previous one led to.
        let mut current = edges.iter().find(|e| e.outcome.is_none()).unwrap().target;
        let mut last_time = s["startedAt"].as_i64().unwrap_or(0);
        for r in reports {
            assert_eq!(r["nodeId"].as_str().unwrap(), current, "session {}", s["id"]);
            let outcome = r["outcome"].as_str().unwrap();
            let edge = edges
                .iter()
                .find(|e| e.source == current && (e.outcome == Some(outcome) || e.target == outcome))
                .unwrap_or_else(|| panic!("session {}: no edge {current} --{outcome}-->", s["id"]));
            let t = r["createdAt"].as_i64().unwrap();
            assert!(t > last_time, "node report times increase in {}", s["id"]);
            last_time = t;
            current = edge.target;
        }
        let ended = flow.as_array().unwrap().iter().any(|n| n["id"] == current && n["type"] == "end");
        match status {
            "complete" => assert!(ended, "a complete session reaches an end node: {}", s["id"]),
            "incomplete" | "inProgress" => assert!(!ended || reports.is_empty(), "{}", s["id"]),
            "created" => assert!(reports.is_empty() && s.get("startedAt").is_none()),
            other => panic!("status {other}"),
        }
        if let Some(finished) = s["finishedAt"].as_i64() {
            assert!(finished >= last_time);
        }
        assert!(s["createdAt"].as_i64() <= s["startedAt"].as_i64().or(s["createdAt"].as_i64()));
        let phrases: Vec<i64> = s["report"]["transcript"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["createdAt"].as_i64().unwrap())
            .collect();
        assert!(phrases.windows(2).all(|w| w[0] < w[1]), "transcript times increase in {}", s["id"]);
    }
    let total = sessions.len() as f64;
    assert!(statuses["complete"] as f64 / total > 0.8, "{statuses:?}");
    assert!(statuses["incomplete"] as f64 / total > 0.03, "{statuses:?}");
    assert!(statuses.contains_key("created") && statuses.contains_key("inProgress"), "{statuses:?}");
}

#[test]
fn every_anomaly_and_look_alike_is_present_and_rare() {
    let (sessions, labels) = corpus();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, _, kind, imitates) in labels {
        let key = if imitates.is_empty() { kind.clone() } else { format!("{kind}:{imitates}") };
        *counts.entry(key).or_default() += 1;
    }
    for kind in [
        "impossible_travel",
        "new_country",
        "multi_country",
        "new_device",
        "device_churn",
        "fraud_farm",
        "contradictory_device",
        "age_inconsistent",
        "sex_inconsistent",
        "anonymizer",
        "deepfake",
        "virtual_person",
        "liveness_failure",
        "face_mismatch",
        "document_failed",
        "two_factor_failed",
        "video_analysis",
        "benign:impossible_travel",
        "benign:new_country",
        "benign:multi_country",
        "benign:new_device",
        "benign:device_churn",
        "benign:fraud_farm",
    ] {
        let n = *counts.get(kind).unwrap_or(&0);
        assert!(n > 0, "no {kind} planted: {counts:?}");
        // One video criterion judged suspicious is common (the analysis is cautious).
        let share = if kind == "video_analysis" { 0.12 } else { 0.05 };
        assert!((n as f64) < share * sessions.len() as f64, "{kind} is not rare: {n}");
    }
}

/// Sessions by id, and each user's sessions in time order.
fn index(sessions: &[Value]) -> (HashMap<&str, &Value>, HashMap<&str, Vec<&Value>>) {
    let by_id = sessions.iter().map(|s| (s["id"].as_str().unwrap(), s)).collect();
    let mut by_user: HashMap<&str, Vec<&Value>> = HashMap::new();
    for s in sessions {
        by_user.entry(s["settings"]["clientReferenceId"].as_str().unwrap()).or_default().push(s);
    }
    for list in by_user.values_mut() {
        list.sort_by_key(|s| s["createdAt"].as_i64());
    }
    (by_id, by_user)
}

/// (km between the GeoIP points, hours between, both accuracy radii) of a session and the
/// user's session before it.
fn hop(by_user: &HashMap<&str, Vec<&Value>>, s: &Value) -> (f64, f64, f64) {
    let list = &by_user[s["settings"]["clientReferenceId"].as_str().unwrap()];
    let k = list.iter().position(|x| x["id"] == s["id"]).unwrap();
    assert!(k > 0, "a travel label on a user's first session");
    let point = |v: &Value| {
        let l = &v["report"]["location"]["location"];
        (
            l["latitude"].as_f64().unwrap(),
            l["longitude"].as_f64().unwrap(),
            l["accuracyRadius"].as_f64().unwrap(),
        )
    };
    let (a, b) = (point(list[k - 1]), point(s));
    let km = distance_km((a.0, a.1), (b.0, b.1));
    let hours =
        (s["createdAt"].as_i64().unwrap() - list[k - 1]["createdAt"].as_i64().unwrap()) as f64 / 3.6e6;
    (km, hours, a.2 + b.2)
}

#[test]
fn labels_say_what_the_sessions_show() {
    let (sessions, labels) = corpus();
    let (by_id, by_user) = index(sessions);
    for (id, _, kind, imitates) in labels {
        let s = by_id[id.as_str()];
        let signals = risk_signals(s);
        match (kind.as_str(), imitates.as_str()) {
            ("impossible_travel", _) => {
                let (km, hours, _) = hop(&by_user, s);
                assert!(km > 2_000.0 && km / hours > 1_000.0, "{id}: {km:.0} km in {hours:.2} h");
            }
            ("benign", "impossible_travel") if signals.anonymizer == Some(true) => {
                let (_, hours, _) = hop(&by_user, s);
                assert!(hours < 2.5, "VPN look-alike {id}");
            }
            ("benign", "impossible_travel") => {
                let (km, hours, accuracy) = hop(&by_user, s);
                let flight = km > 3_000.0 && km / hours < 900.0;
                let within_accuracy = km <= accuracy;
                assert!(flight || within_accuracy, "{id}: {km:.0} km in {hours:.2} h, accuracy {accuracy}");
            }
            ("anonymizer", _) => assert_eq!(signals.anonymizer, Some(true), "{id}"),
            ("sex_inconsistent", _) => {
                let list = &by_user[s["settings"]["clientReferenceId"].as_str().unwrap()];
                let others = list.iter().filter(|x| x["id"] != s["id"]).filter_map(|x| risk_signals(*x).sex);
                assert!(
                    others.into_iter().all(|sex| Some(sex) != signals.sex),
                    "{id}: same sex as the others"
                );
            }
            ("contradictory_device", _) => {
                let mobile = signals.is_mobile.unwrap();
                let desktop_platform =
                    matches!(signals.platform, Some("Microsoft Windows" | "Apple Mac" | "Linux"));
                assert!(mobile == desktop_platform, "{id}: {:?} mobile={mobile}", signals.platform);
            }
            ("deepfake", _) => {
                assert_eq!(
                    signals.deepfake_verdict.filter(|_| s["status"] != "created").unwrap_or("manipulated"),
                    "manipulated"
                );
            }
            ("virtual_person", _) if s["status"] != "created" => {
                assert_eq!(signals.real_person, Some("virtual"), "{id}")
            }
            ("new_country", _) => {
                let list = &by_user[s["settings"]["clientReferenceId"].as_str().unwrap()];
                let country =
                    |v: &Value| v["report"]["location"]["country"]["isoCode"].as_str().map(str::to_owned);
                let earlier: Vec<_> =
                    list.iter().take_while(|x| x["id"] != s["id"]).map(|x| country(x)).collect();
                // Sessions never started carry no location; the label comes from the plan.
                if let Some(c) = country(s) {
                    assert!(!earlier.contains(&Some(c.clone())), "{id} is not a new country");
                }
            }
            _ => {}
        }
    }
}

/// A session's device profile as the detectors compare devices.
fn profile(s: &Value) -> Option<String> {
    let r = risk_signals(s);
    let mut out = String::new();
    facesign_core::risk::device::device_profile(
        r.browser,
        r.browser_version,
        r.os,
        r.platform,
        r.is_mobile,
        &mut out,
    )
    .then_some(out)
}

fn place(s: &Value) -> Option<(String, f64, f64)> {
    let r = risk_signals(s);
    Some((format!("{}/{}", r.city?, r.country?), r.latitude?, r.longitude?))
}

fn hours_between(a: &Value, b: &Value) -> f64 {
    (b["createdAt"].as_i64().unwrap() - a["createdAt"].as_i64().unwrap()) as f64 / 3.6e6
}

/// The city most of a user's sessions come from, and its first coordinates.
fn home(list: &[&Value]) -> (String, f64, f64) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in list {
        if let Some((city, _, _)) = place(s) {
            *counts.entry(city).or_default() += 1;
        }
    }
    let most = counts.values().max().copied().unwrap_or(0);
    list.iter().filter_map(|s| place(s)).find(|(city, _, _)| counts[city] == most).expect("a located session")
}

/// Each planted story is what its label says, within the ranges of the default profile: the
/// labels come from the plan, so this checks the plan did what it meant.
#[test]
fn planted_stories_stay_in_their_ranges() {
    let (sessions, labels) = corpus();
    let (by_id, by_user) = index(sessions);
    let ranges = Profile::default().ranges;
    let mut stories: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for (id, user, kind, imitates) in labels {
        let key = if imitates.is_empty() { kind.clone() } else { format!("{kind}:{imitates}") };
        stories.entry((user.clone(), key)).or_default().push(by_id[id.as_str()]);
    }
    let mut farms: BTreeMap<(String, i64), Vec<&Value>> = BTreeMap::new();
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    for ((user, kind), planted) in &mut stories {
        planted.sort_by_key(|s| s["createdAt"].as_i64());
        let list = &by_user[user.as_str()];
        let before =
            |s: &Value| -> Vec<&Value> { list.iter().take_while(|x| x["id"] != s["id"]).copied().collect() };
        // Home is where the user's other sessions are (a story's own sessions may outnumber them).
        let rest: Vec<&Value> =
            list.iter().copied().filter(|s| !planted.iter().any(|p| p["id"] == s["id"])).collect();
        let located_rest = rest.iter().any(|s| place(s).is_some());
        let (home_city, home_lat, home_lon) = home(if located_rest { &rest } else { list });
        let km_from_home = |s: &Value| {
            let (_, lat, lon) = place(s).expect("located");
            distance_km((home_lat, home_lon), (lat, lon))
        };
        let country = |s: &Value| risk_signals(s).country.map(str::to_owned);
        let home_country = home_city.split('/').nth(1).map(str::to_owned);
        let name = match kind.as_str() {
            "device_churn" => {
                let profiles: std::collections::BTreeSet<String> =
                    planted.iter().filter_map(|s| profile(s)).collect();
                let (lo, hi) = ranges.churn_profiles;
                assert!((lo..=hi).contains(&profiles.len()), "{user}: {} profiles", profiles.len());
                let spread = hours_between(planted[0], planted[planted.len() - 1]);
                assert!(spread <= ranges.churn_hours.1 + 1e-6, "{user}: churn over {spread:.1} h");
                // Earlier sessions, whatever became of them (one never started shows no device).
                assert!(
                    before(planted[0]).len() >= ranges.churn_min_history,
                    "{user}: churn without a history"
                );
                let earlier: Vec<String> = before(planted[0]).iter().filter_map(|s| profile(s)).collect();
                assert!(
                    profiles.iter().all(|p| !earlier.contains(p)),
                    "{user}: a churned profile was the user's"
                );
                "device_churn"
            }
            "multi_country" => {
                let departure = *before(planted[0]).last().expect("a session at home before the hop");
                assert_eq!(country(departure), home_country, "{user}: the hop starts at home");
                let mut countries: Vec<Option<String>> = planted.iter().map(|s| country(s)).collect();
                countries.push(home_country.clone());
                countries.sort();
                countries.dedup();
                let (lo, hi) = ranges.hop_countries;
                assert!((lo..=hi).contains(&countries.len()), "{user}: {countries:?}");
                let took = hours_between(departure, planted[planted.len() - 1]);
                let most =
                    if countries.len() == 3 { ranges.hop_hours_three.1 } else { ranges.hop_hours_more.1 };
                assert!(took <= most + 1e-6, "{user}: a hop of {took:.1} h");
                assert!(planted.iter().all(|s| km_from_home(s) >= ranges.abroad_min_km), "{user}");
                "multi_country"
            }
            "benign:multi_country" => {
                // The second country of a long trip, a week or so after leaving home.
                let last_home = before(planted[0]).into_iter().rev().find(|s| country(s) == home_country);
                let took = hours_between(last_home.expect("a session at home"), planted[0]);
                assert!(took >= 24.0 * ranges.multi_leg_days.0, "{user}: second country after {took:.1} h");
                "benign:multi_country"
            }
            "new_device" => {
                let s = planted[0];
                let earlier: Vec<String> = before(s).iter().filter_map(|x| profile(x)).collect();
                assert!(before(s).len() >= ranges.takeover_min_history, "{user}");
                assert!(!earlier.contains(&profile(s).unwrap()), "{user}: the device was the user's");
                assert!(
                    km_from_home(s) >= ranges.abroad_min_km,
                    "{user}: {:.0} km from home",
                    km_from_home(s)
                );
                "new_device"
            }
            "benign:new_country" => {
                for s in planted.iter() {
                    let anonymized = risk_signals(*s).anonymizer == Some(true);
                    let near = country(s) == home_country || km_from_home(s) <= ranges.commute_max_km;
                    assert!(
                        anonymized || near,
                        "{user}: {:?} {:.0} km from home",
                        country(s),
                        km_from_home(s)
                    );
                }
                "benign:new_country"
            }
            "fraud_farm" => {
                for s in planted.iter() {
                    let r = risk_signals(*s);
                    let key = (format!("{}/{:?}", r.city.unwrap(), r.asn), 0);
                    farms.entry(key).or_default().push(s);
                }
                "fraud_farm"
            }
            _ => continue,
        };
        *checked.entry(name).or_default() += 1;
    }
    for ((place, _), members) in &mut farms {
        members.sort_by_key(|s| s["createdAt"].as_i64());
        let users: std::collections::BTreeSet<&str> =
            members.iter().map(|s| s["settings"]["clientReferenceId"].as_str().unwrap()).collect();
        assert!(users.len() >= ranges.farm_members.0, "a farm of {} users in {place}", users.len());
        let spread = hours_between(members[0], members[members.len() - 1]);
        assert!(spread <= ranges.farm_hours.1, "a farm in {place} over {spread:.1} h");
    }
    for kind in ["device_churn", "multi_country", "benign:multi_country", "new_device", "benign:new_country"]
    {
        assert!(checked.get(kind).copied().unwrap_or(0) > 0, "no {kind} checked: {checked:?}");
    }
    assert!(!farms.is_empty());
}

/// The shifted profile is another corpus: more devices per user, homes in more countries.
#[test]
fn the_shifted_profile_shifts_habits() {
    let dir = tempfile::tempdir().unwrap();
    let mut shifted = config(42, 10_000, 1_000);
    shifted.profile = Profile::shifted();
    let (sessions, _) = run(&shifted, dir.path(), 2);
    let (default_sessions, _) = corpus();
    let profiles_per_user = |sessions: &[Value]| {
        let (_, by_user) = index(sessions);
        let total: usize = by_user
            .values()
            .map(|list| {
                list.iter().filter_map(|s| profile(s)).collect::<std::collections::BTreeSet<_>>().len()
            })
            .sum();
        total as f64 / by_user.len() as f64
    };
    let countries = |sessions: &[Value]| {
        sessions
            .iter()
            .filter_map(|s| risk_signals(s).country)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let (a, b) = (profiles_per_user(default_sessions), profiles_per_user(&sessions));
    assert!(b > a + 0.5, "device profiles per user: default {a:.2}, shifted {b:.2}");
    assert!(countries(&sessions) >= 60, "shifted homes in {} countries", countries(&sessions));
}
