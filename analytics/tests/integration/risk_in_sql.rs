//! The risk score in SQL is the toolkit's: over a generated corpus of 100 000 sessions loaded
//! into the reference table, `facesign.risk_score` gives every session exactly the reasons
//! (codes, points, evidence) the toolkit's session rules give it, the table stores that score
//! and band, and `facesign.travel_finding` over `LAG` finds exactly the toolkit's
//! `impossible_travel` findings (same pairs, same km and km/h).

use std::collections::BTreeMap;

use crate::common::fresh_database;
use facesign_analytics::connect::Target;
use facesign_analytics::generate::{generate, parse_date, Config, Profile};
use facesign_analytics::load::{load, LoadOptions};
use facesign_analytics::risk::config::ScoreConfig;
use facesign_analytics::score::input::{read_ndjson, table_of_rows};
use facesign_analytics::score::{geo_detectors, signals};

const SESSIONS: u64 = 100_000;

/// (code, points, evidence) of each reason, in order.
type Reasons = Vec<(String, i32, String)>;

#[tokio::test]
async fn risk_score_and_travel_finding_in_sql_equal_the_toolkit() {
    let Some(dsn) = fresh_database("facesign_risk_in_sql").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        seed: 2112,
        sessions: SESSIONS,
        users: SESSIONS / 10,
        start_ms: parse_date("2026-08-01").unwrap(),
        days: 90,
        profile: Profile::default(),
    };
    let corpus = generate(&config, &dir.path().join("corpus"), 2, |_| {}).unwrap();
    let mut client = Target::resolve(Some(&dsn)).unwrap().connect().await.unwrap();
    let file = std::io::BufReader::new(std::fs::File::open(&corpus.sessions_path).unwrap());
    let loaded = load(&mut client, file, &LoadOptions::new("sessions", 5_000), |_| {}).await.unwrap();
    assert_eq!(loaded.inserted, SESSIONS);

    // The toolkit: the session rules over its table, as `score` applies them.
    let score_config = ScoreConfig::default();
    let (rows, refused) = read_ndjson(&corpus.sessions_path, Default::default()).unwrap();
    assert!(refused.is_empty());
    let table = table_of_rows(&rows).unwrap();
    let mut toolkit: BTreeMap<String, (i32, Reasons)> = BTreeMap::new();
    for row in 0..table.len() {
        let mut reasons = Vec::new();
        signals::session_reasons(&table, row, &score_config, &mut reasons);
        let score = signals::settle(&mut reasons);
        let reasons = reasons.into_iter().map(|r| (r.code.to_owned(), r.points, r.evidence)).collect();
        toolkit.insert(table.session_id(row).unwrap().to_owned(), (score, reasons));
    }

    // The extension, on every stored document; and the stored columns.
    let sql_rows = client
        .query(
            "SELECT id, (r).score, (r).level, (r).reasons::text, risk_score, risk_level
             FROM sessions CROSS JOIN LATERAL facesign.risk_score(session) AS r",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(sql_rows.len() as u64, SESSIONS);
    let (mut scored, mut with_reasons) = (0, 0);
    for row in &sql_rows {
        let id: String = row.get(0);
        let (score, level, reasons): (i32, String, String) = (row.get(1), row.get(2), row.get(3));
        let reasons: Vec<serde_json::Value> = serde_json::from_str(&reasons).unwrap();
        let reasons: Reasons = reasons
            .iter()
            .map(|r| {
                (
                    r["code"].as_str().unwrap().to_owned(),
                    r["points"].as_i64().unwrap() as i32,
                    r["evidence"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expected = toolkit.get(&id).unwrap_or_else(|| panic!("{id}: not in the toolkit's table"));
        assert_eq!(
            (score, &reasons),
            (expected.0, &expected.1),
            "{id}: the extension's reasons differ from the toolkit's"
        );
        assert_eq!(level, score_config.level(score), "{id}");
        assert_eq!(
            (row.get::<_, Option<i32>>(4), row.get::<_, Option<String>>(5)),
            (Some(score), Some(level)),
            "{id}: stored"
        );
        scored += 1;
        with_reasons += usize::from(!reasons.is_empty());
    }
    assert_eq!(scored, SESSIONS as usize);
    assert!(with_reasons > 5_000, "the corpus exercises the rules: {with_reasons} sessions with reasons");
    // Every rule fires somewhere, but bot_device: the generator plants no bots (the SQL test's
    // deepfake session, tests/sql/risk_score.sql, has one).
    for code in
        facesign_core::risk::codes::ALL.into_iter().filter(|&c| c != facesign_core::risk::codes::BOT_DEVICE)
    {
        assert!(
            toolkit.values().any(|(_, reasons)| reasons.iter().any(|r| r.0 == code)),
            "no session of the corpus has a {code} reason"
        );
    }

    // Impossible travel: the toolkit's detector against LAG over the located sessions.
    let mut findings = Vec::new();
    geo_detectors::impossible_travel(&table, &score_config, &mut findings);
    let toolkit_travel: Vec<(String, String, f64, f64)> = findings
        .iter()
        .map(|f| {
            (
                table.session_id(f.row).unwrap().to_owned(),
                f.evidence.previous_session_id.clone().unwrap(),
                f.evidence.km.unwrap(),
                f.evidence.kmh.unwrap(),
            )
        })
        .collect();
    let sql_travel = client
        .query(
            "SELECT id, f ->> 'previous_session_id', (f ->> 'km')::float8, (f ->> 'kmh')::float8
             FROM (SELECT id, facesign.travel_finding(lag(session) OVER w, session) AS f
                   FROM sessions
                   WHERE created_at IS NOT NULL
                     AND (facesign.risk_signals(session)).latitude IS NOT NULL
                     AND (facesign.risk_signals(session)).longitude IS NOT NULL
                   WINDOW w AS (PARTITION BY client_reference_id ORDER BY created_at, id COLLATE \"C\")) AS pairs
             WHERE f IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    let mut sql_travel: Vec<(String, String, f64, f64)> =
        sql_travel.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    let mut toolkit_travel = toolkit_travel;
    let by_pair =
        |a: &(String, String, f64, f64), b: &(String, String, f64, f64)| (&a.0, &a.1).cmp(&(&b.0, &b.1));
    sql_travel.sort_by(by_pair);
    toolkit_travel.sort_by(by_pair);
    assert!(
        toolkit_travel.len() > 50,
        "the corpus plants impossible travel: {} findings",
        toolkit_travel.len()
    );
    assert_eq!(sql_travel.len(), toolkit_travel.len(), "as many findings");
    for (s, t) in sql_travel.iter().zip(&toolkit_travel) {
        assert_eq!(s, t, "the same pair, km and km/h");
    }
    println!(
        "risk_score: {scored} sessions, {with_reasons} with reasons, equal to the toolkit's; travel_finding: {} findings, equal",
        sql_travel.len()
    );
}
