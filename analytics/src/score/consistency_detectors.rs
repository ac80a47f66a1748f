//! Consistency detectors: the AI analysis of one user's face disagreeing with itself across
//! sessions (age estimate, sex).

use super::finding::{detector, Evidence, Finding};
use super::table::{SessionTable, NONE};
use crate::risk::config::ScoreConfig;

/// The median of a non-empty list.
fn median(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// An age estimate more than the tolerance outside the user's usual one (the median range of
/// the user's estimates): the gap between the two ranges, not between their middles, so wide
/// estimates are given their width.
pub fn age_inconsistent(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.age_inconsistent;
    let (mut lows, mut highs) = (Vec::new(), Vec::new());
    for user in &t.users {
        lows.clear();
        highs.clear();
        for row in user.clone() {
            if let (Some(lo), Some(hi)) = (t.age_min[row], t.age_max[row]) {
                lows.push(lo as f64);
                highs.push(hi as f64);
            }
        }
        if lows.len() < c.min_sessions.max(1) {
            continue;
        }
        let (usual_lo, usual_hi) = (median(&mut lows), median(&mut highs));
        for row in user.clone() {
            let (Some(lo), Some(hi)) = (t.age_min[row], t.age_max[row]) else { continue };
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
        }
    }
}

/// A sex other than the one a clear majority of the user's sessions show.
pub fn sex_inconsistent(t: &SessionTable, config: &ScoreConfig, out: &mut Vec<Finding>) {
    let c = &config.sex_inconsistent;
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for user in &t.users {
        counts.clear();
        for row in user.clone() {
            let code = t.sex.codes[row];
            if code == NONE {
                continue;
            }
            match counts.iter_mut().find(|(k, _)| *k == code) {
                Some((_, n)) => *n += 1,
                None => counts.push((code, 1)),
            }
        }
        let total: usize = counts.iter().map(|(_, n)| n).sum();
        if total < c.min_sessions.max(1) {
            continue;
        }
        let &(usual, n) = counts.iter().max_by_key(|(_, n)| *n).expect("total > 0");
        // Only against a clear majority: with no majority there is no "usual" sex to differ from.
        if n * 2 <= total {
            continue;
        }
        for row in user.clone() {
            let code = t.sex.codes[row];
            if code == NONE || code == usual {
                continue;
            }
            let (sex, usual_sex) = (t.sex.get(row).unwrap_or("?"), t.sex.value(usual).unwrap_or("?"));
            out.push(Finding {
                row,
                detector: detector::SEX_INCONSISTENT,
                severity: c.severity,
                points: c.points,
                summary: format!("sex estimated {sex}, {n} of the user's {total} sessions say {usual_sex}"),
                evidence: Evidence {
                    sex: Some(sex.to_owned()),
                    usual_sex: Some(usual_sex.to_owned()),
                    sessions: Some(total as i32),
                    ..Evidence::default()
                },
            });
        }
    }
}
