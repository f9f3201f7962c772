// PostgreSQL tests run when TEST_DATABASE_URL names a server, the delivery tests when
// SMTP_TEST_PYTHON names a Python with aiosmtpd, and the phone conformance test when
// PHONE_REFERENCE_PYTHON names a Python with phonenumbers; without them they are reported as ignored
// (skipped), never as passed. Only this package sees these flags, so changing the variables
// rebuilds the tests and nothing else.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo::rustc-check-cfg=cfg(smtp_tests)");
    println!("cargo::rustc-check-cfg=cfg(phone_reference)");
    println!("cargo::rerun-if-env-changed=PHONE_REFERENCE_PYTHON");
    if std::env::var("PHONE_REFERENCE_PYTHON").is_ok_and(|p| !p.trim().is_empty()) {
        println!("cargo::rustc-cfg=phone_reference");
    }
    println!("cargo::rerun-if-env-changed=SMTP_TEST_PYTHON");
    if std::env::var("SMTP_TEST_PYTHON").is_ok_and(|p| !p.trim().is_empty()) {
        println!("cargo::rustc-cfg=smtp_tests");
    }
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.trim().is_empty()) {
        println!("cargo::rustc-cfg=pg_tests");
    }
}
