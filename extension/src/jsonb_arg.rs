//! A `jsonb` function argument read in place, without `jsonb_out` or `serde_json`.
//!
//! [`JsonbArg`] is what a `#[pg_extern]` function takes for a `jsonb` parameter. Unboxing it
//! detoasts the datum once (`pg_detoast_datum_packed`: a compressed or out-of-line value is
//! fetched and decompressed into a fresh palloc'd copy, an inline value, including one with a
//! short 1-byte header, is used where it lies) and keeps a borrow of the bytes after the
//! varlena header (`VARDATA_ANY`, `VARSIZE_ANY_EXHDR` bytes long), which
//! [`facesign_core::Jsonb::from_bytes`] reads without a copy.
//!
//! It deliberately does not use `pgrx::JsonB` (which renders the document to text with
//! `jsonb_out` and parses it back with serde_json) nor the `&T where T: BorrowDatum` argument
//! path (which hands over the raw datum pointer without detoasting it).
//!
//! # How long the bytes live
//!
//! The borrow is tied to the `'fcx` lifetime pgrx gives a function's arguments. In pgrx 0.18
//! the generated wrapper (`pgrx-sql-entity-graph`, `PgExtern::wrapper_func`) calls
//! `RetAbi::check_and_prepare` first and then unboxes every argument *inside*
//! `PgMemoryContexts::For(mcx).switch_to(..)`, where `mcx` is:
//! - for an ordinary function, `CurrentMemoryContext` at entry, i.e. the caller's
//!   per-call/per-tuple context, which outlives the call: a detoasted copy is freed when the
//!   executor resets that context;
//! - for a set-returning function (`TableIterator` / `SetOfIterator`), the
//!   `multi_call_memory_ctx` that `init_MultiFuncCall` creates on the first call
//!   (`iter.rs`, `RetAbi for TableIterator::check_fcinfo_and_prepare`). The arguments are
//!   unboxed and the Rust function runs only on that first call; the iterator it returns is
//!   leaked into the same context (`leak_and_drop_on_delete`) and polled on later calls
//!   (`CallCx::RestoreCx` skips argument unboxing). So a detoasted copy lives exactly as long
//!   as the iterator: until `end_MultiFuncCall` deletes the context after the last row, or
//!   the query ends early. The iterator's drop runs as a reset callback, i.e. before the
//!   context's memory is released. When no copy was needed (an inline value), the slice
//!   points at the argument datum itself, which PostgreSQL keeps unchanged and alive for
//!   every call of one value-per-call SRF invocation (the documented SRF contract, which is
//!   also why C code may `PG_GETARG_*` on every call).
//!
//! So `fn rows<'a>(doc: JsonbArg<'a>) -> TableIterator<'a, ...>` may return an iterator that
//! borrows from `doc` (through [`JsonbArg::bytes`] / [`JsonbArg::doc`], which hand out
//! `'a`-lived borrows). pgrx names the wrapper's argument lifetime after the function's
//! *first* lifetime parameter, so that should be the one the arguments and the iterator use.

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::datum::FromDatum;
use pgrx::nullable::Nullable;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::PgMemoryContexts;

/// A detoasted `jsonb` argument: the bytes after its varlena header, borrowed for `'fcx`.
#[derive(Clone, Copy)]
pub struct JsonbArg<'fcx> {
    bytes: &'fcx [u8],
}

impl<'fcx> JsonbArg<'fcx> {
    /// The jsonb data after the varlena header (what `VARDATA_ANY` points at). Not aligned:
    /// a value with a short header starts at an odd address.
    #[inline]
    pub fn bytes(&self) -> &'fcx [u8] {
        self.bytes
    }

    /// The document, read in place.
    #[inline]
    pub fn doc(&self) -> facesign_core::Jsonb<'fcx> {
        facesign_core::Jsonb::from_bytes(self.bytes())
    }

    /// Detoasts `datum` (at most one copy, in `CurrentMemoryContext`) and borrows its data.
    ///
    /// The argument of a raw `LANGUAGE c` function (see `materialize.rs`).
    ///
    /// # Safety
    /// `datum` must be a non-null `jsonb` datum valid for `'fcx`, read in a memory context
    /// that outlives `'fcx`.
    pub unsafe fn from_datum(datum: pg_sys::Datum) -> JsonbArg<'fcx> {
        unsafe { Self::from_varlena(datum.cast_mut_ptr()) }
    }

    /// # Safety
    /// `datum` must be a non-null pointer to a `jsonb` varlena (possibly toasted) that stays
    /// valid, unchanged, for `'fcx`, and `CurrentMemoryContext` must outlive `'fcx`.
    unsafe fn from_varlena(datum: *mut pg_sys::varlena) -> JsonbArg<'fcx> {
        unsafe {
            // Returns `datum` itself unless it is compressed or external (then a palloc'd,
            // fully detoasted copy with a 4-byte header). Reports an ERROR (as a Rust panic)
            // if the toast fetch fails.
            let detoasted = pg_sys::pg_detoast_datum_packed(datum);
            Self::borrow_detoasted(detoasted)
        }
    }

    /// # Safety
    /// `varlena` must be non-null, neither compressed nor external, and live for `'fcx`.
    unsafe fn borrow_detoasted(varlena: *const pg_sys::varlena) -> JsonbArg<'fcx> {
        unsafe {
            let len = pgrx::varsize_any_exhdr(varlena);
            let data = pgrx::vardata_any(varlena).cast::<u8>();
            JsonbArg { bytes: core::slice::from_raw_parts(data, len) }
        }
    }
}

impl core::fmt::Debug for JsonbArg<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JsonbArg").field("len", &self.bytes.len()).finish_non_exhaustive()
    }
}

/// For reading a `jsonb` datum outside an argument list (SPI results, heap tuples). As with
/// pgrx's `&'a str`, the caller picks `'a` and answers for the datum (and any detoasted copy
/// in `CurrentMemoryContext`) living that long. SQL NULL and a null pointer give `None`.
impl<'a> FromDatum for JsonbArg<'a> {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _typoid: pg_sys::Oid,
    ) -> Option<JsonbArg<'a>> {
        if is_null || datum.is_null() {
            None
        } else {
            Some(unsafe { JsonbArg::from_varlena(datum.cast_mut_ptr()) })
        }
    }

    /// Unlike the default, always copies into `memory_context` (`pg_detoast_datum_copy`, which
    /// detoasts in the same step), so the result does not borrow the caller's datum.
    unsafe fn from_datum_in_memory_context(
        mut memory_context: PgMemoryContexts,
        datum: pg_sys::Datum,
        is_null: bool,
        _typoid: pg_sys::Oid,
    ) -> Option<JsonbArg<'a>> {
        if is_null || datum.is_null() {
            return None;
        }
        unsafe {
            memory_context.switch_to(|_| {
                let copy = pg_sys::pg_detoast_datum_copy(datum.cast_mut_ptr());
                Some(JsonbArg::borrow_detoasted(copy))
            })
        }
    }
}

// SAFETY: the wrapper pgrx generates unboxes arguments with `CurrentMemoryContext` set to a
// context that outlives `'fcx` (see the module docs), and the argument datum itself is valid
// for the call; a NULL argument never reaches `from_varlena`.
unsafe impl<'fcx> ArgAbi<'fcx> for JsonbArg<'fcx> {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> JsonbArg<'fcx> {
        let index = arg.index();
        // A NULL reaching a non-`Option` argument (a function declared without STRICT) is
        // reported as an ERROR (pgrx turns the panic into one), not dereferenced.
        unsafe { arg.unbox_arg_using_from_datum::<JsonbArg<'fcx>>() }.unwrap_or_else(|| {
            crate::raise::raise(
                pgrx::prelude::PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
                format!("argument {index} must not be null"),
                Some(
                    "The function is declared STRICT; reinstall the extension if its definition was changed.",
                ),
            )
        })
    }

    unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<JsonbArg<'fcx>> {
        // Covers both the SQL NULL flag and a null pointer.
        unsafe { arg.unbox_arg_using_from_datum::<JsonbArg<'fcx>>() }.into()
    }
}

// SAFETY: the argument is a `jsonb` datum and nothing else; the SQL type is the built-in
// `jsonb`, so the type comes from outside this extension's schema graph.
unsafe impl SqlTranslatable for JsonbArg<'_> {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(JsonbArg<'_>);
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> = Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}
