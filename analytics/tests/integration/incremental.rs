//! Incremental scoring (`score --state DIR`) against one batch over the same sessions: a
//! generated corpus split into runs (1, 2 and 7 of them, late arrivals, one user's sessions
//! over several runs) gives every session the batch's score row and findings, row for row; a
//! run killed at each point of its commit and rerun gives what an uninterrupted run gives.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use facesign_analytics::generate::generate;
use facesign_analytics::risk::config::ScoreConfig;
use facesign_analytics::score::finding::detector;
use facesign_analytics::score::incremental::{self, IncrementalOptions};
use facesign_analytics::score::input::Source;
use facesign_analytics::score::state_store;
use facesign_analytics::score::{run, ScoreOptions};

use super::score::{batches, created_ms, finding_rows, score_rows_in, sixty_days, strings, ScoreRow};

/// Horizons short enough that over 60 days most users' early sessions leave the replayed tail
/// and live on only in their carried rules (with the defaults, 126 days, everything would stay
/// in the tail and the carries would go untested).
const SHORT: &str = "[device_churn]\nreturn_days = 14\n[fraud_farm]\nbaseline_days = 7\n\
    [age_inconsistent]\nhistory_days = 14\nsettle_days = 7\n[sex_inconsistent]\nhistory_days = 14\nsettle_days = 7\n";

/// A session's client reference id, from its line.
fn user_of(line: &str) -> &str {
    let key = "\"clientReferenceId\":\"";
    line.find(key).map_or("", |at| {
        let rest = &line[at + key.len()..];
        &rest[..rest.find('"').unwrap()]
    })
}

/// The corpus's lines cut into `k` runs of equal time spans; with `late`, the sessions of every
/// tenth user created in the last `late_days` of a run arrive with the next run instead.
fn split(lines: &[&str], k: usize, late_days: Option<f64>) -> Vec<String> {
    let times: Vec<i64> = lines.iter().map(|l| created_ms(l)).collect();
    let (lo, hi) = (*times.iter().min().unwrap(), *times.iter().max().unwrap() + 1);
    let mut parts = vec![String::new(); k];
    for (line, &t) in lines.iter().zip(&times) {
        let mut part = ((t - lo) as i128 * k as i128 / (hi - lo) as i128) as usize;
        if let Some(days) = late_days {
            let end = lo + ((part as i128 + 1) * (hi - lo) as i128 / k as i128) as i64;
            let tenth = user_of(line).bytes().map(u64::from).sum::<u64>() % 10 == 0;
            if part + 1 < k && tenth && ((end - t) as f64) < days * 86_400_000.0 {
                part += 1;
            }
        }
        parts[part].push_str(line);
        parts[part].push('\n');
    }
    parts
}

/// Each session's score row, and the findings (session id, detector, summary), sorted.
type Answers = (BTreeMap<String, ScoreRow>, Vec<(String, String, String)>);

/// The answers of an incremental output: each session's row of the latest run that wrote it,
/// and that run's findings of it (session id, detector, summary), sorted.
fn latest_answers(out: &Path) -> Answers {
    let runs = |dataset: &str| -> Vec<(u32, PathBuf)> {
        let mut runs: Vec<(u32, PathBuf)> = std::fs::read_dir(out.join(dataset))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter_map(|p| {
                let name = p.file_name()?.to_string_lossy().into_owned();
                Some((name.strip_prefix("run=")?.parse().ok()?, p))
            })
            .collect();
        runs.sort();
        runs
    };
    let (mut scores, mut run_of) = (BTreeMap::new(), BTreeMap::new());
    for (run, folder) in runs("scores") {
        for (id, row) in score_rows_in(&folder) {
            run_of.insert(id.clone(), run);
            scores.insert(id, row);
        }
    }
    let mut findings = Vec::new();
    for (run, folder) in runs("findings") {
        for batch in batches(&folder) {
            let (ids, detectors, summaries) =
                (strings(&batch, "session_id"), strings(&batch, "detector"), strings(&batch, "summary"));
            for i in 0..batch.num_rows() {
                if run_of.get(ids.value(i)) == Some(&run) {
                    findings.push((
                        ids.value(i).to_owned(),
                        detectors.value(i).to_owned(),
                        summaries.value(i).to_owned(),
                    ));
                }
            }
        }
    }
    findings.sort();
    (scores, findings)
}

/// A generated corpus of [`sixty_days`] (`seed`), as NDJSON text.
fn corpus_text(dir: &Path, seed: u64) -> String {
    let corpus = generate(&sixty_days(seed), &dir.join("corpus"), 2, |_| {}).unwrap();
    std::fs::read_to_string(&corpus.sessions_path).unwrap()
}

/// `text` with the line `from` replaced by `to`.
fn with_line(text: &str, from: &str, to: &str) -> String {
    text.lines().map(|l| if l == from { to } else { l }).flat_map(|l| [l, "\n"]).collect()
}

/// Requires the answers of the incremental output `out` to be a batch's over `sessions`
/// (NDJSON), scored into `dir/name`.
fn assert_batch_answers(
    dir: &Path,
    name: &str,
    sessions: &str,
    config: &ScoreConfig,
    out: &Path,
    when: &str,
) {
    let (input, whole) = (dir.join(format!("{name}.ndjson")), dir.join(name));
    std::fs::write(&input, sessions).unwrap();
    run(&Source::of(&input).unwrap(), &whole, config, &ScoreOptions::default(), |_| {}).unwrap();
    let (scores, findings) = latest_answers(out);
    assert!(scores == score_rows_in(&whole.join("scores")), "{when}: the answers are not the batch's");
    assert!(findings == finding_rows(&whole), "{when}: the findings are not the batch's");
}

/// Users brought into runs by farm findings that changed, over every run of this file's tests.
static FARM_USERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Runs the parts incrementally into `dir`/state and `dir`/out; the outputs' answers. With
/// `each_run`, after every run the answers so far must be a batch's over the sessions so far.
fn incremental_answers(
    dir: &Path,
    parts: &[String],
    config: &ScoreConfig,
    late_days: f64,
    each_run: bool,
) -> Answers {
    let (state, out) = (dir.join("state"), dir.join("out"));
    let options = IncrementalOptions { late_days, ..Default::default() };
    std::fs::create_dir_all(dir).unwrap();
    let mut so_far = String::new();
    for (k, part) in parts.iter().enumerate() {
        let input = dir.join(format!("part-{}.ndjson", k + 1));
        std::fs::write(&input, part).unwrap();
        let summary =
            incremental::run(&Source::of(&input).unwrap(), &out, &state, config, &options, |_| {}).unwrap();
        FARM_USERS.fetch_add(summary.farm_users, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(summary.run as usize, k + 1);
        assert_eq!(summary.new_sessions, part.lines().count());
        if each_run {
            so_far.push_str(part);
            assert_batch_answers(
                dir,
                &format!("batch-{}", k + 1),
                &so_far,
                config,
                &out,
                &format!("after run {}", k + 1),
            );
        }
    }
    latest_answers(&out)
}

#[test]
fn incremental_runs_give_the_batch_answer_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(&sixty_days(43), &dir.path().join("corpus"), 2, |_| {}).unwrap();
    let text = std::fs::read_to_string(&corpus.sessions_path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let short = ScoreConfig::with_overrides(SHORT).unwrap();
    for (name, config) in [("default", ScoreConfig::default()), ("short", short)] {
        let whole = dir.path().join(format!("whole-{name}"));
        run(&Source::of(&corpus.sessions_path).unwrap(), &whole, &config, &ScoreOptions::default(), |_| {})
            .unwrap();
        let (batch_scores, batch_findings) = (score_rows_in(&whole.join("scores")), finding_rows(&whole));
        assert_eq!(batch_scores.len(), lines.len());
        let mut cases: Vec<(String, Vec<String>, f64)> = vec![
            ("1 run".into(), split(&lines, 1, None), 7.0),
            ("2 runs".into(), split(&lines, 2, None), 0.0),
            ("7 runs".into(), split(&lines, 7, None), 2.0),
            ("7 runs, late arrivals".into(), split(&lines, 7, Some(5.0)), 6.0),
        ];
        // Three runs: up to the first session a farm finding is on, the 12 hours after, the
        // rest. The farm fires only when its later members come, so the second run changes the
        // answers of a user it has no session of (the first member, whose next session comes
        // later), and must bring them in.
        let first_farm_ms = batch_findings
            .iter()
            .filter(|f| f.1 == detector::FRAUD_FARM)
            .map(|f| batch_scores[&f.0].0 / 1000)
            .min()
            .unwrap();
        let mut cut = vec![String::new(); 3];
        for line in &lines {
            let t = created_ms(line);
            let part = usize::from(t > first_farm_ms) + usize::from(t > first_farm_ms + 12 * 3_600_000);
            cut[part].push_str(line);
            cut[part].push('\n');
        }
        cases.push(("3 runs cut within a farm".into(), cut, 0.0));
        for (case, parts, late_days) in cases {
            if case == "7 runs, late arrivals" {
                // Not vacuous: some sessions do come after later ones, and some user's
                // sessions are spread over three runs or more.
                let late = parts
                    .windows(2)
                    .any(|w| w[1].lines().any(|l| w[0].lines().any(|e| created_ms(e) > created_ms(l))));
                assert!(late, "no late arrival in the split");
            }
            let mut runs_of: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
            for (k, part) in parts.iter().enumerate() {
                part.lines().for_each(|l| {
                    runs_of.entry(user_of(l)).or_default().insert(k);
                });
            }
            assert!(parts.len() == 1 || runs_of.values().any(|r| r.len() >= 3.min(parts.len())));
            let run_dir = dir.path().join(format!("{name}-{}", case.replace([' ', ','], "-")));
            let each_run = case.contains("farm");
            let (scores, findings) = incremental_answers(&run_dir, &parts, &config, late_days, each_run);
            let differing: Vec<&String> = batch_scores
                .iter()
                .filter(|(id, row)| scores.get(*id) != Some(row))
                .map(|(id, _)| id)
                .collect();
            assert!(
                differing.is_empty() && scores.len() == batch_scores.len(),
                "{name} config, {case}: {} of {} sessions' answers differ from the batch's (first: {:?}), {} answered",
                differing.len(),
                batch_scores.len(),
                differing.first(),
                scores.len()
            );
            assert!(findings == batch_findings, "{name} config, {case}: findings differ from the batch's");
        }
        // Not vacuous: with the short horizons most users' early sessions live on only in
        // their carried rules.
        if name == "short" {
            let state = dir.path().join("short-7-runs/state");
            let folder = state_store::current_folder(&state).unwrap().unwrap();
            let index: state_store::Index = state_store::read_file(&folder.join("index.bin")).unwrap();
            let mut reader = state_store::RecordReader::new(&state);
            let (mut carried, mut kept) = (0, 0);
            for entry in &index.entries {
                let record = reader.read(&index, entry).unwrap();
                carried += usize::from(record.carry.is_some());
                kept += record.rows.len();
            }
            assert!(carried > 2_000 && kept < 20_000, "{carried} users carried, {kept} sessions kept");
        }
    }
    let farm_users = FARM_USERS.load(std::sync::atomic::Ordering::Relaxed);
    assert!(farm_users > 0, "no run brought in a user for a farm finding its new sessions changed");
}

#[test]
fn a_session_too_late_is_refused_and_an_input_scored_twice_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let text = corpus_text(dir.path(), 7);
    let lines: Vec<&str> = text.lines().collect();
    let parts = split(&lines, 2, None);
    // The second part's first session moved into the first part; a session of the first
    // part's first days sent again later, too late.
    let (state, out) = (dir.path().join("state"), dir.path().join("out"));
    let (first, second) = (dir.path().join("first.ndjson"), dir.path().join("second.ndjson"));
    std::fs::write(&first, &parts[0]).unwrap();
    let early = parts[0].lines().min_by_key(|l| created_ms(l)).unwrap();
    std::fs::write(&second, format!("{}{}\n", parts[1], early.replacen("\"id\":\"", "\"id\":\"again-", 1)))
        .unwrap();
    let config = ScoreConfig::default();
    let options = IncrementalOptions::default();
    let go =
        |input: &Path| incremental::run(&Source::of(input).unwrap(), &out, &state, &config, &options, |_| {});
    assert_eq!(go(&first).unwrap().run, 1);
    let err = go(&second).unwrap_err().to_string();
    assert!(
        err.contains("1 of the new sessions were created before") && err.contains("rebuild the state"),
        "{err}"
    );
    assert!(!out.join("scores").join("run=000002").exists(), "a refused run wrote scores");
    assert_eq!(go(&first).unwrap().run, 0, "the same file scored twice");
    std::fs::write(&second, &parts[1]).unwrap();
    assert_eq!(go(&second).unwrap().run, 2);
}

#[test]
fn a_session_sent_again_is_skipped_unchanged_and_replaces_the_kept_one_changed() {
    let dir = tempfile::tempdir().unwrap();
    let text = corpus_text(dir.path(), 9);
    let lines: Vec<&str> = text.lines().collect();
    let parts = split(&lines, 2, None);
    // The second part's two latest sessions sent again: one as it was, one now a bot.
    let mut latest: Vec<&str> = parts[1].lines().collect();
    latest.sort_by_key(|l| created_ms(l));
    let (same, changed) = (latest[latest.len() - 1], latest[latest.len() - 2]);
    assert!(changed.contains("\"isBot\":false"));
    let bot = changed.replacen("\"isBot\":false", "\"isBot\":true", 1);
    let (state, out) = (dir.path().join("state"), dir.path().join("out"));
    let config = ScoreConfig::default();
    let options = IncrementalOptions::default();
    let go = |name: &str, content: String| {
        let input = dir.path().join(name);
        std::fs::write(&input, content).unwrap();
        incremental::run(&Source::of(&input).unwrap(), &out, &state, &config, &options, |_| {}).unwrap()
    };
    go("first.ndjson", parts[0].clone());
    go("second.ndjson", parts[1].clone());
    let again = go("again.ndjson", format!("{same}\n{bot}\n"));
    assert_eq!((again.run, again.new_sessions), (3, 1), "only the changed session is new");
    assert_batch_answers(dir.path(), "now", &with_line(&text, changed, &bot), &config, &out, "sent again");
    let scores = latest_answers(&out).0;
    let id = |line: &str| line[7..line.find("\",").unwrap()].to_owned();
    assert!(
        scores[&id(changed)].3.iter().any(|r| r.0 == "bot_device"),
        "the changed session's answer is the new one"
    );
}

/// Straight from PostgreSQL (`--dsn`, through the extension): the first run reads every row,
/// a later one the rows updated since (a session updated meanwhile among them), and the answers
/// are a batch's over the table's sessions as they are.
#[test]
fn straight_from_the_database_each_run_reads_the_rows_updated_since() {
    // The scorer runs its own runtime for the database: the test's async steps get theirs.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(dsn) = runtime.block_on(crate::common::fresh_database("facesign_score_incremental")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text = corpus_text(dir.path(), 11);
    let lines: Vec<&str> = text.lines().collect();
    let parts = split(&lines, 2, None);
    let (first, second) = (dir.path().join("first.ndjson"), dir.path().join("second.ndjson"));
    std::fs::write(&first, &parts[0]).unwrap();
    // The second load sends one session of the first part again, now a bot: an update.
    let changed = parts[0].lines().max_by_key(|l| created_ms(l)).unwrap();
    assert!(changed.contains("\"isBot\":false"));
    let bot = changed.replacen("\"isBot\":false", "\"isBot\":true", 1);
    std::fs::write(&second, format!("{}{bot}\n", parts[1])).unwrap();
    let (state, out) = (dir.path().join("state"), dir.path().join("out"));
    let target = facesign_analytics::connect::Target::resolve(Some(&dsn)).unwrap();
    let config = ScoreConfig::default();
    let options = IncrementalOptions::default();
    let go = || {
        let incoming = incremental::Incoming::Database { target: &target, table: "sessions" };
        incremental::run_from(&incoming, &out, &state, &config, &options, |_| {}).unwrap()
    };
    runtime.block_on(super::export::load_into(&dsn, &first));
    let one = go();
    assert_eq!((one.run, one.new_sessions), (1, parts[0].lines().count()));
    runtime.block_on(super::export::load_into(&dsn, &second));
    let two = go();
    assert_eq!(
        (two.run, two.new_sessions),
        (2, parts[1].lines().count() + 1),
        "the new sessions and the update"
    );
    assert_eq!(go().run, 0, "nothing updated since");
    // The batch over the sessions as the table holds them.
    assert_batch_answers(
        dir.path(),
        "now",
        &with_line(&text, changed, &bot),
        &config,
        &out,
        "from the table",
    );
}

/// Runs the binary's incremental score, killed at `kill_at` when given.
fn score_binary(input: &Path, out: &Path, state: &Path, kill_at: Option<&str>) -> std::process::ExitStatus {
    let mut command = Command::new(env!("CARGO_BIN_EXE_facesign-analytics"));
    command
        .args(["score", "--late-days", "2", "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .arg("--state")
        .arg(state);
    command.env_remove("FACESIGN_SCORE_KILL_AT");
    // An aborted process may leave a core file in its folder: the run's, not the checkout.
    let folder = state.parent().unwrap();
    std::fs::create_dir_all(folder).unwrap();
    command.current_dir(folder);
    if let Some(point) = kill_at {
        command.env("FACESIGN_SCORE_KILL_AT", point);
    }
    command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    command.status().unwrap()
}

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn a_run_killed_at_any_point_and_rerun_gives_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let text = corpus_text(dir.path(), 8);
    let lines: Vec<&str> = text.lines().collect();
    let parts = split(&lines, 3, Some(2.0));
    let inputs: Vec<PathBuf> = (0..3).map(|k| dir.path().join(format!("part-{}.ndjson", k + 1))).collect();
    for (input, part) in inputs.iter().zip(&parts) {
        std::fs::write(input, part).unwrap();
    }
    // Uninterrupted: three runs.
    let clean = dir.path().join("clean");
    for input in &inputs {
        assert!(score_binary(input, &clean.join("out"), &clean.join("state"), None).success());
    }
    let expected = latest_answers(&clean.join("out"));
    let base = dir.path().join("base");
    assert!(score_binary(&inputs[0], &base.join("out"), &base.join("state"), None).success());
    for point in [
        "segment-written",
        "findings-written",
        "scores-written",
        "state-staged",
        "state-renamed",
        "committed",
    ] {
        let case = dir.path().join(point);
        copy_tree(&base, &case);
        let (out, state) = (case.join("out"), case.join("state"));
        let killed = score_binary(&inputs[1], &out, &state, Some(point));
        assert!(!killed.success(), "the run was not killed at {point}");
        assert!(
            score_binary(&inputs[1], &out, &state, None).success(),
            "the rerun after a kill at {point} failed"
        );
        assert!(score_binary(&inputs[2], &out, &state, None).success());
        assert!(
            latest_answers(&out) == expected,
            "killed at {point} and rerun: the answers differ from an uninterrupted run's"
        );
        // Nothing a killed run left behind remains.
        for dataset in ["scores", "findings"] {
            let names: Vec<String> = std::fs::read_dir(out.join(dataset))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names.len(), 3, "{point}: {dataset} holds {names:?}");
        }
        let mut names: Vec<String> = std::fs::read_dir(&state)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["CURRENT", "segments", "state-000003"],
            "{point}: the state folder holds more than one state"
        );
        let index: state_store::Index =
            state_store::read_file(&state.join("state-000003/index.bin")).unwrap();
        let segments: BTreeSet<String> = std::fs::read_dir(state.join("segments"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            segments,
            index.segments.iter().cloned().collect(),
            "{point}: segments no state refers to remain"
        );
    }
}
