//! Rules over one user's history that both the detectors (over exported sessions) and the
//! generator (over its plan, to label what it planted) apply, so "a new country" or "device
//! churn" has one definition. Every rule is a sliding window over visits in time order: linear
//! in the length of the history, whatever its length.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// FxHash: the interned values are short strings from our own dataset, not attacker-chosen
/// keys of a long-lived map, so the fast hash is safe here.
#[derive(Default)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 =
                (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

/// Code of a missing value in an interned column.
pub const NONE: u32 = u32::MAX;

/// One session of a user's history, as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Visit {
    /// Microseconds since the epoch; `i64::MIN` when unknown (such a visit is skipped).
    pub time_us: i64,
    /// Interned country code, [`NONE`] when the session has no location.
    pub country: u32,
    /// Interned device profile, [`NONE`] when the session has no device.
    pub device: u32,
}

pub const HOUR_US: f64 = 3_600_000_000.0;

/// Counts of the values inside a window.
#[derive(Default)]
struct WindowCounts {
    counts: HashMap<u32, u32, FxBuild>,
}

impl WindowCounts {
    fn add(&mut self, v: u32) {
        *self.counts.entry(v).or_insert(0) += 1;
    }
    fn remove(&mut self, v: u32) {
        if let Some(c) = self.counts.get_mut(&v) {
            *c -= 1;
            if *c == 0 {
                self.counts.remove(&v);
            }
        }
    }
    fn distinct(&self) -> usize {
        self.counts.len()
    }
    fn values(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.counts.keys().copied().collect();
        v.sort_unstable();
        v
    }
}

fn known(visits: &[Visit], field: fn(&Visit) -> u32) -> impl Iterator<Item = (usize, i64, u32)> + '_ {
    visits
        .iter()
        .enumerate()
        .filter(move |(_, v)| v.time_us != i64::MIN && field(v) != NONE)
        .map(move |(k, v)| (k, v.time_us, field(v)))
}

/// Visits from a country none of the user's located visits in the `history_hours` before came
/// from, given at least one such visit: `hit(index)`.
pub fn new_countries(visits: &[Visit], history_hours: f64, mut hit: impl FnMut(usize)) {
    let history_us = (history_hours * HOUR_US) as i64;
    let located: Vec<(usize, i64, u32)> = known(visits, |v| v.country).collect();
    let mut window = WindowCounts::default();
    let mut left = 0;
    for (j, &(index, time, country)) in located.iter().enumerate() {
        while left < j && located[left].1 < time.saturating_sub(history_us) {
            window.remove(located[left].2);
            left += 1;
        }
        if window.distinct() > 0 && !window.counts.contains_key(&country) {
            hit(index);
        }
        window.add(country);
    }
}

/// Visits at which the user's visits within the `window_hours` up to and including it show at
/// least `min_distinct` distinct values of `field`: `hit(index, the values)`.
fn distinct_in_window(
    visits: &[Visit],
    field: fn(&Visit) -> u32,
    window_hours: f64,
    min_distinct: usize,
    mut hit: impl FnMut(usize, Vec<u32>),
) {
    let window_us = (window_hours * HOUR_US) as i64;
    let known: Vec<(usize, i64, u32)> = known(visits, field).collect();
    let mut window = WindowCounts::default();
    let mut left = 0;
    for (pos, &(index, time, value)) in known.iter().enumerate() {
        window.add(value);
        while left < pos && known[left].1 <= time.saturating_sub(window_us) {
            window.remove(known[left].2);
            left += 1;
        }
        if window.distinct() >= min_distinct.max(1) {
            hit(index, window.values());
        }
    }
}

/// Several countries in a short window.
pub fn country_hopping(visits: &[Visit], window_hours: f64, min: usize, hit: impl FnMut(usize, Vec<u32>)) {
    distinct_in_window(visits, |v| v.country, window_hours, min, hit)
}

/// Many device profiles in a short window.
pub fn device_churn(visits: &[Visit], window_hours: f64, min: usize, hit: impl FnMut(usize, Vec<u32>)) {
    distinct_in_window(visits, |v| v.device, window_hours, min, hit)
}

/// Visits on a device profile none of the earlier visits used, after at least `min_history`
/// earlier visits with a device: `hit(index, how many earlier)`.
pub fn new_devices(visits: &[Visit], min_history: usize, mut hit: impl FnMut(usize, usize)) {
    let mut seen: Vec<u32> = Vec::new();
    for (earlier, (index, _, device)) in known(visits, |v| v.device).enumerate() {
        if !seen.contains(&device) {
            if earlier >= min_history.max(1) {
                hit(index, earlier);
            }
            seen.push(device);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = HOUR_US as i64;

    fn visits(v: &[(i64, u32, u32)]) -> Vec<Visit> {
        v.iter().map(|&(h, country, device)| Visit { time_us: h * H, country, device }).collect()
    }

    fn collect(f: impl FnOnce(&mut dyn FnMut(usize))) -> Vec<usize> {
        let mut hits = Vec::new();
        f(&mut |i| hits.push(i));
        hits
    }

    #[test]
    fn a_new_country_needs_a_history_and_forgets_old_trips() {
        let v = visits(&[(0, 1, 0), (10, 1, 0), (20, 2, 0), (30, 2, 0), (40, 1, 0)]);
        assert_eq!(collect(|h| new_countries(&v, 90.0 * 24.0, h)), vec![2]);
        // The first located visit has no history; an unlocated one is skipped.
        let v = visits(&[(0, NONE, 0), (5, 3, 0), (6, NONE, 0), (7, 3, 0)]);
        assert!(collect(|h| new_countries(&v, 90.0 * 24.0, h)).is_empty());
        // Home country last seen beyond the history: coming back is new again.
        let v = visits(&[(0, 1, 0), (100, 2, 0), (200, 2, 0), (300, 1, 0)]);
        assert_eq!(collect(|h| new_countries(&v, 150.0, h)), vec![1, 3]);
        // With nothing at all in the history, there is nothing to be new against.
        let v = visits(&[(0, 1, 0), (300, 2, 0)]);
        assert!(collect(|h| new_countries(&v, 150.0, h)).is_empty());
    }

    #[test]
    fn hopping_counts_distinct_countries_inside_the_window_only() {
        let v = visits(&[(0, 1, 0), (20, 2, 0), (40, 3, 0), (200, 4, 0), (201, 4, 0)]);
        let mut hits = Vec::new();
        country_hopping(&v, 72.0, 3, |i, c| hits.push((i, c)));
        assert_eq!(hits, vec![(2, vec![1, 2, 3])]);
        // The window's edge: 72 hours after the first visit it has left the window.
        let v = visits(&[(0, 1, 0), (20, 2, 0), (72, 3, 0)]);
        let mut hits = Vec::new();
        country_hopping(&v, 72.0, 3, |i, _| hits.push(i));
        assert!(hits.is_empty());
    }

    #[test]
    fn churn_and_new_devices() {
        let v = visits(&[(0, 1, 1), (100, 1, 1), (200, 1, 2), (210, 1, 3), (220, 1, 4), (230, 1, 5)]);
        let mut churn = Vec::new();
        device_churn(&v, 48.0, 4, |i, d| churn.push((i, d.len())));
        // At hour 220 the window (172, 220] holds three profiles; at 230 four.
        assert_eq!(churn, vec![(5, 4)]);
        let mut new = Vec::new();
        new_devices(&v, 3, |i, earlier| new.push((i, earlier)));
        assert_eq!(new, vec![(3, 3), (4, 4), (5, 5)]);
        // The same devices, one at a time, never churn.
        let v = visits(&[(0, 1, 1), (1, 1, 2), (2, 1, 1), (3, 1, 2), (4, 1, 1)]);
        let mut churn = Vec::new();
        device_churn(&v, 48.0, 4, |i, _| churn.push(i));
        assert!(churn.is_empty());
    }
}
