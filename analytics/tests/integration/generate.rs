//! The generated corpus: valid flows, consistent paths, ordered timestamps, the same bytes for
//! the same seed, and planted anomalies and look-alikes that are what their labels say.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use facesign_analytics::generate::world::distance_km;
use facesign_analytics::generate::{generate, parse_date, Config, Rates};
use facesign_core::report::risk_signals;
use serde_json::Value;

fn config(seed: u64, sessions: u64, users: u64) -> Config {
    Config {
        seed,
        sessions,
        users,
        start_ms: parse_date("2026-09-01").unwrap(),
        days: 60,
        rates: Rates::default(),
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
        "anonymizer",
        "device_churn",
        "fraud_farm",
        "deepfake",
        "virtual_person",
        "liveness_failure",
        "age_inconsistent",
        "sex_inconsistent",
        "contradictory_device",
        "multi_country",
        "new_device",
        "benign:impossible_travel",
        "benign:fraud_farm",
    ] {
        let n = *counts.get(kind).unwrap_or(&0);
        assert!(n > 0, "no {kind} planted: {counts:?}");
        // A new device is how people are (a new phone), not an anomaly: common by nature.
        let share = if kind == "new_device" { 0.15 } else { 0.05 };
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
