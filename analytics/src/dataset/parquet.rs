//! Writing rows as hive-partitioned Parquet that Spark, Trino, DuckDB and pyarrow read
//! natively: `created_date=YYYY-MM-DD/` folders with the partition column kept out of the
//! files, timestamps as INT64 microseconds adjusted to UTC, zstd, dictionary encoding, row
//! groups of up to 256 Ki rows, files of at most 1 Mi rows. Rows arrive in partition order, so
//! one file is open at a time and memory stays bounded.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use facesign_core::report::risk_signals::{SignalKind, SIGNALS};

use super::rows::{FlowRow, NodeOutcomeRow, PhraseRow, SessionRow};

const BATCH_ROWS: usize = 64 * 1024;
const ROW_GROUP_ROWS: usize = 256 * 1024;
const FILE_ROWS: usize = 1024 * 1024;

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The Arrow type of a kind of risk signal.
pub fn arrow_type(kind: SignalKind) -> DataType {
    match kind {
        SignalKind::Text => DataType::Utf8,
        SignalKind::Float => DataType::Float64,
        SignalKind::Int => DataType::Int32,
        SignalKind::BigInt => DataType::Int64,
        SignalKind::Bool => DataType::Boolean,
    }
}

/// A row type with a fixed Arrow schema.
pub trait ArrowRows: Sized {
    fn schema() -> SchemaRef;
    fn batch(rows: &[Self]) -> RecordBatch;
}

fn strings<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    let mut b = StringBuilder::new();
    values.for_each(|v| b.append_option(v));
    Arc::new(b.finish())
}
fn timestamps(values: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    let mut b = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    values.for_each(|v| b.append_option(v));
    Arc::new(b.finish())
}
fn ints(values: impl Iterator<Item = Option<i32>>) -> ArrayRef {
    let mut b = Int32Builder::new();
    values.for_each(|v| b.append_option(v));
    Arc::new(b.finish())
}

impl ArrowRows for SessionRow {
    fn schema() -> SchemaRef {
        let mut fields = vec![
            Field::new("session_id", DataType::Utf8, true),
            Field::new("status", DataType::Utf8, true),
            Field::new("created_at", timestamp(), true),
            Field::new("started_at", timestamp(), true),
            Field::new("finished_at", timestamp(), true),
            Field::new("client_reference_id", DataType::Utf8, true),
            Field::new("zone", DataType::Utf8, true),
            Field::new("lang", DataType::Utf8, true),
            Field::new("flow_nodes", DataType::Int32, true),
            Field::new("node_reports", DataType::Int32, true),
            Field::new("transcript_turns", DataType::Int32, true),
            Field::new("flow_id", DataType::Utf8, true),
        ];
        fields.extend(SIGNALS.iter().map(|s| Field::new(s.column, arrow_type(s.kind), true)));
        Arc::new(Schema::new(fields))
    }

    fn batch(rows: &[Self]) -> RecordBatch {
        let mut columns: Vec<ArrayRef> = vec![
            strings(rows.iter().map(|r| r.id.as_deref())),
            strings(rows.iter().map(|r| r.status.as_deref())),
            timestamps(rows.iter().map(|r| r.created_at)),
            timestamps(rows.iter().map(|r| r.started_at)),
            timestamps(rows.iter().map(|r| r.finished_at)),
            strings(rows.iter().map(|r| r.client_reference_id.as_deref())),
            strings(rows.iter().map(|r| r.zone.as_deref())),
            strings(rows.iter().map(|r| r.lang.as_deref())),
            ints(rows.iter().map(|r| r.flow_nodes)),
            ints(rows.iter().map(|r| r.node_reports)),
            ints(rows.iter().map(|r| r.transcript_turns)),
            strings(rows.iter().map(|r| r.flow_id.as_deref())),
        ];
        for (i, signal) in SIGNALS.iter().enumerate() {
            let cells = rows.iter().map(|r| &r.signals[i]);
            columns.push(match signal.kind {
                SignalKind::Text => strings(cells.map(|c| c.text())),
                SignalKind::Float => {
                    let mut b = Float64Builder::new();
                    cells.for_each(|c| b.append_option(c.float()));
                    Arc::new(b.finish())
                }
                SignalKind::Int => ints(cells.map(|c| c.int())),
                SignalKind::BigInt => {
                    let mut b = Int64Builder::new();
                    cells.for_each(|c| b.append_option(c.big_int()));
                    Arc::new(b.finish())
                }
                SignalKind::Bool => {
                    let mut b = BooleanBuilder::new();
                    cells.for_each(|c| b.append_option(c.bool()));
                    Arc::new(b.finish())
                }
            });
        }
        RecordBatch::try_new(Self::schema(), columns).expect("columns match the schema")
    }
}

impl ArrowRows for NodeOutcomeRow {
    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("session_id", DataType::Utf8, true),
            Field::new("client_reference_id", DataType::Utf8, true),
            Field::new("ordinal", DataType::Int32, false),
            Field::new("node_id", DataType::Utf8, true),
            Field::new("node_type", DataType::Utf8, true),
            Field::new("outcome", DataType::Utf8, true),
            Field::new("created_at", timestamp(), true),
        ]))
    }
    fn batch(rows: &[Self]) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            strings(rows.iter().map(|r| r.session_id.as_deref())),
            strings(rows.iter().map(|r| r.client_reference_id.as_deref())),
            ints(rows.iter().map(|r| Some(r.ordinal))),
            strings(rows.iter().map(|r| r.node_id.as_deref())),
            strings(rows.iter().map(|r| r.node_type.as_deref())),
            strings(rows.iter().map(|r| r.outcome.as_deref())),
            timestamps(rows.iter().map(|r| r.created_at)),
        ];
        RecordBatch::try_new(Self::schema(), columns).expect("columns match the schema")
    }
}

impl ArrowRows for PhraseRow {
    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("session_id", DataType::Utf8, true),
            Field::new("client_reference_id", DataType::Utf8, true),
            Field::new("ordinal", DataType::Int32, false),
            Field::new("speaker", DataType::Utf8, true),
            Field::new("text", DataType::Utf8, true),
            Field::new("created_at", timestamp(), true),
        ]))
    }
    fn batch(rows: &[Self]) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            strings(rows.iter().map(|r| r.session_id.as_deref())),
            strings(rows.iter().map(|r| r.client_reference_id.as_deref())),
            ints(rows.iter().map(|r| Some(r.ordinal))),
            strings(rows.iter().map(|r| r.speaker.as_deref())),
            strings(rows.iter().map(|r| r.text.as_deref())),
            timestamps(rows.iter().map(|r| r.created_at)),
        ];
        RecordBatch::try_new(Self::schema(), columns).expect("columns match the schema")
    }
}

impl ArrowRows for FlowRow {
    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("flow_id", DataType::Utf8, false),
            Field::new("ordinal", DataType::Int32, false),
            Field::new("source", DataType::Utf8, false),
            Field::new("outcome", DataType::Utf8, true),
            Field::new("target", DataType::Utf8, false),
        ]))
    }
    fn batch(rows: &[Self]) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            strings(rows.iter().map(|r| Some(r.flow_id.as_str()))),
            ints(rows.iter().map(|r| Some(r.ordinal))),
            strings(rows.iter().map(|r| Some(r.source.as_str()))),
            strings(rows.iter().map(|r| r.outcome.as_deref())),
            strings(rows.iter().map(|r| Some(r.target.as_str()))),
        ];
        RecordBatch::try_new(Self::schema(), columns).expect("columns match the schema")
    }
}

/// A file written, relative to the dataset root.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenFile {
    pub path: PathBuf,
    pub rows: u64,
}

/// Hive's name for the partition of rows whose partition value is NULL.
pub const DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// The hive partition of a creation time: `created_date=YYYY-MM-DD`, or Hive's default
/// partition when the session has no creation time.
pub fn partition_of(created_at_us: Option<i64>) -> String {
    match created_at_us {
        Some(us) => {
            let (y, m, d) = crate::calendar::civil_from_days(us.div_euclid(86_400_000_000));
            format!("created_date={y:04}-{m:02}-{d:02}")
        }
        None => format!("created_date={DEFAULT_PARTITION}"),
    }
}

/// Writes one dataset under `root`, one partition after another (`""`: no partition folder).
/// Files are numbered within their partition, so a partition's files are the same whichever
/// writer of a parallel export wrote it.
pub struct DatasetWriter<R: ArrowRows> {
    root: PathBuf,
    run: String,
    partition: Option<String>,
    /// The partitions already written: rows must arrive partition by partition.
    done: std::collections::HashSet<String>,
    buffer: Vec<R>,
    writer: Option<(ArrowWriter<File>, PathBuf, u64)>,
    file_number: u32,
    pub files: Vec<WrittenFile>,
}

impl<R: ArrowRows> DatasetWriter<R> {
    /// Files are named `part-<run>-<n>.parquet` (`n` from 1 in each partition), so runs never
    /// overwrite each other.
    pub fn new(root: &Path, run: &str) -> Self {
        DatasetWriter {
            root: root.to_owned(),
            run: run.to_owned(),
            partition: None,
            done: std::collections::HashSet::new(),
            buffer: Vec::new(),
            writer: None,
            file_number: 0,
            files: Vec::new(),
        }
    }

    pub fn push(&mut self, partition: &str, row: R) -> Result<()> {
        if self.partition.as_deref() != Some(partition) {
            self.close_file()?;
            if let Some(previous) = self.partition.take() {
                self.done.insert(previous);
            }
            anyhow::ensure!(
                !self.done.contains(partition),
                "rows of {partition} arrived after those of another partition: the sessions were not read in creation order"
            );
            self.partition = Some(partition.to_owned());
            self.file_number = 0;
        }
        self.buffer.push(row);
        if self.buffer.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        if self.writer.is_none() {
            let partition = self.partition.clone().unwrap_or_default();
            let dir = self.root.join(&partition);
            std::fs::create_dir_all(&dir)?;
            self.file_number += 1;
            let relative =
                PathBuf::from(&partition).join(format!("part-{}-{:05}.parquet", self.run, self.file_number));
            let file = File::create(self.root.join(&relative))
                .with_context(|| format!("creating {}", relative.display()))?;
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
                .set_dictionary_enabled(true)
                .set_max_row_group_size(ROW_GROUP_ROWS)
                .set_created_by("facesign-analytics".into())
                .build();
            self.writer = Some((ArrowWriter::try_new(file, R::schema(), Some(props))?, relative, 0));
        }
        let batch = R::batch(&self.buffer);
        let (writer, _, rows) = self.writer.as_mut().expect("opened above");
        writer.write(&batch)?;
        *rows += self.buffer.len() as u64;
        self.buffer.clear();
        if *rows >= FILE_ROWS as u64 {
            self.close_file()?;
        }
        Ok(())
    }

    fn close_file(&mut self) -> Result<()> {
        if !self.buffer.is_empty() {
            self.flush()?;
        }
        if let Some((writer, path, rows)) = self.writer.take() {
            writer.close()?;
            self.files.push(WrittenFile { path, rows });
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<WrittenFile>> {
        self.close_file()?;
        Ok(self.files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_utc_dates() {
        assert_eq!(partition_of(Some(0)), "created_date=1970-01-01");
        assert_eq!(partition_of(Some(1_788_000_000_000_000)), "created_date=2026-08-29");
        assert_eq!(partition_of(Some(-1)), "created_date=1969-12-31");
        assert_eq!(partition_of(Some(951_782_400_000_000)), "created_date=2000-02-29");
        assert_eq!(partition_of(None), "created_date=__HIVE_DEFAULT_PARTITION__");
    }
}
