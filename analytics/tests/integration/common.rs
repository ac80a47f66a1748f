//! What the database tests share: the cluster scripts/test.sh starts, a database per test.

use facesign_analytics::connect::Target;

pub fn base_dsn() -> String {
    std::env::var("FACESIGN_TEST_DSN").expect(
        "FACESIGN_TEST_DSN is not set: run these tests through scripts/test.sh, which starts PostgreSQL",
    )
}

/// A fresh database of its own for one test; its connection string.
pub async fn fresh_database(name: &str) -> String {
    let admin =
        Target::resolve(Some(&format!("{} dbname=postgres", base_dsn()))).unwrap().connect().await.unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    format!("{} dbname={name}", base_dsn())
}

/// One bigint from a query.
pub async fn sql_i64(dsn: &str, sql: &str) -> i64 {
    let client = Target::resolve(Some(dsn)).unwrap().connect().await.unwrap();
    client.query_one(sql, &[]).await.unwrap().get(0)
}
