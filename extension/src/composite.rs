//! Returning the extension's composite types and timestamps.

use pgrx::heap_tuple::PgHeapTuple;
use pgrx::prelude::*;
use pgrx::{pg_sys, AllocatedByRust, IntoDatum, PgTupleDesc};

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_OFFSET_MICROS: f64 = 946_684_800_000_000.0;

/// Unix epoch milliseconds (how FaceSign documents hold time) as `timestamptz`, rounded to
/// the microsecond like `to_timestamp(ms / 1000.0)`; `None` outside PostgreSQL's range.
pub fn timestamptz_from_ms(ms: Option<f64>) -> Option<TimestampWithTimeZone> {
    let micros = (ms? * 1000.0 - PG_EPOCH_OFFSET_MICROS).round();
    // Timestamps run from 4713 BC to 294276 AD; anything past i64 is out anyway.
    if !(-2.2e17..=9.2e18).contains(&micros) {
        return None;
    }
    TimestampWithTimeZone::try_from(micros as i64).ok()
}

/// Forms the function's declared composite result (`RETURNS facesign.risk_signals`) from one
/// datum per attribute, in order, in a single `heap_form_tuple` (setting attributes one by
/// one would rebuild the tuple once per field). The result type's descriptor is looked up
/// once per call site and kept in `fn_extra` (lifetime of the query's function cache), so a
/// row costs no catalog work.
///
/// # Safety
/// `fcinfo` must be the calling function's, and each datum must be of its attribute's type.
pub unsafe fn result_tuple(
    fcinfo: pg_sys::FunctionCallInfo,
    datums: impl IntoIterator<Item = Option<pg_sys::Datum>>,
) -> PgHeapTuple<'static, AllocatedByRust> {
    unsafe {
        let flinfo = (*fcinfo).flinfo;
        let mut tupdesc = (*flinfo).fn_extra as pg_sys::TupleDesc;
        if tupdesc.is_null() {
            // Allocated in fn_mcxt, which lives as long as fn_extra does.
            let old = pg_sys::MemoryContextSwitchTo((*flinfo).fn_mcxt);
            let class = pg_sys::get_call_result_type(fcinfo, std::ptr::null_mut(), &mut tupdesc);
            pg_sys::MemoryContextSwitchTo(old);
            if class != pg_sys::TypeFuncClass::TYPEFUNC_COMPOSITE || tupdesc.is_null() {
                crate::raise::raise(
                PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
                    "facesign: the function must be declared to return a composite type; reinstall the extension",
                    None,
                );
            }
            (*flinfo).fn_extra = tupdesc.cast();
        }
        // Borrowed from the cache: neither released nor freed when the tuple is dropped.
        let tupdesc = PgTupleDesc::from_pg_unchecked(tupdesc);
        PgHeapTuple::from_datums(tupdesc, datums).unwrap_or_else(|e| {
            crate::raise::raise(
                PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
                format!("facesign: result does not match its composite type: {e}; reinstall the extension"),
                None,
            )
        })
    }
}

/// A value's datum (`None` is SQL NULL), for [`result_tuple`] and `materialize::Rows::put`.
pub fn datum<T: IntoDatum>(value: Option<T>) -> Option<pg_sys::Datum> {
    value.and_then(IntoDatum::into_datum)
}
