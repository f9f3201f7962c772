//! The one error every server function returns. It is serialisable and carries no database
//! text: internal causes are logged on the server under a reference the user can quote.

use crate::rules::FieldError;
use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("Please sign in.")]
    Unauthenticated,
    #[error("Only a System Administrator may do this.")]
    Forbidden,
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("Some fields need attention.")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("The email or password is not correct.")]
    BadCredentials,
    #[error("{0}")]
    BadRequest(String),
    #[error("This request is larger than the limit of {}.", megabytes(*limit_bytes))]
    TooLarge { limit_bytes: u64 },
    #[error("Too many attempts. Try again in {retry_after_seconds} seconds.")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("The upload stopped: nothing arrived for {idle_seconds} s. Check the connection and try again.")]
    BodyTimedOut { idle_seconds: u64 },
    #[error(
        "Something went wrong on the server. If it keeps happening, quote reference {reference}."
    )]
    Internal { reference: String },
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Arguments that do not decode (server_fn reports a JSON body that does not parse as
    /// `Deserialization`) were sent by a broken or hostile client, or by a page older than the
    /// server: a plain 400, never the deserialiser's text. Everything else is the network
    /// between browser and server.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => AppError::BadRequest(
                "The request could not be read. Reload the page and try again.".into(),
            ),
            ServerFnErrorErr::Registration(_) => AppError::NotFound("That action".into()),
            other => AppError::Transport(other.to_string()),
        }
    }
}

fn megabytes(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        format!("{} MB", bytes.div_ceil(MB))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

impl AppError {
    /// The HTTP status of this refusal; 500 means our bug (or the database's).
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::BadRequest(_) => 400,
            AppError::BodyTimedOut { .. } => 408,
            AppError::TooLarge { .. } => 413,
            AppError::Invalid(_) => 422,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 502,
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_status_and_only_bugs_are_500() {
        let cases = [
            (AppError::Unauthenticated, 401),
            (AppError::BadCredentials, 401),
            (AppError::Forbidden, 403),
            (AppError::NotFound("That user".into()), 404),
            (AppError::Conflict("taken".into()), 409),
            (AppError::BadRequest("bad".into()), 400),
            (AppError::TooLarge { limit_bytes: 1 }, 413),
            (AppError::BodyTimedOut { idle_seconds: 30 }, 408),
            (AppError::Invalid(Vec::new()), 422),
            (
                AppError::TooManyRequests {
                    retry_after_seconds: 5,
                },
                429,
            ),
            (
                AppError::Internal {
                    reference: "x".into(),
                },
                500,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
        }
    }

    #[test]
    fn undecodable_arguments_are_a_plain_bad_request() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "invalid type: integer `1`, expected a string at line 1 column 9".into(),
        ));
        assert_eq!(error.status(), 400);
        assert!(!error.to_string().contains("invalid type"), "{error}");
    }

    #[test]
    fn the_size_limit_is_said_in_megabytes() {
        assert_eq!(
            AppError::TooLarge {
                limit_bytes: 20 * 1024 * 1024
            }
            .to_string(),
            "This request is larger than the limit of 20 MB."
        );
    }
}
