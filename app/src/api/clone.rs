//! Clone user. A plain form posts here before the wasm loads, so its fields are the server
//! function's (flat) arguments, named as the inputs are.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;

/// Clone user. The fields arrive as a plain form (it works before the wasm loads), named as the
/// inputs are; checkboxes are present only when ticked.
#[server(endpoint = "clone_user")]
pub async fn clone_user(
    source_id: i64,
    first_name: String,
    last_name: String,
    email: String,
    #[server(default)] phone: String,
    kind: String,
    #[server(default)] organization_id: String,
    #[server(default)] role_ids: Vec<i64>,
    #[server(default)] user_type: String,
    #[server(default)] site: String,
    #[server(default)] language: String,
    #[server(default)] idle_warning_minutes: String,
    #[server(default)] notify_by_email: Option<String>,
    #[server(default)] notify_by_sms: Option<String>,
    #[server(default)] mfa_method: String,
    #[server(default)] send_invitation: Option<String>,
) -> Result<i64, AppError> {
    use crate::model::{MfaMethod, UserKind, UserSettings, UserType};
    use crate::rules::UserFieldsInput;
    use crate::server::{clock, context, users};
    let (state, admin) = context::require_admin().await?;
    let kind = UserKind::parse(&kind).unwrap_or(UserKind::EndUser);
    let input = UserFieldsInput {
        kind,
        first_name,
        last_name,
        email,
        phone,
        organization_id: organization_id
            .trim()
            .parse()
            .ok()
            .filter(|_| kind == UserKind::EndUser),
        role_ids,
        settings: UserSettings {
            user_type: UserType::parse(&user_type).unwrap_or_default(),
            site,
            language,
            idle_warning_minutes: idle_warning_minutes.trim().parse().unwrap_or(0),
            notify_by_email: notify_by_email.is_some(),
            notify_by_sms: notify_by_sms.is_some(),
            mfa_method: MfaMethod::parse(&mfa_method).unwrap_or_default(),
        },
    };
    let actor = admin.actor();
    let base = &state.config.public_base_url;
    let id = users::create_copying(
        &state.db,
        &input,
        send_invitation.is_some(),
        &actor,
        base,
        clock::now(),
        Some(source_id),
    )
    .await?;
    leptos_axum::redirect(&format!("/admin/users/{id}?cloned_from={source_id}"));
    Ok(id)
}
