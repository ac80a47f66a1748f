//! Flow validation: every rule of `sql-api.md`, every problem at once, in linear time.
//!
//! Three passes, none recursive: (1) index the node ids; (2) check each node on its own
//! (id, type, fields, outcomes, targets) and collect the graph's edges; (3) graph rules
//! (start and end nodes, cycles, reachability, video checks placed too early).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::edges::{for_each_route, Route, Shape};
use super::graph::Graph;
use super::lints::{self, FlowView};
use super::node_types::{self, Field, NodeType, Routing, Rule, FACE_SOURCES};
use super::problem::{Code, Ptr, Sink};
use super::session::SessionContext;
use crate::json::{JsonRef, Kind};

/// Validates `flow` (the node array of `settings.flow`), reporting every problem to `sink`.
pub fn validate<'a, J: JsonRef<'a>, S: Sink>(flow: J, sink: &mut S) {
    validate_with(flow, None, sink);
}

/// [`validate`] for a flow run with `session`'s settings, whose rules the lints add.
pub fn validate_with<'a, J: JsonRef<'a>, S: Sink>(
    flow: J,
    session: Option<&SessionContext<'a>>,
    sink: &mut S,
) {
    validate_checks(flow, session, true, sink);
}

/// The validator without the safety lints: what `validate_flow` did before them, kept so the
/// flow-validation benchmark measures their cost in the same run.
#[doc(hidden)]
pub fn validate_structure<'a, J: JsonRef<'a>, S: Sink>(flow: J, sink: &mut S) {
    validate_checks(flow, None, false, sink);
}

fn validate_checks<'a, J: JsonRef<'a>, S: Sink>(
    flow: J,
    session: Option<&SessionContext<'a>>,
    safety: bool,
    sink: &mut S,
) {
    match flow.kind() {
        Kind::Array => {}
        Kind::Object if flow.get("nodes").is_some() || flow.get("edges").is_some() => {
            sink.add(Code::LegacyFlowFormat, Ptr::flow(), None, || {
                "The flow uses the older {nodes, edges} format; convert it to an array of nodes \
                 that name their next node in outcome/outcomes."
                    .into()
            });
            return;
        }
        other => {
            sink.add(Code::NotAnArray, Ptr::flow(), None, || {
                format!("The flow must be a JSON array of nodes, not {}.", other.described())
            });
            return;
        }
    }
    if flow.is_empty() {
        sink.add(Code::EmptyFlow, Ptr::flow(), None, || {
            "The flow is empty; it needs at least a start node and an end node.".into()
        });
        return;
    }
    let mut v = Validator::new(flow);
    v.check_nodes(sink);
    v.check_graph(sink, safety, session);
}

/// A fast, non-cryptographic hasher for node ids (the FxHash mix): the id index is built
/// for every flow validated, and SipHash's DoS resistance buys nothing for one document's
/// keys while costing a third of the time on large flows.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type IdIndex<'a> = HashMap<&'a str, usize, BuildHasherDefault<IdHasher>>;

/// What pass 1 learns about each node.
pub(super) struct NodeInfo<'a, J> {
    pub node: J,
    /// The id, when it is a non-empty string.
    pub id: Option<&'a str>,
    pub node_type: Option<&'static NodeType>,
    /// False for the second and later nodes with an id already taken.
    pub owns_id: bool,
}

struct Validator<'a, J> {
    nodes: Vec<NodeInfo<'a, J>>,
    index: IdIndex<'a>,
    graph: Graph<'a>,
}

/// `"a"`, `"b"` and `"c"` (or `or`) as a sentence fragment.
fn quoted_list(items: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} {conjunction} {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// A number as a message shows it: `6`, `0.5`.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Keys that differ only in case, underscores or a doubled letter: `cancelled` for
/// `canceled`, `deliveryFailed` for `delivery_failed`.
fn same_but_spelling(a: &str, b: &str) -> bool {
    fn fold(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars().filter(|c| *c != '_').flat_map(char::to_lowercase) {
            if out.ends_with(c) && c == 'l' {
                continue;
            }
            out.push(c);
        }
        out
    }
    a != b && fold(a) == fold(b)
}

impl<'a, J: JsonRef<'a>> Validator<'a, J> {
    /// Pass 1: ids and types, so targets can be resolved while nodes are checked.
    fn new(flow: J) -> Self {
        let mut nodes = Vec::with_capacity(flow.len());
        let mut index = IdIndex::with_capacity_and_hasher(flow.len(), Default::default());
        for (i, node) in flow.elements().enumerate() {
            let id = node.get("id").and_then(|id| id.as_str()).filter(|s| !s.is_empty());
            let owns_id = match id {
                Some(id) => *index.entry(id).or_insert(i) == i,
                None => false,
            };
            let node_type = node.get("type").and_then(|t| t.as_str()).and_then(node_types::lookup);
            nodes.push(NodeInfo { node, id, node_type, owns_id });
        }
        let graph = Graph::new(nodes.len());
        Validator { nodes, index, graph }
    }

    /// Pass 2: each node on its own.
    fn check_nodes<S: Sink>(&mut self, sink: &mut S) {
        for i in 0..self.nodes.len() {
            let NodeInfo { node, id, node_type, owns_id } = self.nodes[i];
            if !node.is_object() {
                sink.add(Code::NodeNotObject, Ptr::node(i), None, || {
                    format!(
                        "Node {i} must be an object with an id and a type, not {}.",
                        node.kind().described()
                    )
                });
                continue;
            }
            self.check_id(sink, i, node, owns_id);
            let ty = match node.get("type") {
                None => {
                    sink.add(Code::MissingType, Ptr::node(i), id, || {
                        format!("Node {} has no type; give it one of the 13 node types.", name(id, i))
                    });
                    None
                }
                Some(t) if node_type.is_none() => {
                    sink.add(Code::UnknownType, Ptr::node(i).key("type"), id, || match t.as_str() {
                        Some(s) => {
                            let hint = node_types::replacement_hint(s)
                                .map_or(String::new(), |h| format!(" ({h})"));
                            format!("Node {} has type \"{s}\", which is not a node type{hint}.", name(id, i))
                        }
                        None => format!(
                            "Node {} has a type that is {}; it must be a node type name such as \"conversation\".",
                            name(id, i),
                            t.kind().described()
                        ),
                    });
                    None
                }
                Some(_) => node_type,
            };
            if let Some(ty) = ty {
                self.check_fields(sink, i, node, id, ty);
            }
            self.check_routes(sink, i, node, id, ty, owns_id);
        }
    }

    fn check_id<S: Sink>(&self, sink: &mut S, i: usize, node: J, owns_id: bool) {
        match node.get("id") {
            None => sink.add(Code::MissingId, Ptr::node(i), None, || {
                format!("Node {i} has no id; give it a unique, non-empty string id.")
            }),
            Some(id) => {
                match id.as_str() {
                    Some(s) if !s.is_empty() => {
                        if !owns_id {
                            sink.add(Code::DuplicateId, Ptr::node(i).key("id"), Some(s), || {
                            let first = self.index[s];
                            format!("Node {i} reuses the id \"{s}\" of node {first}; node ids must be unique.")
                        });
                        }
                    }
                    _ => sink.add(Code::InvalidId, Ptr::node(i).key("id"), None, || {
                        format!(
                            "Node {i} has an id that is {}; it must be a non-empty string.",
                            match id.as_str() {
                                Some(_) => "empty",
                                None => id.kind().described(),
                            }
                        )
                    }),
                }
            }
        }
    }

    /// The type's own fields, and fields the type does not define.
    fn check_fields<S: Sink>(
        &self,
        sink: &mut S,
        i: usize,
        node: J,
        id: Option<&'a str>,
        ty: &'static NodeType,
    ) {
        // Routing fields are checked with the outcomes; on an end node they are errors
        // (`end_has_outcomes`), not unknown fields.
        let what = || format!("{} node {}", ty.name, name(id, i));
        check_object_fields(sink, node, ty.fields, Ptr::node(i), id, &what, &|key| {
            ty.defines_field(key)
                || (matches!(ty.routing, Routing::Terminal) && (key == "outcome" || key == "outcomes"))
        });
    }

    /// Outcomes: their shape, their keys and the nodes they name; collects graph edges.
    fn check_routes<S: Sink>(
        &mut self,
        sink: &mut S,
        i: usize,
        node: J,
        id: Option<&'a str>,
        ty: Option<&'static NodeType>,
        owns_id: bool,
    ) {
        if let Some(ty) = ty {
            match &ty.routing {
                Routing::Terminal => {
                    for field in ["outcome", "outcomes"] {
                        if node.get(field).is_some() {
                            sink.add(Code::EndHasOutcomes, Ptr::node(i).key(field), id, || {
                                format!("End node {} has \"{field}\"; an end node finishes the flow, so remove it.", name(id, i))
                            });
                        }
                    }
                    return;
                }
                Routing::Single => match node.get("outcome") {
                    None => {
                        sink.add(Code::MissingField, Ptr::node(i), id, || {
                            format!(
                                "Start node {} has no \"outcome\"; set it to the id of the first node.",
                                name(id, i)
                            )
                        });
                        return;
                    }
                    Some(o) if o.as_str().is_none_or(str::is_empty) => {
                        sink.add(Code::InvalidField, Ptr::node(i).key("outcome"), id, || {
                            format!(
                                "Start node {}'s \"outcome\" must be the id of the first node, not {}.",
                                name(id, i),
                                described(o)
                            )
                        });
                        return;
                    }
                    Some(_) => {}
                },
                Routing::Fixed { required, optional, defaulted, .. } => {
                    let Some(outcomes) = self.outcomes_of(sink, i, node, id, ty, Kind::Object) else {
                        return;
                    };
                    for key in required.iter() {
                        if outcomes.get(key).is_none() {
                            sink.add(Code::MissingOutcome, Ptr::node(i).key("outcomes").key(key), id, || {
                                // In key order, as every per-key row: the representation's own
                                // order would name another near miss from serde_json than from jsonb.
                                let near = outcomes.members_in_key_order().into_iter().map(|(k, _)| k).find(|k| same_but_spelling(k, key));
                                let hint = near.map_or(String::new(), |k| format!(" (it has \"{k}\"; {} spells it \"{key}\")", ty.name));
                                format!("The {} node {} has no \"{key}\" outcome; map it to the id of the next node{hint}.", ty.name, name(id, i))
                            });
                        }
                    }
                    if let Some((key, filled_from)) = defaulted {
                        if S::DETAILED && outcomes.get(key).is_none() {
                            sink.add(Code::InconclusiveDefaulted, Ptr::node(i).key("outcomes").key(key), id, || {
                                format!(
                                    "The {} node {} has no \"{key}\" outcome; the API will route it to the \"{filled_from}\" target. Map it explicitly to choose.",
                                    ty.name,
                                    name(id, i)
                                )
                            });
                        }
                    }
                    for (key, _) in outcomes.members_in_key_order() {
                        if !required.contains(&key) && !optional.contains(&key) {
                            sink.add(Code::UnknownOutcome, Ptr::node(i).key("outcomes").key(key), id, || {
                                let near = required.iter().chain(optional.iter()).find(|k| same_but_spelling(key, k));
                                let hint = match near {
                                    Some(k) => format!("; {} spells it \"{k}\"", ty.name),
                                    None => format!("; its outcomes are {}", quoted_list(&required.iter().chain(optional.iter()).copied().collect::<Vec<_>>(), "and")),
                                };
                                format!("The {} node {} has an outcome \"{key}\" that the type does not define{hint}.", ty.name, name(id, i))
                            });
                        }
                    }
                }
                Routing::Conditional => {
                    let Some(outcomes) = self.outcomes_of(sink, i, node, id, ty, Kind::Array) else { return };
                    if outcomes.is_empty() {
                        sink.add(Code::EmptyOutcomes, Ptr::node(i).key("outcomes"), id, || {
                            format!("The {} node {} has no outcomes; add at least one {{id, condition, targetNodeId}}.", ty.name, name(id, i))
                        });
                        return;
                    }
                }
            }
        }
        // Every routing entry: its shape (conditional elements), then the node it names.
        let mut seen_outcome_ids: Vec<&'a str> = Vec::new();
        let shape = Shape::of(ty);
        for_each_route(node, i, shape, |route: Route<'a, J>| {
            if let Some(element) = route.element {
                if !check_conditional_element(sink, i, id, element, route.index, &mut seen_outcome_ids) {
                    return;
                }
            }
            let Some(target) = route.target else { return };
            let Some(target_id) = target.as_str().filter(|s| !s.is_empty()) else {
                sink.add(Code::InvalidField, route.at, id, || {
                    format!(
                        "Outcome {} of node {} must be the id of a node, not {}.",
                        outcome_name(&route),
                        name(id, i),
                        described(target)
                    )
                });
                return;
            };
            if Some(target_id) == id {
                sink.add(Code::SelfLoop, route.at, id, || {
                    format!(
                        "Outcome {} of node {} leads back to the node itself; flows cannot loop, so fold retries into the node's prompt or route forward.",
                        outcome_name(&route),
                        name(id, i)
                    )
                });
                return;
            }
            match self.index.get(target_id) {
                None => sink.add(Code::UnknownTarget, route.at, id, || {
                    format!(
                        "Outcome {} of node {} names \"{target_id}\", which is not the id of any node.",
                        outcome_name(&route),
                        name(id, i)
                    )
                }),
                Some(&t) if owns_id => self.graph.add_edge(i, t, route.at, route.outcome),
                Some(_) => {}
            }
        });
    }

    /// The node's `outcomes`, if present and of the `expected` JSON type; reports it if not.
    fn outcomes_of<S: Sink>(
        &self,
        sink: &mut S,
        i: usize,
        node: J,
        id: Option<&str>,
        ty: &NodeType,
        expected: Kind,
    ) -> Option<J> {
        match node.get("outcomes") {
            None => {
                sink.add(Code::MissingField, Ptr::node(i), id, || {
                    let typo =
                        if node.get("outcome").is_some() { " (it has \"outcome\", singular)" } else { "" };
                    format!("The {} node {} has no \"outcomes\"{typo}.", ty.name, name(id, i))
                });
                None
            }
            Some(o) if o.kind() != expected => {
                sink.add(Code::InvalidField, Ptr::node(i).key("outcomes"), id, || {
                    format!(
                        "The {} node {}'s \"outcomes\" must be {}, not {}.",
                        ty.name,
                        name(id, i),
                        if expected == Kind::Object {
                            "an object mapping each outcome to a node id"
                        } else {
                            "an array of {id, condition, targetNodeId}"
                        },
                        o.kind().described()
                    )
                });
                None
            }
            Some(o) => Some(o),
        }
    }

    /// Pass 3: rules about the graph as a whole; then, with `safety`, the safety lints (with
    /// the session's settings, if any).
    fn check_graph<S: Sink>(&mut self, sink: &mut S, safety: bool, session: Option<&SessionContext<'a>>) {
        let starts: Vec<usize> = self.indices_of("start");
        match starts.as_slice() {
            [] => sink.add(Code::MissingStart, Ptr::flow(), None, || {
                "The flow has no start node; add exactly one node of type \"start\".".into()
            }),
            [_] => {}
            [first, rest @ ..] => {
                for &s in rest {
                    let id = self.nodes[s].id;
                    sink.add(Code::MultipleStart, Ptr::node(s), id, || {
                        format!("Node {} is a second start node (the first is node {first}); a flow has exactly one.", name(id, s))
                    });
                }
            }
        }
        if self.indices_of("end").is_empty() {
            sink.add(Code::MissingEnd, Ptr::flow(), None, || {
                "The flow has no end node; add at least one node of type \"end\".".into()
            });
        }
        let graph = std::mem::replace(&mut self.graph, Graph::new(0)).finish();
        let ids: Vec<Option<&str>> = self.nodes.iter().map(|n| n.id).collect();
        let start = starts.first().copied();
        graph.for_each_cycle(start, |source, at, cycle| {
            sink.add(Code::Cycle, at, ids[source], || {
                format!(
                    "Nodes {} form a cycle; a flow must be acyclic, so route one of these outcomes forward.",
                    cycle_text(cycle, &ids)
                )
            });
        });
        if !S::DETAILED {
            return;
        }
        if let [start] = starts.as_slice() {
            let reached = graph.reachable_from(*start);
            for (i, info) in self.nodes.iter().enumerate() {
                if !reached[i] && info.owns_id && info.node_type.is_some() {
                    sink.add(Code::UnreachableNode, Ptr::node(i), info.id, || {
                        format!("No path from the start node reaches node {}.", name(info.id, i))
                    });
                }
            }
        }
        let mut warned = vec![false; self.nodes.len()];
        for (source, target) in graph.edges() {
            let (from, to) = (&self.nodes[source], &self.nodes[target]);
            let early = matches!(from.node_type.map(|t| t.name), Some("start" | "permissions"));
            let Some(to_type) = to.node_type else { continue };
            if early && to_type.is_video_check() && !warned[target] {
                warned[target] = true;
                sink.add(Code::VideoCheckTooEarly, Ptr::node(target), to.id, || {
                    format!(
                        "The {} node {} comes straight after {} node {}; put a conversation before it so the camera has a few seconds of video.",
                        to_type.name,
                        name(to.id, target),
                        from.node_type.map_or("", |t| t.name),
                        name(from.id, source)
                    )
                });
            }
        }
        if let (true, [start]) = (safety, starts.as_slice()) {
            let view = FlowView { nodes: &self.nodes, graph: &graph, start: *start, session };
            lints::check(&view, sink);
        }
    }

    fn indices_of(&self, type_name: &str) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].node_type.is_some_and(|t| t.name == type_name))
            .collect()
    }
}

/// How messages name a node: `"greeting"`, or `#3` when it has no usable id.
pub(super) fn name(id: Option<&str>, i: usize) -> String {
    match id {
        Some(id) => format!("\"{id}\""),
        None => format!("#{i}"),
    }
}

fn outcome_name<J>(route: &Route<J>) -> String {
    match route.outcome {
        Some(o) => format!("\"{o}\""),
        None if route.element.is_some() => format!("#{}", route.index),
        None => "\"outcome\"".into(),
    }
}

fn described<'a, J: JsonRef<'a>>(v: J) -> &'static str {
    match v.as_str() {
        Some("") => "an empty string",
        _ => v.kind().described(),
    }
}

/// The ids of a cycle in order, back to the first: `"a" → "b" → "a"`. Long cycles are
/// shortened in the middle so a message stays one readable sentence.
fn cycle_text(cycle: &[usize], ids: &[Option<&str>]) -> String {
    let label = |v: usize| name(ids[v], v);
    let mut parts = chain_text(cycle, 8, 4, label);
    parts.push(label(cycle[0]));
    parts.join(" → ")
}

/// The labels of `nodes`, in order; more than `head + tail` of them keep the first `head` and
/// the last `tail`, with "… (N nodes in all) …" between, so a message stays one sentence.
pub(super) fn chain_text(
    nodes: &[usize],
    head: usize,
    tail: usize,
    label: impl Fn(usize) -> String,
) -> Vec<String> {
    if nodes.len() <= head + tail {
        return nodes.iter().map(|&v| label(v)).collect();
    }
    let mut parts: Vec<String> = nodes[..head].iter().map(|&v| label(v)).collect();
    parts.push(format!("… ({} nodes in all) …", nodes.len()));
    parts.extend(nodes[nodes.len() - tail..].iter().map(|&v| label(v)));
    parts
}

/// Checks one `{id, condition, targetNodeId}` element; false when it is not an object.
fn check_conditional_element<'a, J: JsonRef<'a>, S: Sink>(
    sink: &mut S,
    i: usize,
    node_id: Option<&str>,
    element: J,
    k: usize,
    seen: &mut Vec<&'a str>,
) -> bool {
    let at = Ptr::node(i).key("outcomes").index(k);
    if !element.is_object() {
        sink.add(Code::InvalidField, at, node_id, || {
            format!(
                "Outcome #{k} of node {} must be an object {{id, condition, targetNodeId}}, not {}.",
                name(node_id, i),
                element.kind().described()
            )
        });
        return false;
    }
    const FIELDS: &[Field] = &[
        Field { name: "id", required: true, rule: Rule::Text { non_empty: true } },
        Field { name: "condition", required: true, rule: Rule::Text { non_empty: true } },
    ];
    let what = || format!("outcome #{k} of node {}", name(node_id, i));
    check_object_fields(sink, element, FIELDS, at, node_id, &what, &|key| {
        key == "id" || key == "condition" || key == "targetNodeId"
    });
    if element.get("targetNodeId").is_none() {
        sink.add(Code::MissingField, at, node_id, || {
            format!(
                "Outcome #{k} of node {} has no \"targetNodeId\"; set it to the id of the next node.",
                name(node_id, i)
            )
        });
    }
    if let Some(outcome_id) = element.get("id").and_then(|v| v.as_str()).filter(|s| !s.is_empty()) {
        if seen.contains(&outcome_id) {
            sink.add(Code::DuplicateOutcomeId, at.key("id"), node_id, || {
                format!("Node {} has two outcomes with the id \"{outcome_id}\"; outcome ids must be unique within a node.", name(node_id, i))
            });
        } else {
            seen.push(outcome_id);
        }
    }
    true
}

/// Checks `object` against `fields` (presence, JSON type, range, enum), then warns about
/// keys `known` does not accept. `what` names the object in messages.
fn check_object_fields<'a, J: JsonRef<'a>, S: Sink>(
    sink: &mut S,
    object: J,
    fields: &'static [Field],
    at: Ptr<'a>,
    node_id: Option<&str>,
    what: &dyn Fn() -> String,
    known: &dyn Fn(&str) -> bool,
) {
    for field in fields {
        match object.get(field.name) {
            None if field.required => sink.add(Code::MissingField, at, node_id, || {
                format!("The {} has no \"{}\", which it requires.", what(), field.name)
            }),
            None => {}
            Some(value) => check_value(sink, value, field, at.key(field.name), node_id, what),
        }
    }
    if !S::DETAILED {
        return;
    }
    // Unknown keys in the format's key order (length, then bytes), the same whichever
    // representation the document is held in.
    for (key, _) in object.members_in_key_order().into_iter().filter(|(k, _)| !known(k)) {
        sink.add(Code::UnknownField, at.key(key), node_id, || {
            let hint = match key {
                "outcome" if known("outcomes") => " (did you mean \"outcomes\"?)",
                "outcomes" if known("outcome") => " (did you mean \"outcome\"?)",
                "transitions" => " (the older name for outcomes)",
                _ => "",
            };
            format!("The {} has a field \"{key}\" that its type does not define{hint}.", what())
        });
    }
}

/// Checks one present field's value against its rule.
fn check_value<'a, J: JsonRef<'a>, S: Sink>(
    sink: &mut S,
    value: J,
    field: &'static Field,
    at: Ptr<'a>,
    node_id: Option<&str>,
    what: &dyn Fn() -> String,
) {
    let f = field.name;
    let invalid = |sink: &mut S, at: Ptr, must: String| {
        sink.add(Code::InvalidField, at, node_id, || format!("\"{f}\" of the {} {must}.", what()));
    };
    match &field.rule {
        Rule::Text { non_empty } => match value.as_str() {
            None => invalid(sink, at, format!("must be a string, not {}", value.kind().described())),
            Some("") if *non_empty => invalid(sink, at, "must not be empty".into()),
            Some(_) => {}
        },
        Rule::Bool => {
            if value.as_bool().is_none() {
                invalid(sink, at, format!("must be true or false, not {}", value.kind().described()));
            }
        }
        Rule::Number { min, max, integer } => match value.as_f64() {
            None => invalid(sink, at, format!("must be a number, not {}", value.kind().described())),
            Some(n) => {
                let bounds = if *max == f64::MAX {
                    format!("at least {}", number(*min))
                } else {
                    format!("from {} to {}", number(*min), number(*max))
                };
                let kind = if *integer { "an integer" } else { "a number" };
                if !n.is_finite() || n < *min || n > *max || (*integer && n.fract() != 0.0) {
                    invalid(sink, at, format!("must be {kind} {bounds}, not {}", number(n)));
                }
            }
        },
        Rule::OneOf(allowed) => {
            if !value.as_str().is_some_and(|s| allowed.contains(&s)) {
                let got = value.as_str().map_or(value.kind().described().to_string(), |s| format!("\"{s}\""));
                invalid(sink, at, format!("must be one of {}, not {got}", quoted_list(allowed, "or")));
            }
        }
        Rule::DocumentTypes => {
            if !value.is_array() || value.is_empty() {
                invalid(
                    sink,
                    at,
                    format!(
                        "must be a non-empty array of document types such as \"passport\", not {}",
                        if value.is_array() { "an empty array" } else { value.kind().described() }
                    ),
                );
                return;
            }
            for (k, item) in value.elements().enumerate() {
                let ok = item.as_str().is_some_and(|s| {
                    !s.is_empty()
                        && s.split('-').all(|part| {
                            !part.is_empty()
                                && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                        })
                });
                if !ok {
                    let got =
                        item.as_str().map_or(item.kind().described().to_string(), |s| format!("\"{s}\""));
                    invalid(sink, at.index(k), format!("must list kebab-case document types such as \"passport\" or \"residence-permit\", not {got}"));
                }
            }
        }
        Rule::Object(fields) => {
            if !value.is_object() {
                invalid(sink, at, format!("must be an object, not {}", value.kind().described()));
                return;
            }
            let whose = || format!("\"{f}\" of the {}", what());
            check_object_fields(sink, value, fields, at, node_id, &whose, &|key| {
                fields.iter().any(|s| s.name == key)
            });
        }
        Rule::FaceSource => {
            if !value.is_object() {
                invalid(
                    sink,
                    at,
                    format!(
                        "must be an object such as {{\"source\": \"faceScan\"}}, not {}",
                        value.kind().described()
                    ),
                );
                return;
            }
            const SOURCE: &[Field] =
                &[Field { name: "source", required: true, rule: Rule::OneOf(FACE_SOURCES) }];
            const KEY: &[Field] =
                &[Field { name: "providedDataKey", required: true, rule: Rule::Text { non_empty: true } }];
            let whose = || format!("\"{f}\" of the {}", what());
            let provided = value.get("source").and_then(|s| s.as_str()) == Some("providedData");
            let known = |key: &str| key == "source" || (provided && key == "providedDataKey");
            check_object_fields(sink, value, SOURCE, at, node_id, &whose, &known);
            if provided {
                check_object_fields(sink, value, KEY, at, node_id, &whose, &|_| true);
            }
        }
    }
}
