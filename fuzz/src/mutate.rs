//! Structure-aware mutations: a seed document (an API fixture, a hand-written session or
//! flow, or a generated session) and a sequence of edits chosen by the `arbitrary` crate,
//! each aimed at what the readers and the validator look at.

use arbitrary::Arbitrary;
use serde_json::{json, Map, Number, Value};
use std::sync::OnceLock;

/// The seed documents, embedded so the target needs no files at run time.
const SEEDS: &[(&str, &str)] = &[
    ("all-node-types", include_str!("../../tests/flows/all-node-types.json")),
    ("seed-english", include_str!("../../tests/flows/seed-english-recognition-liveness.json")),
    ("deepfake-array-video", include_str!("../../tests/sessions/complete-deepfake-array-video.json")),
    ("kyc-object-video", include_str!("../../tests/sessions/complete-kyc-object-video.json")),
    ("legacy-snake-case", include_str!("../../tests/sessions/incomplete-legacy-snake-case.json")),
    ("flow-legacy", include_str!("../../tests/fixtures/facesign-api/flow-legacy-docs-simple.json")),
    (
        "liveness-inconclusive",
        include_str!("../../tests/fixtures/facesign-api/sdk-test-flow-liveness-inconclusive.json"),
    ),
    ("get-response", include_str!("../../tests/fixtures/facesign-api/session-get-response-dev.json")),
    (
        "quickstart",
        include_str!("../../tests/fixtures/facesign-api/session-create-response-quickstart-flow-array.json"),
    ),
    (
        "illustrative",
        include_str!("../../tests/fixtures/facesign-api/session-object-docs-illustrative-flow-array.json"),
    ),
    (
        "retrieve-legacy",
        include_str!("../../tests/fixtures/facesign-api/session-retrieve-response-docs-legacy.json"),
    ),
    (
        "create-request",
        include_str!("../../tests/fixtures/facesign-api/create-session-request-quickstart-flow-array.json"),
    ),
    (
        "legacy-3-outcomes",
        include_str!("../../tests/fixtures/facesign-api/sdk-test-liveness-node-legacy-3-outcomes.json"),
    ),
    ("generated-object-video", include_str!("../seeds/generated-complete-object-video.json")),
    ("generated-array-video", include_str!("../seeds/generated-complete-array-video.json")),
    ("generated-in-progress", include_str!("../seeds/generated-in-progress.json")),
];

fn seeds() -> &'static [Value] {
    static PARSED: OnceLock<Vec<Value>> = OnceLock::new();
    PARSED.get_or_init(|| {
        SEEDS
            .iter()
            .map(|(name, text)| serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}")))
            .collect()
    })
}

/// How many seeds there are (`fuzz/seed.sh` writes one corpus entry per seed).
pub fn seed_count() -> usize {
    SEEDS.len()
}

/// What the target's input decodes to.
#[derive(Arbitrary, Debug)]
pub struct Plan {
    pub seed: u8,
    pub mutations: Vec<Mutation>,
}

/// At most this many mutations are applied, so a document stays small enough to run often.
const MAX_MUTATIONS: usize = 12;
/// A subtree larger than this is not copied (copies could otherwise double a document each time).
const MAX_COPY: usize = 2_000;

impl Plan {
    /// The seed with the mutations applied.
    pub fn build(&self) -> Value {
        let all = seeds();
        let mut doc = all[self.seed as usize % all.len()].clone();
        for m in self.mutations.iter().take(MAX_MUTATIONS) {
            m.apply(&mut doc);
        }
        doc
    }
}

/// Where a path starts.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Anchor {
    Root,
    Flow,
    Report,
    NodeReports,
    Transcript,
    Settings,
    Location,
    Device,
    VideoAnalysis,
}

/// A value inside the document: an anchor, then child choices (array index or object
/// member, each modulo the container's size). A path that runs out of containers stops.
#[derive(Arbitrary, Debug, Clone)]
pub struct Path {
    pub anchor: Anchor,
    pub steps: Vec<u16>,
}

/// Keys the readers and the validator look up, near misses, and anything else.
const KEYS: &[&str] = &[
    "id",
    "type",
    "outcome",
    "outcomes",
    "targetNodeId",
    "condition",
    "prompt",
    "nodeReports",
    "transcript",
    "report",
    "settings",
    "flow",
    "session",
    "status",
    "createdAt",
    "startedAt",
    "finishedAt",
    "isAvatar",
    "text",
    "nodeId",
    "passedTransitionId",
    "videoAIAnalysis",
    "videoAIAnalysisStatus",
    "evaluation",
    "location",
    "traits",
    "device",
    "aiAnalysis",
    "ageMin",
    "ageMax",
    "deepfakeDetection",
    "score",
    "verdict",
    "similarity",
    "compareFacesReport",
    "cancelled",
    "canceled",
    "Cancelled",
    "userCancelled",
    "delivery_failed",
    "deliveryFailed",
    "success",
    "failure",
    "inconclusive",
    "nodes",
    "edges",
    "lang",
    "defaultLang",
    "default_lang",
    "clientReferenceId",
    "client_reference_id",
    "zone",
    "isMobile",
    "isTablet",
    "isBot",
    "autonomousSystemNumber",
    "accuracyRadius",
    "latitude",
    "longitude",
    "isAnonymous",
    "riskyIndicators",
    "allowedDocumentTypes",
    "faceSource",
    "source",
    "providedDataKey",
    "transitions",
    "",
    "~/",
    "ü",
    "start",
    "end",
    // Near misses the validator's spelling hints fold together (case, underscores, a doubled l).
    "Canceled",
    "CANCELLED",
    "can_celled",
    "cancel_led",
    "user_cancelled",
    "UserCanceled",
    "no_face",
    "NoFace",
    "deepfake_detected",
    "scan_success",
    "deliveryFailed",
    "Delivery_Failed",
];

#[derive(Arbitrary, Debug, Clone)]
pub enum Key {
    Known(u8),
    Other(String),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Known(k) => KEYS[*k as usize % KEYS.len()].to_owned(),
            Key::Other(s) => s.clone(),
        }
    }
}

/// Numbers at the edges of what the readers convert: zero signs, 2^53, i32/i64/u64 limits,
/// f64's extremes, epoch milliseconds, fractions.
fn tricky_number(k: u8) -> Value {
    let f = |x: f64| Value::Number(Number::from_f64(x).unwrap());
    match k % 24 {
        0 => json!(0),
        1 => f(-0.0),
        2 => json!(-1),
        3 => f(0.5),
        4 => f(25.5),
        5 => json!(9_007_199_254_740_993_u64),
        6 => json!(u64::MAX),
        7 => json!(i64::MIN),
        8 => json!(i64::MAX),
        9 => json!(i32::MAX as i64 + 1),
        10 => json!(i32::MIN as i64 - 1),
        11 => f(1e308),
        12 => f(-1e308),
        13 => f(f64::MAX),
        14 => f(f64::MIN_POSITIVE),
        15 => f(5e-324),
        16 => f(1e-7),
        17 => json!(1_760_989_572_190_u64),
        18 => f(9_223_372_036_854_775_808.0),
        19 => f(-9_223_372_036_854_775_808.0),
        20 => f(1e15),
        21 => f(1e22),
        22 => f(123456.789e-3),
        _ => f(-2147483648.5),
    }
}

/// A scalar or a small container to put somewhere.
#[derive(Arbitrary, Debug, Clone)]
pub enum Replacement {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Tricky(u8),
    Str(Key),
    EmptyString,
    EmptyArray,
    EmptyObject,
    ArrayOf(u8, Scalar),
    ObjectWith(Key, Scalar),
}

/// A scalar (what containers built by a [`Replacement`] hold).
#[derive(Arbitrary, Debug, Clone)]
pub enum Scalar {
    Null,
    Bool(bool),
    Tricky(u8),
    Str(Key),
}

impl Scalar {
    fn value(&self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Tricky(k) => tricky_number(*k),
            Scalar::Str(k) => Value::String(k.text()),
        }
    }
}

impl Replacement {
    fn value(&self) -> Value {
        match self {
            Replacement::Null => Value::Null,
            Replacement::Bool(b) => Value::Bool(*b),
            Replacement::Int(i) => json!(i),
            Replacement::Float(x) => Number::from_f64(*x).map_or(Value::Null, Value::Number),
            Replacement::Tricky(k) => tricky_number(*k),
            Replacement::Str(k) => Value::String(k.text()),
            Replacement::EmptyString => json!(""),
            Replacement::EmptyArray => json!([]),
            Replacement::EmptyObject => json!({}),
            Replacement::ArrayOf(n, s) => Value::Array((0..*n % 40).map(|_| s.value()).collect()),
            Replacement::ObjectWith(k, s) => {
                let mut m = Map::new();
                m.insert(k.text(), s.value());
                Value::Object(m)
            }
        }
    }
}

/// Node type names: the 13, legacy and near-miss names, and a type that is not a string.
const TYPES: &[&str] = &[
    "start",
    "end",
    "conversation",
    "data_validation",
    "liveness_detection",
    "enter_email",
    "document_scan",
    "recognition",
    "face_scan",
    "two_factor_email",
    "two_factor_sms",
    "permissions",
    "face_compare",
    "two_factor",
    "Start",
    "liveness",
    "",
];

/// Where an edited route points.
#[derive(Arbitrary, Debug, Clone)]
pub enum Target {
    /// Back at the node itself.
    SelfLoop,
    /// At another node (by index, modulo the flow's length).
    Node(u16),
    /// At an id no node has.
    Dangling(Key),
    /// At something that is not an id.
    NotAnId(Replacement),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Nesting {
    Arrays,
    Objects,
    Alternating,
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Mutation {
    /// Removes a member (or element) of the container at the path.
    Delete(Path, u16),
    /// Replaces the value at the path.
    Replace(Path, Replacement),
    /// Inserts (or overwrites) a member of the object at the path, or appends to an array.
    Insert(Path, Key, Replacement),
    /// Renames a member of the object at the path.
    Rename(Path, u16, Key),
    /// Copies a subtree over another value.
    Copy {
        from: Path,
        to: Path,
    },
    /// Wraps the value at the path in arrays or objects, 2^(depth % 14) levels deep.
    Nest(Path, u8, Nesting),
    /// Duplicates a flow node (same id) to another position.
    DuplicateNode(u16, u16),
    RemoveNode(u16),
    SwapNodes(u16, u16),
    /// Points one of a node's routes somewhere else.
    Retarget {
        node: u16,
        route: u8,
        target: Target,
    },
    /// Adds a route to a node: a conditional element or a fixed key.
    AddRoute {
        node: u16,
        id: Key,
        target: Target,
    },
    ChangeType(u16, u8),
    /// Gives a node the id of another node.
    CopyId(u16, u16),
    /// Duplicates, removes or retypes a `nodeReports` entry.
    DuplicateReport(u16),
    RemoveReport(u16),
    RetypeReport(u16, u8),
    /// `{session: doc}`, as `GET /sessions/{id}` wraps a session.
    WrapInSession,
    /// Replaces the document by one of its parts: its flow, its report or its session.
    Unwrap(Anchor),
}

// ---- finding things --------------------------------------------------------------------

/// The session inside a `{session}` wrapper, else the document.
fn session_mut(doc: &mut Value) -> &mut Value {
    if doc.get("session").is_some_and(Value::is_object) {
        return doc.get_mut("session").unwrap();
    }
    doc
}

fn anchor_mut(doc: &mut Value, anchor: Anchor) -> Option<&mut Value> {
    match anchor {
        Anchor::Root => Some(doc),
        Anchor::Flow => flow_mut(doc),
        Anchor::Settings => session_mut(doc).get_mut("settings"),
        Anchor::Report => report_mut(doc),
        Anchor::NodeReports => report_mut(doc)?.get_mut("nodeReports"),
        Anchor::Transcript => report_mut(doc)?.get_mut("transcript"),
        Anchor::Location => report_mut(doc)?.get_mut("location"),
        Anchor::Device => report_mut(doc)?.get_mut("device"),
        Anchor::VideoAnalysis => report_mut(doc)?.get_mut("videoAIAnalysis"),
    }
}

/// The flow: the document when it is an array, else a request's `flow` or a session's
/// `settings.flow`.
fn flow_mut(doc: &mut Value) -> Option<&mut Value> {
    if doc.is_array() {
        return Some(doc);
    }
    if doc.get("flow").is_some() {
        return doc.get_mut("flow");
    }
    session_mut(doc).get_mut("settings")?.get_mut("flow")
}

fn report_mut(doc: &mut Value) -> Option<&mut Value> {
    let session = session_mut(doc);
    if session.get("report").is_some() {
        return session.get_mut("report");
    }
    Some(session)
}

fn has_children(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => false,
    }
}

fn resolve<'v>(doc: &'v mut Value, path: &Path) -> Option<&'v mut Value> {
    let mut at = anchor_mut(doc, path.anchor)?;
    for &step in path.steps.iter().take(16) {
        if !has_children(at) {
            break;
        }
        at = match at {
            Value::Array(a) => {
                let n = a.len();
                &mut a[step as usize % n]
            }
            Value::Object(o) => {
                let n = o.len();
                o.values_mut().nth(step as usize % n)?
            }
            _ => unreachable!("checked above"),
        };
    }
    Some(at)
}

/// The number of values in `v`, counting no further than `limit`.
fn size_at_most(v: &Value, limit: usize) -> usize {
    let mut stack = vec![v];
    let mut n = 0;
    while let Some(v) = stack.pop() {
        n += 1;
        if n > limit {
            return n;
        }
        match v {
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    n
}

fn nodes_mut(doc: &mut Value) -> Option<&mut Vec<Value>> {
    flow_mut(doc)?.as_array_mut().filter(|a| !a.is_empty())
}

/// A copy of node `i`'s id (`null` when it has none, or when it is too large to copy).
fn node_id(nodes: &[Value], i: usize) -> Value {
    match nodes[i].get("id") {
        Some(id) if size_at_most(id, MAX_COPY) <= MAX_COPY => id.clone(),
        _ => Value::Null,
    }
}

/// The values of a node that name a next node: `outcome`, each value of an `outcomes`
/// object, each `targetNodeId` of an `outcomes` array.
fn route_slots(node: &mut Value) -> Vec<&mut Value> {
    let mut slots = Vec::new();
    if let Value::Object(o) = node {
        for (k, v) in o.iter_mut() {
            match (k.as_str(), v) {
                ("outcome", v) => slots.push(v),
                ("outcomes", Value::Object(m)) => slots.extend(m.values_mut()),
                ("outcomes", Value::Array(a)) => {
                    for e in a.iter_mut() {
                        if let Some(t) = e.get_mut("targetNodeId") {
                            slots.push(t);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    slots
}

fn target_value(nodes: &[Value], node: usize, target: &Target) -> Value {
    match target {
        Target::SelfLoop => node_id(nodes, node),
        Target::Node(j) => node_id(nodes, *j as usize % nodes.len()),
        Target::Dangling(k) => Value::String(format!("missing-{}", k.text())),
        Target::NotAnId(r) => r.value(),
    }
}

fn report_entries(doc: &mut Value) -> Option<&mut Vec<Value>> {
    report_mut(doc)?.get_mut("nodeReports")?.as_array_mut().filter(|a| !a.is_empty())
}

// ---- applying ---------------------------------------------------------------------------

/// Sets `key` of `o`, disposing of the value it replaces (which may be thousands deep).
fn put(o: &mut Map<String, Value>, key: String, value: Value) {
    if let Some(old) = o.insert(key, value) {
        crate::dispose(old);
    }
}

impl Mutation {
    pub fn apply(&self, doc: &mut Value) {
        match self {
            Mutation::Delete(path, k) => match resolve(doc, path) {
                Some(Value::Object(o)) if !o.is_empty() => {
                    let key = o.keys().nth(*k as usize % o.len()).cloned().unwrap();
                    if let Some(v) = o.remove(&key) {
                        crate::dispose(v);
                    }
                }
                Some(Value::Array(a)) if !a.is_empty() => {
                    let n = a.len();
                    crate::dispose(a.remove(*k as usize % n));
                }
                _ => {}
            },
            Mutation::Replace(path, r) => {
                if let Some(at) = resolve(doc, path) {
                    crate::dispose(std::mem::replace(at, r.value()));
                }
            }
            Mutation::Insert(path, key, r) => match resolve(doc, path) {
                Some(Value::Object(o)) => {
                    if let Some(old) = o.insert(key.text(), r.value()) {
                        crate::dispose(old);
                    }
                }
                Some(Value::Array(a)) => a.push(r.value()),
                _ => {}
            },
            Mutation::Rename(path, k, key) => {
                if let Some(Value::Object(o)) = resolve(doc, path) {
                    if !o.is_empty() {
                        let old = o.keys().nth(*k as usize % o.len()).cloned().unwrap();
                        let v = o.remove(&old).unwrap();
                        if let Some(replaced) = o.insert(key.text(), v) {
                            crate::dispose(replaced);
                        }
                    }
                }
            }
            Mutation::Copy { from, to } => {
                let Some(source) = resolve(doc, from) else { return };
                if size_at_most(source, MAX_COPY) > MAX_COPY {
                    return;
                }
                let copy = source.clone();
                match resolve(doc, to) {
                    Some(at) => crate::dispose(std::mem::replace(at, copy)),
                    None => crate::dispose(copy),
                }
            }
            Mutation::Nest(path, depth, how) => {
                let Some(at) = resolve(doc, path) else { return };
                let mut v = std::mem::take(at);
                for level in 0..1usize << (depth % 14) {
                    let array = match how {
                        Nesting::Arrays => true,
                        Nesting::Objects => false,
                        Nesting::Alternating => level % 2 == 0,
                    };
                    v = if array {
                        Value::Array(vec![v])
                    } else {
                        let mut m = Map::new();
                        m.insert("report".into(), v);
                        Value::Object(m)
                    };
                }
                *at = v;
            }
            Mutation::DuplicateNode(from, to) => {
                let Some(nodes) = nodes_mut(doc) else { return };
                let n = nodes.len();
                if size_at_most(&nodes[*from as usize % n], MAX_COPY) > MAX_COPY {
                    return;
                }
                let copy = nodes[*from as usize % n].clone();
                nodes.insert(*to as usize % (n + 1), copy);
            }
            Mutation::RemoveNode(i) => {
                let Some(nodes) = nodes_mut(doc) else { return };
                let n = nodes.len();
                crate::dispose(nodes.remove(*i as usize % n));
            }
            Mutation::SwapNodes(i, j) => {
                let Some(nodes) = nodes_mut(doc) else { return };
                let n = nodes.len();
                nodes.swap(*i as usize % n, *j as usize % n);
            }
            Mutation::Retarget { node, route, target } => {
                let Some(nodes) = nodes_mut(doc) else { return };
                let i = *node as usize % nodes.len();
                let value = target_value(nodes, i, target);
                let mut slots = route_slots(&mut nodes[i]);
                if slots.is_empty() {
                    return;
                }
                let n = slots.len();
                crate::dispose(std::mem::replace(slots[*route as usize % n], value));
            }
            Mutation::AddRoute { node, id, target } => {
                let Some(nodes) = nodes_mut(doc) else { return };
                let i = *node as usize % nodes.len();
                let value = target_value(nodes, i, target);
                match nodes[i].get_mut("outcomes") {
                    Some(Value::Array(a)) => {
                        let mut element = Map::new();
                        element.insert("id".into(), Value::String(id.text()));
                        element.insert("condition".into(), json!("fuzz"));
                        element.insert("targetNodeId".into(), value);
                        a.push(Value::Object(element));
                    }
                    Some(Value::Object(o)) => {
                        if let Some(old) = o.insert(id.text(), value) {
                            crate::dispose(old);
                        }
                    }
                    _ => {
                        if let Value::Object(o) = &mut nodes[i] {
                            if let Some(old) = o.insert("outcome".into(), value) {
                                crate::dispose(old);
                            }
                        }
                    }
                }
            }
            Mutation::ChangeType(node, t) => {
                let Some(nodes) = nodes_mut(doc) else { return };
                let i = *node as usize % nodes.len();
                if let Value::Object(o) = &mut nodes[i] {
                    put(o, "type".into(), json!(TYPES[*t as usize % TYPES.len()]));
                }
            }
            Mutation::CopyId(from, to) => {
                let Some(nodes) = nodes_mut(doc) else { return };
                let n = nodes.len();
                let id = node_id(nodes, *from as usize % n);
                if let Value::Object(o) = &mut nodes[*to as usize % n] {
                    put(o, "id".into(), id);
                }
            }
            Mutation::DuplicateReport(k) => {
                let Some(entries) = report_entries(doc) else { return };
                let n = entries.len();
                if size_at_most(&entries[*k as usize % n], MAX_COPY) > MAX_COPY {
                    return;
                }
                let copy = entries[*k as usize % n].clone();
                entries.push(copy);
            }
            Mutation::RemoveReport(k) => {
                let Some(entries) = report_entries(doc) else { return };
                let n = entries.len();
                crate::dispose(entries.remove(*k as usize % n));
            }
            Mutation::RetypeReport(k, t) => {
                let Some(entries) = report_entries(doc) else { return };
                let n = entries.len();
                if let Value::Object(o) = &mut entries[*k as usize % n] {
                    put(o, "type".into(), json!(TYPES[*t as usize % TYPES.len()]));
                }
            }
            Mutation::WrapInSession => {
                // Built by hand: `json!` would serialize the (possibly deep) document recursively.
                let mut wrapper = Map::new();
                wrapper.insert("session".into(), std::mem::take(doc));
                wrapper.insert("clientSecret".into(), json!({"secret": "fuzz"}));
                *doc = Value::Object(wrapper);
            }
            Mutation::Unwrap(anchor) => {
                let Some(part) = anchor_mut(doc, *anchor) else { return };
                let part = std::mem::take(part);
                crate::dispose(std::mem::replace(doc, part));
            }
        }
    }
}
