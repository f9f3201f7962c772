use super::input_step::ReadProblems;
use super::state::{ImportState, Step};
use crate::browser;
use crate::import::{export, thousands, HeaderChoice, MappingChoice, HEADER_SEARCH_ROWS};
use leptos::prelude::*;

/// Counters, filters and the actions on selected rows.
#[component]
pub fn PreviewToolbar(state: ImportState) -> impl IntoView {
    let total =
        move || state.table.with(|t| t.rows.len()) - state.report.with(|r| r.first_data_row());
    let complete = move || state.report.with(|r| r.is_complete());
    let checked = move || state.report.with(|r| r.checked_rows());
    let valid = move || state.report.with(|r| r.valid_count());
    let invalid = move || {
        state.report.with(|r| {
            if r.is_complete() {
                r.invalid_count()
            } else {
                0
            }
        })
    };
    let selected = move || state.selection.with(|s| s.len());
    view! {
        <ReadProblems state/>
        <FileProblems state/>
        <div class="preview-toolbar">
            <p class="counters" aria-live="polite">
                <strong>{move || crate::model::count_of(total(), "row", "rows")}</strong>
                <Show when=complete fallback=move || view! {
                    " · " <span role="status">{move || format!("Checking… {} of {} rows", thousands(checked() as i64), thousands(total() as i64))}</span>
                }>
                    " · " <span class="ok">{move || format!("{} valid", valid())}</span>
                    " · " <span class="bad">{move || format!("{} with problems", invalid())}</span>
                </Show>
            </p>
            <label class="checkbox"><input type="checkbox" prop:checked=move || state.filter.with(|f| f.problems_only)
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    state.filter.update(|f| f.problems_only = on);
                    state.back_to_top();
                }/>" Show only rows with problems"</label>
            <SearchBox state/>
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
                state.remove_rows(&rows);
                state.selection.set(Default::default());
            }>"Remove"</button>
            <button type="button" class="link" disabled=move || invalid() == 0 on:click=move |_| {
                let lines = state.report.with_untracked(|r| export::report_error_lines(r));
                browser::download("import-errors.csv", "text/csv", &export::errors_csv(&lines));
            }>"Download errors"</button>
        </div>
    }
}

#[component]
fn FileProblems(state: ImportState) -> impl IntoView {
    // Drawn again only when the problems change, not at every edit.
    let problems = Memo::new(move |_| {
        state.report.with(|r| {
            let messages = |issues: &[crate::import::ImportIssue]| {
                issues.iter().map(|i| i.code.message()).collect::<Vec<_>>()
            };
            (messages(&r.file_issues), messages(&r.notices))
        })
    });
    view! {
        {move || problems.with(|(blocking, notices)| {
            let (blocking, notices) = (blocking.clone(), notices.clone());
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
    let candidates = Memo::new(move |_| {
        state.table.with(|t| {
            t.rows
                .iter()
                .take(HEADER_SEARCH_ROWS)
                .map(|r| r.line)
                .collect::<Vec<_>>()
        })
    });
    let current = Memo::new(move |_| state.report.with(|r| r.header_row));
    let current = move || current.get();
    let change = move |ev| {
        let header = match event_target_value(&ev).parse::<usize>() {
            Ok(row) => HeaderChoice::Row(row),
            Err(_) => HeaderChoice::NoHeader,
        };
        state.selection.set(Default::default());
        state.back_to_top();
        state.check_all(
            MappingChoice {
                header,
                fields: None,
            },
            true,
        );
    };
    view! {
        <label>"Header row "
            <select on:change=change>
                <option value="none" selected=move || current().is_none()>"None: every row is data"</option>
                {move || candidates.get().into_iter().enumerate().map(|(index, line)| view! {
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
            state.load_file(&bytes, Some(&sheet), name);
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
        state.assign_roles(&rows, &names);
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

/// Rows whose name or email contains what is typed, over every row; the filter follows the
/// typing a moment later, so each keystroke does not search half a million rows.
#[component]
fn SearchBox(state: ImportState) -> impl IntoView {
    let typed = StoredValue::new(0u64);
    let input = move |ev| {
        let text = event_target_value(&ev);
        typed.update_value(|t| *t += 1);
        let mine = typed.get_value();
        set_timeout(
            move || {
                if typed.try_get_value() != Some(mine) {
                    return;
                }
                state.filter.update(|f| f.search = text);
                state.back_to_top();
            },
            std::time::Duration::from_millis(200),
        );
    };
    view! {
        <input type="search" class="preview-search" placeholder="Search name or email"
            aria-label="Search rows by name or email" on:input=input/>
    }
}

/// Moves to the next row with a problem after the current cell's row, among the rows shown,
/// and focuses its first bad cell.
fn next_problem(state: ImportState) {
    let after = state.active.get_untracked().0;
    let rows = state.shown_len();
    let found = state.report.with_untracked(|report| {
        let bad = |position: &usize| {
            state
                .report_row_at(*position)
                .is_some_and(|row| !report.rows[row].issues.is_empty())
        };
        let position = (after + 1..rows)
            .find(bad)
            .or_else(|| (0..rows).find(bad))?;
        let row = state.report_row_at(position)?;
        let column = report.rows[row]
            .issues
            .iter()
            .find_map(|i| i.column)
            .unwrap_or(0);
        Some((position, column))
    });
    if let Some((position, column)) = found {
        state.go_to(position, column);
    }
}
