//! Reading sessions for scoring: the `sessions/` dataset of an export (Parquet, through a
//! polars LazyFrame that reads only the columns scoring needs, with the streaming engine), or
//! NDJSON Session objects read by the library's readers (the ones the export uses), into the
//! same columns; then sorted by user and time.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use polars::prelude::{
    col, Column, DataFrame, DataType, Engine, Expr, HiveOptions, LazyFrame, NamedFrom, PlRefPath,
    ScanArgsParquet, Series,
};

use super::table::{columns, SessionTable};
use crate::dataset::rows::{rows_of, SessionRow};
use crate::ndjson::{self, NulPolicy};
use facesign_core::report::risk_signals::{SignalKind, SIGNALS};

/// The sessions read, and the NDJSON lines refused (line number, reason; none from Parquet).
pub struct Read {
    pub table: SessionTable,
    pub refused: Vec<(u64, String)>,
}

/// Where the sessions are: an export's folder (or its `sessions/` folder), or an NDJSON file.
pub enum Source {
    Parquet(PathBuf),
    Ndjson(PathBuf),
}

impl Source {
    pub fn of(input: &Path) -> Result<Source> {
        if input.is_dir() {
            let sessions = input.join("sessions");
            let root = if sessions.is_dir() { sessions } else { input.to_owned() };
            let any_file = std::fs::read_dir(&root)?
                .flatten()
                .any(|e| e.path().is_dir() && e.file_name().to_string_lossy().starts_with("created_date="));
            if !any_file {
                bail!(
                    "{} holds no exported sessions (expected sessions/created_date=…/*.parquet): run `facesign-analytics export` first",
                    input.display()
                );
            }
            Ok(Source::Parquet(root))
        } else if input.is_file() {
            Ok(Source::Ndjson(input.to_owned()))
        } else {
            bail!("{} does not exist: pass an export's folder or an NDJSON file of sessions", input.display())
        }
    }
}

/// Parquet files read by one polars scan (the export writes files of up to 1 Mi rows; a day of
/// a large corpus is a few of them).
const FILES_PER_SCAN: usize = 16;

/// The sessions, sorted, as the scorer's table. Parquet files are read a group at a time (polars
/// reads only the scorer's columns of each, on the streaming engine) into the table's compact
/// columns, so memory never holds the dataset as polars strings; the next group is read while
/// the last one is appended. NDJSON lines are read by the rule every command shares
/// ([`crate::ndjson`]).
pub fn read(source: &Source, columns: &[&str], nul: NulPolicy) -> Result<Read> {
    match source {
        Source::Parquet(root) => read_parquet(&parquet_files(root)?, columns),
        Source::Ndjson(path) => {
            let (rows, refused) = read_ndjson(path, nul)?;
            Ok(Read { table: table_of_rows(&rows)?, refused })
        }
    }
}

/// [`read`] of the given Parquet files of a dataset.
pub fn read_parquet(files: &[PathBuf], columns: &[&str]) -> Result<Read> {
    let files = files.to_vec();
    let columns: Vec<Expr> = columns
        .iter()
        .map(|&c| if c == "created_at" { col(c).cast(DataType::Int64) } else { col(c) })
        .collect();
    let mut table = SessionTable::default();
    std::thread::scope(|scope| -> Result<()> {
        // One group waits while the next is read: two frames in memory at most.
        let (frames, received) = std::sync::mpsc::sync_channel::<Result<DataFrame>>(0);
        scope.spawn(move || {
            // A few files per scan: one scan per file pays polars' planning hundreds of
            // times, one scan of everything holds the whole dataset as polars strings.
            for group in files.chunks(FILES_PER_SCAN) {
                let frame = scan(group)
                    .and_then(|lazy| {
                        Ok(lazy
                            .select(columns.clone())
                            .collect_with_engine(Engine::Streaming)?
                            .unwrap_single())
                    })
                    .with_context(|| format!("reading {} and the files after it", group[0].display()));
                let failed = frame.is_err();
                if frames.send(frame).is_err() || failed {
                    break;
                }
            }
        });
        for frame in received {
            table.append(&frame?)?;
        }
        Ok(())
    })?;
    Ok(Read { table: table.sorted(), refused: Vec::new() })
}

/// The Parquet files of a dataset folder's `created_date=…` partitions, in name order.
pub fn parquet_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for partition in std::fs::read_dir(root)? {
        let partition = partition?.path();
        if !partition.file_name().is_some_and(|n| n.to_string_lossy().starts_with("created_date=")) {
            continue;
        }
        for file in std::fs::read_dir(&partition)? {
            let file = file?.path();
            if file.extension().is_some_and(|e| e == "parquet") {
                files.push(file);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A polars scan of Parquet files as written (the partition folders' names are not read as
/// columns: the files hold every column themselves).
pub fn scan(files: &[PathBuf]) -> Result<LazyFrame> {
    let args = ScanArgsParquet {
        hive_options: HiveOptions { enabled: Some(false), ..HiveOptions::default() },
        ..ScanArgsParquet::default()
    };
    let paths: Vec<PlRefPath> = files.iter().map(|f| PlRefPath::new(f.to_string_lossy().as_ref())).collect();
    Ok(LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)?)
}

/// The scorer's table of session rows, sorted by user and time.
pub fn table_of_rows(rows: &[SessionRow]) -> Result<SessionTable> {
    let mut table = SessionTable::default();
    table.append(&frame_of_rows(rows)?)?;
    Ok(table.sorted())
}

/// Session rows of an NDJSON file, and the lines refused.
pub fn read_ndjson(path: &Path, nul: NulPolicy) -> Result<(Vec<SessionRow>, ndjson::RefusedLines)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let (mut rows, mut refused) = (Vec::new(), Vec::new());
    ndjson::read_sessions(
        BufReader::with_capacity(1 << 20, file),
        nul,
        |_, line| {
            rows.push(rows_of(&line.session, false).session);
            Ok(())
        },
        |number, reason| refused.push((number, reason)),
    )
    .with_context(|| format!("reading {}", path.display()))?;
    Ok((rows, refused))
}

/// A frame with the scorer's columns, typed as the Parquet dataset types them.
pub fn frame_of_rows(rows: &[SessionRow]) -> Result<DataFrame> {
    let names = columns();
    let mut columns = Vec::with_capacity(names.len());
    for &name in &names {
        let series = match name {
            "session_id" => {
                Series::new(name.into(), rows.iter().map(|r| r.id.as_deref()).collect::<Vec<_>>())
            }
            "client_reference_id" => Series::new(
                name.into(),
                rows.iter().map(|r| r.client_reference_id.as_deref()).collect::<Vec<_>>(),
            ),
            "created_at" => Series::new(name.into(), rows.iter().map(|r| r.created_at).collect::<Vec<_>>()),
            _ => {
                let Some(k) = SIGNALS.iter().position(|s| s.column == name) else {
                    bail!("no session field for column {name}")
                };
                let cells = rows.iter().map(|r| &r.signals[k]);
                match SIGNALS[k].kind {
                    SignalKind::Text => Series::new(name.into(), cells.map(|c| c.text()).collect::<Vec<_>>()),
                    SignalKind::Float => {
                        Series::new(name.into(), cells.map(|c| c.float()).collect::<Vec<_>>())
                    }
                    SignalKind::Int => Series::new(name.into(), cells.map(|c| c.int()).collect::<Vec<_>>()),
                    SignalKind::BigInt => {
                        Series::new(name.into(), cells.map(|c| c.big_int()).collect::<Vec<_>>())
                    }
                    SignalKind::Bool => Series::new(name.into(), cells.map(|c| c.bool()).collect::<Vec<_>>()),
                }
            }
        };
        columns.push(Column::from(series));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}
