use super::IssueCode;
use serde::{Deserialize, Serialize};
use unicode_normalization::{
    char::is_combining_mark, is_nfc_quick, IsNormalized, UnicodeNormalization,
};

pub const NAME_MAX_CHARS: usize = 150;

/// A first or last name: letters of any script (with their combining marks), and single
/// spaces, hyphens or apostrophes between letters. Trimmed and NFC-normalised.
/// Deserialising runs the same rule, so a value from the wire is as valid as a parsed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl TryFrom<String> for PersonName {
    type Error = IssueCode;

    fn try_from(value: String) -> Result<Self, IssueCode> {
        PersonName::parse(&value)
    }
}

impl From<PersonName> for String {
    fn from(value: PersonName) -> String {
        value.0
    }
}

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, IssueCode> {
        let trimmed = raw.trim();
        // Most names are already NFC (every ASCII one is): copied, not rebuilt a char at a time.
        let normalized: String = match is_nfc_quick(trimmed.chars()) {
            IsNormalized::Yes => trimmed.to_owned(),
            _ => trimmed.nfc().collect(),
        };
        if normalized.is_empty() {
            return Err(IssueCode::Required);
        }
        if normalized.chars().count() > NAME_MAX_CHARS {
            return Err(IssueCode::NameTooLong);
        }
        let mut previous_was_letter = false;
        for c in normalized.chars() {
            if c.is_alphabetic() || (is_combining_mark(c) && previous_was_letter) {
                previous_was_letter = true;
            } else if is_separator(c) && previous_was_letter {
                previous_was_letter = false;
            } else {
                return Err(IssueCode::NameInvalidCharacters);
            }
        }
        if !previous_was_letter {
            return Err(IssueCode::NameInvalidCharacters);
        }
        Ok(PersonName(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '\'' | '\u{2019}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_with_inner_punctuation_are_accepted() {
        for name in [
            "Anne-Marie",
            "O'Neil",
            "José",
            "Ærøskøbing",
            "Mary Ann",
            "Иван",
            "李",
            "Jose\u{301}",
            "  Trimmed  ",
        ] {
            assert!(PersonName::parse(name).is_ok(), "{name:?} should pass");
        }
    }

    #[test]
    fn names_with_digits_symbols_or_misplaced_separators_are_rejected() {
        for name in [
            "J0hn",
            "Bob!",
            "<script>",
            "-Anne",
            "Anne-",
            "Anne--Marie",
            "Mary  Ann",
            "O''Neil",
            "\u{301}abc",
        ] {
            assert_eq!(
                PersonName::parse(name),
                Err(IssueCode::NameInvalidCharacters),
                "{name:?}"
            );
        }
    }

    #[test]
    fn an_empty_name_is_required_and_a_long_one_too_long() {
        assert_eq!(PersonName::parse("   "), Err(IssueCode::Required));
        assert!(PersonName::parse(&"a".repeat(150)).is_ok());
        assert_eq!(
            PersonName::parse(&"a".repeat(151)),
            Err(IssueCode::NameTooLong)
        );
    }

    #[test]
    fn a_decomposed_name_is_stored_composed() {
        let name = PersonName::parse("Jose\u{301}").unwrap();
        assert_eq!(name.as_str(), "Jos\u{e9}");
    }
}
