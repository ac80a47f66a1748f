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

/// (session_id, risk_score, reason codes, reason points) of every row of `scores/`, sorted.
fn scores(dir: &Path) -> Vec<(String, i32, Vec<String>, Vec<i32>)> {
    let mut out = Vec::new();
    for file in std::fs::read_dir(dir.join("scores")).unwrap() {
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file.unwrap().path()).unwrap())
                .unwrap();
        for batch in reader.build().unwrap() {
            let batch = batch.unwrap();
            let ids =
                batch.column_by_name("session_id").unwrap().as_any().downcast_ref::<StringArray>().unwrap();
            let score =
                batch.column_by_name("risk_score").unwrap().as_any().downcast_ref::<Int32Array>().unwrap();
            let reasons =
                batch.column_by_name("reasons").unwrap().as_any().downcast_ref::<ListArray>().unwrap();
            for i in 0..batch.num_rows() {
                let list = reasons.value(i);
                let list = list.as_any().downcast_ref::<StructArray>().unwrap();
                let codes = list.column(0).as_any().downcast_ref::<StringArray>().unwrap();
                let points = list.column(1).as_any().downcast_ref::<Int32Array>().unwrap();
                out.push((
                    ids.value(i).to_owned(),
                    score.value(i),
                    (0..list.len()).map(|k| codes.value(k).to_owned()).collect(),
                    (0..list.len()).map(|k| points.value(k)).collect(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn scores_and_findings_over_parquet_and_ndjson() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        seed: 41,
        sessions: 30_000,
        users: 3_000,
        start_ms: parse_date("2026-09-01").unwrap(),
        days: 60,
        profile: Profile::default(),
    };
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

    let (a, b) = (scores(&from_parquet), scores(&from_ndjson));
    assert_eq!(a.len(), 30_000);
    assert!(a == b, "scores over Parquet and over NDJSON differ");
    for (id, score, _, points) in &a {
        assert_eq!(points.iter().sum::<i32>(), *score, "{id}");
        assert!((0..=100).contains(score));
    }
    assert!(a.iter().any(|(_, s, _, _)| *s >= score_config.bands.high));
    assert!(a.iter().filter(|(_, s, _, _)| *s == 0).count() > 15_000, "most sessions are clean");

    // A rerun replaces the results rather than adding to them.
    run(&Source::of(&dataset).unwrap(), &from_parquet, &score_config, &ScoreOptions::default(), |_| {})
        .unwrap();
    assert_eq!(scores(&from_parquet).len(), 30_000);

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
