//! The 13 node types of a FaceSign flow (SDK head), as data: how each routes to the next
//! node and which fields it takes. `facesign-data-model.md` §3.2–3.4 is the source; every
//! rule the validator applies to a node's fields comes from this table.

/// How a node names the node(s) that follow it.
#[derive(Debug)]
pub enum Routing {
    /// `start`: one `outcome` string.
    Single,
    /// `end`: no outcomes at all.
    Terminal,
    /// A fixed map `outcomes: {key: nodeId}`.
    Fixed {
        required: &'static [&'static str],
        optional: &'static [&'static str],
        /// An optional key whose absence the API fills in itself, with a warning
        /// (`inconclusive` on liveness, filled with the `noFace` target).
        defaulted: Option<(&'static str, &'static str)>,
        /// The outcome that means the node's check passed.
        success: &'static str,
        /// The outcomes that mean the check failed, was refused or could not be made: a
        /// user on one of these has not passed it (`failure_joins_success`, and paths
        /// through them do not count for `liveness_bypass`). docs/sql.md lists them.
        failures: &'static [&'static str],
    },
    /// `outcomes: [{id, condition, targetNodeId}]`, at least one.
    Conditional,
}

/// What a field's value must be.
#[derive(Debug)]
pub enum Rule {
    /// A string; `non_empty` rejects `""`.
    Text {
        non_empty: bool,
    },
    Bool,
    /// A number in `min..=max`; `integer` rejects fractions.
    Number {
        min: f64,
        max: f64,
        integer: bool,
    },
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A non-empty array of kebab-case document types (`passport`, `residence-permit`).
    DocumentTypes,
    /// An object with these fields.
    Object(&'static [Field]),
    /// A face_compare source: `{source}`, plus `providedDataKey` when the source is
    /// `providedData`.
    FaceSource,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub rule: Rule,
}

const fn req(name: &'static str, rule: Rule) -> Field {
    Field { name, required: true, rule }
}
const fn opt(name: &'static str, rule: Rule) -> Field {
    Field { name, required: false, rule }
}

#[derive(Debug)]
pub struct NodeType {
    pub name: &'static str,
    pub routing: Routing,
    pub fields: &'static [Field],
}

impl NodeType {
    /// The field names that route (`outcome` or `outcomes`), which are not in `fields`.
    pub fn routing_field(&self) -> Option<&'static str> {
        match self.routing {
            Routing::Single => Some("outcome"),
            Routing::Terminal => None,
            Routing::Fixed { .. } | Routing::Conditional => Some("outcomes"),
        }
    }

    pub fn defines_field(&self, key: &str) -> bool {
        key == "id"
            || key == "type"
            || self.routing_field() == Some(key)
            || self.fields.iter().any(|f| f.name == key)
    }

    /// The outcome that means this node's check passed, for fixed-outcome types.
    pub fn success(&self) -> Option<&'static str> {
        match self.routing {
            Routing::Fixed { success, .. } => Some(success),
            _ => None,
        }
    }

    /// True when `outcome` means this node's check did not pass.
    pub fn is_failure(&self, outcome: &str) -> bool {
        matches!(self.routing, Routing::Fixed { failures, .. } if failures.contains(&outcome))
    }

    /// True for the types whose success verifies something about the user (not a granted
    /// permission or an entered address, which anyone can give).
    pub fn verifies(&self) -> bool {
        self.success().is_some() && !matches!(self.name, "permissions" | "enter_email")
    }

    /// The checks that a live person is in front of the camera (`liveness_bypass`).
    pub fn is_liveness_check(&self) -> bool {
        matches!(self.name, "liveness_detection" | "face_scan")
    }

    /// The types that look at the camera and need seconds of video before them.
    pub fn is_video_check(&self) -> bool {
        matches!(self.name, "recognition" | "liveness_detection" | "face_scan")
    }
}

const PROMPT: Rule = Rule::Text { non_empty: true };
const TEXT: Rule = Rule::Text { non_empty: false };
const SIMILARITY: Rule = Rule::Number { min: 0.0, max: 1.0, integer: false };

const TWO_FACTOR_ROUTING: Routing = Routing::Fixed {
    required: &["verified", "delivery_failed", "failed_unverified", "cancelled", "error"],
    optional: &[],
    defaulted: None,
    success: "verified",
    failures: &["delivery_failed", "failed_unverified", "cancelled", "error"],
};

/// OTP settings shared by both two-factor types.
macro_rules! otp_fields {
    ($template:literal) => {
        &[
            opt($template, TEXT),
            opt("otpLength", Rule::Number { min: 4.0, max: 8.0, integer: true }),
            opt("expirySeconds", Rule::Number { min: 1.0, max: f64::MAX, integer: true }),
            opt("maxAttempts", Rule::Number { min: 1.0, max: f64::MAX, integer: true }),
            opt("resendAfterSeconds", Rule::Number { min: 0.0, max: f64::MAX, integer: true }),
            opt("showUI", Rule::Bool),
        ]
    };
}

pub const NODE_TYPES: &[NodeType] = &[
    NodeType { name: "start", routing: Routing::Single, fields: &[] },
    NodeType { name: "end", routing: Routing::Terminal, fields: &[] },
    NodeType {
        name: "conversation",
        routing: Routing::Conditional,
        fields: &[req("prompt", PROMPT), opt("doesNotRequireReply", Rule::Bool)],
    },
    NodeType {
        name: "data_validation",
        routing: Routing::Conditional,
        fields: &[req(
            "validation",
            Rule::Object(&[req("field", PROMPT), req("action", PROMPT), opt("value", TEXT)]),
        )],
    },
    NodeType {
        name: "liveness_detection",
        routing: Routing::Fixed {
            required: &["livenessDetected", "deepfakeDetected", "noFace"],
            optional: &["captureUnavailable", "inconclusive"],
            defaulted: Some(("inconclusive", "noFace")),
            success: "livenessDetected",
            failures: &["deepfakeDetected", "noFace", "inconclusive", "captureUnavailable"],
        },
        fields: &[],
    },
    NodeType {
        name: "enter_email",
        routing: Routing::Fixed {
            required: &["emailEntered", "canceled"],
            optional: &[],
            defaulted: None,
            success: "emailEntered",
            failures: &["canceled"],
        },
        fields: &[opt("prompt", PROMPT)],
    },
    NodeType {
        name: "document_scan",
        routing: Routing::Fixed {
            required: &["scanSuccess", "userCancelled", "scanTimeout"],
            optional: &[],
            defaulted: None,
            success: "scanSuccess",
            failures: &["userCancelled", "scanTimeout"],
        },
        fields: &[
            req("scanningMode", Rule::OneOf(&["single", "automatic"])),
            req("allowedDocumentTypes", Rule::DocumentTypes),
            opt("showTorchButton", Rule::Bool),
            opt("showCameraSwitch", Rule::Bool),
            opt("showMirrorCameraButton", Rule::Bool),
        ],
    },
    NodeType {
        name: "recognition",
        routing: Routing::Fixed {
            required: &["recognized", "newUser", "noFace"],
            optional: &[],
            defaulted: None,
            // Recognition identifies; it verifies nothing. `newUser` and `noFace` are how a
            // first visit looks, not a failed check.
            success: "recognized",
            failures: &[],
        },
        fields: &[],
    },
    NodeType {
        name: "face_scan",
        routing: Routing::Fixed {
            required: &["passed", "notPassed", "cancelled", "error"],
            optional: &[],
            defaulted: None,
            success: "passed",
            failures: &["notPassed", "cancelled", "error"],
        },
        fields: &[
            opt("captureInstructions", TEXT),
            opt("requireLivenessChallenge", Rule::Bool),
            opt("requireAILivenessCheck", Rule::Bool),
            opt("referenceImageKey", PROMPT),
            opt("similarityThreshold", SIMILARITY),
            opt("enableSound", Rule::Bool),
            opt("enableHaptics", Rule::Bool),
        ],
    },
    NodeType { name: "two_factor_email", routing: TWO_FACTOR_ROUTING, fields: otp_fields!("emailTemplate") },
    NodeType { name: "two_factor_sms", routing: TWO_FACTOR_ROUTING, fields: otp_fields!("smsTemplate") },
    NodeType {
        name: "permissions",
        routing: Routing::Fixed {
            required: &["permissionsGranted", "permissionsDenied"],
            optional: &[],
            defaulted: None,
            success: "permissionsGranted",
            failures: &["permissionsDenied"],
        },
        fields: &[
            req("permissions", Rule::Object(&[opt("camera", Rule::Bool), opt("microphone", Rule::Bool)])),
            opt("prompt", PROMPT),
        ],
    },
    NodeType {
        name: "face_compare",
        routing: Routing::Fixed {
            required: &["match", "noMatch", "imageUnavailable"],
            optional: &[],
            defaulted: None,
            success: "match",
            failures: &["noMatch", "imageUnavailable"],
        },
        fields: &[
            req("sourceA", Rule::FaceSource),
            req("sourceB", Rule::FaceSource),
            opt("similarityThreshold", SIMILARITY),
        ],
    },
];

pub const FACE_SOURCES: &[&str] = &["sessionVideo", "faceScan", "documentPhoto", "providedData"];

pub fn lookup(name: &str) -> Option<&'static NodeType> {
    NODE_TYPES.iter().find(|t| t.name == name)
}

/// Advice for a type name that is not one of the 13, when we know what was meant.
pub fn replacement_hint(name: &str) -> Option<&'static str> {
    match name {
        "two_factor" => Some("the older two_factor type is now two_factor_email or two_factor_sms"),
        "liveness" => Some("did you mean liveness_detection?"),
        "email" | "enterEmail" => Some("did you mean enter_email?"),
        _ => None,
    }
}
