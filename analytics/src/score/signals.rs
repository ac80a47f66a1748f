//! The session's own risk signals, each a reason with its points (from `[signals]` of the
//! configuration) and its evidence: core's rules (`facesign_core::risk::signals`, which
//! `facesign.risk_score` applies in the database), fed a row of the table.

use super::table::SessionTable;
use crate::risk::config::ScoreConfig;
use facesign_core::risk::SignalInputs;

/// Orders reasons largest first and caps their sum at 100 (core's rule).
pub use facesign_core::risk::settle;
/// One reason in a session's score.
pub use facesign_core::risk::Reason;

/// Reason codes of the session signals; the generator labels the first four kinds.
pub use crate::risk::codes::signal;

/// The signal reasons of one session.
pub fn session_reasons(t: &SessionTable, row: usize, config: &ScoreConfig, out: &mut Vec<Reason>) {
    let inputs = SignalInputs {
        liveness: t.liveness.get(row),
        deepfake_verdict: t.deepfake_verdict.get(row),
        deepfake_score: t.deepfake_score[row],
        real_person: t.real_person.get(row),
        video_high_risk: t.video_high_risk[row],
        video_suspicious: t.video_suspicious[row],
        face_compare: t.face_compare.get(row),
        face_similarity: t.face_similarity[row],
        document_scan: t.document_scan.get(row),
        two_factor: t.two_factor.get(row),
        anonymizer: t.anonymizer[row],
        // The table keeps a missing ASN as -1, which core writes for a missing one too.
        asn: Some(t.asn[row]),
        is_bot: t.is_bot[row],
        device: t.device.get(row),
    };
    facesign_core::risk::session_reasons(&inputs, &config.signals, out);
}
