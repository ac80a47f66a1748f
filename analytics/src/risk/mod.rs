//! What scoring and the generator share, so neither borrows from the other: the weights and
//! thresholds ([`config`], `analytics/data/score.toml`), the reason codes ([`codes`]), device
//! profiles ([`device`]) and distances ([`geo`]); and the detectors' per-user rules
//! ([`rules`]), which the generator does not use: its labels say what it planted.

pub mod codes;
pub mod config;
pub mod device;
pub mod geo;
pub mod rules;
