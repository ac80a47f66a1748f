//! `facesign.version()`: the version of the library the server has loaded.

use pgrx::prelude::*;

/// The workspace's version (Cargo.toml), which `facesign-analytics --version` prints too.
///
/// This is the shared library's version, not the catalog's: after a package upgrade replaces
/// the library and before `ALTER EXTENSION facesign UPDATE`, it is newer than
/// `pg_extension.extversion`. So it is STABLE, not IMMUTABLE: it never changes within a
/// statement (a backend keeps the library it loaded), but it must not be folded into a
/// stored plan, an index or a generated column as a constant, since a later session may load
/// a newer library.
#[pg_extern(stable, parallel_safe)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
