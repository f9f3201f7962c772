use crate::api::profile::{
    offer_authenticator, read_profile, ChangeOwnPassword, ConfirmAuthenticator, EndOwnSession,
    RegenerateRecoveryCodes,
};
use crate::api::session::SignOut;
use crate::components::{
    failure_text, AuthenticatorSetupFields, ErrorNotice, NewPasswordField, RecoveryCodes,
};
use crate::model::{format_time, ActiveSession, MfaMethod, Profile};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/profile`: My profile, for every signed-in user (administrator or not): their sign-in
/// security, authenticator and recovery codes, password, and the sessions they are signed in
/// with. Every change that could hand the account to someone else asks for the current
/// password.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| read_profile());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Title text="My profile"/>
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <span class="brand">"Help desk admin"</span>
            <nav aria-label="Main">
                <Suspense fallback=|| ()>
                    {move || profile.get().and_then(Result::ok).filter(|p| p.is_admin).map(|_| view! {
                        <a href="/admin/users">"Administration"</a>
                    })}
                </Suspense>
            </nav>
            <div class="who">
                <ActionForm action=sign_out>
                    <button type="submit" class="link">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
        <main id="main" class="page narrow">
            <h1>"My profile"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || profile.get().map(|result| match result {
                    Ok(me) => view! { <ProfileSections me/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn ProfileSections(me: Profile) -> impl IntoView {
    let needs_authenticator = me.needs_authenticator();
    view! {
        <p>{me.display_name.clone()} " · " {me.email.clone()}</p>
        {needs_authenticator.then(|| view! {
            <div class="notice" role="status">
                "Your administrator asks for an authenticator app when you sign in. Set one up below: until you do, each sign-in emails you a code."
            </div>
        })}
        <AuthenticatorSection me=me.clone()/>
        <PasswordSection/>
        <SessionsSection sessions=me.sessions.clone()/>
    }
}

fn method_text(method: MfaMethod) -> &'static str {
    match method {
        MfaMethod::None => "Password only. You may add an authenticator app: sign-in then asks for its code too (your administrator can remove it with Reset authenticator).",
        MfaMethod::Email => "Password, then a code we email you.",
        MfaMethod::Authenticator => "Password, then a code from your authenticator app (or a recovery code).",
    }
}

/// The authenticator (set up, or replaced: the current one works until the new is confirmed)
/// and the recovery codes. Nothing here refetches the profile, so new recovery codes stay on
/// the page until it is left.
#[component]
fn AuthenticatorSection(me: Profile) -> impl IntoView {
    let offer = Action::new(|_: &()| offer_authenticator());
    let confirm = ServerAction::<ConfirmAuthenticator>::new();
    let regenerate = ServerAction::<RegenerateRecoveryCodes>::new();
    let had = me.has_authenticator;
    let has = move || had || matches!(confirm.value().get(), Some(Ok(_)));
    // An Email code user is asked for the emailed code whatever else they have.
    let may_set_up = me.mfa_method != MfaMethod::Email;
    let confirm_error = failure_text(confirm.value());
    let regenerate_error = failure_text(regenerate.value());
    let action_name = if had {
        "Replace your authenticator app"
    } else {
        "Set up an authenticator app"
    };
    view! {
        <section aria-labelledby="security-heading">
            <h2 id="security-heading">"Sign-in security"</h2>
            <p>"Set by your administrator: " <strong>{me.mfa_method.label()}</strong> ". " {method_text(me.mfa_method)}</p>
            <p>{move || if has() { "Authenticator app: set up." } else { "Authenticator app: not set up." }}</p>
            {may_set_up.then(|| view! {
                {move || match confirm.value().get() {
                    Some(Ok(codes)) => view! {
                        <p role="status">"Your authenticator app is set up. Your other sessions were ended."</p>
                        <RecoveryCodes codes heading_id="new-app-codes-heading"/>
                    }.into_any(),
                    _ => match offer.value().get() {
                        None => view! {
                            <button type="button" disabled=move || offer.pending().get()
                                on:click=move |_| { offer.dispatch(()); }>{action_name}</button>
                        }.into_any(),
                        Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                        Some(Ok(setup)) => view! {
                            <ActionForm action=confirm>
                                <fieldset class="authenticator-setup">
                                    <legend>{action_name}</legend>
                                    {had.then(|| view! { <p>"Your current app keeps working until this one is confirmed."</p> })}
                                    <AuthenticatorSetupFields setup/>
                                    <CurrentPasswordField id="authenticator-password"/>
                                </fieldset>
                                <p class="field-error" role="alert">{confirm_error}</p>
                                <button type="submit" class="primary" disabled=move || confirm.pending().get()>"Confirm"</button>
                            </ActionForm>
                        }.into_any(),
                    },
                }}
            })}
        </section>
        {had.then(|| view! {
            <section aria-labelledby="recovery-codes-heading">
                <h2 id="recovery-codes-heading">"Recovery codes"</h2>
                <p>{format!("{} of 10 unused when this page opened.", me.recovery_codes_left)} " Each lets you sign in once without your phone."</p>
                {move || match regenerate.value().get() {
                    Some(Ok(codes)) => view! { <RecoveryCodes codes heading_id="regenerated-codes-heading"/> }.into_any(),
                    _ => view! {
                        <ActionForm action=regenerate>
                            <fieldset>
                                <legend>"Make new recovery codes"</legend>
                                <p>"New codes replace all the old ones."</p>
                                <CurrentPasswordField id="recovery-password"/>
                            </fieldset>
                            <p class="field-error" role="alert">{regenerate_error}</p>
                            <button type="submit" disabled=move || regenerate.pending().get()>"Make new recovery codes"</button>
                        </ActionForm>
                    }.into_any(),
                }}
            </section>
        })}
    }
}

/// The current password, asked before a change that could hand the account to someone else.
#[component]
fn CurrentPasswordField(id: &'static str) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>"Current password"</label>
            <input id=id name="current_password" type="password" required=true autocomplete="current-password"/>
        </div>
    }
}

#[component]
fn PasswordSection() -> impl IntoView {
    let change = ServerAction::<ChangeOwnPassword>::new();
    let said = move || match change.value().get() {
        Some(Ok(())) => {
            Some("Your password is changed. Your other sessions were ended.".to_string())
        }
        _ => None,
    };
    let error = failure_text(change.value());
    view! {
        <section aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <ActionForm action=change>
                <fieldset>
                    <legend>"Change your password"</legend>
                    <CurrentPasswordField id="current-password"/>
                    <NewPasswordField label="New password"/>
                </fieldset>
                <p class="field-error" role="alert">{error}</p>
                <p role="status">{said}</p>
                <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}

/// The user's sessions; ending one removes its row here (the profile is not reloaded, so
/// nothing else on the page is lost).
#[component]
fn SessionsSection(sessions: Vec<ActiveSession>) -> impl IntoView {
    let ended = RwSignal::new(0usize);
    let error = RwSignal::new(None::<String>);
    view! {
        <section aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Where you are signed in"</h2>
            <table class="sessions">
                <caption class="visually-hidden">"Your sessions"</caption>
                <thead><tr>
                    <th scope="col">"Browser"</th><th scope="col">"Address"</th>
                    <th scope="col">"Signed in"</th><th scope="col">"Last active"</th><th scope="col"><span class="visually-hidden">"Action"</span></th>
                </tr></thead>
                <tbody>
                    {sessions.into_iter().map(|session| {
                        let device = session.device();
                        let id = session.id;
                        let end = ServerAction::<EndOwnSession>::new();
                        Effect::new(move |_| match end.value().get() {
                            Some(Ok(())) => ended.update(|n| *n += 1),
                            Some(Err(e)) => error.set(Some(e.to_string())),
                            None => {}
                        });
                        view! {
                            <tr hidden=move || matches!(end.value().get(), Some(Ok(())))>
                                <td title=session.user_agent.clone().unwrap_or_default()>{device.clone()}</td>
                                <td>{session.client_address.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>{format_time(session.created_at)}</td>
                                <td>{format_time(session.last_seen_at)}</td>
                                <td>{if session.current {
                                    view! { <span>"This session"</span> }.into_any()
                                } else {
                                    view! {
                                        <ActionForm action=end>
                                            <input type="hidden" name="id" value=id.to_string()/>
                                            <button type="submit" class="link"
                                                aria-label=format!("End the session of {device} signed in {}", format_time(session.created_at))>"End"</button>
                                        </ActionForm>
                                    }.into_any()
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <p role="status">{move || { let n = ended.get(); (n > 0).then(|| format!("Ended {}.", crate::model::count_of(n, "session", "sessions"))) }}</p>
        </section>
    }
}
