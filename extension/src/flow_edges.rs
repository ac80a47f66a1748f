//! `facesign.flow_edges`: the flow graph as written, one row per edge
//! (`facesign_core::flow::flow_edges`).

use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;

/// One row per edge, in document order: the source node, the outcome key (the fixed key, the
/// conditional outcome's id, or NULL for the start node's `outcome`) and the target id, even
/// when no node has that id.
#[pg_extern(immutable, strict, parallel_safe, cost = 20)]
fn flow_edges<'a>(
    flow: JsonbArg<'a>,
) -> TableIterator<'a, (name!(source, &'a str), name!(outcome, Option<&'a str>), name!(target, &'a str))> {
    let edges = facesign_core::flow::flow_edges(flow.doc());
    TableIterator::new(edges.into_iter().map(|e| (e.source, e.outcome, e.target)))
}

// A planner estimate near a typical flow's edge count instead of the default 1000.
pgrx::extension_sql!(
    "ALTER FUNCTION flow_edges(jsonb) ROWS 15;",
    name = "flow_edges_rows",
    requires = [flow_edges]
);
