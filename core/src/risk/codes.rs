//! The codes of the session signals' reasons; scores, findings, the generator's labels and the
//! docs all name them by these.

pub const DEEPFAKE: &str = "deepfake";
pub const LIVENESS_FAILURE: &str = "liveness_failure";
pub const VIRTUAL_PERSON: &str = "virtual_person";
pub const ANONYMIZER: &str = "anonymizer";
pub const VIDEO_ANALYSIS: &str = "video_analysis";
pub const FACE_MISMATCH: &str = "face_mismatch";
pub const DOCUMENT_FAILED: &str = "document_failed";
pub const TWO_FACTOR_FAILED: &str = "two_factor_failed";
pub const BOT_DEVICE: &str = "bot_device";

pub const ALL: [&str; 9] = [
    DEEPFAKE,
    LIVENESS_FAILURE,
    VIRTUAL_PERSON,
    ANONYMIZER,
    VIDEO_ANALYSIS,
    FACE_MISMATCH,
    DOCUMENT_FAILED,
    TWO_FACTOR_FAILED,
    BOT_DEVICE,
];
