//! `facesign.export_rows`: everything `facesign-analytics export` keeps of a session, read in
//! one walk with one detoast (`facesign_core::export_rows`), as the bytes of its wire format
//! (`facesign_core::export_rows::wire`), which only the toolkit of the same version reads.

use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;

/// The export's rows of one session: summary, risk signals, flow fingerprint and edges, node
/// outcomes, transcript and, with `with_provided`, what the session provided (for `--redact`).
/// Each distinct flow is fingerprinted once per backend (`flow_cache`).
#[pg_extern(immutable, strict, parallel_safe, cost = 200)]
fn export_rows(session: JsonbArg<'_>, with_provided: bool) -> Vec<u8> {
    let rows = crate::flow_cache::with_flows(|flows| {
        facesign_core::export_rows::export_rows_with(session.doc(), with_provided, flows)
    });
    facesign_core::export_rows::wire::encode(&rows)
}
