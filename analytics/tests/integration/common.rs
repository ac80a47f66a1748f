//! What the database tests share: the cluster scripts/test.sh starts, a database per test.
//! Without one (a plain `cargo test`), each database test is skipped with one line saying how
//! to run it; under scripts/test.sh (`FACESIGN_TEST_REQUIRE_DB`) a missing cluster fails them.

use std::io::Write;

use facesign_analytics::connect::Target;

/// The test cluster's connection string, or `None` after saying how to run `test` with one.
pub fn base_dsn(test: &str) -> Option<String> {
    if let Ok(dsn) = std::env::var("FACESIGN_TEST_DSN") {
        return Some(dsn);
    }
    assert!(
        std::env::var_os("FACESIGN_TEST_REQUIRE_DB").is_none(),
        "FACESIGN_TEST_DSN is not set although FACESIGN_TEST_REQUIRE_DB is"
    );
    // Straight to the terminal: the test harness captures eprintln! of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: it needs PostgreSQL; `scripts/test.sh --only unit` starts the private cluster and runs it"
    );
    None
}

/// An environment variable scripts/test.sh sets beside the cluster (the port, the CA paths).
pub fn cluster_env(test: &str, name: &str) -> Option<String> {
    base_dsn(test)?;
    Some(std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run through scripts/test.sh")))
}

/// A fresh database of its own for one test; its connection string (`None`: no cluster).
pub async fn fresh_database(name: &str) -> Option<String> {
    let base = base_dsn(name)?;
    let admin = Target::resolve(Some(&format!("{base} dbname=postgres"))).unwrap().connect().await.unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    Some(format!("{base} dbname={name}"))
}

/// One bigint from a query.
pub async fn sql_i64(dsn: &str, sql: &str) -> i64 {
    let client = Target::resolve(Some(dsn)).unwrap().connect().await.unwrap();
    client.query_one(sql, &[]).await.unwrap().get(0)
}
