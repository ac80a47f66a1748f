//! What the fuzz targets share: every reader and validator of facesign-core run on one
//! document, the cross-checks between its three representations (a `serde_json` tree, its
//! binary jsonb encoding, and its JSON text read through a tape), and the structure-aware
//! mutations.
//!
//! Nothing here recurses on a document's depth: documents built by the mutations can be
//! thousands of levels deep, and `serde_json::Value`'s own `Drop` recurses, so deep values
//! are taken apart with [`dispose`].

pub mod mutate;

use facesign_core::flow::{
    flow_edges, flow_is_valid, validate_flow, validate_session, Edge, Problem, Severity,
};
use facesign_core::json::{Tape, TapeRef};
use facesign_core::report::{
    node_outcomes, outcome, report_of, risk_signals, session_of, session_summary, transcript, NodeOutcome,
    Phrase, RiskSignals, SessionSummary,
};
use facesign_core::{jsonb, JsonRef, Jsonb, Kind};
use serde_json::Value;

/// Node types `outcome` is asked about on every document (the ones `risk_signals` reads,
/// the rest of the 13, the legacy `two_factor`, and a type that is no type).
pub const NODE_TYPES: [&str; 16] = [
    "liveness_detection",
    "recognition",
    "face_scan",
    "face_compare",
    "document_scan",
    "two_factor_email",
    "two_factor_sms",
    "two_factor",
    "conversation",
    "data_validation",
    "enter_email",
    "permissions",
    "start",
    "end",
    "",
    "nodeType",
];

// ---- flows ------------------------------------------------------------------------------

/// What the flow functions say about one value.
#[derive(Debug, PartialEq)]
pub struct FlowRead<'a> {
    pub problems: Vec<Problem>,
    pub valid: bool,
    pub edges: Vec<Edge<'a>>,
}

/// `validate_flow`, `flow_is_valid` and `flow_edges` on `flow`, with the checks that hold
/// within one representation:
/// - `flow_is_valid` is true exactly when `validate_flow` has no error-severity row;
/// - rows come in document order (flow-level rows, path `""`, first, then by node index);
/// - a valid flow has exactly one start node and an end node, and each of its edges names
///   another node's id.
pub fn read_flow<'a, J: JsonRef<'a>>(flow: J) -> FlowRead<'a> {
    let problems = validate_flow(flow);
    let valid = flow_is_valid(flow);
    let has_error = problems.iter().any(|p| p.severity() == Severity::Error);
    assert_eq!(valid, !has_error, "flow_is_valid disagrees with validate_flow: {problems:#?}");
    let mut last_node = None;
    for p in &problems {
        assert!(p.path.is_empty() || p.path.starts_with('/'), "not a JSON Pointer: {p:?}");
        let node =
            p.path.split('/').nth(1).map(|n| n.parse::<usize>().expect("path starts with a node index"));
        assert!(node >= last_node, "rows out of document order: {problems:#?}");
        last_node = node;
    }
    let edges = flow_edges(flow);
    if valid {
        let ids: Vec<&str> = flow.elements().filter_map(|n| n.get("id")?.as_str()).collect();
        let type_count =
            |t: &str| flow.elements().filter(|n| n.get("type").and_then(|v| v.as_str()) == Some(t)).count();
        assert_eq!(type_count("start"), 1, "a valid flow without exactly one start node");
        assert!(type_count("end") >= 1, "a valid flow without an end node");
        for e in &edges {
            assert!(ids.contains(&e.target), "a valid flow with an edge to no node: {e:?}");
            assert_ne!(e.source, e.target, "a valid flow with a self-loop: {e:?}");
        }
    }
    FlowRead { problems, valid, edges }
}

/// `validate_session` on `session`, with the checks that hold within one representation:
/// every path is a JSON Pointer, and the flow's rows, which come after the settings' own, carry
/// paths under the flow (`/settings/flow` or a request's `/flow`).
pub fn read_session<'a, J: JsonRef<'a>>(session: J) -> Vec<Problem> {
    let problems = validate_session(session);
    let mut in_flow = false;
    for p in &problems {
        assert!(p.path.is_empty() || p.path.starts_with('/'), "not a JSON Pointer: {p:?}");
        let flow_row = p.path.starts_with("/settings/flow") || p.path.starts_with("/flow");
        assert!(flow_row || !in_flow, "a settings row after the flow's rows: {problems:#?}");
        in_flow |= flow_row;
    }
    problems
}

/// The flows a document holds, in a fixed order: the document itself (a bare node array,
/// or anything else, which must be rejected gracefully), a create-session request's `flow`,
/// and a session's (or its `{session}` wrapper's) `settings.flow`.
pub fn flows_in<'a, J: JsonRef<'a>>(doc: J) -> Vec<Option<J>> {
    vec![Some(doc), doc.get("flow"), session_of(doc).path(&["settings", "flow"])]
}

// ---- reports ----------------------------------------------------------------------------

/// Everything the report readers say about one document.
#[derive(Debug, PartialEq)]
pub struct ReportRead<'a> {
    pub session_kind: Kind,
    pub report_kind: Option<Kind>,
    pub nodes: Vec<NodeOutcome<'a>>,
    pub phrases: Vec<Phrase<'a>>,
    pub risk: RiskSignals<'a>,
    pub summary: SessionSummary<'a>,
    /// `outcome(doc, t)` for each of [`NODE_TYPES`].
    pub outcomes: Vec<Option<&'a str>>,
}

/// Every public reader of `facesign_core::report` on `doc`, with the checks that hold within
/// one representation (the same ones `core/src/report/tests.rs` makes):
/// - `risk_signals`' one-pass outcomes agree with `outcome`, type by type;
/// - `outcome(doc, t)` is the outcome of the last `node_outcomes` row of type `t`, for the
///   fixed types and for every type the rows name;
/// - ordinals run 1, 2, 3…;
/// - `session_summary`'s `node_reports` and `transcript_turns` count the rows
///   `node_outcomes` and `transcript` return;
/// - no report: no rows and every risk signal `None`.
pub fn read_report<'a, J: JsonRef<'a>>(doc: J) -> ReportRead<'a> {
    let report = report_of(doc);
    if let Some(r) = report {
        assert_eq!(r.kind(), Kind::Object, "report_of gave a non-object");
    }
    let read = ReportRead {
        session_kind: session_of(doc).kind(),
        report_kind: report.map(|r| r.kind()),
        nodes: node_outcomes(doc),
        phrases: transcript(doc),
        risk: risk_signals(doc),
        summary: session_summary(doc),
        outcomes: NODE_TYPES.iter().map(|t| outcome(doc, t)).collect(),
    };
    let last_outcome = |types: &[&str]| {
        read.nodes
            .iter()
            .rev()
            .find(|n| n.node_type.is_some_and(|t| types.contains(&t)))
            .and_then(|n| n.outcome)
    };
    for (t, o) in NODE_TYPES.iter().zip(&read.outcomes) {
        assert_eq!(last_outcome(&[t]), *o, "outcome({t:?}) is not the last node_outcomes row's");
    }
    let mut named: Vec<&str> = read.nodes.iter().filter_map(|n| n.node_type).collect();
    named.sort_unstable();
    named.dedup();
    for t in named.into_iter().take(32) {
        assert_eq!(last_outcome(&[t]), outcome(doc, t), "outcome({t:?}) is not the last node_outcomes row's");
    }
    assert_eq!(read.risk.liveness, read.outcomes[0], "risk_signals.liveness");
    assert_eq!(read.risk.recognition, read.outcomes[1], "risk_signals.recognition");
    assert_eq!(read.risk.face_scan, read.outcomes[2], "risk_signals.face_scan");
    assert_eq!(read.risk.face_compare, read.outcomes[3], "risk_signals.face_compare");
    assert_eq!(read.risk.document_scan, read.outcomes[4], "risk_signals.document_scan");
    assert_eq!(
        read.risk.two_factor,
        last_outcome(&["two_factor_email", "two_factor_sms", "two_factor"]),
        "risk_signals.two_factor"
    );
    for (k, n) in read.nodes.iter().enumerate() {
        assert_eq!(n.ordinal as usize, k + 1, "node_outcomes ordinal");
    }
    for (k, p) in read.phrases.iter().enumerate() {
        assert_eq!(p.ordinal as usize, k + 1, "transcript ordinal");
    }
    assert_eq!(
        read.summary.node_reports.map_or(0, |n| n as usize),
        read.nodes.len(),
        "session_summary.node_reports counts other rows than node_outcomes: {:?}",
        read.summary
    );
    assert_eq!(
        read.summary.transcript_turns.map_or(0, |n| n as usize),
        read.phrases.len(),
        "session_summary.transcript_turns counts other rows than transcript: {:?}",
        read.summary
    );
    if report.is_none() {
        assert!(read.nodes.is_empty() && read.phrases.is_empty(), "rows without a report");
        assert_eq!(read.risk, RiskSignals::default(), "risk signals without a report");
    }
    read
}

// ---- the two representations ------------------------------------------------------------

/// Which families of functions to run.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub flows: bool,
    pub reports: bool,
}

impl Run {
    pub const ALL: Run = Run { flows: true, reports: true };
    pub const FLOWS: Run = Run { flows: true, reports: false };
    pub const REPORTS: Run = Run { flows: false, reports: true };
}

/// Runs `run`'s functions on `doc` as a serde_json tree, on its binary jsonb encoding and on
/// its JSON text read through a [`Tape`], and asserts that the three give identical results
/// (and that the binary and text documents read back as the same tree).
pub fn check_both(doc: &Value, run: Run) {
    check_text(doc, run);
    let bytes = jsonb::encode(doc);
    let binary = Jsonb::from_bytes(&bytes);
    same_tree(doc, binary);
    if run.flows {
        for (s, b) in flows_in(doc).into_iter().zip(flows_in(binary)) {
            assert_eq!(s.is_some(), b.is_some(), "a flow found in one representation only");
            if let (Some(s), Some(b)) = (s, b) {
                assert_eq!(read_flow(s), read_flow(b), "serde_json and binary jsonb disagree on a flow");
            }
        }
        assert_eq!(
            read_session(session_of(doc)),
            read_session(session_of(binary)),
            "serde_json and binary jsonb disagree on validate_session"
        );
    }
    if run.reports {
        assert_eq!(read_report(doc), read_report(binary), "serde_json and binary jsonb disagree on a report");
        assert_eq!(
            facesign_core::storable::refusal(doc),
            facesign_core::storable::refusal(binary),
            "serde_json and binary jsonb disagree on whether the session can be stored"
        );
        let rows = facesign_core::export_rows::export_rows(binary, true);
        let owned = facesign_core::export_rows::SessionRows::from(&rows);
        assert_eq!(
            owned,
            facesign_core::export_rows::session_rows(doc, true),
            "serde_json and binary jsonb disagree on the export's rows"
        );
        assert_eq!(
            facesign_core::export_rows::wire::decode(&facesign_core::export_rows::wire::encode(&rows))
                .as_ref(),
            Ok(&owned),
            "the export's wire format changed the rows"
        );
    }
}

/// The JSON text of `doc`, written without recursing (the canonical form the flow
/// fingerprint hashes: valid JSON whatever the depth).
pub fn text_of(doc: &Value) -> Vec<u8> {
    let mut text = Vec::new();
    assert!(facesign_core::flow::fingerprint::canonical_json(doc, &mut |bytes| text.extend_from_slice(bytes)));
    text
}

/// `run`'s functions on `doc`'s JSON text through a [`Tape`] give what they give on the tree.
fn check_text(doc: &Value, run: Run) {
    let text = text_of(doc);
    let mut tape = Tape::default();
    let parsed = tape.parse(&text).expect("the tape refuses a document serde_json wrote");
    same_tree_text(doc, parsed);
    if run.flows {
        for (s, t) in flows_in(doc).into_iter().zip(flows_in(parsed)) {
            assert_eq!(s.is_some(), t.is_some(), "a flow found in one representation only");
            if let (Some(s), Some(t)) = (s, t) {
                assert_eq!(read_flow(s), read_flow(t), "serde_json and the text tape disagree on a flow");
            }
        }
        assert_eq!(
            read_session(session_of(doc)),
            read_session(session_of(parsed)),
            "serde_json and the text tape disagree on validate_session"
        );
    }
    if run.reports {
        assert_eq!(
            read_report(doc),
            read_report(parsed),
            "serde_json and the text tape disagree on a report"
        );
        assert_eq!(
            facesign_core::storable::refusal(doc),
            facesign_core::storable::refusal(parsed),
            "serde_json and the text tape disagree on whether the session can be stored"
        );
        assert_eq!(
            facesign_core::export_rows::session_rows(parsed, true),
            facesign_core::export_rows::session_rows(doc, true),
            "serde_json and the text tape disagree on the export's rows"
        );
    }
}

/// Arbitrary bytes as JSON text: the tape takes exactly what serde_json takes (but for what
/// only serde_json limits: nesting past 128 levels, numbers beyond f64), reads it as the same
/// tree, and every reader runs on what it read.
pub fn check_text_bytes(bytes: &[u8]) {
    let mut tape = Tape::default();
    let parsed = tape.parse(bytes);
    match serde_json::from_slice::<Value>(bytes) {
        Ok(doc) => {
            let parsed = parsed.expect("the tape refuses JSON that serde_json reads");
            same_tree_text(&doc, parsed);
            dispose(doc);
        }
        Err(e) => {
            let limit =
                e.to_string().contains("recursion limit") || e.to_string().contains("number out of range");
            assert!(parsed.is_err() || limit, "the tape reads what serde_json refuses: {e}");
        }
    }
    if let Ok(doc) = tape.parse(bytes) {
        for flow in flows_in(doc).into_iter().flatten() {
            read_flow(flow);
        }
        read_report(doc);
        let _ = facesign_core::storable::refusal(doc);
        let _ = facesign_core::export_rows::session_rows(doc, true);
    }
}

/// Asserts that the text document reads back as `doc` (numbers as `f64`, zero unsigned),
/// iteratively.
fn same_tree_text(doc: &Value, text: TapeRef) {
    let mut stack = vec![(doc, text)];
    while let Some((s, t)) = stack.pop() {
        assert_eq!(s.kind(), t.kind(), "a value of another JSON type in the text");
        assert_eq!(s.len(), t.len());
        assert_eq!(JsonRef::as_str(s), t.as_str());
        assert_eq!(JsonRef::as_bool(s), t.as_bool());
        let unsigned = |x: Option<f64>| x.map(|x| if x == 0.0 { 0.0 } else { x });
        assert_eq!(unsigned(JsonRef::as_f64(s)), t.as_f64(), "a number reads differently in the text: {s}");
        match s {
            Value::Array(items) => stack.extend(items.iter().zip(t.elements())),
            Value::Object(_) => {
                let text_members = t.members_in_key_order();
                let serde_members = s.members_in_key_order();
                assert_eq!(serde_members.len(), text_members.len());
                for ((sk, sv), (tk, tv)) in serde_members.into_iter().zip(text_members) {
                    assert_eq!(sk, tk, "keys in another order");
                    assert!(t.get(sk).is_some(), "text lookup misses the key {sk:?}");
                    stack.push((sv, tv));
                }
            }
            _ => {}
        }
    }
}

/// Runs every reader and validator on bytes that may be anything (a corrupt datum): only
/// the checks within one representation apply. Then walks the document as far as a budget
/// allows, calling every accessor.
pub fn check_binary(bytes: &[u8]) {
    let doc = Jsonb::from_bytes(bytes);
    for flow in flows_in(doc).into_iter().flatten() {
        read_flow(flow);
    }
    read_report(doc);
    let _ = facesign_core::storable::refusal(doc);
    // The export's rows of anything cross the wire unchanged.
    let rows = facesign_core::export_rows::export_rows(doc, true);
    let decoded = facesign_core::export_rows::wire::decode(&facesign_core::export_rows::wire::encode(&rows));
    // Compared as Debug text: a corrupt numeric may read as NaN, which is not equal to itself.
    assert_eq!(
        format!("{decoded:?}"),
        format!("{:?}", Ok::<_, ()>(facesign_core::export_rows::SessionRows::from(&rows))),
        "the wire format changed the rows"
    );
    walk(doc, 20_000);
}

/// Visits up to `budget` values of `doc` breadth-first, calling every accessor of each. A
/// corrupt container's entries may overlap, so a full walk could take exponential time;
/// the readers themselves never walk more than fixed paths.
fn walk(doc: Jsonb, mut budget: usize) {
    let mut queue = std::collections::VecDeque::from([doc]);
    while let Some(v) = queue.pop_front() {
        if budget == 0 {
            return;
        }
        budget -= 1;
        let kind = v.kind();
        let (s, n, b) = (v.as_str(), v.as_f64(), v.as_bool());
        assert!(s.is_none() || kind == Kind::String);
        assert!(n.is_none() || kind == Kind::Number);
        assert!(b.is_none() || kind == Kind::Bool);
        match kind {
            Kind::Array => {
                let mut count = 0;
                for e in v.elements() {
                    count += 1;
                    queue.push_back(e);
                }
                assert_eq!(count, v.len());
            }
            Kind::Object => {
                let mut count = 0;
                for (key, value) in v.members() {
                    count += 1;
                    let _ = v.get(key);
                    queue.push_back(value);
                }
                assert_eq!(count, v.len());
                let _ = v.members_in_key_order();
            }
            _ => assert_eq!(v.len(), 0),
        }
    }
}

/// Asserts that the binary document reads back as `doc` (numbers as `f64`), iteratively.
fn same_tree(doc: &Value, binary: Jsonb) {
    let mut stack = vec![(doc, binary)];
    while let Some((s, b)) = stack.pop() {
        assert_eq!(s.kind(), b.kind(), "a value of another JSON type in binary jsonb");
        assert_eq!(s.len(), b.len());
        assert_eq!(JsonRef::as_str(s), b.as_str());
        assert_eq!(JsonRef::as_bool(s), b.as_bool());
        assert_eq!(JsonRef::as_f64(s), b.as_f64(), "a number reads differently in binary jsonb: {s}");
        match s {
            Value::Array(items) => stack.extend(items.iter().zip(b.elements())),
            Value::Object(_) => {
                let binary_members = b.members_in_key_order();
                let serde_members = s.members_in_key_order();
                assert_eq!(serde_members.len(), binary_members.len());
                for ((sk, sv), (bk, bv)) in serde_members.into_iter().zip(binary_members) {
                    assert_eq!(sk, bk, "keys in another order");
                    assert!(b.get(sk).is_some(), "binary lookup misses the key {sk:?}");
                    stack.push((sv, bv));
                }
            }
            _ => {}
        }
    }
}

/// Drops a value of any depth without recursing (`serde_json::Value`'s `Drop` recurses).
pub fn dispose(value: Value) {
    let mut stack = vec![value];
    while let Some(mut v) = stack.pop() {
        match &mut v {
            Value::Array(items) => stack.append(items),
            Value::Object(map) => stack.extend(std::mem::take(map).into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

// ---- merge_session ------------------------------------------------------------------------

/// `merge_session` on two documents, in both argument orders and both representations:
/// - both orders agree on whether the merge is refused (two different session ids);
/// - the result is the same document whichever argument is the stored one;
/// - serde_json and binary jsonb pick the same values (the binary result is byte for byte the
///   encoding of the serde result), for documents shallow enough to clone;
/// - merging either snapshot into the result again changes nothing, and a snapshot merged
///   with itself is that session;
/// - the status never ranks below either snapshot's, every top-level key of either session
///   survives, and when both reports are objects their keys survive and the transcript and
///   node reports are at least as long as either's;
/// - the result reads as a document like any other (`check_binary`).
pub fn check_merge(a: &Value, b: &Value) {
    use facesign_core::merge_session::{bare_session, merge_session, status_rank, Merged};
    let (bytes_a, bytes_b) = (jsonb::encode(a), jsonb::encode(b));
    let (ja, jb) = (Jsonb::from_bytes(&bytes_a), Jsonb::from_bytes(&bytes_b));
    let (ab, ba, serde_ab) = (merge_session(ja, jb), merge_session(jb, ja), merge_session(a, b));
    assert_eq!(ab.is_ok(), ba.is_ok(), "merge refused in one argument order only");
    assert_eq!(ab.is_ok(), serde_ab.is_ok(), "merge refused in one representation only");
    let (Ok(ab), Ok(ba), Ok(serde_ab)) = (ab, ba, serde_ab) else { return };
    let merged = jsonb::encode_merged(&ab);
    assert_eq!(merged, jsonb::encode_merged(&ba), "merge_session(a, b) differs from merge_session(b, a)");
    if depth(a).max(depth(b)) < 1_000 {
        let value = serde_ab.to_value();
        assert_eq!(jsonb::encode(&value), merged, "serde_json and binary jsonb merge differently");
        dispose(value);
    }
    let m = Jsonb::from_bytes(&merged);
    for snapshot in [ja, jb] {
        let again = merge_session(m, snapshot).expect("the merged session has the snapshot's id");
        assert_eq!(jsonb::encode_merged(&again), merged, "merging a snapshot in again changed the result");
        let itself = merge_session(snapshot, snapshot).expect("a session merges with itself");
        assert_eq!(
            jsonb::encode_merged(&itself),
            jsonb::encode_merged(&Merged::Pick(bare_session(snapshot))),
            "a snapshot merged with itself is not that session"
        );
        let (session, result) = (bare_session(snapshot), m);
        let status = |s: Jsonb| s.get("status").and_then(|v| v.as_str()).map_or(0, status_rank);
        assert!(status(result) >= status(session), "the status moved backwards");
        if session.is_object() && result.is_object() {
            for (key, _) in session.members() {
                assert!(result.get(key).is_some(), "the key {key:?} of a snapshot was lost");
            }
        }
        if let (Some(r), Some(mr)) = (session.get("report"), result.get("report")) {
            if r.is_object() && mr.is_object() {
                for (key, _) in r.members() {
                    assert!(mr.get(key).is_some(), "the report key {key:?} of a snapshot was lost");
                }
                for list in ["transcript", "nodeReports"] {
                    let len = |v: Jsonb| v.get(list).filter(|l| l.is_array()).map_or(0, |l| l.len());
                    assert!(len(mr) >= len(r), "a longer {list} was lost");
                }
            }
        }
    }
    check_binary(&merged);
}

/// How deep a value nests, without recursing.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

/// Gives `b` the session id of `a` (or none, when `a` has none), so the two documents are
/// snapshots of one session as far as `merge_session` can tell.
pub fn same_session(a: &Value, b: &mut Value) {
    let id = session_of(a).get("id").cloned();
    let target = match b.get("session") {
        Some(inner) if inner.is_object() => &mut b["session"],
        _ => b,
    };
    if let Value::Object(map) = target {
        match id {
            Some(id) => map.insert("id".into(), id),
            None => map.remove("id"),
        };
    }
}

// ---- redaction ----------------------------------------------------------------------------

/// Every string value of a document, without recursing.
fn string_values(value: &Value) -> std::collections::HashSet<&str> {
    let mut out = std::collections::HashSet::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                out.insert(s.as_str());
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    out
}

/// A redacted snapshot `a` merged with another snapshot `b` of the session, in both argument
/// orders and both representations:
/// - no string that redaction removes from `a` or `b` (and that neither redacted snapshot
///   still holds elsewhere) reaches the result: a redaction is final;
/// - the result carries the marker;
/// - both orders give the same document, and serde_json and binary jsonb the same bytes;
/// - redaction itself is the same in both representations and idempotent.
/// (That the late fields of FaceSign's own fetches still merge in is tested over every
/// arrival order in core's redact tests; mutated snapshots may contradict each other.)
pub fn check_redaction(a: &Value, b: &Value) {
    use facesign_core::merge_session::merged_value;
    use facesign_core::redact::{redact_session, redacted_value, Marker, MARKER_KEY};
    let marker = Marker { redacted_at_ms: Some(1_764_000_000_000) };
    if depth(a).max(depth(b)) >= 1_000 {
        return; // serde_json's own limits; the binary writer is checked by check_merge
    }
    let (ra, rb) = (redacted_value(a, marker), redacted_value(b, marker));
    let bytes_a = jsonb::encode(a);
    let binary_ra = jsonb::encode_redacted(&redact_session(Jsonb::from_bytes(&bytes_a), marker));
    assert_eq!(binary_ra, jsonb::encode(&ra), "serde_json and binary jsonb redact differently");
    assert_eq!(redacted_value(&ra, marker), ra, "redacting twice changed the session");
    if facesign_core::redact::redaction_of(&ra).is_none() {
        return; // not a session object: nothing was removed, nothing is final
    }
    let kept: std::collections::HashSet<&str> =
        string_values(&ra).union(&string_values(&rb)).copied().collect();
    let personal: Vec<&str> =
        string_values(a).union(&string_values(b)).copied().filter(|s| !kept.contains(s)).collect();
    let (Ok(ab), Ok(ba)) = (merged_value(&ra, b), merged_value(b, &ra)) else {
        assert!(merged_value(&ra, b).is_err() && merged_value(b, &ra).is_err(), "refused in one order only");
        return;
    };
    assert_eq!(ab, ba, "merging into a redacted session depends on the argument order");
    let result = string_values(&ab);
    for value in &personal {
        assert!(!result.contains(value), "the removed value {value:?} came back");
    }
    if ab.is_object() {
        assert!(ab.get(MARKER_KEY).is_some(), "the merge of a redacted session is not marked redacted");
    }
    let encoded = jsonb::encode(&ab);
    let bytes_b = jsonb::encode(b);
    let binary = jsonb::merged_session(Jsonb::from_bytes(&binary_ra), Jsonb::from_bytes(&bytes_b)).unwrap();
    assert_eq!(binary, encoded, "serde_json and binary jsonb merge a redacted session differently");
    check_binary(&binary);
    dispose(ra);
    dispose(rb);
    dispose(ab);
    dispose(ba);
}
