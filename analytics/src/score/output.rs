//! The scorer's two datasets, written with arrow-rs like the export (zstd, dictionaries,
//! INT64 microsecond UTC timestamps, files of at most 1 Mi rows): `scores/` with one row per
//! session and `findings/` with one row per detector hit.

use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder, StructBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use super::signals::Reason;
use crate::dataset::parquet::ArrowRows;

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn reason_fields() -> Fields {
    Fields::from(vec![
        Field::new("code", DataType::Utf8, false),
        Field::new("points", DataType::Int32, false),
        Field::new("evidence", DataType::Utf8, false),
    ])
}

fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// One row of `scores/`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    pub session_id: Option<String>,
    pub client_reference_id: Option<String>,
    pub created_at: Option<i64>,
    pub risk_score: i32,
    pub risk_level: &'static str,
    pub reasons: Vec<Reason>,
}

impl ArrowRows for ScoreRow {
    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("session_id", DataType::Utf8, true),
            Field::new("client_reference_id", DataType::Utf8, true),
            Field::new("created_at", timestamp(), true),
            Field::new("risk_score", DataType::Int32, false),
            Field::new("risk_level", DataType::Utf8, false),
            Field::new(
                "reasons",
                DataType::List(Arc::new(Field::new("item", DataType::Struct(reason_fields()), true))),
                false,
            ),
        ]))
    }

    fn batch(rows: &[Self]) -> RecordBatch {
        let mut ids = StringBuilder::new();
        let mut refs = StringBuilder::new();
        let mut created = TimestampMicrosecondBuilder::new().with_timezone("UTC");
        let mut scores = Int32Builder::new();
        let mut levels = StringBuilder::new();
        let mut reasons = ListBuilder::new(StructBuilder::from_fields(reason_fields(), 0));
        for r in rows {
            ids.append_option(r.session_id.as_deref());
            refs.append_option(r.client_reference_id.as_deref());
            created.append_option(r.created_at);
            scores.append_value(r.risk_score);
            levels.append_value(r.risk_level);
            let list = reasons.values();
            for reason in &r.reasons {
                list.field_builder::<StringBuilder>(0).expect("code").append_value(reason.code);
                list.field_builder::<Int32Builder>(1).expect("points").append_value(reason.points);
                list.field_builder::<StringBuilder>(2).expect("evidence").append_value(&reason.evidence);
                list.append(true);
            }
            reasons.append(true);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(ids.finish()),
            Arc::new(refs.finish()),
            Arc::new(created.finish()),
            Arc::new(scores.finish()),
            Arc::new(levels.finish()),
            Arc::new(reasons.finish()),
        ];
        RecordBatch::try_new(Self::schema(), columns).expect("columns match the schema")
    }
}

/// One row of `findings/`: the finding, with the session it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    pub session_id: Option<String>,
    pub client_reference_id: Option<String>,
    pub created_at: Option<i64>,
    pub finding: super::finding::Finding,
}

const FINDING_FLOATS: [&str; 4] = ["km", "km_beyond_accuracy", "hours", "kmh"];
const FINDING_TEXTS: [&str; 5] =
    ["from_city", "to_city", "from_country", "to_country", "previous_session_id"];
const FINDING_INTS: [&str; 8] = [
    "accuracy_from_km",
    "accuracy_to_km",
    "users",
    "sessions",
    "age_min",
    "age_max",
    "usual_age_min",
    "usual_age_max",
];

impl ArrowRows for FindingRow {
    fn schema() -> SchemaRef {
        let mut fields = vec![
            Field::new("session_id", DataType::Utf8, true),
            Field::new("client_reference_id", DataType::Utf8, true),
            Field::new("created_at", timestamp(), true),
            Field::new("detector", DataType::Utf8, false),
            Field::new("severity", DataType::Utf8, false),
            Field::new("points", DataType::Int32, false),
            Field::new("summary", DataType::Utf8, false),
        ];
        fields.extend(FINDING_FLOATS.iter().map(|n| Field::new(*n, DataType::Float64, true)));
        fields.extend(FINDING_TEXTS.iter().map(|n| Field::new(*n, DataType::Utf8, true)));
        fields.extend(FINDING_INTS.iter().map(|n| Field::new(*n, DataType::Int32, true)));
        fields.push(Field::new("asn", DataType::Int64, true));
        fields.push(Field::new("sex", DataType::Utf8, true));
        fields.push(Field::new("usual_sex", DataType::Utf8, true));
        fields.push(Field::new("countries", string_list(), true));
        fields.push(Field::new("device_profiles", string_list(), true));
        Arc::new(Schema::new(fields))
    }

    fn batch(rows: &[Self]) -> RecordBatch {
        let text = |f: &dyn Fn(&FindingRow) -> Option<&str>| -> ArrayRef {
            let mut b = StringBuilder::new();
            rows.iter().for_each(|r| b.append_option(f(r)));
            Arc::new(b.finish())
        };
        let float = |f: &dyn Fn(&FindingRow) -> Option<f64>| -> ArrayRef {
            let mut b = Float64Builder::new();
            rows.iter().for_each(|r| b.append_option(f(r)));
            Arc::new(b.finish())
        };
        let int = |f: &dyn Fn(&FindingRow) -> Option<i32>| -> ArrayRef {
            let mut b = Int32Builder::new();
            rows.iter().for_each(|r| b.append_option(f(r)));
            Arc::new(b.finish())
        };
        let list = |f: &dyn Fn(&FindingRow) -> &Vec<String>| -> ArrayRef {
            let mut b = ListBuilder::new(StringBuilder::new());
            for r in rows {
                let values = f(r);
                if values.is_empty() {
                    b.append(false);
                } else {
                    values.iter().for_each(|v| b.values().append_value(v));
                    b.append(true);
                }
            }
            Arc::new(b.finish())
        };
        let mut created = TimestampMicrosecondBuilder::new().with_timezone("UTC");
        rows.iter().for_each(|r| created.append_option(r.created_at));
        let mut asn = Int64Builder::new();
        rows.iter().for_each(|r| asn.append_option(r.finding.evidence.asn));
        let columns: Vec<ArrayRef> = vec![
            text(&|r| r.session_id.as_deref()),
            text(&|r| r.client_reference_id.as_deref()),
            Arc::new(created.finish()),
            text(&|r| Some(r.finding.detector)),
            text(&|r| Some(r.finding.severity.as_str())),
            int(&|r| Some(r.finding.points)),
            text(&|r| Some(r.finding.summary.as_str())),
            float(&|r| r.finding.evidence.km),
            float(&|r| r.finding.evidence.km_beyond_accuracy),
            float(&|r| r.finding.evidence.hours),
            float(&|r| r.finding.evidence.kmh),
            text(&|r| r.finding.evidence.from_city.as_deref()),
            text(&|r| r.finding.evidence.to_city.as_deref()),
            text(&|r| r.finding.evidence.from_country.as_deref()),
            text(&|r| r.finding.evidence.to_country.as_deref()),
            text(&|r| r.finding.evidence.previous_session_id.as_deref()),
            int(&|r| r.finding.evidence.accuracy_from_km),
            int(&|r| r.finding.evidence.accuracy_to_km),
            int(&|r| r.finding.evidence.users),
            int(&|r| r.finding.evidence.sessions),
            int(&|r| r.finding.evidence.age_min),
            int(&|r| r.finding.evidence.age_max),
            int(&|r| r.finding.evidence.usual_age_min),
            int(&|r| r.finding.evidence.usual_age_max),
            Arc::new(asn.finish()),
            text(&|r| r.finding.evidence.sex.as_deref()),
            text(&|r| r.finding.evidence.usual_sex.as_deref()),
            list(&|r| &r.finding.evidence.countries),
            list(&|r| &r.finding.evidence.device_profiles),
        ];
        RecordBatch::try_new(Self::schema(), columns).expect("columns match the schema")
    }
}
