//! Combining two snapshots of one session (`facesign.merge_session`) without losing anything.
//!
//! A session reaches a customer's database several times: webhooks are doorbells, the
//! receiver fetches `GET /sessions/{id}` each time, fetches can overtake each other, and the
//! delayed fields (`nodeReports`, `videoAIAnalysis`) arrive 5–20 s after completion. Storing
//! whichever fetch came last can move a session backwards or drop a field that an earlier
//! fetch had.
//!
//! Every field is chosen by an order of its own, so the result does not depend on which
//! argument is the stored one (`merge_session(a, b) = merge_session(b, a)`), and storing a
//! session's snapshots in any arrival order gives the same document. The orders:
//! - a field present in either snapshot survives: absent < `null` < any other value;
//! - `status` never moves backwards: unknown values < `requiresInput` < `created` <
//!   `processing` < `inProgress` < `canceled` < `incomplete` < `complete` (the legacy and
//!   SDK-head vocabularies interleaved; a session that reached END stays complete);
//! - `report.transcript` and `report.nodeReports`: the longer array wins;
//! - `report.videoAIAnalysisStatus`, `report.deepfakeDetectionStatus.state` and
//!   `report.postSessionLiveness.state`: a settled value beats `pending` (and `notRequested`);
//! - `session` and `report` objects are merged key by key (a field of either survives); every
//!   other value is taken whole from one snapshot;
//! - any other field both snapshots carry with different values (`report.lang` is the default
//!   language at `created` and the one spoken later) is taken from the snapshot that got
//!   further: status, then node reports, then transcript turns;
//! - what still ties is decided by a fixed order of JSON values ([`canonical_cmp`]).
//!
//! FaceSign only moves a field forward (set once, grown, settled), so its snapshots merge to
//! the same document in every order; the tests check all 120 orders of five snapshots. Two
//! snapshots that *contradict* each other on a field, when a third that got further lacks
//! it, can still merge differently by order: no rule without per-field history could tell
//! which of them came later.
//!
//! Both snapshots may be the `{session, clientSecret}` wrapper of `GET /sessions/{id}`; the
//! result is always the bare session ([`bare_session`] unwraps every level, so a result is
//! never mistaken for a wrapper when it is merged again). Two sessions with different string `id`s are not
//! merged ([`MergeError::DifferentSessions`]). Nothing recurses on the document's depth: the
//! merged tree is two levels deep at most and [`canonical_cmp`] walks with an explicit stack.

use std::cmp::Ordering;

use crate::json::{key_order, JsonRef, Kind};

/// The merged session: values borrowed from the two snapshots, arranged as the result.
#[derive(Debug, Clone)]
pub enum Merged<'a, J> {
    /// A value taken whole from one snapshot.
    Pick(J),
    /// An object merged key by key; members in [`key_order`].
    Object(Vec<(&'a str, Merged<'a, J>)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// The snapshots have different string `id`s.
    DifferentSessions { stored: String, incoming: String },
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergeError::DifferentSessions { stored, incoming } => write!(
                f,
                "cannot merge session {incoming:?} into session {stored:?}: they are different sessions \
                 (merge_session combines two snapshots of the same session id)"
            ),
        }
    }
}

impl std::error::Error for MergeError {}

/// Where a value sits, for the fields with an order of their own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field<'k> {
    Session(&'k str),
    Report(&'k str),
}

/// Merges two snapshots of one session. Symmetric: `merge_session(a, b)` and
/// `merge_session(b, a)` give the same document.
pub fn merge_session<'a, J: JsonRef<'a>>(stored: J, incoming: J) -> Result<Merged<'a, J>, MergeError> {
    let (stored, incoming) = (bare_session(stored), bare_session(incoming));
    if let (Some(a), Some(b)) = (id_of(stored), id_of(incoming)) {
        if a != b {
            return Err(MergeError::DifferentSessions { stored: a.to_owned(), incoming: b.to_owned() });
        }
    }
    if stored.kind() != Kind::Object || incoming.kind() != Kind::Object {
        return Ok(Merged::Pick(pick_whole(stored, incoming)));
    }
    let sides = (
        Side { doc: stored, progress: progress(stored) },
        Side { doc: incoming, progress: progress(incoming) },
    );
    Ok(Merged::Object(merge_members(sides.0, sides.1, Field::Session)))
}

/// One snapshot's object being merged, with how far its session got.
#[derive(Clone, Copy)]
struct Side<J> {
    doc: J,
    progress: (u64, u64, u64),
}

/// How far a snapshot got: status, node reports, transcript turns.
fn progress<'a, J: JsonRef<'a>>(session: J) -> (u64, u64, u64) {
    let report = session.get("report");
    let count =
        |key: &str| report.and_then(|r| r.get(key)).filter(|v| v.is_array()).map_or(0, |v| v.len() as u64);
    let status = session.get("status").and_then(|s| s.as_str()).map_or(0, status_rank);
    (status, count("nodeReports"), count("transcript"))
}

/// The session inside any number of `{session: {...}}` wrappers (one, from `GET
/// /sessions/{id}`, in practice). The readers look one level down
/// ([`crate::report::session_of`]); the merge
/// goes all the way, so that what it returns holds no `session` object and merges the same
/// again.
pub fn bare_session<'a, J: JsonRef<'a>>(mut doc: J) -> J {
    while let Some(inner) = doc.get("session").filter(|inner| inner.kind() == Kind::Object) {
        doc = inner;
    }
    doc
}

fn id_of<'a, J: JsonRef<'a>>(session: J) -> Option<&'a str> {
    session.get("id")?.as_str()
}

/// Two objects merged key by key: keys of either, each value chosen by its field's order.
fn merge_members<'a, J: JsonRef<'a>>(
    a: Side<J>,
    b: Side<J>,
    field: fn(&'a str) -> Field<'a>,
) -> Vec<(&'a str, Merged<'a, J>)> {
    let (members_a, members_b) = (a.doc.members_in_key_order(), b.doc.members_in_key_order());
    let mut merged = Vec::with_capacity(members_a.len().max(members_b.len()));
    let (mut i, mut j) = (0, 0);
    while i < members_a.len() || j < members_b.len() {
        let order = match (members_a.get(i), members_b.get(j)) {
            (Some(x), Some(y)) => key_order(x.0, y.0),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                merged.push((members_a[i].0, Merged::Pick(members_a[i].1)));
                i += 1;
            }
            Ordering::Greater => {
                merged.push((members_b[j].0, Merged::Pick(members_b[j].1)));
                j += 1;
            }
            Ordering::Equal => {
                let (key, x, y) = (members_a[i].0, members_a[i].1, members_b[j].1);
                let value = match field(key) {
                    Field::Session("report") if x.is_object() && y.is_object() => Merged::Object(
                        merge_members(Side { doc: x, ..a }, Side { doc: y, ..b }, Field::Report),
                    ),
                    f => Merged::Pick(pick(f, Side { doc: x, ..a }, Side { doc: y, ..b })),
                };
                merged.push((key, value));
                i += 1;
                j += 1;
            }
        }
    }
    merged
}

/// The greater of two values of `field`: present over null, then the field's own rank, then
/// the snapshot that got further, then the fixed order of JSON values.
fn pick<'a, J: JsonRef<'a>>(field: Field<'_>, x: Side<J>, y: Side<J>) -> J {
    let key = |s: &Side<J>| (!s.doc.is_null(), rank(field, s.doc), s.progress);
    match key(&x).cmp(&key(&y)) {
        Ordering::Greater => x.doc,
        Ordering::Less => y.doc,
        Ordering::Equal => pick_whole(x.doc, y.doc),
    }
}

/// The greater of two values in the fixed order of JSON values.
fn pick_whole<'a, J: JsonRef<'a>>(x: J, y: J) -> J {
    if canonical_cmp(x, y) == Ordering::Less {
        y
    } else {
        x
    }
}

/// How far a value of `field` says the session has got; 0 for fields without an order.
fn rank<'a, J: JsonRef<'a>>(field: Field<'_>, value: J) -> u64 {
    match field {
        Field::Session("status") => value.as_str().map_or(0, status_rank),
        // Any array (even empty) beats a mistyped value.
        Field::Report("transcript" | "nodeReports") if value.is_array() => 1 + value.len() as u64,
        Field::Report("videoAIAnalysisStatus") => settled_rank(value.as_str()),
        Field::Report("deepfakeDetectionStatus" | "postSessionLiveness") => {
            settled_rank(value.get("state").and_then(|s| s.as_str()))
        }
        _ => 0,
    }
}

/// The order a session's status moves in; 0 for a value FaceSign does not document.
pub fn status_rank(status: &str) -> u64 {
    match status {
        "requiresInput" => 1,
        "created" => 2,
        "processing" => 3,
        "inProgress" => 4,
        "canceled" => 5,
        "incomplete" => 6,
        "complete" => 7,
        _ => 0,
    }
}

/// An analysis status: missing or mistyped < pending (or notRequested) < settled.
fn settled_rank(state: Option<&str>) -> u64 {
    match state {
        None => 0,
        Some("pending" | "notRequested") => 1,
        Some(_) => 2,
    }
}

/// A total order on JSON values that both representations agree on: by kind (null < false <
/// true < numbers < strings < arrays < objects), numbers by value, strings by bytes, arrays
/// by length and then element by element, objects by size, then keys in [`key_order`], then
/// values. Walks with an explicit stack, so any depth is safe.
pub fn canonical_cmp<'a, J: JsonRef<'a>>(x: J, y: J) -> Ordering {
    let mut pending = vec![(x, y)];
    while let Some((x, y)) = pending.pop() {
        let order = kind_rank(x).cmp(&kind_rank(y)).then_with(|| match x.kind() {
            Kind::Number => {
                let (a, b) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                a.total_cmp(&b)
            }
            Kind::String => x.as_str().unwrap_or("").as_bytes().cmp(y.as_str().unwrap_or("").as_bytes()),
            Kind::Array => {
                let order = x.len().cmp(&y.len());
                if order == Ordering::Equal {
                    let pairs: Vec<(J, J)> = x.elements().zip(y.elements()).collect();
                    pending.extend(pairs.into_iter().rev());
                }
                order
            }
            Kind::Object => {
                let order = x.len().cmp(&y.len());
                if order != Ordering::Equal {
                    return order;
                }
                let (a, b) = (x.members_in_key_order(), y.members_in_key_order());
                let keys = a.iter().zip(&b).map(|(m, n)| key_order(m.0, n.0)).find(|o| o.is_ne());
                if let Some(order) = keys {
                    return order;
                }
                pending.extend(a.into_iter().zip(b).map(|(m, n)| (m.1, n.1)).rev());
                Ordering::Equal
            }
            Kind::Null | Kind::Bool => Ordering::Equal,
        });
        if order.is_ne() {
            return order;
        }
    }
    Ordering::Equal
}

fn kind_rank<'a, J: JsonRef<'a>>(value: J) -> u8 {
    match value.kind() {
        Kind::Null => 0,
        Kind::Bool => 1 + value.as_bool().unwrap_or(false) as u8,
        Kind::Number => 3,
        Kind::String => 4,
        Kind::Array => 5,
        Kind::Object => 6,
    }
}

impl<'a> Merged<'a, &'a serde_json::Value> {
    /// The merged session as a `serde_json` value.
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Merged::Pick(value) => (*value).clone(),
            Merged::Object(members) => serde_json::Value::Object(
                members.iter().map(|(key, value)| ((*key).to_owned(), value.to_value())).collect(),
            ),
        }
    }
}

/// Two snapshots of one session merged, as a `serde_json` value: [`merge_session`], redacted
/// again when either snapshot was redacted ([`crate::redact::redaction_after_merge`]), so
/// no fetch brings back what a redaction removed.
pub fn merged_value(
    stored: &serde_json::Value,
    incoming: &serde_json::Value,
) -> Result<serde_json::Value, MergeError> {
    let merged = merge_session(stored, incoming)?.to_value();
    Ok(match crate::redact::redaction_after_merge(stored, incoming) {
        Some(marker) => crate::redact::redacted_value(&merged, marker),
        None => merged,
    })
}

#[cfg(test)]
pub(crate) mod tests;
