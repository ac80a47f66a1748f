//! `facesign.session_summary`: one row per session.

use super::risk_signals::{SignalKind, SignalValue};
use super::{f64_at, int_count, report_of, session_of, str_at};
use crate::json::{JsonRef, Kind};

/// The fields of `facesign.session_summary`, in the composite type's attribute order: the one
/// list from which the struct ([`SessionSummary`]), the catalogue ([`SUMMARY_FIELDS`]: name,
/// kind, export column) and the values in order ([`SessionSummary::values`]) are derived, and
/// through them `export_rows`' wire format and the `sessions/` dataset's first columns
/// (analytics). The extension's composite type is declared by its SQL contract.
macro_rules! session_summary_fields {
    ($( $(#[doc = $doc:literal])* $name:ident: $kind:ident, column $column:literal; )*) => {
        /// The composite `facesign.session_summary`.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct SessionSummary<'a> {
            $( $(#[doc = $doc])* pub $name: summary_kind::$kind<'a>, )*
        }

        /// Every field, in order.
        pub const SUMMARY_FIELDS: [SummaryField; [$(stringify!($name)),*].len()] = [
            $( SummaryField { name: stringify!($name), kind: SummaryKind::$kind, column: $column }, )*
        ];

        impl<'a> SessionSummary<'a> {
            /// The values, in [`SUMMARY_FIELDS`] order (a time as its milliseconds, `Float`).
            pub fn values(&self) -> [SignalValue<'a>; SUMMARY_FIELDS.len()] {
                [ $( SummaryValue::value(self.$name), )* ]
            }

            /// The summary from its values in [`SUMMARY_FIELDS`] order; `None` when a value is
            /// of another kind than its field.
            pub fn from_values(values: [SignalValue<'a>; SUMMARY_FIELDS.len()]) -> Option<SessionSummary<'a>> {
                let mut values = values.into_iter();
                Some(SessionSummary { $( $name: SummaryValue::from_value(values.next()?)?, )* })
            }
        }
    };
}

/// The Rust type of each kind of summary field (a lifetime for all, so the list can name them
/// alike).
pub mod summary_kind {
    pub type Text<'a> = Option<&'a str>;
    /// Unix epoch milliseconds.
    pub type Time<'a> = Option<f64>;
    pub type Int<'a> = Option<i32>;
}

/// The kind of a summary field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryKind {
    Text,
    /// A time, held as Unix epoch milliseconds (`timestamptz` in SQL, a timestamp in Parquet).
    Time,
    Int,
}

impl SummaryKind {
    /// The kind of value that carries it.
    pub fn value_kind(self) -> SignalKind {
        match self {
            SummaryKind::Text => SignalKind::Text,
            SummaryKind::Time => SignalKind::Float,
            SummaryKind::Int => SignalKind::Int,
        }
    }
}

/// One field of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryField {
    /// The attribute of `facesign.session_summary` and the field of [`SessionSummary`].
    pub name: &'static str,
    pub kind: SummaryKind,
    /// Its column in the exported `sessions/` dataset.
    pub column: &'static str,
}

/// A summary field's Rust type as a value and back.
trait SummaryValue<'a>: Sized {
    fn value(self) -> SignalValue<'a>;
    fn from_value(value: SignalValue<'a>) -> Option<Self>;
}

/// `SummaryValue` for the Rust type of one kind, carried by the value variant of that name.
macro_rules! summary_value {
    ($l:lifetime, $type:ty, $variant:ident) => {
        impl<$l> SummaryValue<$l> for $type {
            fn value(self) -> SignalValue<$l> {
                SignalValue::$variant(self)
            }
            fn from_value(value: SignalValue<$l>) -> Option<Self> {
                match value {
                    SignalValue::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}

summary_value!('a, Option<&'a str>, Text);
summary_value!('a, Option<f64>, Float);
summary_value!('a, Option<i32>, Int);

session_summary_fields! {
    id: Text, column "session_id";
    /// `status`, as stored (any of the 7 current and legacy values, or anything else).
    status: Text, column "status";
    /// `createdAt`.
    created_at_ms: Time, column "created_at";
    started_at_ms: Time, column "started_at";
    finished_at_ms: Time, column "finished_at";
    /// `settings.clientReferenceId`, else the legacy `settings.client_reference_id`.
    client_reference_id: Text, column "client_reference_id";
    /// `settings.zone`.
    zone: Text, column "zone";
    /// The language used (`report.lang`); before the report has one, the configured
    /// `settings.defaultLang`, else the legacy `settings.default_lang`.
    lang: Text, column "lang";
    /// Nodes in `settings.flow`: its length when it is an array (SDK head), the length of
    /// its `nodes` array for the legacy `{nodes, edges}` object; `None` otherwise
    /// (absent, `null`, other shapes).
    flow_nodes: Int, column "flow_nodes";
    /// Length of `report.nodeReports`; `None` when it is not an array.
    node_reports: Int, column "node_reports";
    /// Length of `report.transcript`; `None` when it is not an array.
    transcript_turns: Int, column "transcript_turns";
}

/// The summary of `doc` (a Session or its `{session, clientSecret}` wrapper). A bare
/// report also reads: its session fields are then `None`. The wrapper is looked through once,
/// as every reader does: the report is `report_of(doc)`, not the report of the unwrapped
/// session (which would look a second level down and count entries `node_outcomes` does not
/// return).
pub fn session_summary<'a, J: JsonRef<'a>>(doc: J) -> SessionSummary<'a> {
    let session = session_of(doc);
    let mut out = SessionSummary {
        id: str_at(session, "id"),
        status: str_at(session, "status"),
        created_at_ms: f64_at(session, "createdAt"),
        started_at_ms: f64_at(session, "startedAt"),
        finished_at_ms: f64_at(session, "finishedAt"),
        ..SessionSummary::default()
    };
    let settings = session.get("settings").filter(|s| s.kind() == Kind::Object);
    let report = report_of(doc);
    if let Some(settings) = settings {
        out.client_reference_id =
            str_at(settings, "clientReferenceId").or_else(|| str_at(settings, "client_reference_id"));
        out.zone = str_at(settings, "zone");
        out.flow_nodes = settings.get("flow").and_then(|flow| match flow.kind() {
            Kind::Array => Some(int_count(flow.len())),
            Kind::Object => flow.get("nodes").filter(|n| n.kind() == Kind::Array).map(|n| int_count(n.len())),
            _ => None,
        });
    }
    let array_len = |key: &str| {
        report.and_then(|r| r.get(key)).filter(|v| v.kind() == Kind::Array).map(|v| int_count(v.len()))
    };
    out.node_reports = array_len("nodeReports");
    out.transcript_turns = array_len("transcript");
    out.lang = report.and_then(|r| str_at(r, "lang")).or_else(|| {
        let settings = settings?;
        str_at(settings, "defaultLang").or_else(|| str_at(settings, "default_lang"))
    });
    out
}
