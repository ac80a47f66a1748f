//! Scoring end to end on a generated corpus: over the exported Parquet and over the NDJSON the
//! scores are the same, the written Parquet reads back with every score equal to the sum of its
//! reasons' points, and the detectors find what the generator planted.

use std::path::Path;

use arrow_array::{Array, Int32Array, ListArray, StringArray, StructArray};
use facesign_analytics::export;
use facesign_analytics::generate::{generate, parse_date, Config, Profile};
use facesign_analytics::risk::config::ScoreConfig;
use facesign_analytics::score::evaluate::{evaluate, read_labels};
use facesign_analytics::score::finding::detector;
use facesign_analytics::score::input::Source;
use facesign_analytics::score::{run, ScoreOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// A generated corpus of 30 000 sessions of 3 000 users over 60 days.
pub(crate) fn sixty_days(seed: u64) -> Config {
    Config {
        seed,
        sessions: 30_000,
        users: 3_000,
        start_ms: parse_date("2026-09-01").unwrap(),
        days: 60,
        profile: Profile::default(),
    }
}

#[test]
fn scores_and_findings_over_parquet_and_ndjson() {
    let dir = tempfile::tempdir().unwrap();
    let config = sixty_days(41);
    let corpus = generate(&config, &dir.path().join("corpus"), 2, |_| {}).unwrap();
    let dataset = dir.path().join("dataset");
    export::ndjson::export(&corpus.sessions_path, &dataset, None, None, Default::default(), |_| {}).unwrap();

    let score_config = ScoreConfig::default();
    let from_parquet = dir.path().join("from-parquet");
    let summary =
        run(&Source::of(&dataset).unwrap(), &from_parquet, &score_config, &ScoreOptions::default(), |_| {})
            .unwrap();
    assert_eq!(summary.sessions, 30_000);
    let from_ndjson = dir.path().join("from-ndjson");
    run(
        &Source::of(&corpus.sessions_path).unwrap(),
        &from_ndjson,
        &score_config,
        &ScoreOptions::default(),
        |_| {},
    )
    .unwrap();

    let (a, b) = (score_rows(&from_parquet), score_rows(&from_ndjson));
    assert_eq!(a.len(), 30_000);
    // Every row whole, evidence text included: interned codes follow the reading order, which
    // differs between the two inputs, and no evidence may depend on it.
    let differ: Vec<_> = a.iter().filter(|(id, row)| b.get(*id) != Some(row)).take(3).collect();
    assert!(differ.is_empty(), "scores over Parquet and over NDJSON differ: {differ:?}");
    assert!(finding_rows(&from_parquet) == finding_rows(&from_ndjson), "findings differ");
    for (id, (_, score, _, reasons)) in &a {
        assert_eq!(reasons.iter().map(|r| r.1).sum::<i32>(), *score, "{id}");
        assert!((0..=100).contains(score));
    }
    assert!(a.values().any(|row| row.1 >= score_config.bands.high));
    assert!(a.values().filter(|row| row.1 == 0).count() > 15_000, "most sessions are clean");

    // A rerun replaces the results rather than adding to them.
    run(&Source::of(&dataset).unwrap(), &from_parquet, &score_config, &ScoreOptions::default(), |_| {})
        .unwrap();
    assert_eq!(score_rows(&from_parquet).len(), 30_000);

    let labels = read_labels(&corpus.labels_path).unwrap();
    let result =
        evaluate(&labels, &from_parquet.join("findings"), Some(&from_parquet.join("scores"))).unwrap();
    println!("{result}");
    for d in &result.detectors {
        assert!(d.users.labelled > 0, "{} was never planted: {result}", d.detector);
        assert!(d.users.precision().unwrap() >= 0.9, "{}: {result}", d.detector);
        assert!(d.users.recall().unwrap() >= 0.9, "{}: {result}", d.detector);
    }
    let travel = result.get(detector::IMPOSSIBLE_TRAVEL).unwrap();
    assert!(travel.lookalikes > 50 && travel.lookalikes_flagged == 0, "{result}");
    assert!(result.plain_flagged_rate().unwrap() < 0.005, "{result}");
}

/// A string column of a batch.
pub(crate) fn strings<'a>(batch: &'a arrow_array::RecordBatch, name: &str) -> &'a StringArray {
    batch.column_by_name(name).unwrap().as_any().downcast_ref::<StringArray>().unwrap()
}

pub(crate) fn batches(dir: &Path) -> Vec<arrow_array::RecordBatch> {
    let mut out = Vec::new();
    for file in std::fs::read_dir(dir).unwrap() {
        let file = std::fs::File::open(file.unwrap().path()).unwrap();
        out.extend(
            ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap().map(Result::unwrap),
        );
    }
    out
}

/// A session's `scores/` row: creation time (µs), score, level, reasons (code, points, evidence).
pub(crate) type ScoreRow = (i64, i32, String, Vec<(String, i32, String)>);

/// Every `scores/` row, by session id.
fn score_rows(dir: &Path) -> std::collections::BTreeMap<String, ScoreRow> {
    score_rows_in(&dir.join("scores"))
}

/// Every row of the score files in `folder`, by session id.
pub(crate) fn score_rows_in(folder: &Path) -> std::collections::BTreeMap<String, ScoreRow> {
    let mut out = std::collections::BTreeMap::new();
    for batch in batches(folder) {
        let created = batch
            .column_by_name("created_at")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::TimestampMicrosecondArray>()
            .unwrap();
        let score =
            batch.column_by_name("risk_score").unwrap().as_any().downcast_ref::<Int32Array>().unwrap();
        let reasons = batch.column_by_name("reasons").unwrap().as_any().downcast_ref::<ListArray>().unwrap();
        let (ids, levels) = (strings(&batch, "session_id"), strings(&batch, "risk_level"));
        for i in 0..batch.num_rows() {
            let list = reasons.value(i);
            let list = list.as_any().downcast_ref::<StructArray>().unwrap();
            let codes = list.column(0).as_any().downcast_ref::<StringArray>().unwrap();
            let points = list.column(1).as_any().downcast_ref::<Int32Array>().unwrap();
            let evidence = list.column(2).as_any().downcast_ref::<StringArray>().unwrap();
            let reasons = (0..list.len())
                .map(|k| (codes.value(k).to_owned(), points.value(k), evidence.value(k).to_owned()))
                .collect();
            out.insert(
                ids.value(i).to_owned(),
                (created.value(i), score.value(i), levels.value(i).to_owned(), reasons),
            );
        }
    }
    out
}

/// Every finding as (session id, detector, summary), sorted.
pub(crate) fn finding_rows(dir: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for batch in batches(&dir.join("findings")) {
        let (ids, detectors, summaries) =
            (strings(&batch, "session_id"), strings(&batch, "detector"), strings(&batch, "summary"));
        for i in 0..batch.num_rows() {
            out.push((ids.value(i).to_owned(), detectors.value(i).to_owned(), summaries.value(i).to_owned()));
        }
    }
    out.sort();
    out
}

/// The creation time of a generated session line (`generate` writes the session's own
/// `createdAt` before any other), in milliseconds.
pub(crate) fn created_ms(line: &str) -> i64 {
    let at = line.find("\"createdAt\":").unwrap() + "\"createdAt\":".len();
    line[at..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

/// What incremental scoring stands on: a session's findings and score depend on the sessions up
/// to the configuration's settle horizon after it and no later ones. Scoring only the sessions
/// created before a cut gives, for every session settled by then (created more than the horizon
/// before the cut), the row the whole corpus gives it, with the same findings.
#[test]
fn the_sessions_so_far_give_every_settled_session_its_final_answer() {
    let dir = tempfile::tempdir().unwrap();
    let config = sixty_days(43);
    let corpus = generate(&config, &dir.path().join("corpus"), 2, |_| {}).unwrap();
    let text = std::fs::read_to_string(&corpus.sessions_path).unwrap();
    let cut_ms = config.start_ms + 56 * 86_400_000;
    let prefix = dir.path().join("prefix.ndjson");
    let kept: String = text.lines().filter(|l| created_ms(l) < cut_ms).flat_map(|l| [l, "\n"]).collect();
    std::fs::write(&prefix, kept).unwrap();

    let score_config = ScoreConfig::default();
    let (whole, part) = (dir.path().join("whole"), dir.path().join("part"));
    for (input, out) in [(&corpus.sessions_path, &whole), (&prefix, &part)] {
        run(&Source::of(input).unwrap(), out, &score_config, &ScoreOptions::default(), |_| {}).unwrap();
    }
    let settled_us = (cut_ms - (score_config.settle_hours() * 3_600_000.0) as i64) * 1000;
    let (whole_scores, part_scores) = (score_rows(&whole), score_rows(&part));
    let settled: std::collections::BTreeSet<&String> =
        whole_scores.iter().filter(|(_, row)| row.0 < settled_us).map(|(id, _)| id).collect();
    assert!(settled.len() > 10_000, "{} settled sessions", settled.len());
    for id in &settled {
        assert_eq!(whole_scores[*id], part_scores[*id], "session {id}'s score changed after it settled");
    }
    // The comparison sees a change where there is one: some later sessions do change the
    // answers of sessions within the horizon before the cut.
    let unsettled_changed = part_scores
        .iter()
        .filter(|(id, _)| !settled.contains(id))
        .filter(|(id, row)| whole_scores[*id] != **row)
        .count();
    assert!(unsettled_changed > 0, "no answer within the horizon changed: the test would not see one");
    let settled_findings = |dir: &Path| -> Vec<(String, String, String)> {
        finding_rows(dir).into_iter().filter(|f| settled.contains(&f.0)).collect()
    };
    let (whole_findings, part_findings) = (settled_findings(&whole), settled_findings(&part));
    assert!(whole_findings == part_findings, "findings on settled sessions changed");
    // Not vacuous: the rules that look ahead found something among the settled sessions.
    for code in [
        detector::MULTI_COUNTRY,
        detector::DEVICE_CHURN,
        detector::FRAUD_FARM,
        detector::AGE_INCONSISTENT,
        detector::SEX_INCONSISTENT,
    ] {
        assert!(whole_findings.iter().any(|f| f.1 == code), "no {code} finding among the settled sessions");
    }
}
