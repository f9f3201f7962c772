use super::IssueCode;
use serde::{Deserialize, Serialize};

pub const EMAIL_MAX_CHARS: usize = 64;

/// An email address in `local@domain` form, ASCII only, at most 64 characters.
/// Deserialising runs the same rule, so a value from the wire is as valid as a parsed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl TryFrom<String> for Email {
    type Error = IssueCode;

    fn try_from(value: String) -> Result<Self, IssueCode> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

impl Email {
    pub fn parse(raw: &str) -> Result<Email, IssueCode> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(IssueCode::Required);
        }
        if value.chars().any(char::is_whitespace) {
            return Err(IssueCode::EmailHasSpaces);
        }
        if !value.is_ascii() {
            return Err(IssueCode::EmailNotAscii);
        }
        if value.len() > EMAIL_MAX_CHARS {
            return Err(IssueCode::EmailTooLong);
        }
        let (local, domain) = match value.split_once('@') {
            Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@') => (l, d),
            _ => return Err(IssueCode::EmailFormat),
        };
        check_local_part(local)?;
        check_domain(domain)?;
        Ok(Email(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key the unique index is built on: two addresses that differ only in case are the
    /// same account. Computed here, not with SQL `lower()`, so both databases agree.
    pub fn key(&self) -> String {
        Self::key_of(&self.0)
    }

    pub fn key_of(raw: &str) -> String {
        let trimmed = raw.trim();
        if trimmed.is_ascii() {
            trimmed.to_ascii_lowercase()
        } else {
            trimmed.to_lowercase()
        }
    }
}

fn check_local_part(local: &str) -> Result<(), IssueCode> {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";
    if !local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
    {
        return Err(IssueCode::EmailFormat);
    }
    check_dots_and_hyphens(local)
}

fn check_domain(domain: &str) -> Result<(), IssueCode> {
    check_dots_and_hyphens(domain)?;
    if !domain.contains('.') {
        return Err(IssueCode::EmailFormat);
    }
    for label in domain.split('.') {
        if label.starts_with('-') || label.ends_with('-') {
            return Err(IssueCode::EmailDotOrHyphenPlacement);
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(IssueCode::EmailFormat);
        }
    }
    Ok(())
}

fn check_dots_and_hyphens(part: &str) -> Result<(), IssueCode> {
    let bad_edge = |c: char| c == '.' || c == '-';
    if part.starts_with(bad_edge) || part.ends_with(bad_edge) || part.contains("..") {
        return Err(IssueCode::EmailDotOrHyphenPlacement);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted() {
        for email in [
            "maria@example.com",
            "first.last@sub.example.co.uk",
            "a+tag@x-y.io",
            " padded@example.com ",
        ] {
            assert!(Email::parse(email).is_ok(), "{email:?}");
        }
    }

    #[test]
    fn malformed_addresses_are_rejected_with_the_reason() {
        let cases = [
            ("", IssueCode::Required),
            ("no-at-sign", IssueCode::EmailFormat),
            ("two@@example.com", IssueCode::EmailFormat),
            ("a@b@example.com", IssueCode::EmailFormat),
            ("@example.com", IssueCode::EmailFormat),
            ("maria@", IssueCode::EmailFormat),
            ("maria@localhost", IssueCode::EmailFormat),
            ("ma ria@example.com", IssueCode::EmailHasSpaces),
            ("jürgen@example.com", IssueCode::EmailNotAscii),
            (".maria@example.com", IssueCode::EmailDotOrHyphenPlacement),
            ("maria.@example.com", IssueCode::EmailDotOrHyphenPlacement),
            ("ma..ria@example.com", IssueCode::EmailDotOrHyphenPlacement),
            ("maria@example..com", IssueCode::EmailDotOrHyphenPlacement),
            ("maria@example.com.", IssueCode::EmailDotOrHyphenPlacement),
            ("maria@-example.com", IssueCode::EmailDotOrHyphenPlacement),
            ("maria@example-.com", IssueCode::EmailDotOrHyphenPlacement),
            ("-maria@example.com", IssueCode::EmailDotOrHyphenPlacement),
        ];
        for (input, expected) in cases {
            assert_eq!(Email::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn an_address_longer_than_64_characters_is_rejected() {
        let ok = format!("{}@example.com", "a".repeat(64 - 12));
        assert!(Email::parse(&ok).is_ok());
        let long = format!("{}@example.com", "a".repeat(65 - 12));
        assert_eq!(Email::parse(&long), Err(IssueCode::EmailTooLong));
    }

    #[test]
    fn addresses_differing_in_case_share_a_key() {
        let a = Email::parse("Maria@Example.COM").unwrap();
        let b = Email::parse("maria@example.com").unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.as_str(), "Maria@Example.COM");
    }
}
