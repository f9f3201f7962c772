//! The JSON form of a bulk import (`{"kind", "organizationId", "mode", "invalidRows",
//! "sendInvitations", "users": [...]}`), read as it is parsed: each user is written out at
//! once as a CSV row under the engine's own header names, so no list of users is ever held
//! (an empty object is 3 bytes of JSON but some 200 in memory), and reading stops past the
//! import's row or byte limit.

use crate::import::ImportLimits;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::cell::Cell;
use std::fmt;

/// The options and the users as CSV.
#[derive(Debug, Default)]
pub struct JsonForm {
    pub kind: Option<String>,
    pub organization_id: Option<i64>,
    pub mode: Option<String>,
    pub invalid_rows: Option<String>,
    pub send_invitations: Option<bool>,
    pub csv: Vec<u8>,
}

/// One user of a JSON import: the same fields, read by the same rules, as a file's columns.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsonUser {
    /// Letters (and spaces, hyphens, apostrophes), at most 150 characters.
    first_name: Option<String>,
    last_name: Option<String>,
    /// `local@domain`, at most 64 characters, unused by any account (in create mode).
    email: Option<String>,
    /// Optional; with its country code (`+1 888 667 8888`), valid by that country's rules.
    phone: Option<String>,
    /// Role names; an end user without one gets the default end-user role.
    #[serde(default)]
    roles: Vec<String>,
    user_type: Option<String>,
    site: Option<String>,
    external_id: Option<String>,
}

/// The JSON form of a bulk import, as the OpenAPI document describes it (the body is read
/// as it streams by `read`, which accepts exactly these fields: a test compares them).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "camelCase", example = json!({
    "kind": "technician",
    "mode": "create",
    "invalidRows": "fail",
    "sendInvitations": true,
    "users": [{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
               "phone": "+44 20 7946 0958", "roles": ["Help Desk Technician"]}]
}))]
pub struct BulkImportJson {
    /// Which kind of user (here or in the query string).
    #[schema(value_type = Option<super::KindName>)]
    kind: Option<String>,
    /// End users: the organization they belong to.
    organization_id: Option<i64>,
    #[schema(value_type = Option<super::bulk_import::ModeName>)]
    mode: Option<String>,
    #[schema(value_type = Option<super::bulk_import::InvalidRowsName>)]
    invalid_rows: Option<String>,
    /// Email each new user an invitation (default true).
    send_invitations: Option<bool>,
    users: Vec<JsonUser>,
}

const HEADER: [&str; 8] = [
    "First name",
    "Last name",
    "Email",
    "Phone",
    "Roles",
    "User type",
    "Site",
    "External ID",
];

const FIELDS: &[&str] = &[
    "kind",
    "organizationId",
    "mode",
    "invalidRows",
    "sendInvitations",
    "users",
];

/// Why a JSON body was not read.
#[derive(Debug, PartialEq, Eq)]
pub enum JsonRefused {
    /// More users, or more text, than an import may hold.
    TooLarge,
    Invalid(String),
}

pub fn read(body: &[u8], limits: &ImportLimits) -> Result<JsonForm, JsonRefused> {
    let over = Cell::new(false);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let form = FormSeed {
        limits,
        over: &over,
    }
    .deserialize(&mut deserializer)
    .and_then(|form| deserializer.end().map(|()| form));
    form.map_err(|error| {
        if over.get() {
            JsonRefused::TooLarge
        } else {
            JsonRefused::Invalid(error.to_string())
        }
    })
}

struct FormSeed<'a> {
    limits: &'a ImportLimits,
    over: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for FormSeed<'_> {
    type Value = JsonForm;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<JsonForm, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FormSeed<'_> {
    type Value = JsonForm;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with \"kind\" and \"users\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonForm, A::Error> {
        let mut form = JsonForm::default();
        let mut users = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => form.kind = map.next_value()?,
                "organizationId" => form.organization_id = map.next_value()?,
                "mode" => form.mode = map.next_value()?,
                "invalidRows" => form.invalid_rows = map.next_value()?,
                "sendInvitations" => form.send_invitations = map.next_value()?,
                "users" => {
                    form.csv = map.next_value_seed(UsersSeed {
                        limits: self.limits,
                        over: self.over,
                    })?;
                    users = true;
                }
                other => return Err(A::Error::unknown_field(other, FIELDS)),
            }
        }
        if !users {
            return Err(A::Error::missing_field("users"));
        }
        Ok(form)
    }
}

struct UsersSeed<'a> {
    limits: &'a ImportLimits,
    over: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for UsersSeed<'_> {
    type Value = Vec<u8>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for UsersSeed<'_> {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of users")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(HEADER).map_err(A::Error::custom)?;
        let mut rows = 0;
        while let Some(user) = seq.next_element::<JsonUser>()? {
            rows += 1;
            let text = |value: Option<String>| value.unwrap_or_default();
            writer
                .write_record([
                    text(user.first_name),
                    text(user.last_name),
                    text(user.email),
                    text(user.phone),
                    user.roles.join(" | "),
                    text(user.user_type),
                    text(user.site),
                    text(user.external_id),
                ])
                .map_err(A::Error::custom)?;
            if rows > self.limits.max_rows || writer.get_ref().len() > self.limits.max_input_bytes {
                self.over.set(true);
                return Err(A::Error::custom("over the import's limit"));
            }
        }
        writer.into_inner().map_err(A::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented_properties<T: utoipa::ToSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn the_documented_json_form_has_exactly_the_fields_read() {
        let mut documented = documented_properties::<BulkImportJson>();
        documented.sort();
        let mut read: Vec<String> = FIELDS.iter().map(|f| f.to_string()).collect();
        read.sort();
        assert_eq!(documented, read);
    }

    #[test]
    fn a_user_with_every_documented_field_is_read_into_every_column() {
        let documented = documented_properties::<JsonUser>();
        assert_eq!(documented.len(), HEADER.len());
        let user: serde_json::Map<String, serde_json::Value> = documented
            .iter()
            .map(|name| {
                let value = if name == "roles" {
                    serde_json::json!(["Agent"])
                } else {
                    serde_json::json!("x")
                };
                (name.clone(), value)
            })
            .collect();
        let body = serde_json::json!({ "kind": "technician", "users": [user] }).to_string();
        let form = read(body.as_bytes(), &ImportLimits::default()).unwrap();
        let csv = String::from_utf8(form.csv).unwrap();
        let row = csv.lines().nth(1).unwrap();
        assert!(row.split(',').all(|cell| !cell.is_empty()), "{row}");
    }

    #[test]
    fn users_become_csv_rows_under_the_engines_headers() {
        let body = br#"{"users": [{"firstName": "Ada", "email": "ada@example.com", "roles": ["A", "B"]}], "kind": "technician"}"#;
        let form = read(body, &ImportLimits::default()).unwrap();
        assert_eq!(form.kind.as_deref(), Some("technician"));
        assert_eq!(
            String::from_utf8(form.csv).unwrap(),
            "First name,Last name,Email,Phone,Roles,User type,Site,External ID\n\
             Ada,,ada@example.com,,A | B,,,\n"
        );
    }

    #[test]
    fn reading_stops_past_the_row_limit_and_unknown_fields_are_refused() {
        let limits = ImportLimits {
            max_rows: 2,
            ..ImportLimits::default()
        };
        let body = br#"{"kind": "technician", "users": [{}, {}, {}]}"#;
        assert_eq!(read(body, &limits).unwrap_err(), JsonRefused::TooLarge);
        let unknown = br#"{"kind": "technician", "users": [{"nickname": "x"}]}"#;
        assert!(matches!(
            read(unknown, &limits),
            Err(JsonRefused::Invalid(_))
        ));
        assert!(matches!(
            read(br#"{"kind": "technician"}"#, &limits),
            Err(JsonRefused::Invalid(_))
        ));
        assert!(matches!(
            read(br#"{"kind": "technician", "users": []} trailing"#, &limits),
            Err(JsonRefused::Invalid(_))
        ));
    }
}
