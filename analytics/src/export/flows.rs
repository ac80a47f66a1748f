//! `flows/`: each distinct flow once, its edges in document order, sorted by flow id, in one
//! unpartitioned file rewritten by every run. An incremental run reads the flows the dataset
//! already has back from it, so sessions of the days it keeps still find theirs. Memory is
//! proportional to the distinct flows (a handful of versions per customer), not to sessions.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result};
use arrow_array::{Array, Int32Array, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

use super::Flows;
use crate::dataset::parquet::{DatasetWriter, WrittenFile};
use crate::dataset::rows::FlowRow;
use facesign_core::export_rows::EdgeCells;

/// Writes `flows` as `root/part-<run>-00001.parquet`; `None` when there is no edge to write.
pub fn write(root: &Path, run: &str, flows: &Flows) -> Result<Option<WrittenFile>> {
    let mut writer = DatasetWriter::<FlowRow>::new(root, run);
    for (flow_id, edges) in flows {
        for (i, e) in edges.iter().enumerate() {
            writer.push(
                "",
                FlowRow {
                    flow_id: flow_id.clone(),
                    ordinal: i32::try_from(i + 1).unwrap_or(i32::MAX),
                    source: e.source.clone(),
                    outcome: e.outcome.clone(),
                    target: e.target.clone(),
                },
            )?;
        }
    }
    Ok(writer.finish()?.pop())
}

/// Adds to `flows` those of the committed dataset in `out` that it does not have yet.
pub fn read_into(out: &Path, manifest: &Value, flows: &mut Flows) -> Result<()> {
    let mut old = Flows::new();
    for f in manifest["files"].as_array().into_iter().flatten().filter(|f| f["dataset"] == "flows") {
        let path = out.join("flows").join(f["path"].as_str().unwrap_or_default());
        let file = File::open(&path)
            .with_context(|| format!("reading the flows of the last run ({})", path.display()))?;
        for batch in ParquetRecordBatchReaderBuilder::try_new(file)?.build()? {
            let batch = batch?;
            let column = |name: &str| {
                batch.column_by_name(name).with_context(|| format!("{} has no {name} column", path.display()))
            };
            let strings = |name: &str| -> Result<StringArray> {
                Ok(column(name)?.as_any().downcast_ref::<StringArray>().context("a text column")?.clone())
            };
            let (ids, sources, outcomes, targets) =
                (strings("flow_id")?, strings("source")?, strings("outcome")?, strings("target")?);
            let ordinals =
                column("ordinal")?.as_any().downcast_ref::<Int32Array>().context("ordinal")?.clone();
            for i in 0..batch.num_rows() {
                let edges = old.entry(ids.value(i).to_owned()).or_default();
                anyhow::ensure!(
                    usize::try_from(ordinals.value(i)).ok() == Some(edges.len() + 1),
                    "{} is not in flow and edge order: export the whole dataset again (without --incremental)",
                    path.display()
                );
                edges.push(EdgeCells {
                    source: sources.value(i).to_owned(),
                    outcome: (!outcomes.is_null(i)).then(|| outcomes.value(i).to_owned()),
                    target: targets.value(i).to_owned(),
                });
            }
        }
    }
    for (id, edges) in old {
        flows.entry(id).or_insert(edges);
    }
    Ok(())
}
