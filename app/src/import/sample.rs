//! Realistic sample input for the benchmark (native and in the browser): deterministic, about
//! a fifth of the rows with exactly one problem.

const FIRST: &[&str] = &[
    "Maria",
    "John",
    "Aiko",
    "Anne-Marie",
    "José",
    "Sean",
    "Priya",
    "Lars",
    "Fatima",
    "Wei",
];
const LAST: &[&str] = &[
    "García",
    "Smith",
    "Tanaka",
    "Dubois",
    "O'Neil",
    "Müller",
    "Patel",
    "Ærøskøbing",
    "Haddad",
    "Zhang",
];
const PHONES: &[&str] = &[
    "'+1 888 667 8888",
    "+44 20 7946 0958",
    "+49 30 901820",
    "+33 1 42 68 53 00",
    "+81 3-3224-9999",
    "+61 2 9374 4000",
    "+1 (415) 555-2671",
    "+34 912 345 678",
    "+39 06 6988 4857",
    "",
];

pub const SAMPLE_HEADER: &str =
    "First Name\tLast Name\tEmail\tPhone\tRoles\tUser type\tSite\tExternal ID";

/// `rows` data rows after a header, tab-delimited as pasted from Excel, 8 columns.
pub fn sample_paste(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 90 + 100);
    out.push_str(SAMPLE_HEADER);
    out.push('\n');
    for i in 0..rows {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / 10) % LAST.len()];
        let mut email = format!("{}.{}{}@example.com", ascii(first), ascii(last), i);
        let mut first_name = first.to_string();
        let mut phone = PHONES[(i / 3) % PHONES.len()].to_string();
        let mut role = "Requester";
        // One problem in every fifth row, cycling through the kinds admins make.
        if i % 5 == 4 {
            match (i / 5) % 5 {
                0 => email = format!("{}..{}@example.com", ascii(first), i),
                1 => first_name = format!("{first}2"),
                2 => phone = "888 667 8888".to_string(),
                3 => role = "Wizard",
                _ => email = format!("{}.{}{}@example.com", ascii(first), ascii(last), i - 1),
            }
        }
        let user_type = if i % 7 == 0 { "Privileged" } else { "Standard" };
        out.push_str(&format!(
            "{first_name}\t{last}\t{email}\t{phone}\t{role}\t{user_type}\tHQ\tEMP-{i:06}\n"
        ));
    }
    out
}

fn ascii(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
