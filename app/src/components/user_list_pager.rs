//! The pages of a user list (All users, Invitations): First, Previous, where you are, Next,
//! Last — plain links, so they work before the wasm loads and the back button retraces them.
//! Next and Previous continue from this page's last or first user (keyset paging, see
//! `server::user_query`), so a deep page costs what the first does.

use crate::model::UserFilter;
use leptos::prelude::*;

#[component]
pub fn UserListPager(
    filter: UserFilter,
    total: i64,
    page_size: i64,
    /// The first and last user shown on this page, if any.
    ends: Option<(i64, i64)>,
) -> impl IntoView {
    let pages = ((total + page_size - 1) / page_size).max(1);
    let page = filter.page;
    let href = |f: UserFilter| format!("?{}", f.to_query());
    let earlier = page > 0;
    let later = page + 1 < pages;
    let previous = earlier.then(|| {
        href(match ends {
            Some((first, _)) => filter.previous_page(first),
            None => filter.on_page(page - 1),
        })
    });
    let next = later.then(|| {
        href(match ends {
            Some((_, last)) => filter.next_page(last),
            None => filter.on_page(page + 1),
        })
    });
    let first = earlier.then(|| href(filter.first_page()));
    let last = later.then(|| href(filter.on_page(pages - 1)));
    view! {
        <nav class="pager" aria-label="Pages">
            {first.map(|h| view! { <a href=h>"« First"</a> })}
            {previous.map(|h| view! { <a href=h rel="prev">"← Previous"</a> })}
            <span>{format!("Page {} of {}", page + 1, pages)}</span>
            {next.map(|h| view! { <a href=h rel="next">"Next →"</a> })}
            {last.map(|h| view! { <a href=h>"Last »"</a> })}
        </nav>
    }
}
