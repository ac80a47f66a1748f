//! The toolkit's integration tests, in one test binary (each binary links polars, which takes
//! minutes on two cores): the generated corpus, loading into PostgreSQL, the Parquet export and
//! scoring end to end. The database tests need the cluster scripts/test.sh starts; without it
//! they are skipped with a line saying how to run them (`common::base_dsn`).

mod common;
mod export;
mod generate;
mod incremental;
mod lint;
mod load;
mod partitioned;
mod risk_in_sql;
mod score;
mod signal_list;
