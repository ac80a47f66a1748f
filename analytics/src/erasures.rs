//! Erased sessions, so that what was erased stays erased outside the database too: the
//! loader redacts a session the database's `erasures` table names before storing it, and
//! `load` and `export --from-ndjson` take `--erasures FILE`, the same list as a file.
//!
//! The file holds one erasure a line: a session id, or `created_before=T` (T an epoch in
//! milliseconds or `YYYY-MM-DD`, UTC) for a retention horizon; blank lines and lines starting
//! with `#` are skipped. `psql -Atc "SELECT coalesce(session_id, 'created_before=' ||
//! (extract(epoch FROM created_before) * 1000)::bigint) FROM erasures"` writes it from the
//! database (docs/sql.md, "Personal data").

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result};
use facesign_core::redact::{redacted_value, Marker};
use serde_json::Value;

#[derive(Debug, Default, Clone)]
pub struct Erasures {
    sessions: HashSet<String>,
    /// Sessions created before this (epoch ms) are erased: the latest horizon.
    created_before_ms: Option<f64>,
}

impl Erasures {
    pub fn read(path: &Path) -> Result<Erasures> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut erasures = Erasures::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.strip_prefix("created_before=") {
                Some(time) => {
                    let ms = parse_time(time).with_context(|| {
                        format!(
                            "{} line {}: created_before= takes epoch milliseconds or YYYY-MM-DD",
                            path.display(),
                            n + 1
                        )
                    })?;
                    erasures.created_before_ms =
                        Some(erasures.created_before_ms.map_or(ms, |was: f64| was.max(ms)));
                }
                None => {
                    erasures.sessions.insert(line.to_owned());
                }
            }
        }
        Ok(erasures)
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.created_before_ms.is_none()
    }

    /// Whether the session with this id and creation time (epoch ms) was erased.
    pub fn covers(&self, id: &str, created_at_ms: Option<f64>) -> bool {
        self.sessions.contains(id)
            || matches!((created_at_ms, self.created_before_ms), (Some(at), Some(before)) if at < before)
    }

    /// The session redacted when it was erased; `None` when it was not.
    pub fn redacted(&self, session: &Value) -> Option<Value> {
        let id = session.get("id").and_then(Value::as_str)?;
        let created_at = session.get("createdAt").and_then(Value::as_f64);
        self.covers(id, created_at).then(|| redacted_value(session, Marker { redacted_at_ms: None }))
    }
}

/// Epoch milliseconds, or a UTC date `YYYY-MM-DD`.
fn parse_time(text: &str) -> Option<f64> {
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms as f64);
    }
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = crate::calendar::days_from_civil(y, m as u32, d as u32);
    Some(days as f64 * 86_400_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_horizons() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("erasures.txt");
        std::fs::write(&path, "# erased\nsess-1\n\ncreated_before=2020-01-01\ncreated_before=1000\n")
            .unwrap();
        let e = Erasures::read(&path).unwrap();
        assert!(e.covers("sess-1", None));
        assert!(e.covers("other", Some(1_500_000_000_000.0)));
        assert!(!e.covers("other", Some(1_600_000_000_000.0)));
        let session = json!({"id": "sess-1", "settings": {"providedData": {"name": "Ann"}}});
        let red = e.redacted(&session).unwrap();
        assert!(red["settings"].get("providedData").is_none());
        assert!(e.redacted(&json!({"id": "kept", "createdAt": 1_700_000_000_000i64})).is_none());
        std::fs::write(&path, "created_before=soon\n").unwrap();
        assert!(format!("{:#}", Erasures::read(&path).unwrap_err()).contains("line 1"));
    }
}
