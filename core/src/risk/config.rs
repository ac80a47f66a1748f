//! The weights and thresholds the session rules read: `[bands]`, `[signals]` and
//! `[impossible_travel]` of `analytics/data/score.toml`, compiled in, so the documented file
//! is the configuration itself. Overrides (a TOML text for the toolkit's `--config`, a JSON
//! object for SQL's `risk_score(session, config)`) are laid over the defaults key by key, by
//! one merge that refuses a key the file does not have.

use serde::Deserialize;

/// The default configuration of scoring and detection, as documented.
pub const DEFAULT_TOML: &str = include_str!("../../../analytics/data/score.toml");

/// A configuration that cannot be used; the message names the key and says what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

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

impl Bands {
    /// The band a score falls in: `normal`, `elevated` or `high`.
    pub fn level(&self, score: i32) -> &'static str {
        if score >= self.high {
            "high"
        } else if score >= self.elevated {
            "elevated"
        } else {
            "normal"
        }
    }
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

/// The sections the session rules read.
#[derive(Debug, Clone)]
pub struct RiskConfig {
    pub bands: Bands,
    pub signals: Signals,
    pub impossible_travel: ImpossibleTravel,
}

impl RiskConfig {
    /// The defaults, parsed once.
    pub fn defaults() -> &'static RiskConfig {
        static DEFAULTS: std::sync::OnceLock<RiskConfig> = std::sync::OnceLock::new();
        DEFAULTS.get_or_init(|| {
            RiskConfig::from_table(&default_table()).expect("the embedded score.toml is valid")
        })
    }

    /// The sections the rules read, from a merged table ([`merged_with`]).
    pub fn from_table(table: &toml::Table) -> Result<RiskConfig, ConfigError> {
        let section = |name: &str| table.get(name).cloned().unwrap_or(toml::Value::Table(toml::Table::new()));
        let config = RiskConfig {
            bands: section("bands").try_into().map_err(|e| invalid("bands", e))?,
            signals: section("signals").try_into().map_err(|e| invalid("signals", e))?,
            impossible_travel: section("impossible_travel")
                .try_into()
                .map_err(|e| invalid("impossible_travel", e))?,
        };
        check_bands(&config.bands)?;
        Ok(config)
    }

    /// The defaults with a JSON object of overrides laid over them: `{"signals":
    /// {"deepfake": 80}, "bands": {"high": 70}}`, the TOML's sections and keys.
    pub fn with_json_overrides<'a, J: crate::json::JsonRef<'a>>(
        overrides: J,
    ) -> Result<RiskConfig, ConfigError> {
        RiskConfig::from_table(&merged_with(table_from_json(overrides)?)?)
    }

    /// The band a score falls in: `normal`, `elevated` or `high`.
    pub fn level(&self, score: i32) -> &'static str {
        self.bands.level(score)
    }
}

fn invalid(section: &str, e: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("[{section}]: {e}"))
}

/// `elevated` above `high` would make the bands overlap.
pub fn check_bands(bands: &Bands) -> Result<(), ConfigError> {
    if bands.elevated > bands.high {
        return Err(ConfigError(format!(
            "bands.elevated ({}) must not be above bands.high ({})",
            bands.elevated, bands.high
        )));
    }
    Ok(())
}

/// The default file as a table.
pub fn default_table() -> toml::Table {
    toml::from_str(DEFAULT_TOML).expect("the embedded score.toml is valid")
}

/// The defaults with `overrides` laid over them, key by key; a section or key the default file
/// does not have is refused, naming it.
pub fn merged_with(overrides: toml::Table) -> Result<toml::Table, ConfigError> {
    let mut merged = default_table();
    for (section, value) in overrides {
        match (merged.get_mut(&section), value) {
            (Some(toml::Value::Table(base)), toml::Value::Table(keys)) => {
                for (key, v) in keys {
                    if !base.contains_key(&key) {
                        return Err(ConfigError(format!(
                            "unknown key {section}.{key} (see `facesign-analytics score --print-config`)"
                        )));
                    }
                    base.insert(key, v);
                }
            }
            (Some(_), _) => {
                return Err(ConfigError(format!("[{section}] must be a table of keys, as in score.toml")));
            }
            (None, _) => {
                return Err(ConfigError(format!(
                    "unknown section [{section}] (see `facesign-analytics score --print-config`)"
                )))
            }
        }
    }
    Ok(merged)
}

/// A JSON object of sections, each an object of keys with number, string or boolean values, as
/// a TOML table.
fn table_from_json<'a, J: crate::json::JsonRef<'a>>(doc: J) -> Result<toml::Table, ConfigError> {
    use crate::json::Kind;
    if doc.kind() != Kind::Object {
        return Err(ConfigError(format!(
            "the config must be a JSON object of sections such as {{\"signals\": {{\"deepfake\": 80}}}}, not {}",
            doc.kind().described()
        )));
    }
    let mut table = toml::Table::new();
    for (section, keys) in doc.members_in_key_order() {
        if keys.kind() != Kind::Object {
            return Err(ConfigError(format!(
                "\"{section}\" must be an object of keys, as [{section}] is in score.toml, not {}",
                keys.kind().described()
            )));
        }
        let mut out = toml::Table::new();
        for (key, value) in keys.members_in_key_order() {
            let v = match value.kind() {
                Kind::Bool => toml::Value::Boolean(value.as_bool().unwrap_or_default()),
                Kind::String => toml::Value::String(value.as_str().unwrap_or_default().to_owned()),
                Kind::Number => {
                    let n = value.as_f64().unwrap_or(f64::NAN);
                    if n.fract() == 0.0 && n.abs() < 9.0e15 {
                        toml::Value::Integer(n as i64)
                    } else {
                        toml::Value::Float(n)
                    }
                }
                other => {
                    return Err(ConfigError(format!(
                        "{section}.{key} must be a number, a string or a boolean, not {}",
                        other.described()
                    )))
                }
            };
            out.insert(key.to_owned(), v);
        }
        table.insert(section.to_owned(), toml::Value::Table(out));
    }
    Ok(table)
}
