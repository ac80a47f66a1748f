//! Every weight and threshold of scoring and detection, read from one TOML file. The defaults
//! are `analytics/data/score.toml`, embedded in the binary, so the documented file is the
//! configuration itself rather than a copy of constants kept in code.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::rules::{DeviceChurnRule, MultiCountryRule, NewCountryRule, NewDeviceRule};

/// The default configuration, as documented (the file core compiles in).
pub use facesign_core::risk::config::DEFAULT_TOML;
/// The sections the session rules read live in core, which the extension shares.
pub use facesign_core::risk::config::{Bands, Doubt, ImpossibleTravel, Severity, Signals};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCountry {
    pub points: i32,
    pub severity: Severity,
    pub history_days: f64,
    pub min_history: usize,
    pub min_km: f64,
}

impl NewCountry {
    pub fn rule(&self) -> NewCountryRule {
        NewCountryRule {
            history_hours: self.history_days * 24.0,
            min_history: self.min_history,
            min_km: self.min_km,
        }
    }
}

/// The longest of a list of window lengths (0 for none).
fn longest(hours: &[f64]) -> f64 {
    hours.iter().copied().fold(0.0, f64::max)
}

/// Windows given as two lists of the same length: hours, and the least count in each.
fn windows(hours: &[f64], least: &[usize]) -> Vec<(f64, usize)> {
    hours.iter().copied().zip(least.iter().copied()).collect()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiCountry {
    pub points: i32,
    pub severity: Severity,
    pub window_hours: Vec<f64>,
    pub min_countries: Vec<usize>,
    pub home_km: f64,
}

impl MultiCountry {
    pub fn rule(&self) -> MultiCountryRule {
        MultiCountryRule { windows: windows(&self.window_hours, &self.min_countries), home_km: self.home_km }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    pub points: i32,
    pub severity: Severity,
    pub history_days: f64,
    pub min_history: usize,
    pub min_km: f64,
}

impl NewDevice {
    pub fn rule(&self) -> NewDeviceRule {
        NewDeviceRule {
            history_hours: self.history_days * 24.0,
            min_history: self.min_history,
            min_km: self.min_km,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceChurn {
    pub points: i32,
    pub severity: Severity,
    pub window_hours: Vec<f64>,
    pub min_new_profiles: Vec<usize>,
    pub min_new_share: f64,
    pub min_history: usize,
    pub history_days: f64,
    /// How long after a new profile's first showing a return to it is looked for.
    pub return_days: f64,
}

impl DeviceChurn {
    pub fn rule(&self) -> DeviceChurnRule {
        DeviceChurnRule {
            windows: windows(&self.window_hours, &self.min_new_profiles),
            min_new_share: self.min_new_share,
            min_history: self.min_history,
            history_hours: self.history_days * 24.0,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudFarm {
    pub points: i32,
    pub severity: Severity,
    pub window_hours: Vec<f64>,
    /// Users on the farm's phones in its stretch, members who owned the model included.
    pub min_users: usize,
    /// Of those, the users who came to the phones new.
    pub min_new_users: usize,
    /// The chance shared among a network and city's profiles.
    pub max_chance: f64,
    /// The days before and after a window whose newcomers give each profile's usual share.
    pub baseline_days: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plain {
    pub points: i32,
    pub severity: Severity,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consistency {
    pub points: i32,
    pub severity: Severity,
    pub min_sessions: usize,
    #[serde(default)]
    pub tolerance_years: f64,
    /// The user's usual estimate is taken over their sessions from `history_days` before to
    /// `settle_days` after the session.
    pub history_days: f64,
    pub settle_days: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreConfig {
    pub bands: Bands,
    pub signals: Signals,
    pub impossible_travel: ImpossibleTravel,
    pub new_country: NewCountry,
    pub multi_country: MultiCountry,
    pub new_device: NewDevice,
    pub device_churn: DeviceChurn,
    pub fraud_farm: FraudFarm,
    pub contradictory_device: Plain,
    pub age_inconsistent: Consistency,
    pub sex_inconsistent: Consistency,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        toml::Value::Table(facesign_core::risk::config::default_table())
            .try_into()
            .expect("the embedded score.toml is valid")
    }
}

impl ScoreConfig {
    /// The defaults, parsed once.
    pub fn defaults() -> &'static ScoreConfig {
        static DEFAULTS: std::sync::OnceLock<ScoreConfig> = std::sync::OnceLock::new();
        DEFAULTS.get_or_init(ScoreConfig::default)
    }

    /// The defaults with `overrides` (TOML text) laid over them, key by key (core's merge,
    /// which SQL's `risk_score(session, config)` uses too).
    pub fn with_overrides(overrides: &str) -> Result<ScoreConfig> {
        let user: toml::Table = toml::from_str(overrides)?;
        let merged = facesign_core::risk::config::merged_with(user)?;
        let config: ScoreConfig = toml::Value::Table(merged).try_into()?;
        facesign_core::risk::config::check_bands(&config.bands)?;
        config.check_windows()?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<ScoreConfig> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::with_overrides(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Each list of window lengths has a count for every window, and at least one window.
    fn check_windows(&self) -> Result<()> {
        let lists = [
            (
                "multi_country",
                "min_countries",
                self.multi_country.window_hours.len(),
                self.multi_country.min_countries.len(),
            ),
            (
                "device_churn",
                "min_new_profiles",
                self.device_churn.window_hours.len(),
                self.device_churn.min_new_profiles.len(),
            ),
        ];
        for (section, counts, windows, least) in lists {
            if windows == 0 || windows != least {
                anyhow::bail!(
                    "{section}.window_hours has {windows} windows and {section}.{counts} {least} counts: give one count per window (and at least one window)"
                );
            }
        }
        if self.fraud_farm.window_hours.is_empty() {
            anyhow::bail!("fraud_farm.window_hours needs at least one window");
        }
        let longest = longest(&self.device_churn.window_hours);
        if self.device_churn.return_days * 24.0 < longest {
            anyhow::bail!(
                "device_churn.return_days ({}) is shorter than its longest window ({longest} hours): a return is looked for after the window, so give at least {}",
                self.device_churn.return_days,
                longest / 24.0
            );
        }
        Ok(())
    }

    /// How long after a session later sessions can still change its findings and score: the
    /// longest look ahead of any rule (a window's sessions flagged when the window fills, a
    /// return to a churned profile, a farm's baseline after its window, a usual age or sex
    /// taken over the sessions after). Beyond it a session's answer is settled, which is what
    /// lets a run over the sessions so far agree with a later run over more.
    pub fn settle_hours(&self) -> f64 {
        [
            longest(&self.multi_country.window_hours),
            longest(&self.device_churn.window_hours).max(self.device_churn.return_days * 24.0),
            longest(&self.fraud_farm.window_hours) + self.fraud_farm.baseline_days * 24.0,
            self.age_inconsistent.settle_days * 24.0,
            self.sex_inconsistent.settle_days * 24.0,
        ]
        .into_iter()
        .fold(0.0, f64::max)
    }

    /// How long before a session the sessions its answer reads are kept as they are, beyond
    /// what the per-user rules carry in their bounded state (see `score::carry`): the usual
    /// age and sex's history, a farm's window and its baseline before it. An incremental run
    /// replays this much before the sessions whose answers can still change.
    pub fn replay_hours(&self) -> f64 {
        [
            self.age_inconsistent.history_days * 24.0,
            self.sex_inconsistent.history_days * 24.0,
            self.farm_replay_hours(),
        ]
        .into_iter()
        .fold(0.0, f64::max)
    }

    /// The part of [`ScoreConfig::replay_hours`] the farm rule needs: its longest window and
    /// the baseline before it.
    pub fn farm_replay_hours(&self) -> f64 {
        longest(&self.fraud_farm.window_hours) + self.fraud_farm.baseline_days * 24.0
    }

    /// The band a score falls in.
    pub fn level(&self, score: i32) -> &'static str {
        self.bands.level(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_file_is_the_default() {
        let c = ScoreConfig::default();
        assert_eq!((c.bands.elevated, c.bands.high), (30, 65));
        assert_eq!(c.impossible_travel.max_speed_kmh, 1000.0);
        assert_eq!(c.device_churn.window_hours.len(), c.device_churn.min_new_profiles.len());
        assert_eq!(c.multi_country.window_hours.len(), c.multi_country.min_countries.len());
        assert_eq!(c.level(29), "normal");
        assert_eq!(c.level(30), "elevated");
        assert_eq!(c.level(65), "high");
        assert_eq!(c.settle_hours(), 24.0 + 28.0 * 24.0, "a farm's longest window and its baseline after it");
    }

    #[test]
    fn overrides_change_only_their_keys_and_typos_are_refused() {
        let c = ScoreConfig::with_overrides("[impossible_travel]\nmax_speed_kmh = 1200.0\n").unwrap();
        assert_eq!(c.impossible_travel.max_speed_kmh, 1200.0);
        assert_eq!(c.impossible_travel.min_distance_km, 500.0);
        let err = ScoreConfig::with_overrides("[impossible_travel]\nmax_speed = 1.0\n").unwrap_err();
        assert!(err.to_string().contains("unknown key impossible_travel.max_speed"), "{err}");
        let err = ScoreConfig::with_overrides("[bands]\nelevated = 90\n").unwrap_err();
        assert!(err.to_string().contains("must not be above"), "{err}");
        assert!(ScoreConfig::with_overrides("[impossible_travel]\nanonymizer = \"ignore\"\n").is_err());
    }
}
