//! The flow library sessions run: the two example flows of FaceSign's concepts page, KYC with
//! a document scan and face compare, step-up with two-factor, and account recovery. Each is
//! parsed once into a graph the session walker follows, so every node report a session gets
//! follows an edge of its own flow.

use std::sync::OnceLock;

use facesign_core::flow::flow_edges;
use serde_json::Value;

pub struct Node {
    pub id: String,
    pub node_type: String,
    /// (outcome key or conditional outcome id, target node id), in document order.
    pub outcomes: Vec<(String, String)>,
}

pub struct Flow {
    pub name: &'static str,
    /// The flow as compact JSON, written into every session that runs it.
    pub json: String,
    pub nodes: Vec<Node>,
    pub start: usize,
    /// How often sessions run this flow, relative to the others.
    pub weight: f64,
}

impl Flow {
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }
}

const SOURCES: &[(&str, &str, f64)] = &[
    (
        "seed-english-recognition-liveness",
        include_str!("../../../tests/flows/seed-english-recognition-liveness.json"),
        3.0,
    ),
    (
        "seed-multilingual-recognition-liveness",
        include_str!("../../../tests/flows/seed-multilingual-recognition-liveness.json"),
        3.0,
    ),
    ("kyc-document-face-compare", include_str!("../../data/flows/kyc-document-face-compare.json"), 3.0),
    ("step-up-two-factor", include_str!("../../data/flows/step-up-two-factor.json"), 2.0),
    ("account-recovery", include_str!("../../data/flows/account-recovery.json"), 1.0),
];

fn parse(name: &'static str, text: &str, weight: f64) -> Flow {
    let value: Value = serde_json::from_str(text).expect("flow JSON");
    let mut nodes: Vec<Node> = value
        .as_array()
        .expect("a node array")
        .iter()
        .map(|n| Node {
            id: n["id"].as_str().unwrap().to_owned(),
            node_type: n["type"].as_str().unwrap().to_owned(),
            outcomes: Vec::new(),
        })
        .collect();
    // The same edge reading the extension's flow_edges uses.
    for edge in flow_edges(&value) {
        let source = nodes.iter().position(|n| n.id == edge.source).unwrap();
        nodes[source].outcomes.push((edge.outcome.unwrap_or("").to_owned(), edge.target.to_owned()));
    }
    let start = nodes.iter().position(|n| n.node_type == "start").expect("a start node");
    Flow { name, json: serde_json::to_string(&value).unwrap(), nodes, start, weight }
}

pub fn library() -> &'static [Flow] {
    static FLOWS: OnceLock<Vec<Flow>> = OnceLock::new();
    FLOWS.get_or_init(|| SOURCES.iter().map(|(name, text, weight)| parse(name, text, *weight)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_is_valid_and_reaches_an_end() {
        for flow in library() {
            let value: Value = serde_json::from_str(&flow.json).unwrap();
            assert!(facesign_core::flow::flow_is_valid(&value), "{}", flow.name);
            assert!(flow.nodes.iter().any(|n| n.node_type == "end"));
            assert_eq!(flow.nodes[flow.start].outcomes.len(), 1);
        }
        assert_eq!(library().len(), 5);
    }
}
