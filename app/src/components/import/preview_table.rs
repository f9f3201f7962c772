use super::state::{ImportState, PAGE_SIZE};
use crate::browser;
use crate::import::{HeaderChoice, ImportField, MappingChoice};
use leptos::prelude::*;

/// The preview: one column per source column, its mapping changeable in the header; every cell
/// marked valid or invalid with its message (on hover, on focus, and for screen readers).
/// Arrow keys move between cells, Enter edits, Escape cancels.
#[component]
pub fn PreviewTable(state: ImportState) -> impl IntoView {
    // Report rows shown on this page (indexes into report.rows).
    let visible = Memo::new(move |_| {
        let start = state.page.get() * PAGE_SIZE;
        let problems_only = state.problems_only.get();
        state.report.with(|report| {
            if problems_only {
                (0..report.rows.len())
                    .filter(|i| !report.rows[*i].issues.is_empty())
                    .skip(start)
                    .take(PAGE_SIZE)
                    .collect::<Vec<_>>()
            } else {
                (start..(start + PAGE_SIZE).min(report.rows.len())).collect()
            }
        })
    });
    let columns = Memo::new(move |_| state.report.with(|r| r.columns.len()));
    let editing = RwSignal::new(None::<(usize, usize, String)>);
    let all_selected = move || {
        let rows = state.report.with(|r| r.rows.len());
        rows > 0 && state.selection.with(|s| s.len() == rows)
    };
    let toggle_all = move |ev| {
        let on = event_target_checked(&ev);
        let offset = state.report.with_untracked(|r| r.first_data_row());
        let rows = state.report.with_untracked(|r| r.rows.len());
        state.selection.set(if on {
            (offset..offset + rows).collect()
        } else {
            Default::default()
        });
    };
    view! {
        <div class="preview-scroll">
            <table class="data-table preview" aria-label="Rows to import">
                <thead>
                    <tr>
                        <th scope="col"><input type="checkbox" aria-label="Select all rows" prop:checked=all_selected on:change=toggle_all
                            disabled=move || !state.report.with(|r| r.is_complete())/></th>
                        <th scope="col">"Row"</th>
                        <For each=move || 0..columns.get() key=|c| *c let:column>
                            <ColumnHeader state column/>
                        </For>
                    </tr>
                </thead>
                <tbody>
                    <AboveHeaderRows state columns/>
                    <For each=move || visible.get() key=|i| *i let:row>
                        <PreviewRow state row columns editing/>
                    </For>
                </tbody>
            </table>
        </div>
        <Pager state/>
    }
}

/// Rows above the header (a title, notes), greyed at the top of the first page: they are
/// shown so the admin can see what was skipped, and never imported.
#[component]
fn AboveHeaderRows(state: ImportState, columns: Memo<usize>) -> impl IntoView {
    let rows = Memo::new(move |_| {
        if state.page.get() != 0 || state.problems_only.get() {
            return Vec::new();
        }
        let above = state.report.with(|r| r.header_row.unwrap_or(0));
        state
            .table
            .with(|t| t.rows.iter().take(above).cloned().collect::<Vec<_>>())
    });
    view! {
        {move || rows.get().into_iter().map(|row| {
            let width = columns.get();
            view! {
                <tr class="above-header" title="Above the header row: not imported">
                    <td></td>
                    <th scope="row">{row.line}</th>
                    {(0..width).map(|c| view! { <td>{row.cells.get(c).cloned().unwrap_or_default()}</td> }).collect_view()}
                </tr>
            }
        }).collect_view()}
    }
}

#[component]
fn ColumnHeader(state: ImportState, column: usize) -> impl IntoView {
    // Drawn again only when this column's mapping changes, not at every edit.
    let mapping = Memo::new(move |_| state.report.with(|r| r.columns.get(column).cloned()));
    let mapping = move || mapping.get();
    let change = move |ev| {
        let label = event_target_value(&ev);
        let Some(field) = ImportField::ALL
            .iter()
            .copied()
            .find(|f| f.label() == label)
        else {
            return;
        };
        let (mut fields, header_row): (Vec<ImportField>, _) = state
            .report
            .with_untracked(|r| (r.columns.iter().map(|c| c.field).collect(), r.header_row));
        if let Some(slot) = fields.get_mut(column) {
            *slot = field;
        }
        state.check_all(
            MappingChoice {
                header: HeaderChoice::keep(header_row),
                fields: Some(fields),
            },
            false,
        );
    };
    view! {
        <th scope="col">
            <span class="column-name">{move || mapping().and_then(|m| m.header).unwrap_or_else(|| format!("Column {}", column + 1))}</span>
            <select aria-label=format!("Column {} is imported as", column + 1) on:change=change>
                {move || {
                    let current = mapping().map(|m| m.field);
                    ImportField::ALL.iter().map(|f| view! {
                        <option value=f.label() selected=current == Some(*f)>{f.label()}</option>
                    }).collect_view()
                }}
            </select>
        </th>
    }
}

/// One row of the preview. Its cells read the row's own memos (its cells' text, its outcome),
/// so an edit draws again only the rows it changed, not every visible cell.
#[component]
fn PreviewRow(
    state: ImportState,
    row: usize,
    columns: Memo<usize>,
    editing: RwSignal<Option<(usize, usize, String)>>,
) -> impl IntoView {
    let table_row = Memo::new(move |_| state.table_row(row));
    let cells = Memo::new(move |_| {
        let index = table_row.get();
        state.table.with(|t| {
            t.rows
                .get(index)
                .map(|r| r.cells.clone())
                .unwrap_or_default()
        })
    });
    let outcome = Memo::new(move |_| state.report.with(|r| r.rows.get(row).cloned()));
    let line = move || outcome.with(|o| o.as_ref().map(|o| o.line).unwrap_or_default());
    let invalid = move || outcome.with(|o| o.as_ref().is_some_and(|o| !o.issues.is_empty()));
    let selected = move || state.selection.with(|s| s.contains(&table_row.get()));
    let memos = RowMemos {
        table_row,
        cells,
        outcome,
    };
    view! {
        <tr class:invalid-row=invalid>
            <td><input type="checkbox" aria-label=move || format!("Select row {}", line()) prop:checked=selected
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    let index = table_row.get_untracked();
                    state.selection.update(|s| { if on { s.insert(index); } else { s.remove(&index); } });
                }/></td>
            <th scope="row">{line}</th>
            <For each=move || 0..columns.get() key=|c| *c let:column>
                <PreviewCell state row=memos column editing/>
            </For>
        </tr>
    }
}

/// A row's memos, shared by its cells.
#[derive(Clone, Copy)]
struct RowMemos {
    table_row: Memo<usize>,
    cells: Memo<Vec<String>>,
    outcome: Memo<Option<crate::import::RowOutcome>>,
}

#[component]
fn PreviewCell(
    state: ImportState,
    row: RowMemos,
    column: usize,
    editing: RwSignal<Option<(usize, usize, String)>>,
) -> impl IntoView {
    let table_row = move || row.table_row.get();
    let value = move || {
        row.cells
            .with(|c| c.get(column).cloned().unwrap_or_default())
    };
    let problem = Memo::new(move |_| {
        row.outcome.with(|o| {
            o.as_ref().and_then(|o| {
                o.issues
                    .iter()
                    .find(|i| i.column == Some(column))
                    .map(|i| i.code.message())
            })
        })
    });
    let problem = move || problem.get();
    let line = move || {
        row.outcome
            .with(|o| o.as_ref().map(|o| o.line).unwrap_or_default())
    };
    let is_editing = move || {
        editing.with(|e| {
            e.as_ref()
                .is_some_and(|(r, c, _)| *r == table_row() && *c == column)
        })
    };
    let id = move || format!("cell-{}-{}", table_row(), column);
    let start = move || {
        editing.set(Some((table_row(), column, value())));
        let input = format!("edit-{}-{}", table_row(), column);
        set_timeout(
            move || browser::focus_element(&input),
            std::time::Duration::from_millis(10),
        );
    };
    let finish = move |cancel: bool| {
        if let Some((r, c, original)) = editing.get_untracked() {
            if cancel {
                state.set_cell(r, c, original);
            }
            editing.set(None);
            let cell = format!("cell-{r}-{c}");
            set_timeout(
                move || browser::focus_element(&cell),
                std::time::Duration::from_millis(10),
            );
        }
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        if is_editing() {
            return;
        }
        let (r, c) = (table_row(), column);
        let target = match ev.key().as_str() {
            "Enter" | "F2" => {
                ev.prevent_default();
                start();
                return;
            }
            "ArrowRight" => (r, c + 1),
            "ArrowLeft" => (r, c.saturating_sub(1)),
            "ArrowDown" => (r + 1, c),
            "ArrowUp" => (r.saturating_sub(1), c),
            _ => return,
        };
        ev.prevent_default();
        browser::focus_element(&format!("cell-{}-{}", target.0, target.1));
    };
    view! {
        <td id=id tabindex="0" class:invalid=move || problem().is_some()
            title=move || problem().unwrap_or_default()
            aria-invalid=move || if problem().is_some() { "true" } else { "false" }
            on:keydown=keydown on:dblclick=move |_| start() on:click=move |_| if !is_editing() { start() }>
            <Show when=is_editing fallback=move || view! {
                <span class="cell-value">{value}</span>
                {move || problem().map(|message| view! { <span class="cell-problem">{message}</span> })}
            }>
                <input id=move || format!("edit-{}-{}", table_row(), column) class="cell-editor"
                    aria-label=move || format!("Edit row {} column {}", line(), column + 1)
                    prop:value=value
                    on:input=move |ev| { let v = event_target_value(&ev); state.set_cell(table_row(), column, v); }
                    on:keydown=move |ev| match ev.key().as_str() {
                        "Enter" => { ev.prevent_default(); finish(false) }
                        "Escape" => { ev.prevent_default(); ev.stop_propagation(); finish(true) }
                        _ => {}
                    }
                    on:blur=move |_| finish(false)/>
                {move || problem().map(|message| view! { <span class="cell-problem">{message}</span> })}
            </Show>
        </td>
    }
}

#[component]
fn Pager(state: ImportState) -> impl IntoView {
    let shown = move || {
        state.report.with(|r| {
            if state.problems_only.get() {
                r.invalid_count()
            } else {
                r.rows.len()
            }
        })
    };
    let pages = move || shown().div_ceil(PAGE_SIZE).max(1);
    view! {
        <Show when=move || { pages() > 1 }>
            <nav class="pager" aria-label="Preview pages">
                <button type="button" disabled=move || state.page.get() == 0 on:click=move |_| state.page.update(|p| *p = p.saturating_sub(1))>"← Previous"</button>
                <span>{move || format!("Rows {}–{} of {}", state.page.get() * PAGE_SIZE + 1, ((state.page.get() + 1) * PAGE_SIZE).min(shown()), shown())}</span>
                <button type="button" disabled=move || state.page.get() + 1 >= pages() on:click=move |_| state.page.update(|p| *p += 1)>"Next →"</button>
            </nav>
        </Show>
    }
}
