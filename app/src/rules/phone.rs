use super::IssueCode;
use phonenumber::Mode;
use serde::{Deserialize, Serialize};

/// A phone number with its country code, valid by that country's numbering plan, stored in
/// E.164 form (`+18886678888`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// An empty value means "no phone". Excel users type a leading apostrophe to keep the `+`;
    /// it is Excel's text marker, not part of the number.
    pub fn parse_optional(raw: &str) -> Result<Option<PhoneE164>, IssueCode> {
        let value = raw.trim();
        let value = value.strip_prefix('\'').unwrap_or(value).trim();
        if value.is_empty() {
            return Ok(None);
        }
        if !value.starts_with('+') {
            return Err(IssueCode::PhoneMissingCountryCode);
        }
        let allowed = |c: char| c.is_ascii_digit() || " -().".contains(c);
        if !value[1..].chars().all(allowed) {
            return Err(IssueCode::PhoneInvalid);
        }
        let number = phonenumber::parse(None, value).map_err(|_| IssueCode::PhoneInvalid)?;
        if !phonenumber::is_valid(&number) {
            return Err(IssueCode::PhoneInvalid);
        }
        Ok(Some(PhoneE164(
            number.format().mode(Mode::E164).to_string(),
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_country_codes_are_stored_in_e164() {
        let cases = [
            ("'+1 888 667 8888", "+18886678888"),
            ("+1 (888) 667-8888", "+18886678888"),
            ("+44 20 7946 0958", "+442079460958"),
            ("+49 30 901820", "+4930901820"),
        ];
        for (input, expected) in cases {
            let phone = PhoneE164::parse_optional(input).unwrap().unwrap();
            assert_eq!(phone.as_str(), expected, "{input:?}");
        }
    }

    #[test]
    fn an_empty_phone_is_allowed() {
        assert_eq!(PhoneE164::parse_optional("  "), Ok(None));
        assert_eq!(PhoneE164::parse_optional("'"), Ok(None));
    }

    #[test]
    fn a_phone_without_country_code_is_rejected() {
        assert_eq!(
            PhoneE164::parse_optional("888 667 8888"),
            Err(IssueCode::PhoneMissingCountryCode)
        );
    }

    #[test]
    fn a_number_invalid_for_its_country_is_rejected() {
        for input in ["+1 123", "+44 12", "+1 888 667 8888 x", "+999 123456"] {
            assert_eq!(
                PhoneE164::parse_optional(input),
                Err(IssueCode::PhoneInvalid),
                "{input:?}"
            );
        }
    }
}
