//! `facesign.merge_session`: a stored session combined with a newer fetch of it
//! (`facesign_core::merge_session`), written as jsonb straight from the two documents' bytes.

use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;
use crate::jsonb_result::JsonbResult;
use crate::raise::raise;
use facesign_core::jsonb::{encode_merged, merged_session};
use facesign_core::merge_session::{bare_session, Merged};

/// Not STRICT: a missing stored session (NULL) takes the incoming one as it is (unwrapped from
/// `{session: …}`), so `merge_session(stored, incoming)` works in an upsert's first write too.
/// Two different session ids are an ERROR: merging them would lose one of the sessions.
#[pg_extern(immutable, parallel_safe, cost = 50)]
fn merge_session<'a>(stored: Option<JsonbArg<'a>>, incoming: Option<JsonbArg<'a>>) -> Option<JsonbResult> {
    let merged = match (stored, incoming) {
        (Some(stored), Some(incoming)) => {
            // Redacted again when either snapshot was: a redaction is final.
            match merged_session(stored.doc(), incoming.doc()) {
                Ok(bytes) => return Some(JsonbResult::new(bytes)),
                // Bad input, not a server fault: a data-exception SQLSTATE, never XX000.
                Err(e) => raise(
                    PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                    e.to_string(),
                    Some("Merge only snapshots of one session: join the stored and incoming rows on the session id."),
                ),
            }
        }
        // What merging a snapshot with itself gives, without the work.
        (Some(only), None) | (None, Some(only)) => Merged::Pick(bare_session(only.doc())),
        (None, None) => return None,
    };
    Some(JsonbResult::new(encode_merged(&merged)))
}
