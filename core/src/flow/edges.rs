//! The edges of a flow as written: which outcome of which node names which node. One
//! implementation serves `facesign.flow_edges` and the validator's graph checks.

use super::node_types::{self, NodeType, Routing};
use super::problem::Ptr;
use crate::json::{JsonRef, Kind};

/// How a node's routing is laid out, from its type (or, for a type we do not know, from
/// whatever routing fields it has).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `outcome: "nodeId"`.
    Single,
    /// `outcomes: {key: "nodeId"}`.
    Fixed,
    /// `outcomes: [{id, condition, targetNodeId}]`.
    Conditional,
    /// No routing (an `end` node).
    Terminal,
    /// Unknown or missing type: read every routing field that is present.
    AsWritten,
}

impl Shape {
    pub fn of(node_type: Option<&NodeType>) -> Shape {
        match node_type.map(|t| &t.routing) {
            Some(Routing::Single) => Shape::Single,
            Some(Routing::Terminal) => Shape::Terminal,
            Some(Routing::Fixed { .. }) => Shape::Fixed,
            Some(Routing::Conditional) => Shape::Conditional,
            None => Shape::AsWritten,
        }
    }
}

/// One routing entry of a node, as written.
#[derive(Clone, Copy, Debug)]
pub struct Route<'a, J> {
    /// The fixed outcome key, or the conditional outcome's `id` (when it is a string), or
    /// `None` for a start node's single `outcome`.
    pub outcome: Option<&'a str>,
    /// The value naming the next node, if present (any JSON type: callers check).
    pub target: Option<J>,
    /// Where the target is, or where it should be.
    pub at: Ptr<'a>,
    /// For a conditional outcome: the whole `{id, condition, targetNodeId}` element.
    pub element: Option<J>,
    /// For a conditional outcome: its index in the `outcomes` array.
    pub index: usize,
}

/// Calls `visit` for each routing entry of `node` (node `i` of the flow), in document order.
pub fn for_each_route<'a, J: JsonRef<'a>>(
    node: J,
    i: usize,
    shape: Shape,
    mut visit: impl FnMut(Route<'a, J>),
) {
    let outcome = node.get("outcome");
    let outcomes = node.get("outcomes");
    let single = matches!(shape, Shape::Single)
        || (shape == Shape::AsWritten && outcome.is_some_and(|o| o.kind() == Kind::String));
    let fixed = matches!(shape, Shape::Fixed)
        || (shape == Shape::AsWritten && outcomes.is_some_and(|o| o.kind() == Kind::Object));
    let conditional = matches!(shape, Shape::Conditional)
        || (shape == Shape::AsWritten && outcomes.is_some_and(|o| o.kind() == Kind::Array));
    if single {
        if let Some(target) = outcome {
            visit(Route {
                outcome: None,
                target: Some(target),
                at: Ptr::node(i).key("outcome"),
                element: None,
                index: 0,
            });
        }
    }
    if let Some(outcomes) = outcomes {
        if fixed {
            let mut route = |(key, target): (&'a str, J)| {
                let at = Ptr::node(i).key("outcomes").key(key);
                visit(Route { outcome: Some(key), target: Some(target), at, element: None, index: 0 });
            };
            // Key order, the same for every representation; binary jsonb needs no sort.
            if J::MEMBERS_IN_KEY_ORDER {
                outcomes.members().for_each(&mut route);
            } else {
                outcomes.members_in_key_order().into_iter().for_each(&mut route);
            }
        }
        if conditional {
            for (k, element) in outcomes.elements().enumerate() {
                let at = Ptr::node(i).key("outcomes").index(k).key("targetNodeId");
                let outcome = element.get("id").and_then(|id| id.as_str());
                visit(Route {
                    outcome,
                    target: element.get("targetNodeId"),
                    at,
                    element: Some(element),
                    index: k,
                });
            }
        }
    }
}

/// One row of `facesign.flow_edges`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge<'a> {
    pub source: &'a str,
    pub outcome: Option<&'a str>,
    pub target: &'a str,
}

/// Every edge of the flow as written, in document order, including edges whose target node
/// does not exist. Nodes without a string id and targets that are not strings have no edge.
pub fn flow_edges<'a, J: JsonRef<'a>>(flow: J) -> Vec<Edge<'a>> {
    let mut edges = Vec::new();
    for (i, node) in flow.elements().enumerate() {
        let Some(source) = node.get("id").and_then(|id| id.as_str()) else { continue };
        let node_type = node.get("type").and_then(|t| t.as_str()).and_then(node_types::lookup);
        for_each_route(node, i, Shape::of(node_type), |route| {
            if let Some(target) = route.target.and_then(|t| t.as_str()) {
                edges.push(Edge { source, outcome: route.outcome, target });
            }
        });
    }
    edges
}
