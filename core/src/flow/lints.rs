//! Safety lints: warnings about flows FaceSign accepts but that let the wrong user through or
//! make a check fail for the right one. They run after the structural rules, over the graph
//! those built, only for sinks that want warnings (`flow_is_valid` never pays for them), and
//! only for a flow with one start node. Every pass is iterative and linear in nodes plus
//! edges; the passes that follow paths need an acyclic graph and are skipped when the flow has
//! a cycle (already an error).
//!
//! The rules and the reason for each are in docs/sql.md ("Safety warnings").

use super::graph::FrozenGraph;
use super::node_types::NodeType;
use super::problem::{Code, Ptr, Sink};
use super::session::SessionContext;
use super::validate::{chain_text, name, NodeInfo};
use crate::json::JsonRef;

/// The speaking rate the avatar's lines are estimated at, in words a minute.
pub const WORDS_PER_MINUTE: f64 = 150.0;
/// The seconds of video recognition needs before it (the concepts page: "5 seconds or more").
pub const RECOGNITION_VIDEO_SECONDS: f64 = 5.0;

/// What the lints read: the validator's nodes and graph, and, from `validate_session`, the
/// session settings the flow runs with.
pub(super) struct FlowView<'v, 'a, J> {
    pub nodes: &'v [NodeInfo<'a, J>],
    pub graph: &'v FrozenGraph<'a>,
    pub start: usize,
    pub session: Option<&'v SessionContext<'a>>,
}

impl<'v, 'a, J: JsonRef<'a>> FlowView<'v, 'a, J> {
    fn type_of(&self, v: usize) -> Option<&'static NodeType> {
        self.nodes[v].node_type
    }

    fn type_name(&self, v: usize) -> &'static str {
        self.type_of(v).map_or("", |t| t.name)
    }

    fn label(&self, v: usize) -> String {
        name(self.nodes[v].id, v)
    }

    /// True when edge `e` is taken on an outcome meaning its node's check did not pass.
    fn is_failure_edge(&self, e: usize) -> bool {
        let (Some(ty), Some(outcome)) = (self.type_of(self.graph.source(e)), self.graph.outcome(e)) else {
            return false;
        };
        ty.is_failure(outcome)
    }
}

/// Runs every safety lint over `view`.
pub(super) fn check<'a, J: JsonRef<'a>, S: Sink>(view: &FlowView<'_, 'a, J>, sink: &mut S) {
    failure_joins_success(view, sink);
    liveness_bypass(view, sink);
    // The path rules only for flows with a node they are about, so a long flow of
    // conversations pays for none of them.
    let has =
        |names: &[&str]| view.nodes.iter().any(|n| n.node_type.is_some_and(|t| names.contains(&t.name)));
    let recognition = has(&["recognition"]);
    let collected = has(&["face_compare", "face_scan", "two_factor_email", "two_factor_sms"]);
    if recognition || collected {
        if let Some(order) = view.graph.topological_from(view.start) {
            if recognition {
                recognition_after_short_greeting(view, &order, sink);
            }
            if collected {
                collected_before(view, &order, sink);
            }
        }
    }
    if let Some(session) = view.session {
        literal_prompt_multilingual(view, session, sink);
    }
}

/// A failed-check outcome that leads where the same node's success outcome leads: the user
/// who failed carries on as if verified, and the verdict is only in the report.
fn failure_joins_success<'a, J: JsonRef<'a>, S: Sink>(view: &FlowView<'_, 'a, J>, sink: &mut S) {
    let g = view.graph;
    for v in 0..g.node_count() {
        let Some(ty) = view.type_of(v) else { continue };
        let Some(success) = ty.success() else { continue };
        let edges = g.out_edges(v);
        let Some(success_target) =
            edges.clone().find(|&e| g.outcome(e) == Some(success)).map(|e| g.target(e))
        else {
            continue;
        };
        for e in edges {
            let Some(outcome) = g.outcome(e) else { continue };
            if g.target(e) != success_target || !ty.is_failure(outcome) {
                continue;
            }
            sink.add(Code::FailureJoinsSuccess, g.place(e), view.nodes[v].id, || {
                format!(
                    "The {} node {} sends \"{outcome}\" to {}, where its success outcome \"{success}\" goes, so a user who {} carries on as if verified (the verdict is only in the report); route \"{outcome}\" to a node that handles the failure.",
                    ty.name,
                    view.label(v),
                    view.label(success_target),
                    failed_because(ty.name, outcome),
                )
            });
        }
    }
}

/// What a failure outcome means for the user, as the end of "a user who …".
fn failed_because(type_name: &str, outcome: &str) -> &'static str {
    match (type_name, outcome) {
        (_, "deepfakeDetected") => "is a deepfake",
        (_, "noFace") => "never showed a face",
        (_, "inconclusive") => "could not be shown to be live",
        (_, "captureUnavailable") => "had no camera to check",
        ("face_scan", "notPassed") => "failed the face scan",
        ("face_compare", "noMatch") => "does not match the reference face",
        ("face_compare", "imageUnavailable") => "was never compared with a reference face",
        ("document_scan", _) => "never scanned a document",
        (_, "failed_unverified") => "entered a wrong code",
        (_, "delivery_failed") => "never received the code",
        ("permissions", _) => "refused the camera and microphone",
        ("enter_email", _) => "gave no email address",
        (_, "cancelled") => "cancelled the check",
        (_, "error") => "was never checked because of an error",
        _ => "failed the check",
    }
}

/// A path from the start node to an end node through no liveness_detection or face_scan node,
/// in a flow that has one. Edges taken on a failure outcome do not count: they lead to the
/// branches that handle a failure, and those may end without a liveness check; nor do the
/// ends only failures close on ([`rejection_ends`]).
fn liveness_bypass<'a, J: JsonRef<'a>, S: Sink>(view: &FlowView<'_, 'a, J>, sink: &mut S) {
    let is_check = |v: usize| view.type_of(v).is_some_and(NodeType::is_liveness_check);
    let g = view.graph;
    if !(0..g.node_count()).any(|v| is_check(v) && view.nodes[v].owns_id) {
        return;
    }
    // Breadth-first from the start, around the liveness checks, keeping a shortest way to each
    // node for the message.
    let reach = g.breadth_first([view.start], |e| !is_check(g.target(e)) && !view.is_failure_edge(e));
    let rejection = rejection_ends(view);
    for end in (0..g.node_count()).filter(|&v| reach.seen[v] && view.type_name(v) == "end" && !rejection[v]) {
        sink.add(Code::LivenessBypass, Ptr::node(end), view.nodes[end].id, || {
            format!(
                "The path {} reaches end node {} without a liveness_detection or face_scan node, so a session can finish there with no check that a live person was on camera; route it through a liveness check.",
                chain_text(&reach.way_to(end), 6, 3, |v| view.label(v)).join(" → "),
                view.label(end)
            )
        });
    }
}

/// The end nodes only failures close on: a failure outcome leads to them (directly or through
/// conversations, such as a closing line), and no verifying node's success outcome does
/// (`NodeType::verifies`: a granted permission verifies nothing). A path that
/// reaches one without a liveness check is a refusal handled early (a user who wants to stop
/// at the greeting), not a way to be verified without one.
fn rejection_ends<'a, J: JsonRef<'a>>(view: &FlowView<'_, 'a, J>) -> Vec<bool> {
    let g = view.graph;
    // Breadth-first from the seeded edges' targets, on through conversation nodes only.
    let closes_on = |is_seed: &dyn Fn(usize) -> bool| {
        let seeds =
            (0..g.node_count()).flat_map(|v| g.out_edges(v)).filter(|&e| is_seed(e)).map(|e| g.target(e));
        g.breadth_first(seeds, |e| view.type_name(g.source(e)) == "conversation").seen
    };
    let after_failure = closes_on(&|e| view.is_failure_edge(e));
    let after_success = closes_on(&|e| {
        let ty = view.type_of(g.source(e)).filter(|t| t.verifies());
        ty.is_some_and(|t| g.outcome(e) == t.success())
    });
    (0..g.node_count()).map(|v| after_failure[v] && !after_success[v]).collect()
}

/// How many words of a prompt the avatar will speak: the text after `Say:` (only its quoted
/// part when it opens with a quote), else the whole prompt, which the avatar paraphrases at
/// about its own length.
pub fn spoken_words(prompt: &str) -> usize {
    count_words(literal_text(prompt).unwrap_or(prompt))
}

/// Seconds of speech `words` take at [`WORDS_PER_MINUTE`].
pub fn speech_seconds(words: usize) -> f64 {
    words as f64 * 60.0 / WORDS_PER_MINUTE
}

/// The words of speech recognition needs before it: [`RECOGNITION_VIDEO_SECONDS`] at the rate.
pub fn words_for_recognition() -> usize {
    (RECOGNITION_VIDEO_SECONDS * WORDS_PER_MINUTE / 60.0).ceil() as usize
}

/// The text a `Say:` directive makes the avatar speak verbatim, if the prompt has one.
/// `Say:` matches in any case, not inside a word ("Essay:").
pub fn literal_text(prompt: &str) -> Option<&str> {
    let bytes = prompt.as_bytes();
    let mut from = 0;
    while let Some(k) = bytes[from..].windows(4).position(|w| w.eq_ignore_ascii_case(b"say:")) {
        let at = from + k;
        if at == 0 || !bytes[at - 1].is_ascii_alphanumeric() {
            // `at + 4` follows four ASCII bytes, so it is a character boundary.
            let rest = prompt[at + 4..].trim_start();
            return Some(quoted_part(rest));
        }
        from = at + 4;
    }
    None
}

/// `'Hey there!' Use their name` → `Hey there!`: a quote closes where the next character is
/// not a letter or digit, so apostrophes inside words (`you're`) do not close it.
fn quoted_part(text: &str) -> &str {
    let mut chars = text.char_indices();
    let Some((_, open)) = chars.next() else { return text };
    let close = match open {
        '\'' => '\'',
        '"' => '"',
        '“' => '”',
        '‘' => '’',
        _ => return text,
    };
    let inner = &text[open.len_utf8()..];
    let mut iter = inner.char_indices().peekable();
    while let Some((k, c)) = iter.next() {
        if c == close && iter.peek().is_none_or(|(_, next)| !next.is_alphanumeric()) {
            return &inner[..k];
        }
    }
    inner
}

/// Runs of letters and digits, an apostrophe inside a run keeping it one word.
fn count_words(text: &str) -> usize {
    let mut words = 0;
    let mut in_word = false;
    for c in text.chars() {
        let part = c.is_alphanumeric() || (in_word && (c == '\'' || c == '’'));
        if part && !in_word {
            words += 1;
        }
        in_word = part;
    }
    words
}

/// Seconds of camera video a node gives the nodes after it: a conversation its speech; the
/// camera checks (and a document scan) keep the camera on long enough by themselves.
fn video_seconds<'a, J: JsonRef<'a>>(view: &FlowView<'_, 'a, J>, v: usize) -> f64 {
    match view.type_name(v) {
        "conversation" => {
            let prompt = view.nodes[v].node.get("prompt").and_then(|p| p.as_str()).unwrap_or("");
            speech_seconds(spoken_words(prompt))
        }
        "recognition" | "liveness_detection" | "face_scan" | "document_scan" => RECOGNITION_VIDEO_SECONDS,
        _ => 0.0,
    }
}

/// A recognition node every way into which is a conversation, and whose longest way from the
/// start gives less than five seconds of the avatar speaking: recognition then fails with
/// `newUser` even for returning users. (A way in from `start` or `permissions` is
/// `video_check_too_early` instead.)
fn recognition_after_short_greeting<'a, J: JsonRef<'a>, S: Sink>(
    view: &FlowView<'_, 'a, J>,
    order: &[usize],
    sink: &mut S,
) {
    let g = view.graph;
    let n = g.node_count();
    // The most video any way from the start gives before each node, capped at what is needed.
    let mut video = vec![0.0f64; n];
    // The node before each one on that way, and whether every way in is a conversation.
    let mut best_in = vec![u32::MAX; n];
    let mut all_conversations = vec![true; n];
    for &v in order {
        let gives = video_seconds(view, v);
        for e in g.out_edges(v) {
            let w = g.target(e);
            let total = (video[v] + gives).min(RECOGNITION_VIDEO_SECONDS);
            if best_in[w] == u32::MAX || total > video[w] {
                video[w] = total;
                best_in[w] = v as u32;
            }
            all_conversations[w] &= view.type_name(v) == "conversation";
        }
    }
    for &r in order {
        if view.type_name(r) != "recognition" || best_in[r] == u32::MAX || !all_conversations[r] {
            continue;
        }
        if video[r] >= RECOGNITION_VIDEO_SECONDS {
            continue;
        }
        let before = best_in[r] as usize;
        sink.add(Code::RecognitionAfterShortGreeting, Ptr::node(r), view.nodes[r].id, || {
            let prompt = view.nodes[before].node.get("prompt").and_then(|p| p.as_str()).unwrap_or("");
            let words = spoken_words(prompt);
            format!(
                "The recognition node {} comes after conversation {}, whose prompt is about {words} spoken words; with everything before it that is {:.1} s of the avatar speaking (at {} words a minute), under the {} s of video recognition needs, so returning users will be taken for new ones (\"newUser\"); make the greeting at least {} words long.",
                view.label(r),
                view.label(before),
                video[r],
                WORDS_PER_MINUTE,
                RECOGNITION_VIDEO_SECONDS,
                words_for_recognition()
            )
        });
    }
}

/// What a node leaves behind for later ones, as bits: a face image, a document photo, an
/// email address.
const FACE_IMAGE: u8 = 1;
const DOCUMENT_PHOTO: u8 = 2;
const EMAIL: u8 = 4;

/// What edge `e` carries from its node: a face scan leaves a face image whether it passed or
/// not, a document scan a photo only on `scanSuccess`, `enter_email` an address on
/// `emailEntered`.
fn leaves<'a, J: JsonRef<'a>>(view: &FlowView<'_, 'a, J>, e: usize) -> u8 {
    match (view.type_name(view.graph.source(e)), view.graph.outcome(e)) {
        ("face_scan", Some("passed" | "notPassed")) => FACE_IMAGE,
        ("document_scan", Some("scanSuccess")) => DOCUMENT_PHOTO,
        ("enter_email", Some("emailEntered")) => EMAIL,
        _ => 0,
    }
}

/// Rules about what earlier nodes must have collected on every way in: a face_compare source
/// `faceScan` or `documentPhoto` (the most recent completed node of that type; with none the
/// compare can only end `imageUnavailable`), and, for `validate_session`, the address a
/// two-factor node sends its code to.
fn collected_before<'a, J: JsonRef<'a>, S: Sink>(view: &FlowView<'_, 'a, J>, order: &[usize], sink: &mut S) {
    let g = view.graph;
    // Bits collected on every way from the start to each node.
    let mut every_way = vec![u8::MAX; g.node_count()];
    every_way[view.start] = 0;
    for &v in order {
        for e in g.out_edges(v) {
            every_way[g.target(e)] &= every_way[v] | leaves(view, e);
        }
    }
    for &v in order {
        let node = view.nodes[v].node;
        let id = view.nodes[v].id;
        match view.type_name(v) {
            "face_compare" => {
                for side in ["sourceA", "sourceB"] {
                    let source = node.get(side).and_then(|s| s.get("source")).and_then(|s| s.as_str());
                    let (bit, from_type) = match source {
                        Some("faceScan") => (FACE_IMAGE, "face_scan"),
                        Some("documentPhoto") => (DOCUMENT_PHOTO, "document_scan"),
                        _ => continue,
                    };
                    if every_way[v] & bit != 0 {
                        continue;
                    }
                    let source = source.unwrap_or("");
                    sink.add(Code::FaceSourceNotCollected, Ptr::node(v).key(side).key("source"), id, || {
                        format!(
                            "The face_compare node {} compares \"{source}\", but a way into it passes no completed {from_type} node, so sessions on that way can only end \"imageUnavailable\"; put a {from_type} node before it on every way in.",
                            view.label(v)
                        )
                    });
                }
            }
            kind @ ("two_factor_email" | "two_factor_sms") => {
                let Some(session) = view.session else { continue };
                let (key, collected) = if kind == "two_factor_email" {
                    ("email", every_way[v] & EMAIL != 0)
                } else {
                    ("phone", false)
                };
                if collected || session.provides(key) {
                    continue;
                }
                sink.add(Code::TwoFactorContactMissing, Ptr::node(v), id, || {
                    let collect = if kind == "two_factor_email" {
                        " or an enter_email node on every way in"
                    } else {
                        ""
                    };
                    format!(
                        "The {kind} node {} has no {} to send the code to (no providedData.{key}{collect}), so it will ask the user for one, and the code then proves only that the user reads an address of their own choosing; pass the address on file in providedData.{key}.",
                        view.label(v),
                        if key == "email" { "email address" } else { "phone number" },
                    )
                });
            }
            _ => {}
        }
        // Only a session's settings say what providedData holds.
        let Some(session) = view.session else { continue };
        for (field, place) in provided_data_references(view.type_name(v), node) {
            if session.provides(field) {
                continue;
            }
            sink.add(Code::ProvidedDataKeyMissing, place(Ptr::node(v)), id, || {
                format!(
                    "The {} node {} reads providedData.{field}, which the session does not provide, so it has no reference image and cannot pass; add \"{field}\" to providedData or use another source.",
                    view.type_name(v),
                    view.label(v)
                )
            });
        }
    }
}

type Place = fn(Ptr) -> Ptr;

/// The providedData keys a node reads: face_compare `providedDataKey`s, face_scan
/// `referenceImageKey`.
fn provided_data_references<'a, J: JsonRef<'a>>(type_name: &str, node: J) -> Vec<(&'a str, Place)> {
    let mut out: Vec<(&'a str, Place)> = Vec::new();
    match type_name {
        "face_compare" => {
            let sides: [(&str, Place); 2] = [
                ("sourceA", |p| p.key("sourceA").key("providedDataKey")),
                ("sourceB", |p| p.key("sourceB").key("providedDataKey")),
            ];
            for (side, place) in sides {
                let Some(source) = node.get(side) else { continue };
                if source.get("source").and_then(|s| s.as_str()) != Some("providedData") {
                    continue;
                }
                if let Some(key) =
                    source.get("providedDataKey").and_then(|k| k.as_str()).filter(|k| !k.is_empty())
                {
                    out.push((key, place));
                }
            }
        }
        "face_scan" => {
            if let Some(key) =
                node.get("referenceImageKey").and_then(|k| k.as_str()).filter(|k| !k.is_empty())
            {
                out.push((key, |p| p.key("referenceImageKey")));
            }
        }
        _ => {}
    }
    out
}

/// `Say:` prompts in a session that allows more than one language: the avatar speaks them
/// verbatim, untranslated.
fn literal_prompt_multilingual<'a, J: JsonRef<'a>, S: Sink>(
    view: &FlowView<'_, 'a, J>,
    session: &SessionContext<'a>,
    sink: &mut S,
) {
    if session.langs.len() < 2 {
        return;
    }
    for (v, info) in view.nodes.iter().enumerate() {
        let Some(prompt) = info.node_type.and(info.node.get("prompt")).and_then(|p| p.as_str()) else {
            continue;
        };
        if literal_text(prompt).is_none() {
            continue;
        }
        sink.add(Code::LiteralPromptMultilingual, Ptr::node(v).key("prompt"), info.id, || {
            format!(
                "Node {}'s prompt uses \"Say:\", which the avatar speaks verbatim, but the session allows {} languages ({}), so users in the others hear it untranslated; describe what to say instead, and the avatar will say it in the session's language.",
                view.label(v),
                session.langs.len(),
                session.langs.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(", ")
            )
        });
    }
}
