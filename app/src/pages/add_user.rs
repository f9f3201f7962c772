use crate::api::organizations::list_organizations;
use crate::api::users::{create_user, list_roles};
use crate::components::{ErrorNotice, UserForm, UserFormSubmit};
use crate::error::AppError;
use crate::model::UserKind;
use crate::rules::UserFieldsInput;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Add one technician or end user.
#[component]
pub fn AddUserPage() -> impl IntoView {
    let query = use_query_map();
    let organization =
        query.with_untracked(|q| q.get("organization").and_then(|o| o.parse::<i64>().ok()));
    let choices = Resource::new(
        || (),
        |_| async { Ok::<_, AppError>((list_roles().await?, list_organizations().await?)) },
    );
    let server_errors = RwSignal::new(Vec::new());
    let failure = RwSignal::new(None::<AppError>);
    let save = Action::new(move |submit: &UserFormSubmit| {
        let submit = submit.clone();
        async move { create_user(submit.input, submit.send_invitation).await }
    });
    let navigate = use_navigate();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(id)) => navigate(&format!("/admin/users/{id}?created=1"), Default::default()),
        Some(Err(AppError::Invalid(errors))) => server_errors.set(errors),
        Some(Err(other)) => failure.set(Some(other)),
        None => {}
    });
    view! {
        <Title text="Add user"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/admin/users">"All users"</a>" › Add user"</nav>
        <h1>"Add user"</h1>
        {move || failure.get().map(|error| view! { <ErrorNotice error/> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || choices.get().map(|result| match result {
                Ok((roles, organizations)) => {
                    let default_roles = roles.iter().filter(|r| r.is_default && r.applies_to == UserKind::EndUser).map(|r| r.id).collect();
                    let initial = UserFieldsInput { organization_id: organization, role_ids: default_roles, ..UserFieldsInput::default() };
                    view! {
                        <UserForm initial roles organizations kind_editable=true show_invitation=true submit_label="Add user"
                            on_submit=Callback::new(move |submit| { failure.set(None); save.dispatch(submit); })
                            server_errors pending=save.pending()/>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}
