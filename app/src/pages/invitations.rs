use crate::api::invitations::{
    import_funnels, load_invitations, resend_invitations, revoke_invitations,
};
use crate::components::invitations::{
    ImportFunnels, InvitationCommand, InvitationOutcome, InvitationsTable, StatusCountsBar,
};
use crate::components::{poll_every, ErrorNotice, FilterChoices, UserFilters, UserListPager};
use crate::model::UserFilter;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::HashSet;
use std::time::Duration;

/// Administration → Invitations: counts per status overall and per import, the filtered list
/// with bulk Resend and Revoke. Refreshes every few seconds, so acceptances show up unasked.
#[component]
pub fn InvitationsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(|q| UserFilter::from_query(|k| q.get(k))));
    let data = Resource::new(move || filter.get(), load_invitations);
    let funnels = Resource::new(|| (), |_| import_funnels());
    // The filter form's choices load once: a refresh must not redraw a form being filled in.
    let choices = Resource::new(|| (), |_| FilterChoices::load());
    let selection = RwSignal::new(HashSet::<i64>::new());
    let act = Action::new(|(command, ids): &(InvitationCommand, Vec<i64>)| {
        let (command, ids) = (*command, ids.clone());
        async move {
            let result = match command {
                InvitationCommand::Resend => resend_invitations(ids).await,
                InvitationCommand::Revoke => revoke_invitations(ids).await,
            };
            result.map(|r| InvitationOutcome::describe(command, &r))
        }
    });
    let on_command = Callback::new(move |input: (InvitationCommand, Vec<i64>)| {
        act.dispatch(input);
    });
    Effect::new(move |_| {
        if act.value().with(|v| v.as_ref().is_some_and(|r| r.is_ok())) {
            selection.set(HashSet::new());
            data.refetch();
            funnels.refetch();
        }
    });
    // Quietly refresh, but never under an open menu or a half-typed field.
    poll_every(Duration::from_secs(5), move || {
        if !crate::browser::user_is_busy() && !act.pending().get_untracked() {
            data.refetch();
            funnels.refetch();
        }
    });
    let hint = RwSignal::new(None::<&'static str>);
    let bulk = move |command: InvitationCommand| {
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            let ids: Vec<i64> = selection.with(|s| s.iter().copied().collect());
            if ids.is_empty() {
                hint.set(Some("Select one or more users first."));
            } else {
                hint.set(None);
                act.dispatch((command, ids));
            }
        }
    };
    view! {
        <Title text="Invitations"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">"Administration › Accounts › Invitations"</nav>
        <h1>"Invitations"</h1>
        <Suspense fallback=|| ()>
            {move || {
                let current = filter.get();
                Suspend::new(async move {
                    let choices = choices.await;
                    view! { <UserFilters filter=current choices label="Filter invitations"/> }
                })
            }}
        </Suspense>
        <p class="action-result" role="status" aria-live="polite">
            {move || hint.get().map(str::to_string).or_else(|| act.value().get().map(|r| match r {
                Ok(text) => text,
                Err(e) => e.to_string(),
            }))}
        </p>
        <Transition fallback=|| view! { <p>"Loading invitations…"</p> }>
            {move || Suspend::new(async move {
                let page = data.await;
                let jobs = funnels.await.unwrap_or_default();
                match page {
                    Ok(page) => {
                        let f = filter.get_untracked();
                        let ends = page.users.first().zip(page.users.last()).map(|(f, l)| (f.id, l.id));
                        let (total, page_size) = (page.total, page.page_size);
                        view! {
                            <StatusCountsBar counts=page.counts filter=f.clone()/>
                            <p class="muted outbox-waiting" data-testid="emails-waiting">{waiting_text(page.emails_waiting)}</p>
                            <ImportFunnels funnels=jobs/>
                            <form method="post" action="/api/resend_invitations" class="bulk-form">
                                <div class="bulk-bar" role="toolbar" aria-label="Selected users">
                                    <span class="muted">{move || format!("{} selected", selection.with(|s| s.len()))}</span>
                                    <button type="submit" class="button" on:click=bulk(InvitationCommand::Resend)>"Resend invitation"</button>
                                    <button type="submit" class="button" formaction="/api/revoke_invitations" on:click=bulk(InvitationCommand::Revoke)>"Revoke"</button>
                                    <span class="muted">{format!("{} users match", page.total)}</span>
                                </div>
                                <InvitationsTable users=page.users selection on_command/>
                            </form>
                            <UserListPager filter=f.clone() total page_size ends/>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// How many emails the sender still has to hand over.
fn waiting_text(n: i64) -> String {
    match n {
        0 => "Every email has been handed to the mail server.".into(),
        1 => "1 email is waiting to be sent.".into(),
        n => format!(
            "{} emails are waiting to be sent.",
            crate::import::thousands(n)
        ),
    }
}
