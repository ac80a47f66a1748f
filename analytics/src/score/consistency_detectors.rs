//! Consistency detectors: the AI analysis of one user's face disagreeing with itself across
//! sessions (age estimate, sex).

use super::finding::{detector, Evidence, Finding};
use super::table::{SessionTable, NONE};
use crate::risk::config::ScoreConfig;
use crate::risk::rules::HOUR_US;

const DAY_US: f64 = 24.0 * HOUR_US;

/// The rows of one user's history (in time order, unknown times last) that carry a value, with
/// for each the range of those rows from `before` to `after` it: the sessions a usual value is
/// taken over. Both ends only move forward, so a history costs linear time.
fn neighbourhoods(
    t: &SessionTable,
    rows: &[usize],
    before_days: f64,
    after_days: f64,
    mut each: impl FnMut(usize, std::ops::Range<usize>),
) {
    let (before, after) = ((before_days * DAY_US) as i64, (after_days * DAY_US) as i64);
    let (mut lo, mut hi) = (0, 0);
    for (k, &row) in rows.iter().enumerate() {
        let time = t.created_us[row];
        while t.created_us[rows[lo]] < time.saturating_sub(before) {
            lo += 1;
        }
        hi = hi.max(k + 1);
        while hi < rows.len() && t.created_us[rows[hi]] <= time.saturating_add(after) {
            hi += 1;
        }
        each(k, lo..hi);
    }
}

/// A sorted list of numbers that values enter and leave, with its median.
#[derive(Default)]
struct SortedWindow(Vec<f64>);

impl SortedWindow {
    fn insert(&mut self, v: f64) {
        let at = self.0.partition_point(|&x| x < v);
        self.0.insert(at, v);
    }
    fn remove(&mut self, v: f64) {
        let at = self.0.partition_point(|&x| x < v);
        self.0.remove(at);
    }
    fn median(&self) -> f64 {
        let n = self.0.len();
        if n % 2 == 1 {
            self.0[n / 2]
        } else {
            (self.0[n / 2 - 1] + self.0[n / 2]) / 2.0
        }
    }
}

/// An age estimate more than the tolerance outside the user's usual one (the median range of
/// the user's estimates from `history_days` before to `settle_days` after it): the gap between
/// the two ranges, not between their middles, so wide estimates are given their width.
pub fn age_inconsistent(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.age_inconsistent;
    let mut rows = Vec::new();
    for user in &t.users {
        rows.clear();
        rows.extend(
            user.clone()
                .filter(|&r| t.created_us[r] != i64::MIN && t.age_min[r].is_some() && t.age_max[r].is_some()),
        );
        if rows.len() < c.min_sessions.max(1) {
            continue;
        }
        let age = |row: usize| (t.age_min[row].unwrap_or(0), t.age_max[row].unwrap_or(0));
        let (mut lows, mut highs) = (SortedWindow::default(), SortedWindow::default());
        let mut held = 0..0;
        neighbourhoods(t, &rows, c.history_days, c.settle_days, |k, window| {
            for &r in &rows[held.end.max(window.start)..window.end] {
                lows.insert(age(r).0 as f64);
                highs.insert(age(r).1 as f64);
            }
            for &r in &rows[held.start..window.start.min(held.end)] {
                lows.remove(age(r).0 as f64);
                highs.remove(age(r).1 as f64);
            }
            held = window;
            if held.len() < c.min_sessions.max(1) {
                return;
            }
            let row = rows[k];
            let (lo, hi) = age(row);
            let (usual_lo, usual_hi) = (lows.median(), highs.median());
            let gap = (lo as f64 - usual_hi).max(usual_lo - hi as f64);
            if gap > c.tolerance_years {
                out.push(Finding {
                    row,
                    detector: detector::AGE_INCONSISTENT,
                    severity: c.severity,
                    points: c.points,
                    summary: format!(
                        "age estimated {lo}–{hi}, the user's usual estimate is {usual_lo:.0}–{usual_hi:.0}"
                    ),
                    evidence: Evidence {
                        age_min: Some(lo),
                        age_max: Some(hi),
                        usual_age_min: Some(usual_lo.round() as i32),
                        usual_age_max: Some(usual_hi.round() as i32),
                        ..Evidence::default()
                    },
                });
            }
        });
    }
}

/// A sex other than the one a clear majority of the user's sessions show, counted from
/// `history_days` before to `settle_days` after the session.
pub fn sex_inconsistent(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.sex_inconsistent;
    let mut rows = Vec::new();
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for user in &t.users {
        rows.clear();
        rows.extend(user.clone().filter(|&r| t.created_us[r] != i64::MIN && t.sex.codes[r] != NONE));
        if rows.len() < c.min_sessions.max(1) {
            continue;
        }
        counts.clear();
        let mut held = 0..0;
        neighbourhoods(t, &rows, c.history_days, c.settle_days, |k, window| {
            for &r in &rows[held.end.max(window.start)..window.end] {
                match counts.iter_mut().find(|(code, _)| *code == t.sex.codes[r]) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((t.sex.codes[r], 1)),
                }
            }
            for &r in &rows[held.start..window.start.min(held.end)] {
                let entry = counts.iter_mut().find(|(code, _)| *code == t.sex.codes[r]).expect("counted");
                entry.1 -= 1;
            }
            held = window;
            let total = held.len();
            if total < c.min_sessions.max(1) {
                return;
            }
            let &(usual, n) = counts.iter().max_by_key(|(_, n)| *n).expect("total > 0");
            let row = rows[k];
            let code = t.sex.codes[row];
            // Only against a clear majority: with none there is no "usual" sex to differ from.
            if n * 2 <= total || code == usual {
                return;
            }
            let (sex, usual_sex) = (t.sex.get(row).unwrap_or("?"), t.sex.value(usual).unwrap_or("?"));
            out.push(Finding {
                row,
                detector: detector::SEX_INCONSISTENT,
                severity: c.severity,
                points: c.points,
                summary: format!(
                    "sex estimated {sex}, {n} of the user's {total} sessions around it say {usual_sex}"
                ),
                evidence: Evidence {
                    sex: Some(sex.to_owned()),
                    usual_sex: Some(usual_sex.to_owned()),
                    sessions: Some(total as i32),
                    ..Evidence::default()
                },
            });
        });
    }
}
