//! Secrets kept at rest sealed (XChaCha20-Poly1305, a fresh random nonce each) with the
//! server's key: `SECRET_KEY` (32 bytes, base64), or for the embedded default a key generated
//! into the data folder on first run (`secret.key`, printed once). Authenticator secrets are
//! sealed so a copy of the database alone cannot produce codes. `main` installs the key before
//! serving; a process that never installs one (a test) seals with a key of its own.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::path::Path;
use std::sync::OnceLock;

static KEY: OnceLock<[u8; 32]> = OnceLock::new();

const PREFIX: &str = "v1:";

/// Reads a key from its base64 text.
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| "SECRET_KEY is not base64".to_string())?;
    bytes
        .try_into()
        .map_err(|_| "SECRET_KEY must be 32 bytes (44 characters of base64)".to_string())
}

/// The key from `SECRET_KEY`, else from `file`, else a new one written there (and said so on
/// standard error, once). Refused when the key would be made up behind HTTPS: production must
/// set it, so every app server shares it.
pub fn load_or_create(
    from_env: Option<String>,
    file: &Path,
    public_base_url: &str,
) -> Result<[u8; 32], String> {
    if let Some(text) = from_env {
        return parse_key(&text);
    }
    if let Ok(text) = std::fs::read_to_string(file) {
        return parse_key(&text);
    }
    if public_base_url.starts_with("https://") {
        return Err(
            "SECRET_KEY is required when PUBLIC_BASE_URL is https (32 random bytes, base64: \
             `openssl rand -base64 32`); every app server needs the same one"
                .into(),
        );
    }
    let key: [u8; 32] = XChaCha20Poly1305::generate_key(&mut OsRng).into();
    if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    }
    // Created only if absent, readable by its owner only: two processes starting at once
    // agree on the first key written.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(file) {
        Ok(mut created) => {
            use std::io::Write;
            created
                .write_all(STANDARD.encode(key).as_bytes())
                .map_err(|e| format!("{}: {e}", file.display()))?;
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let text =
                std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            return parse_key(&text);
        }
        Err(error) => return Err(format!("{}: {error}", file.display())),
    }
    eprintln!(
        "Generated the secret key at {} (keep it with the database; set SECRET_KEY to use another).",
        file.display()
    );
    Ok(key)
}

/// Where the embedded default keeps its generated key: beside the SQLite database file, or
/// `data/secret.key` for another database.
pub fn default_key_file(database_url: &str) -> std::path::PathBuf {
    let file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest));
    match file.map(Path::new).and_then(Path::parent) {
        Some(folder) if !folder.as_os_str().is_empty() => folder.join("secret.key"),
        Some(_) => Path::new("secret.key").to_path_buf(),
        None => Path::new("data").join("secret.key"),
    }
}

/// Installs the process's key (the first call wins).
pub fn install(key: [u8; 32]) {
    let _ = KEY.set(key);
}

fn cipher() -> XChaCha20Poly1305 {
    let key = KEY.get_or_init(|| XChaCha20Poly1305::generate_key(&mut OsRng).into());
    XChaCha20Poly1305::new(Key::from_slice(key))
}

/// `plain` sealed, as text for a TEXT column.
pub fn seal(plain: &[u8]) -> String {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher()
        .encrypt(&nonce, plain)
        .expect("sealing cannot fail for in-memory data");
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&sealed);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The plain bytes, or `None` when the text was not sealed with this key (or was altered).
pub fn open(sealed: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
    if bytes.len() < 24 {
        return None;
    }
    let (nonce, text) = bytes.split_at(24);
    cipher().decrypt(XNonce::from_slice(nonce), text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_to_the_same_bytes_and_never_shows_them() {
        let sealed = seal(b"JBSWY3DPEHPK3PXP");
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(seal(b"same"), seal(b"same"), "a fresh nonce each time");
        assert_eq!(open(&sealed).as_deref(), Some(&b"JBSWY3DPEHPK3PXP"[..]));
    }

    #[test]
    fn altered_or_foreign_text_does_not_open() {
        let sealed = seal(b"secret");
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(open(&String::from_utf8(altered).unwrap()), None);
        assert_eq!(open("v1:short"), None);
        assert_eq!(open("plain"), None);
    }

    #[test]
    fn the_generated_key_lives_beside_the_sqlite_file() {
        assert_eq!(
            default_key_file("sqlite://data/bulk-import.db?mode=rwc"),
            Path::new("data/secret.key")
        );
        assert_eq!(
            default_key_file("sqlite:///tmp/x/app.db"),
            Path::new("/tmp/x/secret.key")
        );
        assert_eq!(default_key_file("sqlite://app.db"), Path::new("secret.key"));
        assert_eq!(
            default_key_file("postgres://postgres@127.0.0.1/test"),
            Path::new("data/secret.key")
        );
    }

    #[test]
    fn a_key_is_read_from_base64_or_made_once_into_its_file() {
        assert!(parse_key("c2hvcnQ=").is_err());
        let folder = std::env::temp_dir().join(format!("sealing-{}", std::process::id()));
        let file = folder.join("secret.key");
        let _ = std::fs::remove_file(&file);
        let made = load_or_create(None, &file, "http://127.0.0.1:3000").unwrap();
        assert_eq!(
            load_or_create(None, &file, "http://127.0.0.1:3000").unwrap(),
            made
        );
        let given = STANDARD.encode([7u8; 32]);
        assert_eq!(
            load_or_create(Some(given), &file, "https://x").unwrap(),
            [7u8; 32]
        );
        std::fs::remove_dir_all(&folder).unwrap();
        assert!(load_or_create(None, &file, "https://help.example").is_err());
    }
}
