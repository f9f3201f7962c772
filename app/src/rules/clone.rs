//! Clone user: what is copied from an existing user into a new account, and what never is.

use super::UserFieldsInput;
use crate::model::UserDetail;

/// The source's settings (kind, organization, roles, user type, site, language, idle warning,
/// notifications, sign-in security) with empty personal details. Never copied: name, email,
/// phone, password, external id, invitation, sessions, history — `UserFieldsInput` has no
/// place for the last five, and the first three start empty.
pub fn settings_copied_from(source: &UserDetail) -> UserFieldsInput {
    UserFieldsInput {
        kind: source.kind,
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        phone: String::new(),
        organization_id: source.organization_id,
        role_ids: source.role_ids.clone(),
        settings: source.settings.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InvitationStatus, MfaMethod, UserKind, UserSettings, UserType};

    fn maria() -> UserDetail {
        UserDetail {
            id: 7,
            kind: UserKind::EndUser,
            first_name: "Maria".into(),
            last_name: "García".into(),
            email: "maria@acme.example".into(),
            phone: Some("+18886678888".into()),
            external_id: Some("EMP-7".into()),
            organization_id: Some(3),
            organization: Some("Acme".into()),
            settings: berlin_settings(),
            role_ids: vec![5, 6],
            invitation: InvitationStatus::Registered,
            time_left: None,
            created_at: 1,
            has_authenticator: false,
            phone_display: None,
        }
    }

    fn berlin_settings() -> UserSettings {
        UserSettings {
            user_type: UserType::Privileged,
            site: "Berlin".into(),
            language: "de".into(),
            idle_warning_minutes: 15,
            notify_by_email: false,
            notify_by_sms: true,
            mfa_method: MfaMethod::Authenticator,
        }
    }

    #[test]
    fn every_setting_is_copied() {
        let copy = settings_copied_from(&maria());
        assert_eq!(copy.kind, UserKind::EndUser);
        assert_eq!(copy.organization_id, Some(3));
        assert_eq!(copy.role_ids, vec![5, 6]);
        assert_eq!(copy.settings, berlin_settings());
        assert_ne!(copy.settings, UserSettings::default());
    }

    #[test]
    fn no_personal_detail_is_copied() {
        let copy = settings_copied_from(&maria());
        assert!(copy.first_name.is_empty() && copy.last_name.is_empty());
        assert!(copy.email.is_empty() && copy.phone.is_empty());
    }
}
