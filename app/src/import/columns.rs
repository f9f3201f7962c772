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

/// Which row of the table holds the column names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeaderChoice {
    /// The engine finds it (see [`detect_header`]).
    #[default]
    Detect,
    /// Every row is data.
    NoHeader,
    /// This row (an index into `Table::rows`); the rows above it are not data.
    Row(usize),
}

impl HeaderChoice {
    /// The choice that keeps what the engine decided, whatever later edits do to detection.
    pub fn keep(header_row: Option<usize>) -> HeaderChoice {
        header_row.map_or(HeaderChoice::NoHeader, HeaderChoice::Row)
    }
}

/// What the admin decided in the preview; `Detect` and `None` let the engine decide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingChoice {
    #[serde(default)]
    pub header: HeaderChoice,
    #[serde(default)]
    pub fields: Option<Vec<ImportField>>,
}

/// Exports often open with a title, notes or blank rows; the header is looked for this far.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Rows a table without a header is sampled on to guess its columns.
const CONTENT_SAMPLE_ROWS: usize = 50;

/// Only cells of these first rows (and the table's width) decide the columns.
pub(super) const MAPPING_ROWS: usize = if HEADER_SEARCH_ROWS > CONTENT_SAMPLE_ROWS {
    HEADER_SEARCH_ROWS
} else {
    CONTENT_SAMPLE_ROWS
};

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

/// The header row, as an index into `Table::rows`: the first of the first
/// [`HEADER_SEARCH_ROWS`] rows that names an Email column and a name column (first, last or
/// full name) and holds no email address (data rows carry emails; header rows do not), so a
/// title or notes above the header are skipped. Failing that, the first row when it names
/// any known column and holds no email address (a header without names, or an email-only
/// list). Otherwise there is no header.
pub fn detect_header(table: &Table) -> Option<usize> {
    let holds_email = |cells: &[String]| cells.iter().any(|c| Email::parse(c).is_ok());
    let named = |cells: &[String]| -> Vec<ImportField> {
        cells.iter().filter_map(|c| field_for_header(c)).collect()
    };
    let full_header = table.rows.iter().take(HEADER_SEARCH_ROWS).position(|row| {
        let fields = named(&row.cells);
        fields.contains(&ImportField::Email)
            && fields.iter().any(|f| {
                matches!(
                    f,
                    ImportField::FirstName | ImportField::LastName | ImportField::FullName
                )
            })
            && !holds_email(&row.cells)
    });
    full_header.or_else(|| {
        let first = table.rows.first()?;
        (!named(&first.cells).is_empty() && !holds_email(&first.cells)).then_some(0)
    })
}

/// The header row (an index into `Table::rows`, if any) and each column's field.
pub fn map_columns(table: &Table, choice: &MappingChoice) -> (Option<usize>, Vec<ColumnMapping>) {
    let header_row = match choice.header {
        HeaderChoice::Detect => detect_header(table),
        HeaderChoice::NoHeader => None,
        HeaderChoice::Row(row) => (row < table.rows.len()).then_some(row),
    };
    let width = table.width();
    let headers: Vec<Option<String>> = (0..width)
        .map(|i| {
            header_row
                .and_then(|h| table.rows.get(h))
                .and_then(|r| r.cells.get(i))
                .cloned()
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
        None if header_row.is_some() => headers
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
    let sample: Vec<&Vec<String>> = table
        .rows
        .iter()
        .take(CONTENT_SAMPLE_ROWS)
        .map(|r| &r.cells)
        .collect();
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
        assert_eq!(
            detect_header(&table(&[&["First Name", "Department"], &["Maria", "IT"]])),
            Some(0)
        );
        assert_eq!(
            detect_header(&table(&[&["Maria", "Email", "maria@x.io"]])),
            None
        );
        assert_eq!(
            detect_header(&table(&[&["Maria", "García", "maria@x.io"]])),
            None
        );
    }

    #[test]
    fn a_header_under_a_title_and_notes_is_found_within_the_first_ten_rows() {
        let cases: &[(&[&[&str]], Option<usize>)] = &[
            (
                &[
                    &["Staff list November 2026"],
                    &[""],
                    &["First name", "Last name", "Email"],
                    &["Ann", "Lee", "ann@x.io"],
                ],
                Some(2),
            ),
            // A one-word title that happens to be a column name does not win over the header.
            (
                &[
                    &["Name"],
                    &["Exported by HR", "2026-11-01"],
                    &["Full name", "E-mail", "Phone"],
                    &["Ann Lee", "ann@x.io", ""],
                ],
                Some(2),
            ),
            // Past the tenth row it is not looked for: every row is data.
            (
                &[
                    &["note"],
                    &["note"],
                    &["note"],
                    &["note"],
                    &["note"],
                    &["note"],
                    &["note"],
                    &["note"],
                    &["note"],
                    &["note"],
                    &["First name", "Last name", "Email"],
                ],
                None,
            ),
        ];
        for (rows, expected) in cases {
            assert_eq!(detect_header(&table(rows)), *expected, "{rows:?}");
        }
    }

    #[test]
    fn unknown_headers_are_kept_as_ignored_columns_not_dropped() {
        let (header, mappings) = map_columns(
            &table(&[&["Email", "Department"], &["a@b.co", "IT"]]),
            &MappingChoice::default(),
        );
        assert_eq!(header, Some(0));
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
        assert_eq!(header, None);
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
            header: HeaderChoice::NoHeader,
            fields: Some(vec![ImportField::Ignore, ImportField::LastName]),
        };
        let (header, mappings) = map_columns(&t, &choice);
        assert_eq!(header, None);
        assert_eq!(
            fields(&mappings),
            vec![ImportField::Ignore, ImportField::LastName]
        );
        assert!(mappings.iter().all(|m| m.mapped_by == MappedBy::Admin));
        // The admin may move the header to any row; a row past the table means none.
        let t = table(&[&["Title"], &["Email", "Vorname"], &["a@b.co", "Anna"]]);
        let moved = MappingChoice {
            header: HeaderChoice::Row(1),
            fields: None,
        };
        let (header, mappings) = map_columns(&t, &moved);
        assert_eq!(header, Some(1));
        assert_eq!(
            fields(&mappings),
            vec![ImportField::Email, ImportField::FirstName]
        );
        let past = MappingChoice {
            header: HeaderChoice::Row(9),
            fields: None,
        };
        assert_eq!(map_columns(&t, &past).0, None);
    }
}
