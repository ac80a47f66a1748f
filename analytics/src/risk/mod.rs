//! What scoring and the generator's labels share, so neither borrows from the other: the
//! weights and thresholds ([`config`], `analytics/data/score.toml`), the reason codes
//! ([`codes`]), the per-user rules ([`rules`]), device profiles ([`device`]) and distances
//! ([`geo`]).

pub mod codes;
pub mod config;
pub mod device;
pub mod geo;
pub mod rules;
