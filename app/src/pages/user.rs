use crate::api::users::{get_user, reset_authenticator, update_user, user_and_choices};
use crate::components::{
    ErrorNotice, InvitationBadge, UserForm, UserFormSubmit, UserInvitationActions,
};
use crate::error::AppError;
use crate::model::UserDetail;
use crate::rules::UserFieldsInput;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// A user's page: their details, roles and settings, editable.
#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
            .unwrap_or(0)
    };
    let created = move || query.with(|q| q.get("created")).is_some();
    let cloned_from =
        move || query.with(|q| q.get("cloned_from").and_then(|id| id.parse::<i64>().ok()));
    let source = Resource::new(cloned_from, |id| async move {
        match id {
            Some(id) => get_user(id)
                .await
                .ok()
                .map(|u| format!("{} {}", u.first_name, u.last_name)),
            None => None,
        }
    });
    let data = Resource::new(id, user_and_choices);
    let server_errors = RwSignal::new(Vec::new());
    let saved = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    let authenticator_reset = RwSignal::new(false);
    let save = Action::new(move |submit: &UserFormSubmit| {
        let input = submit.input.clone();
        let id = id();
        async move { update_user(id, input).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(())) => {
            saved.set(true);
            data.refetch();
        }
        Some(Err(AppError::Invalid(errors))) => server_errors.set(errors),
        Some(Err(other)) => failure.set(Some(other)),
        None => {}
    });
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/admin/users">"All users"</a>" › User"</nav>
        <Show when=created>
            <p class="notice notice-success" role="status">"User added."</p>
        </Show>
        <Suspense fallback=|| ()>
            {move || source.get().flatten().map(|name| view! {
                <p class="notice notice-success" role="status">{format!("User added with the settings of {name}. An invitation is pending.")}</p>
            })}
        </Suspense>
        <Show when=move || saved.get()>
            <p class="notice notice-success" role="status">"Changes saved."</p>
        </Show>
        <Show when=move || authenticator_reset.get()>
            <p class="notice notice-success" role="status">"Authenticator reset: the user is signed out everywhere, and signs in with an emailed code until they set one up again."</p>
        </Show>
        {move || failure.get().map(|error| view! { <ErrorNotice error/> })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| match result {
                Ok((user, roles, organizations)) => view! {
                    <UserHeading user=user.clone()/>
                    <UserInvitationActions user=user.clone() on_done=Callback::new(move |_| data.refetch())/>
                    {user.has_authenticator.then(|| view! { <AuthenticatorReset user_id=user.id on_done=Callback::new(move |_| { authenticator_reset.set(true); data.refetch(); })/> })}
                    <UserForm initial=fields_of(&user) roles organizations kind_editable=false show_invitation=false
                        submit_label="Save changes"
                        on_submit=Callback::new(move |submit| { saved.set(false); failure.set(None); save.dispatch(submit); })
                        server_errors pending=save.pending()/>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn UserHeading(user: UserDetail) -> impl IntoView {
    let name = format!("{} {}", user.first_name, user.last_name);
    view! {
        <Title text=name.clone()/>
        <div class="page-head">
            <h1>{name}</h1>
            <InvitationBadge status=user.invitation/>
            <a class="button" href=format!("/admin/users/{}/clone", user.id)>"Clone user"</a>
        </div>
        <p class="muted">
            {user.kind.label()}
            {user.organization.map(|org| format!(" · {org}"))}
            {user.external_id.map(|id| format!(" · External ID {id}"))}
        </p>
    }
}

fn fields_of(user: &UserDetail) -> UserFieldsInput {
    UserFieldsInput {
        kind: user.kind,
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        email: user.email.clone(),
        phone: user
            .phone_display
            .clone()
            .or_else(|| user.phone.clone())
            .unwrap_or_default(),
        organization_id: user.organization_id,
        role_ids: user.role_ids.clone(),
        settings: user.settings.clone(),
    }
}

/// "Reset authenticator" (a lost phone), asking once more first: the user's sessions end and
/// they sign in with an emailed code until they set one up again.
#[component]
fn AuthenticatorReset(user_id: i64, on_done: Callback<()>) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let reset = Action::new(move |_: &()| reset_authenticator(user_id));
    Effect::new(move |_| {
        if let Some(Ok(())) = reset.value().get() {
            on_done.run(());
        }
    });
    view! {
        <section class="authenticator-reset" aria-label="Authenticator app">
            <p>"An authenticator app is set up for this user's sign-in. "
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type="button" on:click=move |_| confirming.set(true)>"Reset authenticator"</button>
                }>
                    <span>"Sign them out everywhere and drop their authenticator and recovery codes? "</span>
                    <button type="button" class="danger" disabled=move || reset.pending().get()
                        on:click=move |_| { reset.dispatch(()); }>"Reset it"</button>
                    " "
                    <button type="button" on:click=move |_| confirming.set(false)>"Keep it"</button>
                </Show>
            </p>
            {move || reset.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error/> })}
        </section>
    }
}
