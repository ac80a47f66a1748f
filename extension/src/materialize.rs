//! Set-returning functions in materialize mode: one call puts every row into the executor's
//! tuplestore. pgrx's `TableIterator` returns a row per call (value-per-call), and the
//! executor copies each into a tuplestore anyway; for the report readers, which return a
//! dozen rows per document, that per-row call cost made them slower than
//! `jsonb_array_elements`. The SQL for these functions is in `extension_sql!` blocks beside
//! them (`LANGUAGE c`, `AS 'MODULE_PATHNAME', 'facesign_…'`).

use pgrx::pg_sys;

/// Where a materialize-mode function puts its rows.
pub struct Rows {
    store: *mut pg_sys::Tuplestorestate,
    desc: pg_sys::TupleDesc,
}

impl Rows {
    /// Appends one row; `None` is SQL NULL. The tuplestore copies the values.
    pub fn put<const N: usize>(&mut self, row: [Option<pg_sys::Datum>; N]) {
        let mut values = [pg_sys::Datum::from(0usize); N];
        let mut nulls = [true; N];
        for (i, value) in row.into_iter().enumerate() {
            if let Some(v) = value {
                values[i] = v;
                nulls[i] = false;
            }
        }
        // SAFETY: store and desc come from InitMaterializedSRF for this call; the row has the
        // declared number of columns (checked against the descriptor in `materialize`).
        unsafe {
            pg_sys::tuplestore_putvalues(self.store, self.desc, values.as_mut_ptr(), nulls.as_mut_ptr())
        }
    }
}

/// Runs a materialize-mode set-returning function of one argument with `columns` result
/// columns: sets up the tuplestore and hands `fill` the argument's datum (never NULL) and
/// the row sink.
///
/// # Safety
/// `fcinfo` must be a call of a `LANGUAGE c` function declared STRICT with one argument and
/// a result of `columns` columns.
pub unsafe fn materialize(
    fcinfo: pg_sys::FunctionCallInfo,
    columns: usize,
    fill: impl FnOnce(pg_sys::Datum, &mut Rows),
) -> pg_sys::Datum {
    unsafe {
        // In FROM, the executor passes the row type it expects; using it spares the catalog
        // lookup and parse of the OUT parameters (`get_call_result_type`) on every document,
        // which was 8% of `node_outcomes`' time. Elsewhere (a select-list call may come
        // without one) the row type is looked up as before.
        let rsinfo = (*fcinfo).resultinfo as *mut pg_sys::ReturnSetInfo;
        let flags = if !rsinfo.is_null()
            && pgrx::is_a(rsinfo.cast(), pg_sys::NodeTag::T_ReturnSetInfo)
            && !(*rsinfo).expectedDesc.is_null()
        {
            pg_sys::MAT_SRF_USE_EXPECTED_DESC as pg_sys::bits32
        } else {
            0
        };
        pg_sys::InitMaterializedSRF(fcinfo, flags);
        let mut rows = Rows { store: (*rsinfo).setResult, desc: (*rsinfo).setDesc };
        if (*rows.desc).natts as usize != columns {
            crate::raise::raise(
                pgrx::prelude::PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
                format!(
                    "facesign: the function's SQL declares {} columns, expected {columns}; reinstall the extension (DROP EXTENSION facesign; CREATE EXTENSION facesign)",
                    (*rows.desc).natts
                ),
                None,
            );
        }
        // STRICT: the executor never calls with a NULL argument.
        let arg = (*fcinfo).args.as_slice(1)[0];
        if arg.isnull {
            return pg_sys::Datum::from(0usize);
        }
        fill(arg.value, &mut rows);
        pg_sys::Datum::from(0usize)
    }
}

/// Exports `pg_finfo_<symbol>`, which tells PostgreSQL that the `LANGUAGE c` function
/// `<symbol>` uses the version-1 calling convention (`#[pg_extern]` emits the same for its
/// own functions; the materialize-mode functions are declared by hand).
macro_rules! pg_finfo_v1 {
    ($finfo:ident) => {
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub extern "C" fn $finfo() -> &'static ::pgrx::pg_sys::Pg_finfo_record {
            const V1: ::pgrx::pg_sys::Pg_finfo_record = ::pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }
    };
}
pub(crate) use pg_finfo_v1;
