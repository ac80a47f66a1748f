//! The session's own risk signals, each a reason with its points (from `[signals]` of the
//! configuration) and its evidence.

use super::table::SessionTable;
use crate::risk::config::ScoreConfig;

/// One reason in a session's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: &'static str,
    pub points: i32,
    pub evidence: String,
}

/// Reason codes of the session signals; the generator labels the first four kinds.
pub use crate::risk::codes::signal;

/// The signal reasons of one session.
pub fn session_reasons(t: &SessionTable, row: usize, config: &ScoreConfig, out: &mut Vec<Reason>) {
    let s = &config.signals;
    let mut push = |code, points, evidence: String| {
        if points != 0 {
            out.push(Reason { code, points, evidence })
        }
    };
    let liveness = t.liveness.get(row);
    let verdict = t.deepfake_verdict.get(row);
    if verdict == Some("manipulated") || liveness == Some("deepfakeDetected") {
        let mut evidence = Vec::new();
        if let Some(v) = verdict {
            match t.deepfake_score[row] {
                Some(score) => evidence.push(format!("deepfake verdict {v} (score {score:.2})")),
                None => evidence.push(format!("deepfake verdict {v}")),
            }
        }
        if let Some(l) = liveness {
            evidence.push(format!("liveness {l}"));
        }
        push(signal::DEEPFAKE, s.deepfake, evidence.join(", "));
    } else if let Some(l @ ("noFace" | "inconclusive" | "captureUnavailable")) = liveness {
        push(signal::LIVENESS_FAILURE, s.liveness_failure, format!("liveness {l}"));
    }
    if t.real_person.get(row) == Some("virtual") {
        push(signal::VIRTUAL_PERSON, s.virtual_person, "AI analysis: virtual person".to_owned());
    }
    let (high, suspicious) = (t.video_high_risk[row].unwrap_or(0), t.video_suspicious[row].unwrap_or(0));
    if high > 0 || suspicious > 0 {
        let points = (high * s.video_high_risk_each + suspicious * s.video_suspicious_each).min(s.video_max);
        push(
            signal::VIDEO_ANALYSIS,
            points,
            format!("video analysis: {high} criteria high fraud risk, {suspicious} suspicious"),
        );
    }
    let similarity = t.face_similarity[row];
    let low_similarity = similarity.is_some_and(|x| x < s.face_similarity_min);
    if t.face_compare.get(row) == Some("noMatch") || low_similarity {
        let evidence = match similarity {
            Some(x) => format!("face compare {} (similarity {x:.2})", t.face_compare.get(row).unwrap_or("-")),
            None => "face compare noMatch".to_owned(),
        };
        push(signal::FACE_MISMATCH, s.face_mismatch, evidence);
    }
    if let Some(d @ ("userCancelled" | "scanTimeout")) = t.document_scan.get(row) {
        push(signal::DOCUMENT_FAILED, s.document_failed, format!("document scan {d}"));
    }
    if let Some(f @ ("failed_unverified" | "delivery_failed" | "cancelled" | "error")) = t.two_factor.get(row)
    {
        push(signal::TWO_FACTOR_FAILED, s.two_factor_failed, format!("two-factor {f}"));
    }
    if t.anonymizer[row] == Some(true) {
        let asn = t.asn[row];
        push(signal::ANONYMIZER, s.anonymizer, format!("anonymous network (AS{asn})"));
    }
    if t.is_bot[row] == Some(true) {
        push(signal::BOT_DEVICE, s.bot_device, format!("bot device: {}", t.device.get(row).unwrap_or("?")));
    }
}

/// Orders reasons largest first and caps their sum at 100: the reason that crosses 100 keeps
/// the points left, later ones show 0. Returns the score, which the points add up to exactly.
pub fn settle(reasons: &mut [Reason]) -> i32 {
    reasons.sort_by(|a, b| b.points.cmp(&a.points).then(a.code.cmp(b.code)));
    let mut total = 0;
    for r in reasons.iter_mut() {
        r.points = r.points.clamp(0, 100 - total);
        total += r.points;
    }
    total
}
