//! The exported datasets, which the export writes and the scorer reads: their rows, read from a
//! session by the library's readers ([`rows`]), and their hive-partitioned Parquet files
//! ([`parquet`]).

pub mod columns;
pub mod parquet;
pub mod rows;
