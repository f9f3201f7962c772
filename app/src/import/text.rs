//! Bytes to text: UTF-8 with or without a byte-order mark, UTF-16 LE/BE with a byte-order mark
//! (Excel's "Unicode text"), and invalid UTF-8 read as Windows-1252 with a visible notice
//! naming the first bad line. Never silently mangled.

use super::{ImportIssue, ImportIssueCode};

pub struct Decoded {
    pub text: String,
    pub issues: Vec<ImportIssue>,
}

pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_utf8_or_1252(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    decode_utf8_or_1252(bytes)
}

fn decode_utf8_or_1252(bytes: &[u8]) -> Decoded {
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: text.to_string(),
            issues: Vec::new(),
        },
        Err(error) => {
            let line = bytes[..error.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u32
                + 1;
            Decoded {
                text: bytes.iter().map(|b| windows_1252(*b)).collect(),
                issues: vec![ImportIssue::file(ImportIssueCode::DecodedAsWindows1252 {
                    line,
                })],
            }
        }
    }
}

fn decode_utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> Decoded {
    let units = bytes.chunks_exact(2).map(|pair| read([pair[0], pair[1]]));
    let mut issues = Vec::new();
    let mut text = String::with_capacity(bytes.len() / 2);
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => text.push(c),
            Err(_) => {
                if issues.is_empty() {
                    issues.push(ImportIssue::file(ImportIssueCode::Utf16Invalid));
                }
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    if bytes.len() % 2 == 1 && issues.is_empty() {
        issues.push(ImportIssue::file(ImportIssueCode::Utf16Invalid));
    }
    Decoded { text, issues }
}

/// Windows-1252: ASCII, then 0x80–0x9F as below, then Latin-1.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[(byte - 0x80) as usize],
        _ => byte as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utf8_byte_order_mark_is_dropped() {
        let decoded = decode(b"\xEF\xBB\xBFEmail\nx@y.z");
        assert_eq!(decoded.text, "Email\nx@y.z");
        assert!(decoded.issues.is_empty());
    }

    #[test]
    fn utf16_with_either_byte_order_is_read() {
        let text = "Prénom\tEmail\r\nJosé\tj@x.io";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&le).text, text);
        assert_eq!(decode(&be).text, text);
    }

    #[test]
    fn invalid_utf8_is_read_as_windows_1252_with_a_notice_naming_the_line() {
        let decoded = decode(b"First\nJos\xE9\x80\n");
        assert_eq!(decoded.text, "First\nJosé€\n");
        assert_eq!(
            decoded.issues[0].code,
            ImportIssueCode::DecodedAsWindows1252 { line: 2 }
        );
    }

    #[test]
    fn broken_utf16_is_reported_not_hidden() {
        let decoded = decode(&[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00]);
        assert_eq!(decoded.issues[0].code, ImportIssueCode::Utf16Invalid);
        assert!(decoded.text.contains('\u{FFFD}'));
    }
}
