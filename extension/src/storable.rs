//! `facesign.storage_refusal` and `facesign.assert_storable`: whether the reference `sessions`
//! table can store a session, and why not (`facesign_core::storable`, the rule the loader
//! applies to each NDJSON line too). `upsert_session` calls `assert_storable` first, so a
//! session the table would refuse is refused with a message that names the problem (never
//! the row, which a CHECK's DETAIL would print, personal data and all) and a fitting SQLSTATE.

use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;
use crate::raise::{raise, sqlstate};

/// Why the reference table would refuse `session`; NULL when it stores it.
#[pg_extern(immutable, strict, parallel_safe, cost = 20)]
fn storage_refusal(session: JsonbArg<'_>) -> Option<String> {
    facesign_core::storable::refusal(session.doc()).map(|refusal| refusal.message())
}

/// Raises the refusal `storage_refusal` names, with its SQLSTATE and a hint; returns nothing
/// when the table stores `session`.
#[pg_extern(immutable, strict, parallel_safe, cost = 20)]
fn assert_storable(session: JsonbArg<'_>) {
    if let Some(refusal) = facesign_core::storable::refusal(session.doc()) {
        raise(sqlstate(refusal.sqlstate()), refusal.message(), Some(refusal.hint()));
    }
}
