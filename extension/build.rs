//! Writes `src/generated/risk_signals_type.sql`, the `CREATE TYPE risk_signals` that
//! `src/risk_signals.rs` declares, from the signal list in facesign-core
//! (`core/src/report/risk_signals.rs`), so the composite type can never disagree with the
//! struct, the datums or the export. (pgrx's `extension_sql_file!` takes a path literal
//! relative to the source file, so the file is written beside the sources; it is not
//! committed.)

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated");
    let path = dir.join("risk_signals_type.sql");
    let sql = format!(
        "-- Written by extension/build.rs from core/src/report/risk_signals.rs: edit the list there.\n{}",
        facesign_core::report::risk_signals::composite_type_sql()
    );
    // Rewritten only when it changes, so an unchanged list rebuilds nothing.
    if std::fs::read_to_string(&path).ok().as_deref() != Some(sql.as_str()) {
        std::fs::create_dir_all(&dir).expect("creating extension/src/generated");
        std::fs::write(&path, sql).expect("writing extension/src/generated/risk_signals_type.sql");
    }
    println!("cargo:rerun-if-changed=../core/src/report/risk_signals.rs");
    println!("cargo:rerun-if-changed=src/generated/risk_signals_type.sql");
}
