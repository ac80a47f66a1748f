//! The session's own risk signals, each a reason with its points (`[signals]` of score.toml)
//! and its evidence, and how reasons settle into a score. One implementation: the toolkit's
//! `score` feeds it a row of its table, `facesign.risk_score` a stored document.

use super::codes;
use super::config::{RiskConfig, Signals};
use super::device::device_profile;
use crate::json::JsonRef;
use crate::report::risk_signals::{risk_signals, RiskSignals};

/// One reason in a session's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub code: &'static str,
    pub points: i32,
    pub evidence: String,
}

/// What the session rules read of one session (the `risk_signals` columns they need).
#[derive(Debug, Clone, Copy, Default)]
pub struct SignalInputs<'a> {
    pub liveness: Option<&'a str>,
    pub deepfake_verdict: Option<&'a str>,
    pub deepfake_score: Option<f64>,
    pub real_person: Option<&'a str>,
    pub video_high_risk: Option<i32>,
    pub video_suspicious: Option<i32>,
    pub face_compare: Option<&'a str>,
    pub face_similarity: Option<f64>,
    pub document_scan: Option<&'a str>,
    pub two_factor: Option<&'a str>,
    pub anonymizer: Option<bool>,
    pub asn: Option<i64>,
    pub is_bot: Option<bool>,
    /// The device profile (`device::device_profile`), named by a `bot_device` reason.
    pub device: Option<&'a str>,
}

impl<'a> SignalInputs<'a> {
    /// The inputs from a document's risk signals; `device` holds the device profile.
    pub fn of(signals: &RiskSignals<'a>, device: &'a str) -> SignalInputs<'a> {
        SignalInputs {
            liveness: signals.liveness,
            deepfake_verdict: signals.deepfake_verdict,
            deepfake_score: signals.deepfake_score,
            real_person: signals.real_person,
            video_high_risk: signals.video_high_risk,
            video_suspicious: signals.video_suspicious,
            face_compare: signals.face_compare,
            face_similarity: signals.face_similarity,
            document_scan: signals.document_scan,
            two_factor: signals.two_factor,
            anonymizer: signals.anonymizer,
            asn: signals.asn,
            is_bot: signals.is_bot,
            device: (!device.is_empty()).then_some(device),
        }
    }
}

/// The signal reasons of one session, in rule order (unsettled), appended to `out`.
pub fn session_reasons(s: &SignalInputs, w: &Signals, out: &mut Vec<Reason>) {
    let mut push = |code, points, evidence: String| {
        if points != 0 {
            out.push(Reason { code, points, evidence })
        }
    };
    if s.deepfake_verdict == Some("manipulated") || s.liveness == Some("deepfakeDetected") {
        let mut evidence = Vec::new();
        if let Some(v) = s.deepfake_verdict {
            match s.deepfake_score {
                Some(score) => evidence.push(format!("deepfake verdict {v} (score {score:.2})")),
                None => evidence.push(format!("deepfake verdict {v}")),
            }
        }
        if let Some(l) = s.liveness {
            evidence.push(format!("liveness {l}"));
        }
        push(codes::DEEPFAKE, w.deepfake, evidence.join(", "));
    } else if let Some(l @ ("noFace" | "inconclusive" | "captureUnavailable")) = s.liveness {
        push(codes::LIVENESS_FAILURE, w.liveness_failure, format!("liveness {l}"));
    }
    if s.real_person == Some("virtual") {
        push(codes::VIRTUAL_PERSON, w.virtual_person, "AI analysis: virtual person".to_owned());
    }
    let (high, suspicious) = (s.video_high_risk.unwrap_or(0), s.video_suspicious.unwrap_or(0));
    if high > 0 || suspicious > 0 {
        // Saturating: a configured weight times a count never overflows into a negative score.
        let points = high
            .saturating_mul(w.video_high_risk_each)
            .saturating_add(suspicious.saturating_mul(w.video_suspicious_each))
            .min(w.video_max);
        push(
            codes::VIDEO_ANALYSIS,
            points,
            format!("video analysis: {high} criteria high fraud risk, {suspicious} suspicious"),
        );
    }
    let low_similarity = s.face_similarity.is_some_and(|x| x < w.face_similarity_min);
    if s.face_compare == Some("noMatch") || low_similarity {
        let evidence = match s.face_similarity {
            Some(x) => format!("face compare {} (similarity {x:.2})", s.face_compare.unwrap_or("-")),
            None => "face compare noMatch".to_owned(),
        };
        push(codes::FACE_MISMATCH, w.face_mismatch, evidence);
    }
    if let Some(d @ ("userCancelled" | "scanTimeout")) = s.document_scan {
        push(codes::DOCUMENT_FAILED, w.document_failed, format!("document scan {d}"));
    }
    if let Some(f @ ("failed_unverified" | "delivery_failed" | "cancelled" | "error")) = s.two_factor {
        push(codes::TWO_FACTOR_FAILED, w.two_factor_failed, format!("two-factor {f}"));
    }
    if s.anonymizer == Some(true) {
        // The toolkit's table keeps a missing ASN as -1.
        push(codes::ANONYMIZER, w.anonymizer, format!("anonymous network (AS{})", s.asn.unwrap_or(-1)));
    }
    if s.is_bot == Some(true) {
        push(codes::BOT_DEVICE, w.bot_device, format!("bot device: {}", s.device.unwrap_or("?")));
    }
}

/// Orders reasons largest first (then by code) and caps their sum at 100: the reason that
/// crosses 100 keeps the points left, later ones show 0, and a negative weight counts 0.
/// Returns the score, which the points add up to exactly.
pub fn settle(reasons: &mut [Reason]) -> i32 {
    reasons.sort_by(|a, b| b.points.cmp(&a.points).then(a.code.cmp(b.code)));
    let mut total = 0;
    for r in reasons.iter_mut() {
        r.points = r.points.clamp(0, 100 - total);
        total += r.points;
    }
    total
}

/// A session's score from its own signals (`facesign.risk_score`).
#[derive(Debug, Clone, PartialEq)]
pub struct RiskScore {
    pub score: i32,
    pub level: &'static str,
    pub reasons: Vec<Reason>,
}

/// The score of `doc` (a session or its `{session}` wrapper) from its own signals, read in
/// one pass of `risk_signals`.
pub fn risk_score<'a, J: JsonRef<'a>>(doc: J, config: &RiskConfig) -> RiskScore {
    let signals = risk_signals(doc);
    // The device profile is only named by a bot_device reason.
    let mut device = String::new();
    if signals.is_bot == Some(true) {
        device_profile(
            signals.browser,
            signals.browser_version,
            signals.os,
            signals.platform,
            signals.is_mobile,
            &mut device,
        );
    }
    let mut reasons = Vec::new();
    session_reasons(&SignalInputs::of(&signals, &device), &config.signals, &mut reasons);
    let score = settle(&mut reasons);
    RiskScore { score, level: config.level(score), reasons }
}
