use super::numbering_plan::valid_e164;
use super::IssueCode;
use serde::{Deserialize, Serialize};

/// A phone number with its country code, valid by that country's numbering plan exactly as
/// libphonenumber judges it (see `numbering_plan`), stored in E.164 form (`+18886678888`).
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
        let Some(digits) = phone_digits(raw)? else {
            return Ok(None);
        };
        valid_e164(&digits)
            .map(|e164| Some(PhoneE164(e164)))
            .ok_or(IssueCode::PhoneInvalid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The part of the phone rule that needs no numbering plan: a leading `'` (Excel's text
/// marker) dropped, then `+` and digits with spaces, dashes, dots or brackets. Returns the
/// digits after the `+`, or `None` for an empty value. Pages run it as the admin types while
/// the plans (a separate wasm chunk) are fetched; [`PhoneE164::parse_optional`] adds the plan.
pub fn phone_digits(raw: &str) -> Result<Option<String>, IssueCode> {
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
    Ok(Some(
        value[1..].chars().filter(char::is_ascii_digit).collect(),
    ))
}

/// A stored E.164 number as people read it, in international format (`+1 888-667-8888`,
/// `+44 20 7946 0958`), by the crate's formatting rules. Storage and exports keep E.164.
/// The crate's parser strips what looks like a national prefix even where it is part of the
/// number (Russia's `+7 812…`), so the formatted text is shown only when it reads back as the
/// same number; otherwise (and for anything that is not a number) the value is shown as it is.
#[cfg(feature = "ssr")]
pub fn international_format(e164: &str) -> String {
    let formatted = std::panic::catch_unwind(|| {
        let number = phonenumber::parse(None, e164).ok()?;
        Some(
            number
                .format()
                .mode(phonenumber::Mode::International)
                .to_string(),
        )
    })
    .ok()
    .flatten();
    match formatted {
        Some(text)
            if PhoneE164::parse_optional(&text)
                .ok()
                .flatten()
                .is_some_and(|p| p.as_str() == e164) =>
        {
            text
        }
        _ => e164.to_string(),
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
    fn a_phone_from_the_wire_is_checked_like_a_typed_one() {
        let ok: PhoneE164 = serde_json::from_str("\"+18886678888\"").unwrap();
        assert_eq!(ok.as_str(), "+18886678888");
        assert!(serde_json::from_str::<PhoneE164>("\"+1 123\"").is_err());
        assert!(serde_json::from_str::<crate::rules::Email>("\"not an email\"").is_err());
        assert!(serde_json::from_str::<crate::rules::PersonName>("\"<script>\"").is_err());
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn a_stored_number_is_shown_in_international_format() {
        assert_eq!(international_format("+18886678888"), "+1 888-667-8888");
        assert_eq!(international_format("+442079460958"), "+44 20 7946 0958");
        assert_eq!(international_format("+4930901820"), "+49 30 901820");
        assert_eq!(international_format("not a number"), "not a number");
        // The crate would show St Petersburg's +7 812 … without its 8; shown as stored instead.
        assert_eq!(international_format("+78121234567"), "+78121234567");
        // What is shown reads back as the same stored number.
        let shown = international_format("+5491123456789");
        let again = PhoneE164::parse_optional(&shown).unwrap().unwrap();
        assert_eq!(again.as_str(), "+5491123456789", "{shown}");
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
    fn a_valid_number_with_one_digit_too_many_is_rejected() {
        // libphonenumber refuses each of these; the phonenumber crate alone accepts them
        // (whisperfish/rust-phonenumber#31).
        for input in [
            "+8610123456789",
            "+385123456780",
            "+855912345678",
            "+964123456781",
            "+44 7911 1234567",
        ] {
            assert_eq!(
                PhoneE164::parse_optional(input),
                Err(IssueCode::PhoneInvalid),
                "{input:?}"
            );
        }
    }

    #[test]
    fn a_national_prefix_written_after_the_country_code_is_dropped() {
        let cases = [
            ("+44 020 7946 0958", "+442079460958"),
            ("+44 (0)20 7946 0958", "+442079460958"),
            ("+1 1 888 667 8888", "+18886678888"),
            // Argentina writes mobiles as 0 + area + 15 + number at home, +54 9 + area +
            // number abroad; the plan's transform rule turns one into the other.
            ("+54 011 15 2345 6789", "+5491123456789"),
            ("+54 9 11 2345 6789", "+5491123456789"),
        ];
        for (input, expected) in cases {
            let phone = PhoneE164::parse_optional(input).unwrap().unwrap();
            assert_eq!(phone.as_str(), expected, "{input:?}");
        }
    }

    #[test]
    fn a_shared_country_code_is_judged_by_the_region_its_digits_belong_to() {
        for input in [
            "+1 604 555 0143",
            "+1 888 667 8888",
            "+7 701 234 5678",
            "+7 912 345 6789",
            "+44 7911 123456",
            "+39 06 1234 5678",
            "+800 1234 5678",
        ] {
            assert!(PhoneE164::parse_optional(input).is_ok(), "{input:?}");
        }
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
