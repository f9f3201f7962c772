use super::input_step::ReadProblems;
use super::state::{ImportState, Step, PAGE_SIZE};
use crate::browser;
use crate::import::{edit, export, HeaderChoice, ImportSource, MappingChoice, HEADER_SEARCH_ROWS};
use leptos::prelude::*;

/// Counters, filters and the actions on selected rows.
#[component]
pub fn PreviewToolbar(state: ImportState) -> impl IntoView {
    let total = move || state.report.with(|r| r.rows.len());
    let valid = move || state.report.with(|r| r.valid_count());
    let invalid = move || state.report.with(|r| r.invalid_count());
    let selected = move || state.selection.with(|s| s.len());
    view! {
        <ReadProblems state/>
        <FileProblems state/>
        <div class="preview-toolbar">
            <p class="counters" aria-live="polite">
                <strong>{move || crate::model::count_of(total(), "row", "rows")}</strong>
                " · " <span class="ok">{move || format!("{} valid", valid())}</span>
                " · " <span class="bad">{move || format!("{} with problems", invalid())}</span>
            </p>
            <label class="checkbox"><input type="checkbox" bind:checked=state.problems_only
                on:change=move |_| state.page.set(0)/>" Show only rows with problems"</label>
            <button type="button" on:click=move |_| next_problem(state) disabled=move || invalid() == 0>"Next problem"</button>
            <SheetPicker state/>
            <HeaderRowPicker state/>
            <button type="button" class="link" on:click=move |_| state.step.set(Step::Input)>"Start over"</button>
        </div>
        <div class="preview-toolbar">
            <span class="muted">{move || format!("{} selected", selected())}</span>
            <AssignRoles state/>
            <button type="button" disabled=move || selected() == 0 on:click=move |_| {
                let rows: Vec<usize> = state.selection.get_untracked().into_iter().collect();
                state.table.update(|t| edit::remove_rows(t, &rows));
                state.selection.set(Default::default());
            }>"Remove"</button>
            <button type="button" class="link" disabled=move || invalid() == 0 on:click=move |_| {
                let lines = state.report.with_untracked(export::report_error_lines);
                browser::download("import-errors.csv", "text/csv", &export::errors_csv(&lines));
            }>"Download errors"</button>
        </div>
    }
}

#[component]
fn FileProblems(state: ImportState) -> impl IntoView {
    view! {
        {move || state.report.with(|r| {
            let blocking: Vec<String> = r.file_issues.iter().map(|i| i.code.message()).collect();
            let notices: Vec<String> = r.notices.iter().map(|i| i.code.message()).collect();
            view! {
                {(!blocking.is_empty()).then(|| view! {
                    <div class="notice notice-error" role="alert">{blocking.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}</div>
                })}
                {(!notices.is_empty()).then(|| view! {
                    <div class="notice">{notices.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}</div>
                })}
            }
        })}
    }
}

/// Which row holds the column names: the engine's guess, changeable when it is wrong (a
/// title above the header, or data without one). Moving it re-maps the columns by name.
#[component]
fn HeaderRowPicker(state: ImportState) -> impl IntoView {
    let candidates = move || {
        state.table.with(|t| {
            t.rows
                .iter()
                .take(HEADER_SEARCH_ROWS)
                .map(|r| r.line)
                .collect::<Vec<_>>()
        })
    };
    let current = move || state.report.with(|r| r.header_row);
    let change = move |ev| {
        let header = match event_target_value(&ev).parse::<usize>() {
            Ok(row) => HeaderChoice::Row(row),
            Err(_) => HeaderChoice::NoHeader,
        };
        state.mapping.set(MappingChoice {
            header,
            fields: None,
        });
        state.selection.set(Default::default());
        state.page.set(0);
        state.preselect_default_role();
    };
    view! {
        <label>"Header row "
            <select on:change=change>
                <option value="none" selected=move || current().is_none()>"None: every row is data"</option>
                {move || candidates().into_iter().enumerate().map(|(index, line)| view! {
                    <option value=index.to_string() selected=move || current() == Some(index)>{format!("Row {line}")}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// A workbook with several sheets: the admin picks which one to import.
#[component]
fn SheetPicker(state: ImportState) -> impl IntoView {
    let change = move |ev| {
        let sheet = event_target_value(&ev);
        let name = state.source_name.get_untracked();
        if let Some(bytes) = state.file.get_value() {
            state.load(
                ImportSource::File {
                    bytes: &bytes,
                    sheet: Some(&sheet),
                },
                name,
            );
        }
    };
    view! {
        <Show when=move || { state.sheets.with(|s| s.len() > 1) }>
            <label>"Sheet "
                <select on:change=change>
                    {move || state.sheets.get().into_iter().map(|s| {
                        let selected = state.sheet.get().as_deref() == Some(s.as_str());
                        view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
        </Show>
    }
}

#[component]
fn AssignRoles(state: ImportState) -> impl IntoView {
    let chosen = RwSignal::new(Vec::<String>::new());
    let open = RwSignal::new(false);
    let roles: Vec<String> = state.roles.with_value(|r| {
        r.iter()
            .filter(|r| r.applies_to == state.kind)
            .map(|r| r.name.clone())
            .collect()
    });
    let apply = move |_| {
        let rows: Vec<usize> = state.selection.get_untracked().into_iter().collect();
        let names = chosen.get_untracked();
        let report = state.report.get_untracked();
        let mut table = state.table.get_untracked();
        let mut mapping = state.mapping.get_untracked();
        edit::assign_roles(&mut table, &mut mapping, &report, &rows, &names);
        state.mapping.set(mapping);
        state.table.set(table);
        open.set(false);
    };
    view! {
        <div class="menu">
            <button type="button" aria-expanded=move || open.get().to_string()
                disabled=move || state.selection.with(|s| s.is_empty()) on:click=move |_| open.update(|o| *o = !*o)>"Assign roles"</button>
            <Show when=move || open.get()>
                <div class="menu-items" role="group" aria-label="Roles to assign">
                    {roles.clone().into_iter().map(|name| {
                        let value = name.clone();
                        view! {
                            <label class="checkbox">
                                <input type="checkbox" on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| { c.retain(|x| *x != value); if on { c.push(value.clone()); } });
                                }/>
                                " " {name}
                            </label>
                        }
                    }).collect_view()}
                    <button type="button" class="primary" on:click=apply disabled=move || chosen.with(|c| c.is_empty())>"Apply to selected rows"</button>
                </div>
            </Show>
        </div>
    }
}

/// Moves to the next row with a problem after the focused one and focuses its first bad cell.
fn next_problem(state: ImportState) {
    let report = state.report.get_untracked();
    let bad: Vec<usize> = report
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.issues.is_empty())
        .map(|(i, _)| i)
        .collect();
    let after = state.problem_cursor.get_value();
    let Some(&target) = bad
        .iter()
        .find(|i| after.is_none_or(|a| **i > a))
        .or(bad.first())
    else {
        return;
    };
    state.problem_cursor.set_value(Some(target));
    let position = if state.problems_only.get_untracked() {
        bad.iter().position(|i| *i == target).unwrap_or(0)
    } else {
        target
    };
    state.page.set(position / PAGE_SIZE);
    let column = report.rows[target]
        .issues
        .iter()
        .find_map(|i| i.column)
        .unwrap_or(0);
    let id = format!("cell-{}-{}", state.table_row(target), column);
    set_timeout(
        move || browser::focus_element(&id),
        std::time::Duration::from_millis(30),
    );
}
