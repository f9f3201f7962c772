//! Password hashing with argon2id (the crate's default parameters).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

pub const PASSWORD_MIN_CHARS: usize = 12;

/// Why a new password is refused; shown to the person choosing it.
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        Some("Use at least 12 characters.")
    } else if password.len() > 1024 {
        Some("Use at most 1024 characters.")
    } else {
        None
    }
}

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verifying against this when the email is unknown keeps sign-in timing the same for known
/// and unknown accounts.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not-a-real-password-0000").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn a_short_password_is_refused() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("long enough pass").is_none());
    }
}
