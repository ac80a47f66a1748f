//! `facesign.risk_score`: a session's explainable score from its own signals, by the rules
//! and weights of `facesign_core::risk` (the toolkit's `score` uses the same), read in one pass
//! with one detoast.

use std::cell::RefCell;

use facesign_core::risk::{self, RiskConfig};
use pgrx::prelude::*;

use crate::composite::{datum, result_tuple};
use crate::jsonb_arg::JsonbArg;
use crate::jsonb_result::JsonbResult;
use crate::raise::raise;

pgrx::extension_sql!(
    "CREATE TYPE risk_score AS (score int, level text, reasons jsonb);",
    name = "risk_score_type"
);

/// The score (0–100), its band (`normal`, `elevated`, `high`) and the reasons
/// `[{code, points, evidence}]`, largest first, whose points add up to the score, with the
/// default weights of score.toml.
#[pg_extern(immutable, strict, parallel_safe, cost = 60, requires = ["risk_score_type"])]
fn risk_score(
    session: JsonbArg<'_>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> pgrx::composite_type!('static, "risk_score") {
    score_tuple(risk::risk_score(session.doc(), RiskConfig::defaults()), fcinfo)
}

/// The same with `config` laid over the defaults: score.toml's sections and keys as JSON,
/// `{"signals": {"deepfake": 80}, "bands": {"high": 70}}`.
#[pg_extern(name = "risk_score", immutable, strict, parallel_safe, cost = 60, requires = ["risk_score_type"])]
fn risk_score_with_config(
    session: JsonbArg<'_>,
    config: JsonbArg<'_>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> pgrx::composite_type!('static, "risk_score") {
    with_config(config.bytes(), "risk_score", |config| {
        score_tuple(risk::risk_score(session.doc(), config), fcinfo)
    })
}

thread_local! {
    /// The last config a backend was given, by its bytes: a query passes the same constant for
    /// every row, and merging it over the defaults costs more than scoring a session.
    static LAST_CONFIG: RefCell<Option<(Vec<u8>, RiskConfig)>> = const { RefCell::new(None) };
}

/// Runs `f` with the configuration `bytes` (a jsonb datum's) gives, raising 22023 with the
/// key named when it is not a valid one.
pub(crate) fn with_config<T>(bytes: &[u8], function: &str, f: impl FnOnce(&RiskConfig) -> T) -> T {
    let cached = LAST_CONFIG.with(|last| {
        let last = last.borrow();
        last.as_ref().filter(|(b, _)| b.as_slice() == bytes).map(|(_, c)| c.clone())
    });
    let config = match cached {
        Some(config) => config,
        None => match RiskConfig::with_json_overrides(facesign_core::Jsonb::from_bytes(bytes)) {
            Ok(config) => {
                LAST_CONFIG.with(|last| *last.borrow_mut() = Some((bytes.to_vec(), config.clone())));
                config
            }
            Err(e) => raise(
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                format!("facesign.{function}: invalid config: {e}"),
                Some("Pass score.toml's sections and keys as JSON, e.g. '{\"signals\": {\"deepfake\": 80}}'; `facesign-analytics score --print-config` lists them."),
            ),
        },
    };
    f(&config)
}

fn score_tuple(
    s: risk::RiskScore,
    fcinfo: pg_sys::FunctionCallInfo,
) -> pgrx::composite_type!('static, "risk_score") {
    use facesign_core::jsonb::{encode_rows, Cell};
    let rows = s.reasons.iter().map(|r| {
        [Cell::Text(Some(r.code)), Cell::Int(r.points.into()), Cell::Text(Some(r.evidence.as_str()))]
    });
    let reasons = JsonbResult::new(encode_rows(["code", "points", "evidence"], rows)).into_datum();
    let datums = [datum(Some(s.score)), datum(Some(s.level)), Some(reasons)];
    // SAFETY: our own fcinfo; the datums follow risk_score's attribute order and types.
    unsafe { result_tuple(fcinfo, datums) }
}
