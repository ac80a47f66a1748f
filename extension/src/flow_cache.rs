//! The backend's memory of the flows it has read (`facesign_core::export_rows::FlowCache`):
//! a table's sessions run a handful of flow versions, so `export_rows` and `flow_fingerprint`
//! canonicalise and hash each distinct flow once per backend rather than once per row. The
//! cache is keyed by the flow's bytes and changes no answer, so the functions stay IMMUTABLE.

use std::cell::RefCell;
use std::sync::Arc;

use facesign_core::export_rows::{Flow, FlowCache};
use facesign_core::JsonRef;

thread_local! {
    // One per backend: PostgreSQL runs a backend's functions on one thread.
    static FLOWS: RefCell<FlowCache> = RefCell::new(FlowCache::default());
}

/// Runs `read` with the backend's flow cache.
pub fn with_flows<R>(read: impl FnOnce(&mut FlowCache) -> R) -> R {
    FLOWS.with(|flows| read(&mut flows.borrow_mut()))
}

/// The fingerprint and edges of `flow`, from the cache when this backend has read it before.
pub fn flow<'a>(flow: impl JsonRef<'a>) -> Option<Arc<Flow>> {
    with_flows(|flows| flows.flow(flow))
}
