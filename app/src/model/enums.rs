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
    SendFailed,
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
    SendFailed => "send_failed" / "Send failed",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_as_utc_dates() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00 UTC");
    }

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

impl InvitationStatus {
    /// The status a user row stores ('not_invited', 'pending', 'registered', 'send_failed'),
    /// read at `now`: a pending invitation is Expired from its expiry second on.
    pub fn from_stored(stored: &str, expires_at: Option<i64>, now: i64) -> InvitationStatus {
        match InvitationStatus::parse(stored) {
            Some(InvitationStatus::Pending) => match expires_at {
                Some(at) if now >= at => InvitationStatus::Expired,
                _ => InvitationStatus::Pending,
            },
            Some(status) => status,
            None => InvitationStatus::NotInvited,
        }
    }

    /// Whether an invitation may be (re)sent: everyone but registered users.
    pub fn can_invite(self) -> bool {
        self != InvitationStatus::Registered
    }

    /// Whether there is an open invitation to revoke.
    pub fn can_revoke(self) -> bool {
        matches!(
            self,
            InvitationStatus::Pending | InvitationStatus::Expired | InvitationStatus::SendFailed
        )
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`, the same on server and browser.
pub fn format_time(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// "23 h 5 min left", for a pending invitation.
pub fn time_left(expires_at: i64, now: i64) -> String {
    let left = (expires_at - now).max(0);
    let (hours, minutes) = (left / 3600, (left % 3600) / 60);
    match (hours, minutes) {
        (0, 0) => "less than a minute left".into(),
        (0, m) => format!("{m} min left"),
        (h, 0) => format!("{h} h left"),
        (h, m) => format!("{h} h {m} min left"),
    }
}

#[cfg(test)]
mod status_tests {
    use super::*;

    const SENT: i64 = 1_000_000;
    const DAY: i64 = 24 * 3600;

    #[test]
    fn an_invitation_is_pending_until_it_expires_24_hours_after_sending() {
        let at = |now| InvitationStatus::from_stored("pending", Some(SENT + DAY), now);
        assert_eq!(at(SENT + DAY - 1), InvitationStatus::Pending);
        assert_eq!(at(SENT + DAY), InvitationStatus::Expired);
    }

    #[test]
    fn stored_statuses_other_than_pending_do_not_depend_on_time() {
        for (stored, status) in [
            ("registered", InvitationStatus::Registered),
            ("not_invited", InvitationStatus::NotInvited),
            ("send_failed", InvitationStatus::SendFailed),
            ("nonsense", InvitationStatus::NotInvited),
        ] {
            assert_eq!(
                InvitationStatus::from_stored(stored, Some(SENT), SENT + 9 * DAY),
                status
            );
        }
    }

    #[test]
    fn registered_users_cannot_be_invited_and_only_open_invitations_revoked() {
        assert!(!InvitationStatus::Registered.can_invite());
        assert!(
            InvitationStatus::Expired.can_invite() && InvitationStatus::NotInvited.can_invite()
        );
        assert!(!InvitationStatus::NotInvited.can_revoke());
        assert!(InvitationStatus::SendFailed.can_revoke());
    }

    #[test]
    fn time_left_reads_in_hours_and_minutes() {
        assert_eq!(time_left(SENT + DAY, SENT), "24 h left");
        assert_eq!(time_left(SENT + 3 * 3600 + 300, SENT), "3 h 5 min left");
        assert_eq!(time_left(SENT + 59, SENT), "less than a minute left");
        assert_eq!(time_left(SENT + 600, SENT), "10 min left");
    }
}
