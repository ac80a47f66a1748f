//! Consistency detectors: the AI analysis of one user's face disagreeing with itself across
//! sessions (age estimate, sex).

use super::finding::{detector, Evidence, Finding};
use super::table::{SessionTable, NONE};
use crate::risk::config::ScoreConfig;
use crate::risk::rules::HOUR_US;

const DAY_US: f64 = 24.0 * HOUR_US;

/// A count kept over the sessions a user's usual value is taken over, as they enter and leave.
trait Tally {
    fn enter(&mut self, row: usize);
    fn leave(&mut self, row: usize);
}

/// For each of `rows` (one user's sessions that carry a value, in time order), the sessions
/// from `before_days` before to `after_days` after it, itself included: `tally` holds exactly
/// them when `each` is called with the row and how many they are. Both ends only move
/// forward, so a history costs linear time.
fn neighbourhoods<T: Tally>(
    t: &SessionTable,
    rows: &[usize],
    before_days: f64,
    after_days: f64,
    tally: &mut T,
    mut each: impl FnMut(usize, usize, &T),
) {
    let (before, after) = ((before_days * DAY_US) as i64, (after_days * DAY_US) as i64);
    let (mut lo, mut hi) = (0, 0);
    for (k, &row) in rows.iter().enumerate() {
        let time = t.created_us[row];
        while t.created_us[rows[lo]] < time.saturating_sub(before) {
            tally.leave(rows[lo]);
            lo += 1;
        }
        while hi < rows.len() && (hi <= k || t.created_us[rows[hi]] <= time.saturating_add(after)) {
            tally.enter(rows[hi]);
            hi += 1;
        }
        each(row, hi - lo, tally);
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

/// A session's AI age range (the rows given to [`Ages`] have one).
fn age(t: &SessionTable, row: usize) -> (i32, i32) {
    (t.age_min[row].unwrap_or(0), t.age_max[row].unwrap_or(0))
}

/// The low and high ends of the age ranges of a user's neighbourhood, for their medians.
struct Ages<'a> {
    t: &'a SessionTable,
    lows: SortedWindow,
    highs: SortedWindow,
}

impl Tally for Ages<'_> {
    fn enter(&mut self, row: usize) {
        let (lo, hi) = age(self.t, row);
        self.lows.insert(lo as f64);
        self.highs.insert(hi as f64);
    }
    fn leave(&mut self, row: usize) {
        let (lo, hi) = age(self.t, row);
        self.lows.remove(lo as f64);
        self.highs.remove(hi as f64);
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
        let mut ages = Ages { t, lows: SortedWindow::default(), highs: SortedWindow::default() };
        neighbourhoods(t, &rows, c.history_days, c.settle_days, &mut ages, |row, around, ages| {
            if around < c.min_sessions.max(1) {
                return;
            }
            let (lo, hi) = age(t, row);
            let (usual_lo, usual_hi) = (ages.lows.median(), ages.highs.median());
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

/// How many sessions of a user's neighbourhood show each sex.
struct Sexes<'a> {
    t: &'a SessionTable,
    counts: Vec<(u32, usize)>,
}

impl Tally for Sexes<'_> {
    fn enter(&mut self, row: usize) {
        let code = self.t.sex.codes[row];
        match self.counts.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((code, 1)),
        }
    }
    fn leave(&mut self, row: usize) {
        let code = self.t.sex.codes[row];
        self.counts.iter_mut().find(|(c, _)| *c == code).expect("counted when it entered").1 -= 1;
    }
}

/// A sex other than the one a clear majority of the user's sessions show, counted from
/// `history_days` before to `settle_days` after the session.
pub fn sex_inconsistent(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.sex_inconsistent;
    let mut rows = Vec::new();
    for user in &t.users {
        rows.clear();
        rows.extend(user.clone().filter(|&r| t.created_us[r] != i64::MIN && t.sex.codes[r] != NONE));
        if rows.len() < c.min_sessions.max(1) {
            continue;
        }
        let mut sexes = Sexes { t, counts: Vec::new() };
        neighbourhoods(t, &rows, c.history_days, c.settle_days, &mut sexes, |row, total, sexes| {
            if total < c.min_sessions.max(1) {
                return;
            }
            let &(usual, n) = sexes.counts.iter().max_by_key(|(_, n)| *n).expect("total > 0");
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
