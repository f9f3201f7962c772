//! The numbering plans as data: what `numbering_plan` needs of libphonenumber's metadata, per
//! country code, as pattern text and lengths. `build.rs` makes it from the `phonenumber`
//! crate's metadata (`build/phone_plans.rs`); the server embeds the JSON, the browser fetches
//! it when it first checks a number (`components::phone_check::load_phone_plans`), so neither
//! the metadata nor the crate is part of the wasm. (This file is also compiled into `build.rs`:
//! it uses nothing of the crate.)

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every country code that libphonenumber knows, with its regions, the main one first (an
/// empty list: a code whose regions have no usable plan).
pub type CountryPlans = BTreeMap<u16, Vec<RegionPlan>>;

/// One region's plan, as libphonenumber's metadata writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionPlan {
    /// For a code shared by several regions: the digits this region's numbers start with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leading_digits: Option<String>,
    /// The general description; its lengths are every type's together.
    pub general: DescPlan,
    /// Lengths dialable only inside an area (none of the general lengths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_lengths: Vec<u16>,
    /// Each number type the region has (fixed line, mobile, toll free, …).
    pub types: Vec<DescPlan>,
    /// The national prefix (or the pattern that strips it and a carrier code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_prefix: Option<String>,
    /// How what follows the prefix is rewritten, with `$1` for the pattern's groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_prefix_transform: Option<String>,
}

/// The lengths a number type allows (empty: whatever the general description allows) and the
/// pattern (with insignificant whitespace) the whole national number must match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DescPlan {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lengths: Vec<u16>,
    pub pattern: String,
}
