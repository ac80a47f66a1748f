//! `facesign.validate_session`: a session's flow validated with the settings it runs with
//! (`facesign_core::flow::session`); this file only turns the rows into SQL results.

use facesign_core::flow;
use pgrx::prelude::*;

use crate::jsonb_arg::JsonbArg;
use crate::validate_flow::row;

/// Every problem with a session's flow and settings: `validate_flow`'s rows with paths under
/// `/settings/flow`, plus the rules that need the settings (`literal_prompt_multilingual`,
/// `default_lang_not_in_langs`, `two_factor_contact_missing`, `provided_data_key_missing`).
/// Takes a stored session or a create-session request body.
#[pg_extern(immutable, strict, parallel_safe, cost = 100)]
fn validate_session<'a>(
    session: JsonbArg<'a>,
) -> TableIterator<
    'a,
    (
        name!(severity, &'static str),
        name!(code, &'static str),
        name!(path, String),
        name!(node_id, Option<String>),
        name!(message, String),
    ),
> {
    TableIterator::new(flow::validate_session(session.doc()).into_iter().map(row))
}

pgrx::extension_sql!(
    "ALTER FUNCTION validate_session(jsonb) ROWS 5;",
    name = "validate_session_rows",
    requires = [validate_session]
);
