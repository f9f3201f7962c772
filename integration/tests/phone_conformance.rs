//! Our phone rule against the reference: Google's libphonenumber (its Python port,
//! `phonenumbers`, pinned to the metadata version the `phonenumber` crate bundles; installed by
//! scripts/test.sh and named by PHONE_REFERENCE_PYTHON). The reference writes the vectors and
//! its verdicts (integration/phone_reference/vectors.py); every verdict of ours, valid or not and
//! the E.164 number stored, must be the same.

use app::rules::{international_format, PhoneE164};
use std::process::Command;

/// Inputs where we knowingly differ from libphonenumber, each with the reason. Empty: we agree
/// on every vector.
const ACCEPTED_DIFFERENCES: &[(&str, &str)] = &[];

/// The libphonenumber metadata version in the crate's build metadata (`0.3.10+9.0.33`), read
/// from Cargo.lock so that a crate update without a matching reference fails here.
fn crate_metadata_version() -> String {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock"))
        .expect("Cargo.lock");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"phonenumber\"" {
            let version = lines.next().expect("a version line");
            let version = version
                .trim_start_matches("version = \"")
                .trim_end_matches('"');
            return version
                .split_once('+')
                .expect("0.3.x+metadata")
                .1
                .to_string();
        }
    }
    panic!("phonenumber is not in Cargo.lock");
}

#[test]
#[cfg_attr(
    not(phone_reference),
    ignore = "set PHONE_REFERENCE_PYTHON to a Python with phonenumbers (scripts/test.sh does)"
)]
fn every_phone_verdict_equals_libphonenumbers_at_the_same_metadata_version() {
    let python = std::env::var("PHONE_REFERENCE_PYTHON").expect("PHONE_REFERENCE_PYTHON");
    let metadata = crate_metadata_version();
    let output = Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/phone_reference/vectors.py"
        ))
        .arg(&metadata)
        .output()
        .expect("run the reference");
    assert!(
        output.status.success(),
        "the reference failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (mut total, mut valid, mut accepted, mut shown_raw) = (0, 0, 0, 0);
    let mut differences = Vec::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let vector: serde_json::Value = serde_json::from_str(line).unwrap();
        let input = vector["input"].as_str().unwrap();
        let reference = vector["e164"].as_str();
        let ours = PhoneE164::parse_optional(input).ok().flatten();
        total += 1;
        valid += usize::from(reference.is_some());
        // What the user page shows reads back as the same stored number.
        if let Some(e164) = reference {
            let shown = international_format(e164);
            shown_raw += usize::from(shown == e164);
            let again = PhoneE164::parse_optional(&shown).ok().flatten();
            if again.as_ref().map(PhoneE164::as_str) != Some(e164) {
                differences.push(format!(
                    "{e164} is shown as {shown:?}, which reads back as {again:?}"
                ));
            }
        }
        if ours.as_ref().map(PhoneE164::as_str) == reference {
            continue;
        }
        if ACCEPTED_DIFFERENCES
            .iter()
            .any(|(known, _)| *known == input)
        {
            accepted += 1;
        } else {
            differences.push(format!(
                "{input:?}: ours {ours:?}, libphonenumber {reference:?}"
            ));
        }
    }
    let agreeing = total - differences.len() - accepted;
    println!(
        "phone conformance: {agreeing} of {total} vectors agree with libphonenumber {metadata} \
         ({:.3}%), {accepted} listed differences; {valid} valid and {} invalid by the reference",
        100.0 * agreeing as f64 / total as f64,
        total - valid
    );
    println!(
        "phone display: {} of {valid} valid numbers shown in international format, {shown_raw} \
         as stored (the crate's formatter would change them)",
        valid - shown_raw
    );
    assert!(
        shown_raw * 20 < valid,
        "too many numbers shown unformatted: {shown_raw} of {valid}"
    );
    assert!(
        total > 20_000 && valid > 5_000 && total - valid > 5_000,
        "too few vectors to prove anything: {total} ({valid} valid)"
    );
    assert!(
        differences.is_empty(),
        "{} verdicts differ from libphonenumber, the first:\n{}",
        differences.len(),
        differences[..differences.len().min(20)].join("\n")
    );
}
