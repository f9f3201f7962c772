use super::phone_fast::lean_e164;
use super::IssueCode;
use phonenumber::Mode;
use serde::{Deserialize, Serialize};

/// A phone number with its country code, valid by that country's numbering plan, stored in
/// E.164 form (`+18886678888`).
/// Deserialising runs the same rule, so a value from the wire is as valid as a parsed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneE164(String);

impl TryFrom<String> for PhoneE164 {
    type Error = IssueCode;

    fn try_from(value: String) -> Result<Self, IssueCode> {
        PhoneE164::parse_optional(&value)?.ok_or(IssueCode::Required)
    }
}

impl From<PhoneE164> for String {
    fn from(value: PhoneE164) -> String {
        value.0
    }
}

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
        let digits: String = value[1..].chars().filter(char::is_ascii_digit).collect();
        if let Some(e164) = lean_e164(&digits) {
            return Ok(Some(PhoneE164(e164)));
        }
        full_e164(value)
            .map(|e164| Some(PhoneE164(e164)))
            .ok_or(IssueCode::PhoneInvalid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The crate's full parser. It has panicked on odd input before (rust-phonenumber issues #43
/// and #69), so a panic counts as "invalid" wherever unwinding is available (the server).
fn full_e164(value: &str) -> Option<String> {
    std::panic::catch_unwind(|| {
        let number = phonenumber::parse(None, value).ok()?;
        phonenumber::is_valid(&number).then(|| number.format().mode(Mode::E164).to_string())
    })
    .ok()
    .flatten()
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
    fn a_phone_from_the_wire_is_checked_like_a_typed_one() {
        let ok: PhoneE164 = serde_json::from_str("\"+18886678888\"").unwrap();
        assert_eq!(ok.as_str(), "+18886678888");
        assert!(serde_json::from_str::<PhoneE164>("\"+1 123\"").is_err());
        assert!(serde_json::from_str::<crate::rules::Email>("\"not an email\"").is_err());
        assert!(serde_json::from_str::<crate::rules::PersonName>("\"<script>\"").is_err());
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
    fn the_fast_path_agrees_with_the_phonenumber_crate() {
        // Numbers from many countries, valid and not: the fast path may say "not sure", but
        // whenever it answers, the crate must give the same E.164 number.
        let mut checked = 0;
        for code in 1..1000u32 {
            for tail in [
                "2025550143",
                "7911123456",
                "301234567",
                "612345678",
                "2079460958",
                "55512",
                "8886678888",
                "9012345678901",
            ] {
                let digits = format!("{code}{tail}");
                if let Some(fast) = lean_e164(&digits) {
                    assert_eq!(full_e164(&format!("+{digits}")), Some(fast), "+{digits}");
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 100,
            "the fast path should answer most real numbers, answered {checked}"
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
