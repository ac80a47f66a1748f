//! Every weight and threshold of scoring and detection, read from one TOML file. The defaults
//! are `analytics/data/score.toml`, embedded in the binary, so the documented file is the
//! configuration itself rather than a copy of constants kept in code.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// The default configuration, as documented.
pub const DEFAULT_TOML: &str = include_str!("../../data/score.toml");

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// What impossible travel does when a location is doubtful.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Doubt {
    Suppress,
    Downgrade,
    Keep,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    pub elevated: i32,
    pub high: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signals {
    pub deepfake: i32,
    pub liveness_failure: i32,
    pub virtual_person: i32,
    pub video_high_risk_each: i32,
    pub video_suspicious_each: i32,
    pub video_max: i32,
    pub face_mismatch: i32,
    pub face_similarity_min: f64,
    pub document_failed: i32,
    pub two_factor_failed: i32,
    pub anonymizer: i32,
    pub bot_device: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpossibleTravel {
    pub points: i32,
    pub severity: Severity,
    pub max_speed_kmh: f64,
    pub min_distance_km: f64,
    pub min_hours: f64,
    pub anonymizer: Doubt,
    pub mobile_carrier: Doubt,
    pub mobile_accuracy_km: i32,
    pub downgraded_points: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCountry {
    pub points: i32,
    pub severity: Severity,
    pub history_days: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub points: i32,
    pub severity: Severity,
    pub window_hours: f64,
    #[serde(alias = "min_countries", alias = "min_profiles")]
    pub min_distinct: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    pub points: i32,
    pub severity: Severity,
    pub min_history: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FraudFarm {
    pub points: i32,
    pub severity: Severity,
    pub window_hours: f64,
    pub min_users: usize,
    pub burst_factor: f64,
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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreConfig {
    pub bands: Bands,
    pub signals: Signals,
    pub impossible_travel: ImpossibleTravel,
    pub new_country: NewCountry,
    pub multi_country: Window,
    pub new_device: NewDevice,
    pub device_churn: Window,
    pub fraud_farm: FraudFarm,
    pub contradictory_device: Plain,
    pub age_inconsistent: Consistency,
    pub sex_inconsistent: Consistency,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        toml::from_str(DEFAULT_TOML).expect("the embedded score.toml is valid")
    }
}

impl ScoreConfig {
    /// The defaults, parsed once.
    pub fn defaults() -> &'static ScoreConfig {
        static DEFAULTS: std::sync::OnceLock<ScoreConfig> = std::sync::OnceLock::new();
        DEFAULTS.get_or_init(ScoreConfig::default)
    }

    /// The defaults with `overrides` (TOML text) laid over them, key by key.
    pub fn with_overrides(overrides: &str) -> Result<ScoreConfig> {
        let mut merged: toml::Table = toml::from_str(DEFAULT_TOML).expect("the embedded score.toml is valid");
        let user: toml::Table = toml::from_str(overrides)?;
        for (section, value) in user {
            match (merged.get_mut(&section), value) {
                (Some(toml::Value::Table(base)), toml::Value::Table(keys)) => {
                    for (key, v) in keys {
                        if !base.contains_key(&key) {
                            bail!(
                                "unknown key {section}.{key} (see `facesign-analytics score --print-config`)"
                            );
                        }
                        base.insert(key, v);
                    }
                }
                _ => bail!("unknown section [{section}] (see `facesign-analytics score --print-config`)"),
            }
        }
        let config: ScoreConfig = toml::Value::Table(merged).try_into()?;
        if config.bands.elevated > config.bands.high {
            bail!(
                "bands.elevated ({}) must not be above bands.high ({})",
                config.bands.elevated,
                config.bands.high
            );
        }
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<ScoreConfig> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::with_overrides(&text).with_context(|| format!("in {}", path.display()))
    }

    /// The band a score falls in.
    pub fn level(&self, score: i32) -> &'static str {
        if score >= self.bands.high {
            "high"
        } else if score >= self.bands.elevated {
            "elevated"
        } else {
            "normal"
        }
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
        assert_eq!(c.device_churn.min_distinct, 4);
        assert_eq!(c.multi_country.min_distinct, 3);
        assert_eq!(c.level(29), "normal");
        assert_eq!(c.level(30), "elevated");
        assert_eq!(c.level(65), "high");
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
