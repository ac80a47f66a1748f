//! `--redact`: personal data out of the exported transcript. The datasets carry no provided
//! names, emails, phone numbers, IP addresses or media URLs as columns; they can appear only
//! in what people said. `hash` replaces each such value with a salted SHA-256 token
//! (`[email:1f3a9c0b2d4e]`: the same value gives the same token within one salt, so analysts
//! can still count and join, and the salt keeps it from being guessed back); `drop` replaces
//! it with its kind alone (`[email]`). Both replace, wherever they appear in a phrase, the
//! session's provided name, email and phone, and any email address, phone number, IP address
//! or URL.

use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq)]
pub enum Redaction {
    Hash { salt: String },
    Drop,
}

impl Redaction {
    fn token(&self, kind: &str, value: &str) -> String {
        match self {
            Redaction::Drop => format!("[{kind}]"),
            Redaction::Hash { salt } => {
                let digest = Sha256::new()
                    .chain_update(salt.as_bytes())
                    .chain_update(value.to_lowercase().as_bytes())
                    .finalize();
                let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
                format!("[{kind}:{hex}]")
            }
        }
    }

    /// `text` with the personal values replaced: what the session provided
    /// (`settings.providedData`, as core's export rows read it: `(kind, value)`), matched
    /// case-insensitively, and any email address, phone number, IP address or URL.
    pub fn apply(&self, text: &str, provided: &[(&'static str, &str)]) -> String {
        let mut out = text.to_owned();
        for &(kind, value) in provided {
            out = replace_case_insensitive(&out, value, &self.token(kind, value));
        }
        out.split(' ')
            .map(|word| {
                let trimmed = word.trim_matches(|c: char| {
                    matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '\'')
                });
                match kind_of(trimmed) {
                    Some(kind) if !trimmed.is_empty() => word.replace(trimmed, &self.token(kind, trimmed)),
                    _ => word.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn replace_case_insensitive(text: &str, needle: &str, with: &str) -> String {
    let (lower, lower_needle) = (text.to_lowercase(), needle.to_lowercase());
    // Lowercasing can change byte lengths outside ASCII; then match exactly instead.
    if lower.len() != text.len() || lower_needle.len() != needle.len() {
        return text.replace(needle, with);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(&lower_needle) {
        out.push_str(&text[at..at + found]);
        out.push_str(with);
        at += found + needle.len();
    }
    out.push_str(&text[at..]);
    out
}

/// Whether a word is an email address, a URL, an IP address or a phone number.
fn kind_of(word: &str) -> Option<&'static str> {
    if word.starts_with('[') {
        return None; // already a token
    }
    if let Some((user, domain)) = word.split_once('@') {
        if !user.is_empty() && domain.contains('.') {
            return Some("email");
        }
    }
    if word.starts_with("http://") || word.starts_with("https://") {
        return Some("url");
    }
    if word.parse::<std::net::IpAddr>().is_ok() {
        return Some("ip");
    }
    let digits = word.chars().filter(char::is_ascii_digit).count();
    if digits >= 7 && word.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.')) {
        return Some("phone");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provided() -> Vec<(&'static str, String)> {
        let doc = serde_json::json!({"settings": {"providedData":
            {"name": "Lena Vogel", "email": "lena@example.com", "phone": "+4915112345678"}}});
        crate::dataset::rows::rows_of(&doc, true).provided
    }

    fn borrowed<'a>(values: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        values.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    #[test]
    fn drop_leaves_only_the_kind() {
        let r = Redaction::Drop;
        assert_eq!(r.apply("My name is Lena Vogel.", &borrowed(&provided())), "My name is [name].");
        assert_eq!(
            r.apply("Write to LENA@example.com or call +4915112345678", &borrowed(&provided())),
            "Write to [email] or call [phone]"
        );
        assert_eq!(r.apply("My number is 030 1234567.", &[]), "My number is 030 [phone].");
        assert_eq!(r.apply("from 93.184.216.34, see https://x.example/a?sig=1", &[]), "from [ip], see [url]");
        assert_eq!(r.apply("I am ready.", &borrowed(&provided())), "I am ready.");
    }

    #[test]
    fn hash_is_salted_and_stable() {
        let a = Redaction::Hash { salt: "s1".into() };
        let b = Redaction::Hash { salt: "s2".into() };
        let x = a.apply("lena@example.com", &[]);
        assert_eq!(x, a.apply("Lena@Example.com", &[]));
        assert_ne!(x, b.apply("lena@example.com", &[]));
        assert!(x.starts_with("[email:") && !x.contains("lena"), "{x}");
        assert!(!a.apply("My name is Lena Vogel", &borrowed(&provided())).contains("Vogel"));
    }
}
