use crate::model::{BulkOutcome, InvitationActionResult};

/// What the dashboard's buttons and row menus do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationCommand {
    Resend,
    Revoke,
}

/// The sentence shown after an action: how many were done, who was skipped and why.
pub struct InvitationOutcome;

impl InvitationOutcome {
    pub fn describe(command: InvitationCommand, result: &InvitationActionResult) -> String {
        let done = match (command, result.done) {
            (InvitationCommand::Resend, 1) => "Sent 1 invitation.".to_string(),
            (InvitationCommand::Resend, n) => format!("Sent {n} invitations."),
            (InvitationCommand::Revoke, 1) => "Revoked 1 invitation.".to_string(),
            (InvitationCommand::Revoke, n) => format!("Revoked {n} invitations."),
        };
        BulkOutcome::from(result).after(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SkippedUser;

    #[test]
    fn the_outcome_says_what_was_done_and_why_rows_were_skipped() {
        let result = InvitationActionResult {
            done: 2,
            skipped: vec![SkippedUser {
                user_id: 1,
                email: "a@b.c".into(),
                reason: "already registered".into(),
            }],
        };
        assert_eq!(
            InvitationOutcome::describe(InvitationCommand::Resend, &result),
            "Sent 2 invitations. Skipped 1: a@b.c (already registered)."
        );
        assert_eq!(
            InvitationOutcome::describe(
                InvitationCommand::Revoke,
                &InvitationActionResult {
                    done: 1,
                    skipped: vec![]
                }
            ),
            "Revoked 1 invitation."
        );
    }
}
