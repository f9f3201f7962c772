//! Which column holds which field: by header names and their common variants, by content when
//! there is no header, by the documented order as a last resort, or as the admin chose.

use super::Table;
use crate::rules::Email;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ImportField {
    FirstName,
    LastName,
    FullName,
    Email,
    Phone,
    Roles,
    UserType,
    Site,
    ExternalId,
    Ignore,
}

impl ImportField {
    pub const ALL: &'static [ImportField] = &[
        ImportField::FirstName,
        ImportField::LastName,
        ImportField::FullName,
        ImportField::Email,
        ImportField::Phone,
        ImportField::Roles,
        ImportField::UserType,
        ImportField::Site,
        ImportField::ExternalId,
        ImportField::Ignore,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ImportField::FirstName => "First name",
            ImportField::LastName => "Last name",
            ImportField::FullName => "Full name",
            ImportField::Email => "Email",
            ImportField::Phone => "Phone",
            ImportField::Roles => "Roles",
            ImportField::UserType => "User type",
            ImportField::Site => "Site",
            ImportField::ExternalId => "External ID",
            ImportField::Ignore => "Ignore",
        }
    }

    /// The documented order for data without a header row.
    pub const DEFAULT_ORDER: [ImportField; 4] = [
        ImportField::FirstName,
        ImportField::LastName,
        ImportField::Email,
        ImportField::Phone,
    ];
}

/// How a column's field was decided, shown in the preview's column header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MappedBy {
    Header,
    Content,
    DefaultOrder,
    Admin,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub column: usize,
    pub header: Option<String>,
    pub field: ImportField,
    pub mapped_by: MappedBy,
}

/// What the admin decided in the preview; `None` lets the engine detect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingChoice {
    pub header_row: Option<bool>,
    pub fields: Option<Vec<ImportField>>,
}

/// Header names and their common variants, compared after [`normalize`].
const SYNONYMS: &[(ImportField, &[&str])] = &[
    (
        ImportField::FirstName,
        &[
            "firstname",
            "first",
            "givenname",
            "forename",
            "vorname",
            "prenom",
            "nombre",
            "nome",
            "voornaam",
            "имя",
            "fname",
        ],
    ),
    (
        ImportField::LastName,
        &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "nachname",
            "nom",
            "apellido",
            "apellidos",
            "cognome",
            "achternaam",
            "фамилия",
            "lname",
        ],
    ),
    (
        ImportField::FullName,
        &[
            "name",
            "fullname",
            "displayname",
            "username",
            "employeename",
            "contactname",
        ],
    ),
    (
        ImportField::Email,
        &[
            "email",
            "emailaddress",
            "mail",
            "emailid",
            "workemail",
            "businessemail",
            "primaryemail",
            "emailadresse",
            "courriel",
            "correo",
            "correoelectronico",
        ],
    ),
    (
        ImportField::Phone,
        &[
            "phone",
            "phonenumber",
            "businessphone",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "cell",
            "cellphone",
            "telephone",
            "tel",
            "telefon",
            "telefonnummer",
            "telefono",
            "workphone",
            "officephone",
        ],
    ),
    (
        ImportField::Roles,
        &["role", "roles", "userrole", "userroles"],
    ),
    (ImportField::UserType, &["usertype", "type", "accounttype"]),
    (ImportField::Site, &["site", "location", "office"]),
    (
        ImportField::ExternalId,
        &[
            "externalid",
            "employeeid",
            "employeenumber",
            "id",
            "userid",
            "personnelnumber",
            "staffid",
        ],
    ),
];

/// Lower-case letters and digits only, accents folded for Latin letters: "E-Mail Address" and
/// "email_address" are the same header, and so are "Prénom" and "prenom".
fn normalize(header: &str) -> String {
    header
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' => Some('e'),
            'í' | 'ì' | 'î' | 'ï' => Some('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => Some('o'),
            'ú' | 'ù' | 'û' | 'ü' => Some('u'),
            'ç' => Some('c'),
            'ñ' => Some('n'),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

pub fn field_for_header(header: &str) -> Option<ImportField> {
    let key = normalize(header);
    SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(field, _)| *field)
}

/// The first row is a header when some cell is a known column name and none is an email
/// address (data rows carry emails; header rows do not).
pub fn detect_header(table: &Table) -> bool {
    let Some(first) = table.rows.first() else {
        return false;
    };
    let known = first
        .cells
        .iter()
        .filter(|c| field_for_header(c).is_some())
        .count();
    let has_email = first.cells.iter().any(|c| Email::parse(c).is_ok());
    known > 0 && !has_email
}

pub fn map_columns(table: &Table, choice: &MappingChoice) -> (bool, Vec<ColumnMapping>) {
    let header_row = choice.header_row.unwrap_or_else(|| detect_header(table));
    let width = table.width();
    let headers: Vec<Option<String>> = (0..width)
        .map(|i| {
            header_row
                .then(|| table.rows.first().and_then(|r| r.cells.get(i)).cloned())
                .flatten()
        })
        .collect();
    let fields: Vec<(ImportField, MappedBy)> = match &choice.fields {
        Some(fields) => (0..width)
            .map(|i| {
                (
                    fields.get(i).copied().unwrap_or(ImportField::Ignore),
                    MappedBy::Admin,
                )
            })
            .collect(),
        None if header_row => headers
            .iter()
            .map(|h| match h.as_deref().and_then(field_for_header) {
                Some(field) => (field, MappedBy::Header),
                None => (ImportField::Ignore, MappedBy::Unknown),
            })
            .collect(),
        None => infer_from_content(table, width),
    };
    let mappings = fields
        .into_iter()
        .enumerate()
        .map(|(column, (field, mapped_by))| ColumnMapping {
            column,
            header: headers[column].clone(),
            field,
            mapped_by,
        })
        .collect();
    (header_row, mappings)
}

/// Without a header: the email-shaped column, the phone-shaped column, the text columns before
/// them as names (one text column holding spaces is a full name); otherwise the documented
/// order First name, Last name, Email, Phone.
fn infer_from_content(table: &Table, width: usize) -> Vec<(ImportField, MappedBy)> {
    let sample: Vec<&Vec<String>> = table.rows.iter().take(50).map(|r| &r.cells).collect();
    let share = |column: usize, test: &dyn Fn(&str) -> bool| -> f64 {
        let values: Vec<&str> = sample
            .iter()
            .filter_map(|c| c.get(column))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if values.is_empty() {
            return 0.0;
        }
        values.iter().filter(|v| test(v)).count() as f64 / values.len() as f64
    };
    let best = |test: &dyn Fn(&str) -> bool, skip: Option<usize>| {
        (0..width)
            .filter(|c| Some(*c) != skip)
            .map(|c| (c, share(c, test)))
            .filter(|(_, s)| *s >= 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| c)
    };
    let Some(email) = best(&|v| v.contains('@'), None) else {
        return (0..width)
            .map(|c| match ImportField::DEFAULT_ORDER.get(c) {
                Some(field) => (*field, MappedBy::DefaultOrder),
                None => (ImportField::Ignore, MappedBy::Unknown),
            })
            .collect();
    };
    let phone = best(&looks_like_phone, Some(email));
    let text_columns: Vec<usize> = (0..width)
        .filter(|c| *c != email && Some(*c) != phone)
        .collect();
    let mut fields = vec![(ImportField::Ignore, MappedBy::Unknown); width];
    fields[email] = (ImportField::Email, MappedBy::Content);
    if let Some(phone) = phone {
        fields[phone] = (ImportField::Phone, MappedBy::Content);
    }
    match text_columns.as_slice() {
        [] => {}
        [only] if share(*only, &|v| v.contains(' ')) >= 0.5 => {
            fields[*only] = (ImportField::FullName, MappedBy::Content)
        }
        [first, last, ..] => {
            fields[*first] = (ImportField::FirstName, MappedBy::Content);
            fields[*last] = (ImportField::LastName, MappedBy::Content);
        }
        [only] => fields[*only] = (ImportField::FirstName, MappedBy::Content),
    }
    fields
}

fn looks_like_phone(value: &str) -> bool {
    let value = value.trim_start_matches('\'');
    let digits = value.chars().filter(char::is_ascii_digit).count();
    digits >= 7
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::SourceRow;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| SourceRow {
                    line: i as u32 + 1,
                    cells: r.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
        }
    }

    fn fields(mappings: &[ColumnMapping]) -> Vec<ImportField> {
        mappings.iter().map(|m| m.field).collect()
    }

    #[test]
    fn header_variants_in_several_languages_map_to_fields() {
        let cases = [
            ("First Name", ImportField::FirstName),
            ("Firstname", ImportField::FirstName),
            ("Given name", ImportField::FirstName),
            ("Vorname", ImportField::FirstName),
            ("Prénom", ImportField::FirstName),
            ("Имя", ImportField::FirstName),
            ("Last Name", ImportField::LastName),
            ("Surname", ImportField::LastName),
            ("Family name", ImportField::LastName),
            ("Nachname", ImportField::LastName),
            ("E-mail", ImportField::Email),
            ("Email Address", ImportField::Email),
            ("email_address", ImportField::Email),
            ("Phone Number", ImportField::Phone),
            ("Business Phone", ImportField::Phone),
            ("Mobile", ImportField::Phone),
            ("Roles", ImportField::Roles),
            ("Role", ImportField::Roles),
            ("User type", ImportField::UserType),
            ("Site", ImportField::Site),
            ("External ID", ImportField::ExternalId),
            ("Full name", ImportField::FullName),
            ("Name", ImportField::FullName),
        ];
        for (header, field) in cases {
            assert_eq!(field_for_header(header), Some(field), "{header:?}");
        }
        assert_eq!(field_for_header("Department"), None);
    }

    #[test]
    fn a_header_row_is_detected_by_known_names_and_never_when_it_holds_an_email() {
        assert!(detect_header(&table(&[
            &["First Name", "Department"],
            &["Maria", "IT"]
        ])));
        assert!(!detect_header(&table(&[&["Maria", "Email", "maria@x.io"]])));
        assert!(!detect_header(&table(&[&[
            "Maria",
            "García",
            "maria@x.io"
        ]])));
    }

    #[test]
    fn unknown_headers_are_kept_as_ignored_columns_not_dropped() {
        let (header, mappings) = map_columns(
            &table(&[&["Email", "Department"], &["a@b.co", "IT"]]),
            &MappingChoice::default(),
        );
        assert!(header);
        assert_eq!(mappings[1].mapped_by, MappedBy::Unknown);
        assert_eq!(mappings[1].header.as_deref(), Some("Department"));
    }

    #[test]
    fn without_a_header_columns_are_inferred_from_their_content() {
        let t = table(&[
            &["'+1 888 667 8888", "Maria", "García", "maria@x.io"],
            &["+44 20 7946 0958", "John", "Smith", "john@x.io"],
        ]);
        let (header, mappings) = map_columns(&t, &MappingChoice::default());
        assert!(!header);
        assert_eq!(
            fields(&mappings),
            vec![
                ImportField::Phone,
                ImportField::FirstName,
                ImportField::LastName,
                ImportField::Email
            ]
        );
        let t = table(&[&["maria@x.io", "Maria García"]]);
        assert_eq!(
            fields(&map_columns(&t, &MappingChoice::default()).1),
            vec![ImportField::Email, ImportField::FullName]
        );
    }

    #[test]
    fn without_header_or_emails_the_documented_order_applies() {
        let t = table(&[&[
            "Maria",
            "García",
            "not an email",
            "+1 888 667 8888",
            "extra",
        ]]);
        let (_, mappings) = map_columns(&t, &MappingChoice::default());
        assert_eq!(&fields(&mappings)[..4], &ImportField::DEFAULT_ORDER);
        assert_eq!(mappings[4].field, ImportField::Ignore);
        assert!(mappings[..4]
            .iter()
            .all(|m| m.mapped_by == MappedBy::DefaultOrder));
    }

    #[test]
    fn the_admins_choice_wins() {
        let t = table(&[&["Email", "Vorname"], &["a@b.co", "Anna"]]);
        let choice = MappingChoice {
            header_row: Some(false),
            fields: Some(vec![ImportField::Ignore, ImportField::LastName]),
        };
        let (header, mappings) = map_columns(&t, &choice);
        assert!(!header);
        assert_eq!(
            fields(&mappings),
            vec![ImportField::Ignore, ImportField::LastName]
        );
        assert!(mappings.iter().all(|m| m.mapped_by == MappedBy::Admin));
    }
}
