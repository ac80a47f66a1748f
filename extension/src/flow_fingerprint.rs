//! `facesign.flow_fingerprint`: a stable name for a flow version
//! (`facesign_core::flow::flow_fingerprint`), the `flow_id` of the exported datasets.

use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;

/// 32 hex digits, the same for the same graph whatever its key order or whitespace; NULL for
/// a flow that is neither an array nor an object. Each distinct flow is hashed once per
/// backend (`flow_cache`), so grouping a table's sessions by it costs little per row.
#[pg_extern(immutable, strict, parallel_safe, cost = 50)]
fn flow_fingerprint(flow: JsonbArg<'_>) -> Option<String> {
    crate::flow_cache::flow(flow.doc()).map(|f| f.id.clone())
}
