//! `facesign.validate_session`: a session's flow validated with the settings it runs with,
//! plus the settings rules that only make sense together (languages, provided data).
//!
//! It takes a stored session (`{id, settings: {flow, …}, report}`) or a create-session request
//! body (`{flow, langs, providedData, …}`), so a customer's CI can lint what it is about to
//! send. Rows have the columns and the order of `validate_flow`: the settings' own rows first,
//! then the flow's in document order, every path a JSON Pointer into the argument.

use super::problem::{Code, Problem, Rows};
use super::validate;
use crate::json::{JsonRef, Kind};

/// The settings the lints read while validating the flow.
#[derive(Debug, Default)]
pub struct SessionContext<'a> {
    /// The providedData keys with a value (not null, not an empty string).
    provided: Vec<&'a str>,
    /// `langs`, as strings, in order, without repeats.
    pub langs: Vec<&'a str>,
}

impl<'a> SessionContext<'a> {
    /// True when providedData has a value for `key`.
    pub fn provides(&self, key: &str) -> bool {
        self.provided.contains(&key)
    }

    fn of<J: JsonRef<'a>>(settings: J) -> Self {
        let mut context = SessionContext::default();
        if let Some(provided) = setting(settings, "providedData", "provided_data").filter(|p| p.is_object()) {
            for (key, value) in provided.members() {
                if !value.is_null() && value.as_str() != Some("") {
                    context.provided.push(key);
                }
            }
        }
        if let Some(langs) = settings.get("langs").filter(|l| l.is_array()) {
            for lang in langs.elements().filter_map(|l| l.as_str()) {
                if !context.langs.contains(&lang) {
                    context.langs.push(lang);
                }
            }
        }
        context
    }
}

/// A settings key in camelCase, else in the early Python SDK's snake_case.
fn setting<'a, J: JsonRef<'a>>(settings: J, camel: &str, snake: &str) -> Option<J> {
    settings.get(camel).or_else(|| settings.get(snake))
}

/// Every problem with `session`'s flow and settings (`facesign.validate_session`).
pub fn validate_session<'a, J: JsonRef<'a>>(session: J) -> Vec<Problem> {
    let mut out = Vec::new();
    let problem = |code: Code, path: &str, message: String| Problem {
        code,
        path: path.to_owned(),
        node_id: None,
        message,
    };
    if !session.is_object() {
        out.push(problem(
            Code::NotASession,
            "",
            format!(
                "A session must be a JSON object (a FaceSign session, or a create-session request with a flow), not {}.",
                session.kind().described()
            ),
        ));
        return out;
    }
    // A stored session keeps its settings under `settings`; a request body is the settings.
    let (settings, prefix) = match session.get("settings") {
        Some(settings) if settings.is_object() => (settings, "/settings"),
        Some(settings) => {
            out.push(problem(
                Code::InvalidField,
                "/settings",
                format!("The session's \"settings\" must be an object, not {}.", settings.kind().described()),
            ));
            return out;
        }
        None if session.get("flow").is_some() => (session, ""),
        None => {
            out.push(problem(
                Code::MissingField,
                "",
                "The session has no \"settings\" (and no \"flow\", as a create-session request has); pass a FaceSign session object or a request body.".into(),
            ));
            return out;
        }
    };
    let context = SessionContext::of(settings);
    check_languages(settings, prefix, &context, &mut out);
    let Some(flow) = settings.get("flow") else {
        out.push(problem(
            Code::MissingField,
            prefix,
            "The session's settings have no \"flow\"; every session runs a flow, an array of nodes.".into(),
        ));
        return out;
    };
    let mut rows = Rows::default();
    validate::validate_with(flow, Some(&context), &mut rows);
    out.extend(rows.into_sorted().into_iter().map(|mut p| {
        p.path = format!("{prefix}/flow{}", p.path);
        p
    }));
    out
}

/// `langs` and `defaultLang`: a default the session does not allow.
fn check_languages<'a, J: JsonRef<'a>>(
    settings: J,
    prefix: &str,
    context: &SessionContext<'a>,
    out: &mut Vec<Problem>,
) {
    let langs = settings.get("langs");
    if let Some(langs) = langs.filter(|l| l.kind() != Kind::Array && !l.is_null()) {
        out.push(Problem {
            code: Code::InvalidField,
            path: format!("{prefix}/langs"),
            node_id: None,
            message: format!(
                "\"langs\" must be an array of language codes such as [\"en\", \"es\"], not {}.",
                langs.kind().described()
            ),
        });
        return;
    }
    let (default_key, default) = match settings.get("defaultLang") {
        Some(d) => ("defaultLang", Some(d)),
        None => ("default_lang", settings.get("default_lang")),
    };
    let Some(default) = default.and_then(|d| d.as_str()) else { return };
    if context.langs.is_empty() || context.langs.contains(&default) {
        return;
    }
    out.push(Problem {
        code: Code::DefaultLangNotInLangs,
        path: format!("{prefix}/{default_key}"),
        node_id: None,
        message: format!(
            "\"{default_key}\" is \"{default}\", which is not one of the session's langs ({}), so users the session cannot place in a language get one it does not offer; add \"{default}\" to langs or pick a default from them.",
            context.langs.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(", ")
        ),
    });
}
