// `sqlx::migrate!` embeds the migration folders when the crate compiles but does not watch
// them: without this, a new migration file would be missed until something else changed.
//
// The numbering plans (`rules::phone_plan`) are made here from the phonenumber crate's
// metadata and written to OUT_DIR as JSON, with the path the server serves them under (named
// by their hash, so browsers keep them for good). Nothing here depends on the environment.

#[path = "src/rules/phone_plan.rs"]
mod phone_plan;
#[path = "build/phone_plans.rs"]
mod phone_plans;

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo::rerun-if-changed=../migrations");
    println!("cargo::rerun-if-changed=src/rules/phone_plan.rs");
    println!("cargo::rerun-if-changed=build/phone_plans.rs");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let json = serde_json::to_string(&phone_plans::from_metadata()).expect("plans serialize");
    let hash = Sha256::digest(json.as_bytes());
    let name: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(out.join("phone_plans.json"), &json).expect("OUT_DIR is writable");
    std::fs::write(
        out.join("phone_plans_path.txt"),
        format!("/assets/phone-plans.{name}.json"),
    )
    .expect("OUT_DIR is writable");
}
