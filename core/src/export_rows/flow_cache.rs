//! Each distinct flow read once. A customer's sessions run a handful of flow versions, and
//! every session document repeats its flow: canonicalising and hashing it
//! ([`flow_fingerprint`]) and listing its edges ([`flow_edges`]) for every session would cost
//! more than reading the rest of the session. A [`FlowCache`] remembers what it derived from
//! a flow by the bytes that hold it ([`JsonRef::raw`]: equal bytes are an equal flow), so a
//! reader of many sessions (an export job, one PostgreSQL backend) derives each flow once.
//! The cache changes no answer: a miss derives exactly what a hit returns.

use std::sync::Arc;

use super::EdgeCells;
use crate::flow::{flow_edges, flow_fingerprint};
use crate::json::JsonRef;

/// A flow as the export keeps it: its fingerprint and its edges, owned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flow {
    /// [`flow_fingerprint`]: the id `sessions/` and `flows/` carry.
    pub id: String,
    /// [`flow_edges`], in document order.
    pub edges: Vec<EdgeCells>,
}

/// Flows whose text is longer than this are derived every time rather than remembered (a
/// flow of tens of thousands of nodes is no one's everyday flow).
const MAX_CACHED_FLOW_BYTES: usize = 1 << 20;
/// How many flows are remembered: the most recent ones.
const MAX_CACHED_FLOWS: usize = 64;

/// What a reader remembers of the flows it met, by the bytes that hold each. Bounded: at
/// most [`MAX_CACHED_FLOWS`] flows of at most [`MAX_CACHED_FLOW_BYTES`] each.
#[derive(Debug, Default)]
pub struct FlowCache {
    /// Most recently used last.
    entries: Vec<(Box<[u8]>, Arc<Flow>)>,
}

impl FlowCache {
    /// The fingerprint and edges of `flow` (a session's `settings.flow`); `None` for a value
    /// that is not a flow's array or object, as [`flow_fingerprint`] says.
    pub fn flow<'a, J: JsonRef<'a>>(&mut self, flow: J) -> Option<Arc<Flow>> {
        let Some(raw) = flow.raw().filter(|raw| raw.len() <= MAX_CACHED_FLOW_BYTES) else {
            return derive(flow).map(Arc::new);
        };
        if let Some(at) = self.entries.iter().rposition(|(bytes, _)| **bytes == *raw) {
            let entry = self.entries.remove(at);
            let found = Arc::clone(&entry.1);
            self.entries.push(entry);
            return Some(found);
        }
        let derived = Arc::new(derive(flow)?);
        if self.entries.len() == MAX_CACHED_FLOWS {
            self.entries.remove(0);
        }
        self.entries.push((raw.into(), Arc::clone(&derived)));
        Some(derived)
    }
}

impl FlowCache {
    /// How many flows are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A flow's fingerprint and edges, derived afresh.
pub fn derive<'a, J: JsonRef<'a>>(flow: J) -> Option<Flow> {
    let id = flow_fingerprint(flow)?;
    let edges = flow_edges(flow)
        .into_iter()
        .map(|e| EdgeCells {
            source: e.source.to_owned(),
            outcome: e.outcome.map(str::to_owned),
            target: e.target.to_owned(),
        })
        .collect();
    Some(Flow { id, edges })
}
