//! A `jsonb` function result written from bytes already in the binary layout.
//!
//! pgrx's `JsonB` result renders a `serde_json` tree to text and hands it to `jsonb_in`, so a
//! large result is held three times over (tree, text, parsed jsonb): `flow_errors` on a
//! million-node flow peaked at 21 times the flow's size that way. [`JsonbResult`] takes the
//! bytes `facesign_core::jsonb` writes and copies them once into a palloc'd varlena.

use pgrx::callconv::{BoxRet, FcInfo};
use pgrx::datum::Datum;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};

/// jsonb stores offsets and lengths in 28 bits: a larger document cannot be represented
/// (PostgreSQL's own limit, "total size of jsonb array elements exceeds the maximum").
const JSONB_MAX_BYTES: usize = 0x0FFF_FFFF;

/// The bytes of a jsonb datum after its varlena header.
pub struct JsonbResult(Vec<u8>);

impl JsonbResult {
    /// Raises an ERROR (never writes a corrupt datum) when the document is beyond jsonb's size.
    pub fn new(bytes: Vec<u8>) -> JsonbResult {
        if bytes.len() > JSONB_MAX_BYTES {
            // PostgreSQL raises the same SQLSTATE for its own oversized jsonb.
            crate::raise::raise(
                pgrx::prelude::PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                format!(
                    "the result would be {} bytes, beyond jsonb's maximum of {JSONB_MAX_BYTES} bytes",
                    bytes.len()
                ),
                Some("Keep sessions well under 256 MB; PostgreSQL cannot store a larger jsonb either."),
            );
        }
        JsonbResult(bytes)
    }
}

impl JsonbResult {
    /// The result as a datum of its own: a palloc'd varlena in the current memory context, for
    /// a jsonb attribute of a composite result.
    pub fn into_datum(self) -> pg_sys::Datum {
        let total = self.0.len() + pg_sys::VARHDRSZ;
        // SAFETY: palloc gives `total` writable bytes (or raises); the header is set to match.
        unsafe {
            let varlena = pg_sys::palloc(total).cast::<u8>();
            core::ptr::copy_nonoverlapping(self.0.as_ptr(), varlena.add(pg_sys::VARHDRSZ), self.0.len());
            pgrx::set_varsize_4b(varlena.cast(), total as i32);
            pg_sys::Datum::from(varlena)
        }
    }
}

// SAFETY: the datum is a freshly palloc'd varlena in the function's memory context, which is
// what PostgreSQL expects a by-reference result to be.
unsafe impl BoxRet for JsonbResult {
    unsafe fn box_into<'fcx>(self, fcinfo: &mut FcInfo<'fcx>) -> Datum<'fcx> {
        let total = self.0.len() + pg_sys::VARHDRSZ;
        unsafe {
            let varlena = pg_sys::palloc(total).cast::<u8>();
            core::ptr::copy_nonoverlapping(self.0.as_ptr(), varlena.add(pg_sys::VARHDRSZ), self.0.len());
            pgrx::set_varsize_4b(varlena.cast(), total as i32);
            fcinfo.return_raw_datum(pg_sys::Datum::from(varlena))
        }
    }
}

// SAFETY: the result is a `jsonb` datum, the built-in type.
unsafe impl SqlTranslatable for JsonbResult {
    const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!(JsonbResult);
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> = Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}
