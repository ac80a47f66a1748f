//! The export's three per-session datasets (`sessions/`, `node_outcomes/`, `transcript/`) as
//! Arrow columns, appended to straight from a session's borrowed rows
//! ([`ExportRows`](facesign_core::export_rows::ExportRows), read from a document or decoded
//! from the extension's bytes): each value is copied once, into its column's buffer, with no
//! row objects or owned strings in between (a session has about 40 rows; building them one
//! allocation per cell cost more than reading the document).
//!
//! Each dataset's columns are declared once, in the order of its schema; the schema is made
//! from that declaration, so the two cannot disagree.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use facesign_core::export_rows::micros;
use facesign_core::report::risk_signals::{SignalValue, SIGNALS};
use facesign_core::report::{NodeOutcome, Phrase, RiskSignals, SessionSummary, SummaryKind, SUMMARY_FIELDS};

use super::parquet::{arrow_type, timestamp, Batches};

/// One column being filled.
enum Column {
    Text(StringBuilder),
    Time(TimestampMicrosecondBuilder),
    Int(Int32Builder),
    BigInt(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
}

impl Column {
    fn of(data_type: &DataType) -> Column {
        match data_type {
            DataType::Utf8 => Column::Text(StringBuilder::new()),
            DataType::Timestamp(..) => Column::Time(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            DataType::Int32 => Column::Int(Int32Builder::new()),
            DataType::Int64 => Column::BigInt(Int64Builder::new()),
            DataType::Float64 => Column::Float(Float64Builder::new()),
            _ => Column::Bool(BooleanBuilder::new()),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Text(b) => Arc::new(b.finish()),
            Column::Time(b) => Arc::new(b.finish()),
            Column::Int(b) => Arc::new(b.finish()),
            Column::BigInt(b) => Arc::new(b.finish()),
            Column::Float(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
        }
    }
}

/// Appends a row's values to columns in schema order. A value of another type than its column
/// would be a mistake in this file (the schema and the appends are side by side): the value is
/// then not appended, the columns come out of unequal length, and the batch is refused with an
/// error (the tests make a batch of every dataset).
struct Cursor<'c> {
    columns: std::slice::IterMut<'c, Column>,
}

impl Cursor<'_> {
    fn text(&mut self, v: Option<&str>) {
        if let Some(Column::Text(b)) = self.columns.next() {
            b.append_option(v);
        }
    }
    fn time(&mut self, v: Option<i64>) {
        if let Some(Column::Time(b)) = self.columns.next() {
            b.append_option(v);
        }
    }
    fn int(&mut self, v: Option<i32>) {
        if let Some(Column::Int(b)) = self.columns.next() {
            b.append_option(v);
        }
    }
    /// A value of core's lists (the summary's, the signals'); a time is its milliseconds.
    fn value(&mut self, v: SignalValue<'_>) {
        match (self.columns.next(), v) {
            (Some(Column::Text(b)), SignalValue::Text(v)) => b.append_option(v),
            (Some(Column::Time(b)), SignalValue::Float(v)) => b.append_option(micros(v)),
            (Some(Column::Float(b)), SignalValue::Float(v)) => b.append_option(v),
            (Some(Column::Int(b)), SignalValue::Int(v)) => b.append_option(v),
            (Some(Column::BigInt(b)), SignalValue::BigInt(v)) => b.append_option(v),
            (Some(Column::Bool(b)), SignalValue::Bool(v)) => b.append_option(v),
            _ => {}
        }
    }
}

/// Columns of one dataset: its schema and a builder per field.
struct Columns {
    schema: SchemaRef,
    columns: Vec<Column>,
    rows: usize,
}

impl Columns {
    fn new(schema: SchemaRef) -> Columns {
        let columns = schema.fields().iter().map(|f| Column::of(f.data_type())).collect();
        Columns { schema, columns, rows: 0 }
    }

    fn row(&mut self) -> Cursor<'_> {
        self.rows += 1;
        Cursor { columns: self.columns.iter_mut() }
    }

    fn batch(&mut self) -> anyhow::Result<RecordBatch> {
        self.rows = 0;
        let arrays = self.columns.iter_mut().map(Column::finish).collect();
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), arrays)?)
    }
}

/// `sessions/`: the summary (core's [`SUMMARY_FIELDS`]), the flow's id, then every risk signal
/// of core's list.
pub struct SessionColumns(Columns);

impl SessionColumns {
    pub fn schema() -> SchemaRef {
        let summary = SUMMARY_FIELDS.iter().map(|f| {
            let t = match f.kind {
                SummaryKind::Text => DataType::Utf8,
                SummaryKind::Time => timestamp(),
                SummaryKind::Int => DataType::Int32,
            };
            Field::new(f.column, t, true)
        });
        let fields: Vec<Field> = summary
            .chain([Field::new("flow_id", DataType::Utf8, true)])
            .chain(SIGNALS.iter().map(|s| Field::new(s.column, arrow_type(s.kind), true)))
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// One session's row; `flow_id` is its flow's fingerprint.
    pub fn append(&mut self, s: &SessionSummary<'_>, signals: &RiskSignals<'_>, flow_id: Option<&str>) {
        let mut row = self.0.row();
        for value in s.values() {
            row.value(value);
        }
        row.text(flow_id);
        for value in signals.values() {
            row.value(value);
        }
    }
}

impl Default for SessionColumns {
    fn default() -> Self {
        SessionColumns(Columns::new(Self::schema()))
    }
}

/// The session columns every per-node and per-phrase row repeats, so it can be read alone.
#[derive(Clone, Copy)]
pub struct SessionKeys<'a> {
    pub session_id: Option<&'a str>,
    pub client_reference_id: Option<&'a str>,
}

/// `node_outcomes/`: one row per node report.
pub struct NodeColumns(Columns);

impl NodeColumns {
    pub fn schema() -> SchemaRef {
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

    pub fn append(&mut self, keys: SessionKeys<'_>, n: &NodeOutcome<'_>) {
        let mut row = self.0.row();
        row.text(keys.session_id);
        row.text(keys.client_reference_id);
        row.int(Some(n.ordinal));
        row.text(n.node_id);
        row.text(n.node_type);
        row.text(n.outcome);
        row.time(micros(n.created_at_ms));
    }
}

impl Default for NodeColumns {
    fn default() -> Self {
        NodeColumns(Columns::new(Self::schema()))
    }
}

/// `transcript/`: one row per phrase.
pub struct PhraseColumns(Columns);

impl PhraseColumns {
    pub fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("session_id", DataType::Utf8, true),
            Field::new("client_reference_id", DataType::Utf8, true),
            Field::new("ordinal", DataType::Int32, false),
            Field::new("speaker", DataType::Utf8, true),
            Field::new("text", DataType::Utf8, true),
            Field::new("created_at", timestamp(), true),
        ]))
    }

    /// A phrase, its text as given (redacted or not: the caller's choice).
    pub fn append(&mut self, keys: SessionKeys<'_>, p: &Phrase<'_>, text: Option<&str>) {
        let mut row = self.0.row();
        row.text(keys.session_id);
        row.text(keys.client_reference_id);
        row.int(Some(p.ordinal));
        row.text(p.speaker);
        row.text(text);
        row.time(micros(p.created_at_ms));
    }
}

impl Default for PhraseColumns {
    fn default() -> Self {
        PhraseColumns(Columns::new(Self::schema()))
    }
}

macro_rules! batches {
    ($($t:ty),*) => {$(
        impl Batches for $t {
            fn schema() -> SchemaRef {
                <$t>::schema()
            }
            fn len(&self) -> usize {
                self.0.rows
            }
            fn batch(&mut self) -> anyhow::Result<RecordBatch> {
                self.0.batch()
            }
        }
    )*};
}
batches!(SessionColumns, NodeColumns, PhraseColumns);

#[cfg(test)]
mod tests {
    use super::*;
    use facesign_core::export_rows::SessionRows;

    /// A session's rows through every dataset's columns: each append gives every column one
    /// value of its type (else the batch has columns of unequal length and is refused).
    #[test]
    fn every_column_is_appended_in_schema_order() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/sessions/complete-kyc-object-video.json"))
                .expect("a test session");
        let rows = facesign_core::export_rows::export_rows(&doc, false);
        let owned = SessionRows::from(&rows);
        let mut sessions = SessionColumns::default();
        sessions.append(&rows.summary, &rows.signals, owned.session.flow_id.as_deref());
        let batch = sessions.batch().unwrap();
        assert_eq!(batch.schema(), SessionColumns::schema());
        assert_eq!(batch.num_rows(), 1);
        let mut nodes = NodeColumns::default();
        let keys = SessionKeys {
            session_id: rows.summary.id,
            client_reference_id: rows.summary.client_reference_id,
        };
        for n in &rows.nodes {
            nodes.append(keys, n);
        }
        assert_eq!(nodes.len(), rows.nodes.len());
        let batch = nodes.batch().unwrap();
        assert_eq!((batch.num_rows(), nodes.len()), (rows.nodes.len(), 0));
        let mut phrases = PhraseColumns::default();
        for p in &rows.phrases {
            phrases.append(keys, p, p.text);
        }
        assert_eq!(phrases.batch().unwrap().num_rows(), rows.phrases.len());
    }
}
