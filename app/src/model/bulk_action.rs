//! Actions on many users at once from All users: on the selected rows, or on every user a
//! filter matches (not only the page shown).

use super::{count_of, InvitationActionResult, UserFilter};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkUserAction {
    ResendInvitation,
    AssignRole { role_id: i64 },
    RemoveRole { role_id: i64 },
}

/// Which users an action touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkTarget {
    Selected(Vec<i64>),
    /// Everyone the filter matches when the action runs (its page aside).
    Matching(UserFilter),
}

/// What an action did: how many users it changed, how many it left as they were and why
/// (with a few examples), in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub done: usize,
    pub skipped: usize,
    /// Up to [`BulkOutcome::EXAMPLES`] skipped users: (email, reason).
    pub examples: Vec<(String, String)>,
}

impl BulkOutcome {
    pub const EXAMPLES: usize = 5;

    pub fn skip(&mut self, email: &str, reason: &str) {
        self.skipped += 1;
        if self.examples.len() < Self::EXAMPLES {
            self.examples.push((email.to_string(), reason.to_string()));
        }
    }

    /// The sentence shown after the action, e.g. "Assigned Approver to 3 users. Skipped 1:
    /// tess@example.com (Approver is for end users)."
    pub fn describe(&self, action: BulkUserAction, role_name: &str) -> String {
        let users = count_of(self.done, "user", "users");
        let done = match action {
            BulkUserAction::ResendInvitation => {
                format!("Sent {}.", count_of(self.done, "invitation", "invitations"))
            }
            BulkUserAction::AssignRole { .. } => format!("Assigned {role_name} to {users}."),
            BulkUserAction::RemoveRole { .. } => format!("Removed {role_name} from {users}."),
        };
        self.after(done)
    }

    /// `done` followed by who was skipped and why, when anyone was.
    pub fn after(&self, done: String) -> String {
        if self.skipped == 0 {
            return done;
        }
        let examples: Vec<String> = self
            .examples
            .iter()
            .map(|(email, reason)| format!("{email} ({reason})"))
            .collect();
        let more = self.skipped - self.examples.len();
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "{done} Skipped {}: {}{tail}.",
            self.skipped,
            examples.join("; ")
        )
    }
}

/// An invitation action's result counted the same way (every skip, a few examples).
impl From<&InvitationActionResult> for BulkOutcome {
    fn from(result: &InvitationActionResult) -> BulkOutcome {
        let mut outcome = BulkOutcome {
            done: result.done,
            ..BulkOutcome::default()
        };
        for skipped in &result.skipped {
            outcome.skip(&skipped.email, &skipped.reason);
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_counts_everyone_but_lists_only_a_few_examples() {
        let mut outcome = BulkOutcome {
            done: 3,
            ..BulkOutcome::default()
        };
        for i in 0..7 {
            outcome.skip(&format!("t{i}@example.com"), "Approver is for end users");
        }
        assert_eq!(outcome.examples.len(), BulkOutcome::EXAMPLES);
        let text = outcome.describe(BulkUserAction::AssignRole { role_id: 2 }, "Approver");
        assert!(text.starts_with("Assigned Approver to 3 users. Skipped 7: t0@example.com (Approver is for end users);"), "{text}");
        assert!(text.ends_with(" and 2 more."), "{text}");
        let one = BulkOutcome {
            done: 1,
            ..BulkOutcome::default()
        };
        assert_eq!(
            one.describe(BulkUserAction::ResendInvitation, ""),
            "Sent 1 invitation."
        );
    }
}
