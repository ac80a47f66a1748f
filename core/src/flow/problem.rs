//! What the validator reports: codes, severities, JSON Pointer paths, and where rows go.

use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $text:literal, $severity:ident;)*) => {
        /// Every code `facesign.validate_flow` and `facesign.validate_session` can return (`sql-api.md`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text),* }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),* }
            }
        }
    };
}

codes! {
    NotAnArray = "not_an_array", Error;
    LegacyFlowFormat = "legacy_flow_format", Error;
    EmptyFlow = "empty_flow", Error;
    NodeNotObject = "node_not_object", Error;
    MissingId = "missing_id", Error;
    InvalidId = "invalid_id", Error;
    DuplicateId = "duplicate_id", Error;
    MissingType = "missing_type", Error;
    UnknownType = "unknown_type", Error;
    MissingStart = "missing_start", Error;
    MultipleStart = "multiple_start", Error;
    MissingEnd = "missing_end", Error;
    MissingField = "missing_field", Error;
    InvalidField = "invalid_field", Error;
    MissingOutcome = "missing_outcome", Error;
    UnknownOutcome = "unknown_outcome", Error;
    EmptyOutcomes = "empty_outcomes", Error;
    DuplicateOutcomeId = "duplicate_outcome_id", Error;
    UnknownTarget = "unknown_target", Error;
    SelfLoop = "self_loop", Error;
    EndHasOutcomes = "end_has_outcomes", Error;
    Cycle = "cycle", Error;
    UnreachableNode = "unreachable_node", Warning;
    InconclusiveDefaulted = "inconclusive_defaulted", Warning;
    UnknownField = "unknown_field", Warning;
    VideoCheckTooEarly = "video_check_too_early", Warning;
    // Safety lints (flow/lints.rs).
    FailureJoinsSuccess = "failure_joins_success", Warning;
    LivenessBypass = "liveness_bypass", Warning;
    RecognitionAfterShortGreeting = "recognition_after_short_greeting", Warning;
    FaceSourceNotCollected = "face_source_not_collected", Warning;
    // validate_session only: rules that need the session's settings.
    NotASession = "not_a_session", Error;
    LiteralPromptMultilingual = "literal_prompt_multilingual", Warning;
    DefaultLangNotInLangs = "default_lang_not_in_langs", Warning;
    TwoFactorContactMissing = "two_factor_contact_missing", Warning;
    ProvidedDataKeyMissing = "provided_data_key_missing", Warning;
}

/// One row of `validate_flow`.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub code: Code,
    /// RFC 6901 JSON Pointer into the flow; `""` for the flow as a whole.
    pub path: String,
    pub node_id: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// One step of a JSON Pointer.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// A JSON Pointer into the flow, kept as steps and rendered only for sinks that want text
/// (`flow_is_valid` never pays for it). Paths are at most five steps deep.
#[derive(Clone, Copy, Debug)]
pub struct Ptr<'a> {
    steps: [Step<'a>; 5],
    len: usize,
}

impl<'a> Ptr<'a> {
    /// The flow as a whole: `""`.
    pub fn flow() -> Self {
        Ptr { steps: [Step::Index(0); 5], len: 0 }
    }
    /// Node `i`: `/i`.
    pub fn node(i: usize) -> Self {
        Self::flow().index(i)
    }
    pub fn key(mut self, key: &'a str) -> Self {
        if self.len < self.steps.len() {
            self.steps[self.len] = Step::Key(key);
            self.len += 1;
        }
        self
    }
    pub fn index(mut self, i: usize) -> Self {
        if self.len < self.steps.len() {
            self.steps[self.len] = Step::Index(i);
            self.len += 1;
        }
        self
    }
    /// The node index this pointer starts with, if any: rows sort by it.
    pub fn node_index(&self) -> Option<usize> {
        match (self.len, self.steps[0]) {
            (0, _) => None,
            (_, Step::Index(i)) => Some(i),
            _ => None,
        }
    }
    pub fn render(&self) -> String {
        let mut out = String::new();
        for step in &self.steps[..self.len] {
            out.push('/');
            match step {
                Step::Index(i) => {
                    let _ = write!(out, "{i}");
                }
                Step::Key(k) => {
                    for c in k.chars() {
                        match c {
                            '~' => out.push_str("~0"),
                            '/' => out.push_str("~1"),
                            c => out.push(c),
                        }
                    }
                }
            }
        }
        out
    }
}

/// Where the validator's rows go. `DETAILED = false` tells the validator that only whether
/// an error occurred matters, so it skips warnings, paths and messages altogether.
pub trait Sink {
    const DETAILED: bool;
    fn add(&mut self, code: Code, at: Ptr, node_id: Option<&str>, message: impl FnOnce() -> String);
}

/// Collects every row, for `validate_flow` and `flow_errors`.
#[derive(Default, Debug)]
pub struct Rows {
    rows: Vec<(usize, Problem)>,
}

impl Rows {
    /// The rows in document order: flow-level rows first, then by node, each node's rows in
    /// the order the checks found them.
    pub fn into_sorted(mut self) -> Vec<Problem> {
        self.rows.sort_by_key(|(order, _)| *order);
        self.rows.into_iter().map(|(_, p)| p).collect()
    }
}

impl Sink for Rows {
    const DETAILED: bool = true;
    fn add(&mut self, code: Code, at: Ptr, node_id: Option<&str>, message: impl FnOnce() -> String) {
        let order = at.node_index().map_or(0, |i| i + 1);
        self.rows.push((
            order,
            Problem { code, path: at.render(), node_id: node_id.map(str::to_owned), message: message() },
        ));
    }
}

/// Counts errors only, for `flow_is_valid`.
#[derive(Default, Debug)]
pub struct ErrorCount(pub usize);

impl Sink for ErrorCount {
    const DETAILED: bool = false;
    fn add(&mut self, code: Code, _: Ptr, _: Option<&str>, _: impl FnOnce() -> String) {
        if code.severity() == Severity::Error {
            self.0 += 1;
        }
    }
}
