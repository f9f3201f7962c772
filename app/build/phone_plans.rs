//! The numbering plans from the `phonenumber` crate's metadata (libphonenumber's), for
//! `build.rs`: per country code, each region's patterns and lengths as `numbering_plan` reads
//! them, chosen exactly as libphonenumber's `isValidNumber` chooses them.

use crate::phone_plan::{CountryPlans, DescPlan, RegionPlan};
use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::Type;

/// The number types libphonenumber knows. A number is valid when it matches any of them, so
/// the order only decides speed: the most common first.
const TYPES: [Type; 10] = [
    Type::FixedLine,
    Type::Mobile,
    Type::TollFree,
    Type::PremiumRate,
    Type::SharedCost,
    Type::Voip,
    Type::PersonalNumber,
    Type::Pager,
    Type::Uan,
    Type::Voicemail,
];

/// A pattern without its whitespace: the metadata indents its patterns, which are compiled
/// with insignificant whitespace (and hold no escaped space), so it only costs bytes.
fn compact(pattern: &str) -> String {
    pattern
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect()
}

pub fn from_metadata() -> CountryPlans {
    (1..=999u16)
        .filter_map(|code| {
            let regions = DATABASE.region(&code)?;
            // A non-geographic code ("001") has one plan per code.
            let metas: Vec<&Metadata> = match regions.as_slice() {
                ["001"] => DATABASE.by_code(&code)?.into_iter().take(1).collect(),
                _ => regions.iter().filter_map(|r| DATABASE.by_id(*r)).collect(),
            };
            Some((code, metas.into_iter().map(region).collect()))
        })
        .collect()
}

fn region(meta: &Metadata) -> RegionPlan {
    let descriptors = meta.descriptors();
    let kinds: Vec<&Descriptor> = TYPES
        .into_iter()
        .filter_map(|kind| descriptors.get(kind))
        .collect();
    // The general description's lengths are the union of every type's, as libphonenumber's
    // metadata build computes them (the XML leaves them out).
    let mut lengths: Vec<u16> = kinds
        .iter()
        .flat_map(|d| d.possible_length().iter().copied())
        .collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut local_lengths: Vec<u16> = kinds
        .iter()
        .flat_map(|d| d.possible_local_length().iter().copied())
        .filter(|l| !lengths.contains(l))
        .collect();
    local_lengths.sort_unstable();
    local_lengths.dedup();
    let national_prefix = meta
        .national_prefix_for_parsing()
        .map(|p| compact(p.as_str()))
        .or_else(|| meta.national_prefix().map(regex::escape))
        .filter(|p| !p.is_empty());
    RegionPlan {
        leading_digits: meta.leading_digits().map(|p| compact(p.as_str())),
        general: DescPlan {
            lengths,
            pattern: compact(descriptors.general().national_number().as_str()),
        },
        local_lengths,
        types: kinds
            .into_iter()
            .map(|d| DescPlan {
                lengths: d.possible_length().to_vec(),
                pattern: compact(d.national_number().as_str()),
            })
            .collect(),
        national_prefix_transform: national_prefix.as_ref().and_then(|_| {
            meta.national_prefix_transform_rule()
                .filter(|rule| !rule.is_empty())
                .map(str::to_string)
        }),
        national_prefix,
    }
}
