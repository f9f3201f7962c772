use serde::{Deserialize, Serialize};

/// Technicians sign in to the admin console; end users belong to an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserKind {
    Technician,
    EndUser,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum UserType {
    #[default]
    Standard,
    Privileged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum MfaMethod {
    #[default]
    None,
    Email,
    Authenticator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvitationStatus {
    NotInvited,
    Pending,
    Expired,
    Registered,
}

/// The string each enum is stored as, in both databases and in form values.
macro_rules! stored_as {
    ($ty:ty { $($variant:ident => $text:literal / $label:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $text),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $(<$ty>::$variant => $label),+ }
            }

            pub fn parse(text: &str) -> Option<$ty> {
                match text { $($text => Some(<$ty>::$variant),)+ _ => None }
            }
        }
    };
}

stored_as!(UserKind { Technician => "technician" / "Technician", EndUser => "end_user" / "End user" });
stored_as!(UserType { Standard => "standard" / "Standard", Privileged => "privileged" / "Privileged" });
stored_as!(MfaMethod {
    None => "none" / "None",
    Email => "email" / "Email code",
    Authenticator => "authenticator" / "Authenticator app",
});
stored_as!(InvitationStatus {
    NotInvited => "not_invited" / "Not invited",
    Pending => "pending" / "Pending",
    Expired => "expired" / "Expired",
    Registered => "registered" / "Registered",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_value_parses_back_to_itself() {
        for kind in UserKind::ALL {
            assert_eq!(UserKind::parse(kind.as_str()), Some(*kind));
        }
        for t in UserType::ALL {
            assert_eq!(UserType::parse(t.as_str()), Some(*t));
        }
        for m in MfaMethod::ALL {
            assert_eq!(MfaMethod::parse(m.as_str()), Some(*m));
        }
        for s in InvitationStatus::ALL {
            assert_eq!(InvitationStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(UserKind::parse("admin"), None);
    }
}

/// The latest invitation of a user, as far as status is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitationTimes {
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl InvitationStatus {
    /// Registered once the user set a password; otherwise decided by their latest invitation.
    pub fn derive(registered: bool, latest: Option<InvitationTimes>, now: i64) -> InvitationStatus {
        if registered {
            return InvitationStatus::Registered;
        }
        match latest {
            None => InvitationStatus::NotInvited,
            Some(i) if i.accepted_at.is_some() => InvitationStatus::Registered,
            Some(i) if i.revoked_at.is_some() => InvitationStatus::NotInvited,
            Some(i) if now >= i.expires_at => InvitationStatus::Expired,
            Some(_) => InvitationStatus::Pending,
        }
    }
}

#[cfg(test)]
mod status_tests {
    use super::*;

    const SENT: i64 = 1_000_000;
    const DAY: i64 = 24 * 3600;

    fn invite(accepted: Option<i64>, revoked: Option<i64>) -> Option<InvitationTimes> {
        Some(InvitationTimes {
            expires_at: SENT + DAY,
            accepted_at: accepted,
            revoked_at: revoked,
        })
    }

    #[test]
    fn an_invitation_is_pending_until_it_expires_24_hours_after_sending() {
        assert_eq!(
            InvitationStatus::derive(false, invite(None, None), SENT + DAY - 1),
            InvitationStatus::Pending
        );
        assert_eq!(
            InvitationStatus::derive(false, invite(None, None), SENT + DAY),
            InvitationStatus::Expired
        );
    }

    #[test]
    fn accepted_or_registered_users_are_registered_and_uninvited_ones_not_invited() {
        assert_eq!(
            InvitationStatus::derive(false, invite(Some(SENT + 5), None), SENT + 9 * DAY),
            InvitationStatus::Registered
        );
        assert_eq!(
            InvitationStatus::derive(true, None, SENT),
            InvitationStatus::Registered
        );
        assert_eq!(
            InvitationStatus::derive(false, None, SENT),
            InvitationStatus::NotInvited
        );
        assert_eq!(
            InvitationStatus::derive(false, invite(None, Some(SENT + 1)), SENT + 2),
            InvitationStatus::NotInvited
        );
    }
}
