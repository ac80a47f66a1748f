//! Writing rows as hive-partitioned Parquet that Spark, Trino, DuckDB and pyarrow read
//! natively: `created_date=YYYY-MM-DD/` folders with the partition column kept out of the
//! files, timestamps as INT64 microseconds adjusted to UTC, zstd, dictionary encoding, row
//! groups of up to 256 Ki rows or 16 MiB held, files of at most 1 Mi rows. Rows arrive in
//! partition order, so one file is open at a time and memory stays bounded.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::builder::{Int32Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use facesign_core::report::risk_signals::SignalKind;

use super::rows::FlowRow;

const BATCH_ROWS: usize = 64 * 1024;
const ROW_GROUP_ROWS: usize = 256 * 1024;
/// A row group is also closed once the writer holds this much of it in memory, so that a
/// writer's memory does not grow with the rows a day holds (the export's memory stays the
/// same for a table of any size). The flushes fall where the data puts them, so the files
/// stay the same whatever the number of jobs.
const ROW_GROUP_MEMORY_BYTES: usize = 16 << 20;
const FILE_ROWS: usize = 1024 * 1024;

pub fn timestamp() -> DataType {
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

/// What a [`PartitionedWriter`] fills: one dataset's rows, appended, taken out as Arrow batches.
pub trait Batches: Default {
    fn schema() -> SchemaRef;
    /// Rows appended since the last batch.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The rows appended since the last batch, as one; afterwards there are none.
    fn batch(&mut self) -> Result<RecordBatch>;
}

/// Rows of an [`ArrowRows`] type, kept until a batch is made of them (the small datasets:
/// flows, scores, findings; the export's large ones append to columns, `super::columns`).
pub struct Buffered<R>(Vec<R>);

impl<R> Default for Buffered<R> {
    fn default() -> Self {
        Buffered(Vec::new())
    }
}

impl<R: ArrowRows> Batches for Buffered<R> {
    fn schema() -> SchemaRef {
        R::schema()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn batch(&mut self) -> Result<RecordBatch> {
        let batch = R::batch(&self.0);
        self.0.clear();
        Ok(batch)
    }
}

/// A [`PartitionedWriter`] of rows of an [`ArrowRows`] type.
pub type DatasetWriter<R> = PartitionedWriter<Buffered<R>>;

fn strings<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    let mut b = StringBuilder::new();
    values.for_each(|v| b.append_option(v));
    Arc::new(b.finish())
}
fn ints(values: impl Iterator<Item = Option<i32>>) -> ArrayRef {
    let mut b = Int32Builder::new();
    values.for_each(|v| b.append_option(v));
    Arc::new(b.finish())
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
pub struct PartitionedWriter<B: Batches> {
    root: PathBuf,
    run: String,
    partition: Option<String>,
    /// The partitions already written: rows must arrive partition by partition.
    done: std::collections::HashSet<String>,
    buffer: B,
    writer: Option<(ArrowWriter<File>, PathBuf, u64)>,
    file_number: u32,
    pub files: Vec<WrittenFile>,
}

impl<R: ArrowRows> PartitionedWriter<Buffered<R>> {
    pub fn push(&mut self, partition: &str, row: R) -> Result<()> {
        self.push_with(partition, |rows| rows.0.push(row))
    }
}

impl<B: Batches> PartitionedWriter<B> {
    /// Files are named `part-<run>-<n>.parquet` (`n` from 1 in each partition), so runs never
    /// overwrite each other.
    pub fn new(root: &Path, run: &str) -> Self {
        PartitionedWriter {
            root: root.to_owned(),
            run: run.to_owned(),
            partition: None,
            done: std::collections::HashSet::new(),
            buffer: B::default(),
            writer: None,
            file_number: 0,
            files: Vec::new(),
        }
    }

    /// Appends to `partition`'s rows with `append` (rows arrive partition by partition; a
    /// new partition closes the previous one's file), writing a batch when one is full.
    pub fn push_with(&mut self, partition: &str, append: impl FnOnce(&mut B)) -> Result<()> {
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
        append(&mut self.buffer);
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
            self.writer = Some((ArrowWriter::try_new(file, B::schema(), Some(props))?, relative, 0));
        }
        let batch = self.buffer.batch()?;
        let (writer, _, rows) = self.writer.as_mut().expect("opened above");
        writer.write(&batch)?;
        if writer.memory_size() >= ROW_GROUP_MEMORY_BYTES {
            writer.flush()?;
        }
        *rows += batch.num_rows() as u64;
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
