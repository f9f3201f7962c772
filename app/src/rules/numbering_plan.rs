//! Whether a number is valid by its country's numbering plan, judged exactly as Google's
//! libphonenumber judges it (`parse` then `isValidNumber`), over libphonenumber's metadata as
//! the `phonenumber` crate bundles it (made into [`CountryPlans`] by `build.rs`). The crate's
//! own `is_valid` accepts a pattern that matches only the start of the number and skips the
//! length check where the metadata leaves a length to be inherited
//! (whisperfish/rust-phonenumber#31), so it passes a valid number with one digit too many;
//! here every pattern must match the whole number and every length is checked, as in
//! libphonenumber's `isNumberMatchingDesc`. Each country's patterns are compiled once, on the
//! first use of its code, and kept per thread.
//!
//! The server embeds the plans; the browser fetches them (`PHONE_PLANS_PATH`) and hands them
//! to [`install_plans`] before its first check (until then no number is judged valid).

use super::phone_plan::{CountryPlans, DescPlan, RegionPlan};
use regex::Regex;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Where the server serves the plans' JSON: named by its hash, so it never changes there.
pub const PHONE_PLANS_PATH: &str = include_str!(concat!(env!("OUT_DIR"), "/phone_plans_path.txt"));

/// The plans' JSON, in the server (the browser fetches it instead: it would sit in the main
/// wasm module, which wasm-split cannot make smaller).
#[cfg(not(target_arch = "wasm32"))]
pub const PHONE_PLANS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/phone_plans.json"));

#[cfg(not(target_arch = "wasm32"))]
fn with_plans<R>(f: impl FnOnce(&CountryPlans) -> R) -> Option<R> {
    static PLANS: std::sync::LazyLock<CountryPlans> = std::sync::LazyLock::new(|| {
        serde_json::from_str(PHONE_PLANS_JSON).expect("build.rs wrote the plans")
    });
    Some(f(&PLANS))
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    static INSTALLED: std::cell::OnceCell<CountryPlans> = const { std::cell::OnceCell::new() };
}

#[cfg(target_arch = "wasm32")]
fn with_plans<R>(f: impl FnOnce(&CountryPlans) -> R) -> Option<R> {
    INSTALLED.with(|plans| plans.get().map(f))
}

/// Whether the plans are there to judge numbers (always on the server).
pub fn plans_installed() -> bool {
    with_plans(|_| ()).is_some()
}

/// Takes the plans' JSON as fetched by the browser. Once installed they stay.
pub fn install_plans(json: &str) -> Result<(), String> {
    #[cfg(target_arch = "wasm32")]
    {
        let plans: CountryPlans = serde_json::from_str(json).map_err(|e| e.to_string())?;
        INSTALLED.with(|installed| {
            let _ = installed.set(plans);
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = json;
    Ok(())
}

/// libphonenumber's bounds on a national significant number.
const NATIONAL_DIGITS: std::ops::RangeInclusive<usize> = 2..=17;

/// One number type of one region: the lengths it allows (empty: whatever the region's general
/// description allows) and the pattern the whole number must match.
struct Desc {
    lengths: Vec<u16>,
    pattern: Regex,
}

impl Desc {
    fn new(lengths: Vec<u16>, pattern: &str) -> Option<Desc> {
        Some(Desc {
            lengths,
            pattern: whole(pattern)?,
        })
    }

    fn matches(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16)))
            && self.pattern.is_match(national)
    }
}

struct Region {
    /// For a country code shared by several regions: the digits this region's numbers start
    /// with (a prefix match, as libphonenumber's `lookingAt`).
    leading_digits: Option<Regex>,
    general: Desc,
    /// Local-only lengths: numbers this long are dialable only inside an area.
    local_lengths: Vec<u16>,
    types: Vec<Desc>,
    national_prefix: Option<NationalPrefix>,
}

/// How libphonenumber strips a national prefix ("0" in "+44 020 7946 0958") or a carrier code,
/// and rewrites what follows where the plan says so (Argentina's mobile "15").
struct NationalPrefix {
    pattern: Regex,
    transform: Option<String>,
}

impl Region {
    fn new(plan: &RegionPlan) -> Option<Region> {
        let desc = |d: &DescPlan| Desc::new(d.lengths.clone(), &d.pattern);
        let national_prefix = plan.national_prefix.as_deref().and_then(|p| {
            Some(NationalPrefix {
                pattern: at_start(p)?,
                transform: plan.national_prefix_transform.as_deref().map(braced_groups),
            })
        });
        Some(Region {
            leading_digits: plan.leading_digits.as_deref().and_then(at_start),
            general: desc(&plan.general)?,
            local_lengths: plan.local_lengths.clone(),
            types: plan.types.iter().filter_map(desc).collect(),
            national_prefix,
        })
    }

    /// libphonenumber's `getNumberTypeHelper(...) != UNKNOWN`.
    fn has_known_type(&self, national: &str) -> bool {
        self.general.matches(national) && self.types.iter().any(|t| t.matches(national))
    }

    /// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`, kept only when what is left
    /// has a possible length (`testNumberLength` is neither too short, local-only nor invalid).
    fn strip_national_prefix<'a>(&self, national: &'a str) -> Cow<'a, str> {
        let Some(prefix) = &self.national_prefix else {
            return Cow::Borrowed(national);
        };
        // Most numbers do not start with a national prefix: a plain search says so cheaply.
        let Some(found) = prefix.pattern.find(national) else {
            return Cow::Borrowed(national);
        };
        let rest = &national[found.end()..];
        let stripped: Cow<'a, str> = match &prefix.transform {
            None => Cow::Borrowed(rest),
            Some(rule) => {
                let groups = prefix.pattern.captures(national).expect("it matched");
                match groups.get(groups.len() - 1) {
                    Some(_) if groups.len() > 1 => {
                        let mut rewritten = String::new();
                        groups.expand(rule, &mut rewritten);
                        rewritten.push_str(rest);
                        Cow::Owned(rewritten)
                    }
                    _ => Cow::Borrowed(rest),
                }
            }
        };
        let viable = |n: &str| self.general.pattern.is_match(n);
        if viable(national) && !viable(&stripped) {
            return Cow::Borrowed(national);
        }
        if self.length_allows_stripping(stripped.len() as u16) {
            stripped
        } else {
            Cow::Borrowed(national)
        }
    }

    fn length_allows_stripping(&self, length: u16) -> bool {
        let lengths = &self.general.lengths;
        let (Some(&shortest), Some(&longest)) = (lengths.first(), lengths.last()) else {
            return false;
        };
        if self.local_lengths.contains(&length) || length < shortest {
            return false;
        }
        length > longest || lengths.contains(&length)
    }
}

/// The regions sharing one country code, the main one first; `None` when the code is unused.
type Country = Option<Rc<Vec<Region>>>;

thread_local! {
    static COUNTRIES: RefCell<HashMap<u16, Country>> = RefCell::new(HashMap::new());
}

fn country(code: u16) -> Country {
    // Without plans (the browser before they arrive) nothing is kept: they may come later.
    with_plans(|plans| {
        COUNTRIES.with(|countries| {
            countries
                .borrow_mut()
                .entry(code)
                .or_insert_with(|| {
                    let regions = plans.get(&code)?;
                    Some(Rc::new(regions.iter().filter_map(Region::new).collect()))
                })
                .clone()
        })
    })
    .flatten()
}

/// The country codes most phones in an import carry, in the order they are prepared.
pub const COMMON_COUNTRY_CODES: &[u16] = &[
    1, 44, 49, 33, 34, 39, 31, 32, 41, 43, 45, 46, 47, 48, 351, 353, 358, 61, 64, 81, 82, 86, 91,
    65, 52, 55, 27, 90, 7,
];

/// Compiles the numbering plan of a country code now (on the server the plans' JSON is read on
/// the first use of any), so the first phone of that country checks as fast as the rest.
pub fn prepare_country(code: u16) {
    let _ = country(code);
}

/// The E.164 form of the number whose digits follow the `+`, when it is a valid number of its
/// country; `None` when it is not.
pub fn valid_e164(digits: &str) -> Option<String> {
    if digits.starts_with('0') {
        return None;
    }
    let (code, national, regions) = (1..=3.min(digits.len())).find_map(|length| {
        let code: u16 = digits[..length].parse().ok()?;
        Some((code, &digits[length..], country(code)?))
    })?;
    // The country code's main region decides how a national prefix is stripped.
    let national = regions.first()?.strip_national_prefix(national);
    if !NATIONAL_DIGITS.contains(&national.len()) {
        return None;
    }
    // A code shared by several regions: the first whose leading digits start the number, or
    // (for a region without them) whose numbers it is; it must then be one of that region's.
    let valid = match regions.as_slice() {
        [only] => only.has_known_type(&national),
        _ => regions.iter().find_map(|r| match &r.leading_digits {
            Some(pattern) => pattern
                .is_match(&national)
                .then(|| r.has_known_type(&national)),
            None => r.has_known_type(&national).then_some(true),
        })?,
    };
    valid.then(|| format!("+{code}{national}"))
}

/// The metadata's patterns are written with insignificant whitespace, as the crate reads them.
/// They are ASCII and so are the digits they are matched against: Unicode is off (`\d` is
/// `[0-9]`), so the regex crate needs no Unicode tables.
fn compile(pattern: &str) -> Option<Regex> {
    regex::RegexBuilder::new(pattern)
        .ignore_whitespace(true)
        .unicode(false)
        .build()
        .ok()
}

fn whole(pattern: &str) -> Option<Regex> {
    compile(&format!("^(?:{pattern})$"))
}

fn at_start(pattern: &str) -> Option<Regex> {
    compile(&format!("^(?:{pattern})"))
}

/// The metadata writes `$1`; the regex crate would read `$15` as group 15.
fn braced_groups(rule: &str) -> String {
    let mut out = String::with_capacity(rule.len() + 4);
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('$', Some(d)) if d.is_ascii_digit() => {
                out.push_str("${");
                out.push(*d);
                out.push('}');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_prepared(code: u16) -> bool {
        COUNTRIES.with(|countries| countries.borrow().contains_key(&code))
    }

    #[test]
    fn preparing_a_country_reads_its_plan_before_its_first_number() {
        // Each test runs on a thread of its own, with nothing read yet.
        assert!(!is_prepared(44));
        prepare_country(44);
        assert!(is_prepared(44));
        assert!(!is_prepared(49));
        assert_eq!(valid_e164("442079460958").as_deref(), Some("+442079460958"));
    }

    #[test]
    fn every_pattern_of_every_plan_compiles() {
        // A pattern that failed to compile would silently drop its region or number type.
        with_plans(|plans| {
            for (code, regions) in plans {
                for plan in regions {
                    let region = Region::new(plan).unwrap_or_else(|| panic!("+{code}"));
                    assert_eq!(region.types.len(), plan.types.len(), "+{code}");
                    assert_eq!(
                        region.national_prefix.is_some(),
                        plan.national_prefix.is_some(),
                        "+{code}"
                    );
                    assert_eq!(
                        region.leading_digits.is_some(),
                        plan.leading_digits.is_some(),
                        "+{code}"
                    );
                }
            }
            assert!(plans.len() > 200, "{} country codes", plans.len());
        })
        .expect("the server has the plans");
    }

    #[test]
    fn every_common_country_code_is_a_country_with_a_plan() {
        for code in COMMON_COUNTRY_CODES {
            assert!(
                country(*code).is_some_and(|regions| !regions.is_empty()),
                "+{code}"
            );
        }
    }
}
