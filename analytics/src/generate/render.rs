//! Writes a planned session as the JSON Session object `GET /sessions/{id}` returns (SDK-head
//! shape), straight into a byte buffer: pre-rendered pieces (flows, device objects) are copied,
//! the rest is written field by field, so a session costs a few microseconds.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use super::flows::{library, Flow};
use super::plan::{Liveness, Network, SessionPlan, Status, UserPlan};
use super::rng::Rng;
use super::world::{world, Device, ANONYMIZER_NETWORKS};

/// Appends `s` as a JSON string.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

type Phrases = HashMap<String, HashMap<String, Vec<String>>>;

fn phrases() -> &'static Phrases {
    static P: OnceLock<Phrases> = OnceLock::new();
    P.get_or_init(|| serde_json::from_str(include_str!("../../data/phrases.json")).expect("phrases.json"))
}

/// One line of `key` in `lang` (English when the language has none).
fn phrase<'a>(rng: &mut Rng, lang: &str, key: &str) -> &'a str {
    let all = phrases();
    let lines = all.get(lang).and_then(|p| p.get(key)).or_else(|| all["en"].get(key));
    lines.map_or("", |l| rng.pick(l).as_str())
}

/// The device object, as an express-useragent parse reports it, once per profile.
fn device_json(index: usize) -> &'static str {
    static D: OnceLock<Vec<String>> = OnceLock::new();
    &D.get_or_init(|| world().devices.iter().map(render_device).collect::<Vec<_>>())[index]
}

fn render_device(d: &Device) -> String {
    let ua = d.user_agent.as_str();
    let has = |s: &str| ua.contains(s);
    let flags: [(&str, bool); 38] = [
        ("isMobile", d.is_mobile),
        ("isMobileNative", false),
        ("isTablet", d.is_tablet),
        ("isDesktop", d.is_desktop),
        ("isAndroidTablet", d.is_tablet && has("Android")),
        ("isSmartTV", false),
        ("isBot", d.is_bot),
        ("isCurl", has("curl")),
        ("isCaptive", false),
        ("isiPad", has("iPad")),
        ("isiPod", false),
        ("isiPhone", has("iPhone")),
        ("isAndroid", has("Android")),
        ("isBlackberry", false),
        ("isWindows", has("Windows")),
        ("isWindowsPhone", false),
        ("isLinux", has("Linux") && !has("Android")),
        ("isLinux64", has("x86_64") && !has("Android")),
        ("isMac", has("Macintosh")),
        ("isChromeOS", has("CrOS")),
        ("isBada", false),
        ("isSamsung", has("SamsungBrowser")),
        ("isRaspberry", false),
        ("isKindleFire", false),
        ("isWinJs", false),
        ("isOpera", has("OPR/")),
        ("isIE", false),
        ("isEdge", has("Edg/")),
        ("isIECompatibilityMode", false),
        ("isSafari", has("Safari") && !has("Chrome") && !has("CriOS")),
        ("isFirefox", has("Firefox")),
        ("isWebkit", has("WebKit")),
        ("isChrome", has("Chrome") && !has("Edg/") && !has("OPR/")),
        ("isKonqueror", false),
        ("isOmniWeb", false),
        ("isSeaMonkey", false),
        ("isFlock", false),
        ("isSilk", false),
    ];
    let mut out = String::from("{\"browser\":");
    json_str(&mut out, &d.browser);
    out.push_str(",\"version\":");
    json_str(&mut out, &d.version);
    out.push_str(",\"os\":");
    json_str(&mut out, &d.os);
    out.push_str(",\"platform\":");
    json_str(&mut out, &d.platform);
    out.push_str(",\"source\":");
    json_str(&mut out, ua);
    out.push_str(",\"geoIp\":{}");
    for (key, value) in flags {
        let _ = write!(out, ",\"{key}\":{value}");
    }
    out.push_str(",\"isAmaya\":false,\"isEpiphany\":false,\"silkAccelerated\":false}");
    out
}

use facesign_core::report::VIDEO_CRITERIA as CRITERIA;

/// Which transcript lines a conversation node says, by its id in the flow library.
fn lines_for(node_id: &str) -> (&'static str, Option<&'static str>) {
    match node_id {
        "ask_name" => ("ask_name", Some("user_name")),
        "ask_dob" => ("ask_dob", Some("user_dob")),
        "greet_known" => ("greet_known", Some("user_dob")),
        "doc_prep" => ("doc_prep", Some("user_doc")),
        "intent" => ("stepup_intent", Some("user_confirm")),
        "question" => ("recovery_question", Some("user_answer")),
        "closing" => ("closing", Some("user_bye")),
        "closing_failed" => ("closing_failed", Some("user_bye")),
        _ => ("greeting", Some("user_ready")),
    }
}

/// The outcome a node resolves to in this session, as its report's `outcome` says it.
fn choose_outcome<'f>(
    rng: &mut Rng,
    flow: &'f Flow,
    node: usize,
    plan: &SessionPlan,
) -> (String, Option<&'f str>) {
    let n = &flow.nodes[node];
    let fixed =
        |key: &str| (key.to_owned(), n.outcomes.iter().find(|(k, _)| k == key).map(|(_, t)| t.as_str()));
    match n.node_type.as_str() {
        "conversation" | "data_validation" => {
            // Reports name the next node; the first condition is the usual one.
            let target = n.outcomes.first().map(|(_, t)| t.as_str());
            (target.unwrap_or("").to_owned(), target)
        }
        "liveness_detection" => fixed(match plan.liveness {
            Liveness::Live => "livenessDetected",
            Liveness::Deepfake => "deepfakeDetected",
            // `inconclusive` only where the flow maps it (the API defaults it to noFace's target).
            Liveness::Failed if rng.chance(0.7) || !n.outcomes.iter().any(|(k, _)| k == "inconclusive") => {
                "noFace"
            }
            Liveness::Failed => "inconclusive",
        }),
        "recognition" => fixed(if plan.returning && !rng.chance(0.04) {
            "recognized"
        } else if rng.chance(0.03) {
            "noFace"
        } else {
            "newUser"
        }),
        "document_scan" => fixed(match rng.below(100) {
            0..=93 => "scanSuccess",
            94..=97 => "userCancelled",
            _ => "scanTimeout",
        }),
        "face_compare" => {
            fixed(if plan.liveness == Liveness::Deepfake || plan.virtual_person || rng.chance(0.03) {
                "noMatch"
            } else {
                "match"
            })
        }
        "face_scan" => fixed(if rng.chance(0.96) { "passed" } else { "notPassed" }),
        "two_factor_email" | "two_factor_sms" => fixed(match rng.below(100) {
            0..=94 => "verified",
            95..=96 => "delivery_failed",
            97..=98 => "failed_unverified",
            _ => "cancelled",
        }),
        "permissions" => fixed(if rng.chance(0.98) { "permissionsGranted" } else { "permissionsDenied" }),
        "enter_email" => fixed(if rng.chance(0.97) { "emailEntered" } else { "canceled" }),
        _ => fixed(""),
    }
}

fn push_f64(out: &mut String, v: f64, decimals: usize) {
    let _ = write!(out, "{v:.decimals$}");
}

/// The risk signals a rendered session's report shows that its plan did not label: a face
/// compare that found no match, a document scan cancelled or timed out, a failed two-factor
/// check, a video criterion judged suspicious. Drawn here, as the report is written, so they
/// are labelled here (by their reason codes), and "any planted anomaly" covers them too.
fn incidental_signals(path: &[(usize, String, i64)], flow: &Flow, plan: &SessionPlan) -> Vec<&'static str> {
    use facesign_core::risk::codes;
    let mut found = Vec::new();
    let planted_fake = plan.liveness == Liveness::Deepfake || plan.virtual_person;
    for (node, outcome, _) in path {
        let kind = match (flow.nodes[*node].node_type.as_str(), outcome.as_str()) {
            ("face_compare", "noMatch") if !planted_fake => codes::FACE_MISMATCH,
            ("document_scan", "userCancelled" | "scanTimeout") => codes::DOCUMENT_FAILED,
            (
                "two_factor_email" | "two_factor_sms",
                "failed_unverified" | "delivery_failed" | "cancelled",
            ) => codes::TWO_FACTOR_FAILED,
            _ => continue,
        };
        if !found.contains(&kind) {
            found.push(kind);
        }
    }
    found
}

/// Writes one session as a JSON line (no trailing newline) into `out`, and returns the risk
/// signals it drew beyond its plan's labels ([`incidental_signals`]).
pub fn render_session(out: &mut String, seed: u64, user: &UserPlan, k: usize) -> Vec<&'static str> {
    let plan = &user.sessions[k];
    let w = world();
    let flows = library();
    let flow = &flows[plan.flow];
    let city = &w.cities[plan.city];
    let mut rng = Rng::new(seed ^ 0x7365_7373, user.index * 4096 + k as u64);
    let id = rng.id(20);
    let created = plan.time_ms;
    let started = created + rng.between(5_000, 120_000);
    let lang = user.language.as_str();

    // The path through the flow, with each node's outcome and report time.
    let mut path: Vec<(usize, String, i64)> = Vec::new();
    let mut at = started;
    let mut node = flow.start;
    let mut reached_end = false;
    for _ in 0..flow.nodes.len() {
        let n = &flow.nodes[node];
        if n.node_type == "end" {
            reached_end = true;
            break;
        }
        let next = if n.node_type == "start" {
            n.outcomes.first().map(|(_, t)| t.as_str())
        } else {
            let (outcome, next) = choose_outcome(&mut rng, flow, node, plan);
            at += match n.node_type.as_str() {
                "conversation" => rng.between(6_000, 30_000),
                "document_scan" => rng.between(20_000, 70_000),
                "two_factor_email" | "two_factor_sms" => rng.between(25_000, 90_000),
                _ => rng.between(4_000, 15_000),
            };
            path.push((node, outcome, at));
            next
        };
        match next.and_then(|t| flow.index_of(t)) {
            Some(t) => node = t,
            None => break,
        }
    }
    let (steps, finished) = match plan.status {
        Status::Created => (0, None),
        // Still running or abandoned: somewhere before the last step.
        Status::InProgress => (rng.below(path.len().max(1) as u64) as usize, None),
        Status::Incomplete => {
            let keep = rng.below(path.len().max(1) as u64) as usize;
            (keep, Some(path.get(keep).map_or(at, |p| p.2) + rng.between(2_000, 60_000)))
        }
        Status::Complete => (path.len(), Some(at + rng.between(1_000, 5_000))),
    };
    // A "complete" session whose path did not reach an end node is reported incomplete.
    let status = match plan.status {
        Status::Created => "created",
        Status::InProgress => "inProgress",
        Status::Complete if reached_end => "complete",
        _ => "incomplete",
    };
    let path = &path[..steps];
    let mut incidental = incidental_signals(path, flow, plan);

    out.push_str("{\"id\":\"");
    out.push_str(&id);
    let _ = write!(out, "\",\"createdAt\":{created}");
    if plan.status != Status::Created {
        let _ = write!(out, ",\"startedAt\":{started}");
    }
    if let Some(f) = finished {
        let _ = write!(out, ",\"finishedAt\":{f}");
    }
    let _ = write!(out, ",\"status\":\"{status}\",\"settings\":{{\"clientReferenceId\":");
    json_str(out, &user.reference);
    out.push_str(",\"metadata\":{\"source\":\"synthetic\",\"flowName\":\"");
    out.push_str(flow.name);
    out.push_str("\"},\"flow\":");
    out.push_str(&flow.json);
    out.push_str(",\"providedData\":{\"name\":");
    json_str(out, &user.name);
    out.push_str("},\"avatarId\":\"June_HR_public\",\"langs\":[\"");
    out.push_str(lang);
    if lang != "en" {
        out.push_str("\",\"en");
    }
    out.push_str("\"],\"defaultLang\":\"");
    out.push_str(lang);
    let zone = if matches!(city.country.as_str(), "US" | "CA" | "MX" | "BR" | "AR" | "CL" | "CO" | "PE") {
        "us"
    } else {
        "eu"
    };
    let _ = write!(out, "\",\"zone\":\"{zone}\",\"videoAIAnalysisEnabled\":true}},\"report\":{{");

    // Transcript.
    out.push_str("\"transcript\":[");
    let mut first = true;
    let mut last_line = started;
    let dob =
        format!("{:02}.{:02}.{}", rng.between(1, 28), rng.between(1, 12), 2026 - (plan.age_min as i64 + 2));
    for (node, _, at) in path {
        let n = &flow.nodes[*node];
        if n.node_type != "conversation" {
            continue;
        }
        let (avatar, user_line) = lines_for(&n.id);
        // Lines follow one another even when the steps between them were quick.
        let mut t = (at - rng.between(3_000, 6_000)).max(last_line + 1_000);
        for (key, is_avatar) in [(Some(avatar), true), (user_line, false)] {
            let Some(key) = key else { continue };
            let text = phrase(&mut rng, lang, key)
                .replace("{name}", &user.name)
                .replace("{dob}", &dob)
                .replace("{city}", &city.name);
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(out, "{{\"id\":\"{}\",\"createdAt\":{t},\"text\":", rng.id(12));
            json_str(out, &text);
            let _ = write!(out, ",\"isAvatar\":{is_avatar}}}");
            last_line = t;
            t += rng.between(1_500, 4_000);
        }
    }
    out.push_str("],\"lang\":\"");
    out.push_str(lang);
    out.push('"');
    if plan.status == Status::Created {
        out.push_str(",\"nodeReports\":[]}}");
        return incidental;
    }

    // AI analysis, GeoIP location, device.
    let _ = write!(
        out,
        ",\"aiAnalysis\":{{\"ageMin\":{},\"ageMax\":{},\"sex\":\"{}\",\"realPersonOrVirtual\":\"{}\",\"overallSummary\":\"A person facing the camera indoors.\",\"analysis\":[{{\"title\":\"Person\",\"shortDescription\":\"adult\",\"longDescription\":\"One adult in frame.\"}}]}}",
        plan.age_min,
        plan.age_max,
        match (user.sex, plan.sex_flipped) {
            ("female", true) => "male",
            (_, true) => "female",
            (sex, false) => sex,
        },
        if plan.virtual_person { "virtual" } else { "real" }
    );
    out.push_str(",\"location\":{\"city\":{\"names\":{\"en\":");
    json_str(out, &city.name);
    out.push_str("}},\"country\":{\"isoCode\":\"");
    out.push_str(&city.country);
    out.push_str("\",\"names\":{\"en\":");
    json_str(out, &city.country_name);
    out.push_str("}},\"location\":{\"latitude\":");
    push_f64(out, plan.lat, 4);
    out.push_str(",\"longitude\":");
    push_f64(out, plan.lon, 4);
    let _ = write!(out, ",\"accuracyRadius\":{},\"timeZone\":", plan.accuracy_km);
    json_str(out, &city.time_zone);
    let (asn, org, connection, user_type) = match plan.network {
        Network::Isp => (city.isp_asn, city.isp_org.as_str(), "Cable/DSL", "residential"),
        Network::Mobile => (city.mobile_asn, city.mobile_org.as_str(), "Cellular", "cellular"),
        Network::Anonymizer { network, .. } => {
            (ANONYMIZER_NETWORKS[network].0, ANONYMIZER_NETWORKS[network].1, "Corporate", "hosting")
        }
    };
    let ip = format!("{}.{}.{}.{}", 2 + asn % 220, (asn / 7) % 256, rng.below(256), 1 + rng.below(254));
    let _ = write!(out, "}},\"traits\":{{\"ipAddress\":\"{ip}\",\"autonomousSystemNumber\":{asn},\"autonomousSystemOrganization\":");
    json_str(out, org);
    out.push_str(",\"isp\":");
    json_str(out, org);
    let (vpn, tor) = match plan.network {
        Network::Anonymizer { tor, .. } => (!tor, tor),
        _ => (false, false),
    };
    let hosting = matches!(plan.network, Network::Anonymizer { .. });
    let _ = write!(
        out,
        ",\"connectionType\":\"{connection}\",\"userType\":\"{user_type}\",\"isAnonymous\":{},\"isAnonymousVpn\":{vpn},\"isHostingProvider\":{hosting},\"isPublicProxy\":false,\"isResidentialProxy\":false,\"isTorExitNode\":{tor}}}}}",
        vpn || tor
    );
    out.push_str(",\"device\":");
    out.push_str(device_json(plan.device));

    // Node reports, in the order the flow ran.
    out.push_str(",\"nodeReports\":[");
    for (i, (node, outcome, at)) in path.iter().enumerate() {
        let n = &flow.nodes[*node];
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"type\":\"");
        out.push_str(&n.node_type);
        out.push_str("\",\"nodeId\":\"");
        out.push_str(&n.id);
        let _ = write!(out, "\",\"createdAt\":{at},\"outcome\":");
        json_str(out, outcome);
        match n.node_type.as_str() {
            "liveness_detection" => {
                let _ =
                    write!(out, ",\"screenshotCount\":{},\"captureStatus\":\"captured\"", rng.between(3, 8));
            }
            "document_scan" if outcome == "scanSuccess" => {
                let _ = write!(
                    out,
                    ",\"report\":{{\"mode\":\"photo-id\",\"documentClassInfo\":{{\"type\":\"{}\",\"isoAlpha2CountryCode\":\"{}\"}},\"dataMatchResult\":{{\"overallState\":\"success\"}}}}",
                    rng.pick(&["passport", "id", "dl"]),
                    city.country
                );
            }
            "face_compare" => {
                let matched = outcome == "match";
                let similarity = if matched { rng.uniform(0.82, 0.99) } else { rng.uniform(0.2, 0.7) };
                let _ = write!(out, ",\"report\":{{\"isMatch\":{matched},\"similarity\":");
                push_f64(out, similarity, 3);
                out.push_str(",\"sourceAImageFound\":true,\"sourceBImageFound\":true}");
            }
            "two_factor_email" => out.push_str(",\"report\":{\"email\":\"user@example.com\"}"),
            "two_factor_sms" => out.push_str(",\"report\":{\"phoneNumber\":\"+15550100000\"}"),
            _ => {}
        }
        out.push('}');
    }
    out.push(']');

    // Delayed fields: video analysis and the deepfake verdict, once the session has ended.
    if finished.is_some() && !path.is_empty() {
        let suspicious: &[&str] = match (plan.liveness, plan.virtual_person) {
            (Liveness::Deepfake, _) => &["faceAuthenticity", "lipSyncAccuracy", "eyeAndHeadMovement"],
            (_, true) => &["faceAuthenticity", "interactionConfidence"],
            _ if rng.chance(0.1) => {
                incidental.push(facesign_core::risk::codes::VIDEO_ANALYSIS);
                &["environmentalConsistency"]
            }
            _ => &[],
        };
        let high = plan.liveness == Liveness::Deepfake;
        let evaluation = |c: &str| match (suspicious.contains(&c), high && c == "faceAuthenticity") {
            (_, true) => "highFraudRisk",
            (true, _) => "suspicious",
            _ => "normal",
        };
        // Most stored analyses are keyed by criterion; some older ones are an array.
        let as_array = rng.chance(0.1);
        out.push_str(if as_array { ",\"videoAIAnalysis\":[" } else { ",\"videoAIAnalysis\":{" });
        for (i, c) in CRITERIA.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if as_array {
                let _ = write!(out, "{{\"criterion\":\"{c}\",");
            } else {
                let _ = write!(out, "\"{c}\":{{");
            }
            let _ = write!(out, "\"observation\":\"{c} reviewed\",\"confidence\":");
            push_f64(out, rng.uniform(0.6, 0.99), 2);
            let _ = write!(out, ",\"evaluation\":\"{}\"}}", evaluation(c));
        }
        out.push_str(if as_array { "]" } else { "}" });
        out.push_str(",\"videoAIAnalysisStatus\":\"succeeded\",\"deepfakeDetection\":{\"verdict\":");
        let (verdict, score) = if plan.liveness == Liveness::Deepfake {
            ("\"manipulated\"", rng.uniform(0.8, 0.99))
        } else {
            ("\"authentic\"", rng.uniform(0.01, 0.2))
        };
        out.push_str(verdict);
        out.push_str(",\"score\":");
        push_f64(out, score, 3);
        let _ = write!(out, ",\"analyzedAt\":{}}}", finished.unwrap_or(at) + 15_000);
    }
    out.push_str("}}");
    incidental
}
