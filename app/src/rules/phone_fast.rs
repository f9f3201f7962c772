//! The phonenumber crate's own validity checks, made cheap. The crate looks each pattern up in
//! a shared, locked regex cache on every call; here each country's patterns are compiled once
//! (on first use of that country code) and kept per thread. Same metadata, same checks as the
//! crate's `is_valid`; whatever this path is unsure of goes to the crate itself.

use phonenumber::metadata::{Metadata, DATABASE};
use phonenumber::Type;
use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

struct Pattern {
    lengths: Vec<u16>,
    regex: Option<Regex>,
}

impl Pattern {
    fn new(lengths: &[u16], pattern: &str) -> Pattern {
        // The crate accepts a match that starts at the first digit; anchoring at the start only
        // is the same test.
        Pattern {
            lengths: lengths.to_vec(),
            regex: compile(pattern),
        }
    }

    fn is_match(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16)))
            && self.regex.as_ref().is_some_and(|r| r.is_match(national))
    }
}

struct Region {
    leading_digits: Option<Regex>,
    national_prefix: Option<String>,
    general: Pattern,
    types: Vec<Pattern>,
}

impl Region {
    fn new(meta: &Metadata) -> Region {
        let descriptors = meta.descriptors();
        let types = [
            Type::PremiumRate,
            Type::TollFree,
            Type::SharedCost,
            Type::Voip,
            Type::PersonalNumber,
            Type::Pager,
            Type::Uan,
            Type::Voicemail,
            Type::FixedLine,
            Type::Mobile,
        ]
        .into_iter()
        .filter_map(|kind| descriptors.get(kind))
        .map(|d| Pattern::new(d.possible_length(), d.national_number().as_str()))
        .collect();
        Region {
            leading_digits: meta.leading_digits().and_then(|p| compile(p.as_str())),
            national_prefix: meta.national_prefix().map(str::to_string),
            general: Pattern::new(
                descriptors.general().possible_length(),
                descriptors.general().national_number().as_str(),
            ),
            types,
        }
    }

    fn has_known_type(&self, national: &str) -> bool {
        self.general.is_match(national) && self.types.iter().any(|t| t.is_match(national))
    }
}

/// The regions sharing one country code, in the crate's order; `None` when the code is unused.
type Country = Option<Rc<Vec<Region>>>;

thread_local! {
    static COUNTRIES: RefCell<HashMap<u16, Country>> = RefCell::new(HashMap::new());
}

fn country(code: u16) -> Country {
    COUNTRIES.with(|countries| {
        countries
            .borrow_mut()
            .entry(code)
            .or_insert_with(|| {
                let regions = DATABASE.region(&code)?;
                let metas: Vec<&Metadata> = match regions.as_slice() {
                    ["001"] => DATABASE.by_code(&code)?.into_iter().take(1).collect(),
                    _ => regions.iter().filter_map(|r| DATABASE.by_id(*r)).collect(),
                };
                Some(Rc::new(metas.into_iter().map(Region::new).collect()))
            })
            .clone()
    })
}

/// `Some(e164)` when the digits after `+` are certainly a valid number; `None` when not sure.
pub fn lean_e164(digits: &str) -> Option<String> {
    if digits.starts_with('0') || digits.len() > 17 || digits.len() < 4 {
        return None;
    }
    for length in 1..=3 {
        let code: u16 = digits[..length].parse().ok()?;
        let Some(regions) = country(code) else {
            continue;
        };
        let national = &digits[length..];
        let region = if let [only] = regions.as_slice() {
            only
        } else {
            regions.iter().find(|r| match &r.leading_digits {
                Some(pattern) => pattern.is_match(national),
                None => r.has_known_type(national),
            })?
        };
        // A leading national prefix may be stripped by the full parser; let it decide.
        if region
            .national_prefix
            .as_deref()
            .is_some_and(|p| national.starts_with(p))
        {
            return None;
        }
        return region
            .has_known_type(national)
            .then(|| format!("+{digits}"));
    }
    None
}

/// The metadata's patterns are written with insignificant whitespace, as the crate reads them.
fn compile(pattern: &str) -> Option<Regex> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})"))
        .ignore_whitespace(true)
        .build()
        .ok()
}
