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
    #[error(
        "Something went wrong on the server. If it keeps happening, quote reference {reference}."
    )]
    Internal { reference: String },
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl AppError {
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
