//! Removing a session's personal data (`facesign.redact_session`), and keeping it removed.
//!
//! What is removed, field by field (docs/sql.md, "Personal data", lists the same):
//! - `settings.providedData` (and the legacy `provided_data`): the name, email, phone and any
//!   other value the customer gave, a reference photo included;
//! - a `clientSecret` kept beside the session (its signed URL and secret);
//! - `report.transcript[].text`: what was said (the phrases' times and speakers stay, so the
//!   number of turns does); a phrase that is not an object becomes `null`;
//! - `report.media`, and the legacy `report.screenshots` and `report.videos`: signed URLs of
//!   the user's video, screenshots and document images;
//! - `report.extractedData`: what the conversation extracted (names, dates, numbers);
//! - `report.location`: everything but `country`, `registeredCountry`, `representedCountry`,
//!   `continent`, `location.accuracyRadius`, `location.timeZone` and `traits` without
//!   `ipAddress`, `network`, `isp`, `organization` and `domain`: the IP address and what
//!   places the person (city, postal code, subdivisions, coordinates) go; the country, the
//!   accuracy radius, the time zone, the ASN and the anonymizer flags stay for aggregate
//!   statistics and the risk signals;
//! - `report.device.geoIp` (a free-form IP lookup);
//! - `report.aiAnalysis.sex`, `.overallSummary` and `.analysis` (the description of the
//!   person); the age range and `realPersonOrVirtual` stay;
//! - every `observation` in `report.videoAIAnalysis` (a description of the person and the
//!   room); each criterion's `evaluation` and `confidence` stay;
//! - in `report.nodeReports`: `email` of `enter_email`; `report` of `recognition`,
//!   `two_factor_email`, `two_factor_sms`, legacy `two_factor` and `document_scan` (names,
//!   email addresses, phone numbers, the scanned document's fields). Every report's `type`,
//!   `nodeId`, `createdAt` and `outcome` stay.
//!
//! Ids, `settings.clientReferenceId` (the customer's own key for the user: erasure and
//! sharding go by it), statuses, outcomes, timestamps, the flow and the non-personal risk
//! signals stay, so funnels and risk statistics still work. The session gets a marker,
//! `"redaction": {"version": 1, "redactedAt": <ms>}`.
//!
//! A redacted session is final for what was removed: `merge_session` of any snapshot into it
//! (or of it into any snapshot) is redacted again ([`redaction_after_merge`]), so a late fetch
//! never brings the data back while its non-personal fields (node reports, video verdicts)
//! still merge in.
//!
//! The result is a tree of edits over the document ([`Redacted`]), values borrowed; its depth
//! is that of the fixed places above, whatever the document's depth.

use crate::json::{key_order, JsonRef, Kind};
use crate::merge_session::bare_session;

/// The top-level key marking a redacted session.
pub const MARKER_KEY: &str = "redaction";

/// When a session was redacted (`None`: not said).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub redacted_at_ms: Option<i64>,
}

impl Marker {
    /// The marker of a session redacted twice: the earlier time.
    pub fn earliest(self, other: Marker) -> Marker {
        let at = match (self.redacted_at_ms, other.redacted_at_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Marker { redacted_at_ms: at }
    }

    /// The marker's JSON: `{"version": 1, "redactedAt": ms}`.
    pub fn to_value(self) -> serde_json::Value {
        let mut marker = serde_json::Map::new();
        marker.insert("version".into(), 1.into());
        if let Some(at) = self.redacted_at_ms {
            marker.insert("redactedAt".into(), at.into());
        }
        serde_json::Value::Object(marker)
    }
}

/// A redacted value: the document's values where they stay, rebuilt where something goes.
#[derive(Debug, Clone)]
pub enum Redacted<'a, J> {
    /// Taken whole from the document.
    Keep(J),
    /// What a removed array element becomes.
    Null,
    /// An object with members removed or edited; members in [`key_order`].
    Object(Vec<(&'a str, Redacted<'a, J>)>),
    Array(Vec<Redacted<'a, J>>),
    /// The redaction marker's object.
    Marker(Marker),
}

/// The marker of a redacted session (or of its `{session}` wrapper); `None` when it is not.
pub fn redaction_of<'a, J: JsonRef<'a>>(doc: J) -> Option<Marker> {
    let marker = bare_session(doc).get(MARKER_KEY)?;
    if marker.kind() != Kind::Object {
        return None;
    }
    // A time beyond i64 milliseconds is no time.
    let at =
        marker.get("redactedAt").and_then(|v| v.as_f64()).filter(|ms| ms.is_finite() && ms.abs() < 9.0e18);
    Some(Marker { redacted_at_ms: at.map(|ms| ms as i64) })
}

/// The marker a merge of `stored` and `incoming` must carry: the earliest of theirs, or `None`
/// when neither is redacted (the merge is then left as it is).
pub fn redaction_after_merge<'a, J: JsonRef<'a>>(stored: J, incoming: J) -> Option<Marker> {
    match (redaction_of(stored), redaction_of(incoming)) {
        (Some(a), Some(b)) => Some(a.earliest(b)),
        (a, b) => a.or(b),
    }
}

/// `doc` (a Session or its `{session, clientSecret}` wrapper) without its personal data,
/// marked with `marker` (a session redacted before keeps its earlier time). A document that
/// is not an object has no place for personal data and comes back as it is.
pub fn redact_session<'a, J: JsonRef<'a>>(doc: J, marker: Marker) -> Redacted<'a, J> {
    let session = bare_session(doc);
    if session.kind() != Kind::Object {
        return Redacted::Keep(session);
    }
    let marker = redaction_of(session).map_or(marker, |earlier| earlier.earliest(marker));
    let mut members: Vec<(&'a str, Redacted<'a, J>)> = Vec::with_capacity(session.len() + 1);
    for (key, value) in session.members() {
        match key {
            "clientSecret" | MARKER_KEY => {}
            "settings" => members.push((key, without(value, &["providedData", "provided_data"]))),
            "report" => members.push((key, redact_report(value))),
            _ => members.push((key, Redacted::Keep(value))),
        }
    }
    members.push((MARKER_KEY, Redacted::Marker(marker)));
    members.sort_by(|a, b| key_order(a.0, b.0));
    Redacted::Object(members)
}

fn redact_report<'a, J: JsonRef<'a>>(report: J) -> Redacted<'a, J> {
    if report.kind() != Kind::Object {
        return Redacted::Keep(report);
    }
    let mut members = Vec::with_capacity(report.len());
    for (key, value) in report.members() {
        let kept = match key {
            "media" | "screenshots" | "videos" | "extractedData" => continue,
            "transcript" if value.is_array() => Redacted::Array(
                value
                    .elements()
                    .map(
                        |phrase| if phrase.is_object() { without(phrase, &["text"]) } else { Redacted::Null },
                    )
                    .collect(),
            ),
            // What was said, in a shape other than the array of phrases.
            "transcript" => continue,
            "location" => redact_location(value),
            "device" => without(value, &["geoIp"]),
            "aiAnalysis" => without(value, &["sex", "overallSummary", "analysis"]),
            "videoAIAnalysis" => redact_video_analysis(value),
            "nodeReports" if value.is_array() => {
                Redacted::Array(value.elements().map(redact_node_report).collect())
            }
            _ => Redacted::Keep(value),
        };
        members.push((key, kept));
    }
    sorted_object(members)
}

/// GeoIP: the country-level parts, the accuracy radius and time zone, and the network's
/// traits without the address and who holds it.
fn redact_location<'a, J: JsonRef<'a>>(location: J) -> Redacted<'a, J> {
    if location.kind() != Kind::Object {
        return Redacted::Keep(location);
    }
    let mut members = Vec::with_capacity(location.len());
    for (key, value) in location.members() {
        let kept = match key {
            "country" | "registeredCountry" | "representedCountry" | "continent" => Redacted::Keep(value),
            "location" => only(value, &["accuracyRadius", "timeZone"]),
            "traits" => without(value, &["ipAddress", "network", "isp", "organization", "domain"]),
            _ => continue,
        };
        members.push((key, kept));
    }
    sorted_object(members)
}

/// Each criterion's `observation` goes, in all four stored shapes (an object of criteria,
/// with or without `riskyIndicators`, or an array of criteria).
fn redact_video_analysis<'a, J: JsonRef<'a>>(analysis: J) -> Redacted<'a, J> {
    let criterion = |c: J| if c.is_object() { without(c, &["observation"]) } else { Redacted::Keep(c) };
    match analysis.kind() {
        Kind::Array => Redacted::Array(analysis.elements().map(criterion).collect()),
        Kind::Object => {
            let members = analysis
                .members()
                .filter(|(key, _)| *key != "observation")
                .map(|(key, value)| {
                    let kept = match value.kind() {
                        Kind::Object => criterion(value),
                        Kind::Array => Redacted::Array(value.elements().map(criterion).collect()),
                        _ => Redacted::Keep(value),
                    };
                    (key, kept)
                })
                .collect();
            sorted_object(members)
        }
        _ => Redacted::Keep(analysis),
    }
}

fn redact_node_report<'a, J: JsonRef<'a>>(entry: J) -> Redacted<'a, J> {
    match entry.get("type").and_then(|t| t.as_str()) {
        Some("enter_email") => without(entry, &["email"]),
        Some("recognition" | "two_factor_email" | "two_factor_sms" | "two_factor" | "document_scan") => {
            without(entry, &["report"])
        }
        _ => Redacted::Keep(entry),
    }
}

/// `object` without the members `gone` (taken whole when it has none of them).
fn without<'a, J: JsonRef<'a>>(object: J, gone: &[&str]) -> Redacted<'a, J> {
    if object.kind() != Kind::Object || gone.iter().all(|key| object.get(key).is_none()) {
        return Redacted::Keep(object);
    }
    sorted_object(
        object
            .members()
            .filter(|(key, _)| !gone.contains(key))
            .map(|(k, v)| (k, Redacted::Keep(v)))
            .collect(),
    )
}

/// `object` with only the members `kept`.
fn only<'a, J: JsonRef<'a>>(object: J, kept: &[&str]) -> Redacted<'a, J> {
    if object.kind() != Kind::Object {
        return Redacted::Null;
    }
    sorted_object(
        object.members().filter(|(key, _)| kept.contains(key)).map(|(k, v)| (k, Redacted::Keep(v))).collect(),
    )
}

fn sorted_object<'a, J: JsonRef<'a>>(mut members: Vec<(&'a str, Redacted<'a, J>)>) -> Redacted<'a, J> {
    if !J::MEMBERS_IN_KEY_ORDER {
        members.sort_by(|a, b| key_order(a.0, b.0));
    }
    Redacted::Object(members)
}

impl<'a> Redacted<'a, &'a serde_json::Value> {
    /// The redacted session as a `serde_json` value.
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Redacted::Keep(value) => (*value).clone(),
            Redacted::Null => serde_json::Value::Null,
            Redacted::Object(members) => serde_json::Value::Object(
                members.iter().map(|(key, value)| ((*key).to_owned(), value.to_value())).collect(),
            ),
            Redacted::Array(items) => {
                serde_json::Value::Array(items.iter().map(Redacted::to_value).collect())
            }
            Redacted::Marker(marker) => marker.to_value(),
        }
    }
}

/// `doc` without its personal data, as a `serde_json` value.
pub fn redacted_value(doc: &serde_json::Value, marker: Marker) -> serde_json::Value {
    redact_session(doc, marker).to_value()
}

#[cfg(test)]
mod tests;
