use super::state::{ImportState, SCROLLER_ID};
use super::virtual_rows::{self, Scroll, ROW_PX};
use crate::browser;
use crate::import::{HeaderChoice, ImportField, MappingChoice};
use leptos::prelude::*;

/// The preview: an ARIA grid that scrolls through every row while only the rows in view are in
/// the DOM (`aria-rowcount` and `aria-rowindex` tell assistive technology where they are). One
/// column per source column, its mapping changeable in the header; every cell marked valid or
/// invalid with its message (on hover, on focus, and for screen readers). One tab stop: arrow
/// keys, Home/End, Page Up/Down and Ctrl+Home/End move between cells, Enter edits, Escape
/// cancels, Space selects the row.
#[component]
pub fn PreviewTable(state: ImportState) -> impl IntoView {
    let columns = Memo::new(move |_| state.report.with(|r| r.columns.len()));
    let rows = Memo::new(move |_| state.shown_len());
    let above = Memo::new(move |_| state.above_header_rows());
    let window = Memo::new(move |_| virtual_rows::window(rows.get(), state.scroll.get()));
    // (position among the rows shown, report row) of the rows drawn.
    let drawn = Memo::new(move |_| {
        let w = window.get();
        (w.first..w.first + w.count)
            .filter_map(|position| state.report_row_at(position).map(|row| (position, row)))
            .collect::<Vec<_>>()
    });
    // The grid's one tab stop: the current cell, or the same column of the first row drawn
    // when the current cell has scrolled away.
    let tab_stop = Memo::new(move |_| {
        let (position, column) = state.active.get();
        let w = window.get();
        if (w.first..w.first + w.count).contains(&position) {
            (position, column)
        } else {
            (w.first, column)
        }
    });
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
    let on_scroll = move |_| {
        let Some((top, height)) = browser::scroll_metrics(SCROLLER_ID) else {
            return;
        };
        let above_px = above.get_untracked() as f64 * ROW_PX;
        state.scroll.set(Scroll {
            scroll: (top - above_px).max(0.0),
            viewport: (height - browser::element_height("preview-head")).max(ROW_PX),
        });
    };
    let width = move || format!("width: calc(7.5rem + {} * 13rem)", columns.get());
    view! {
        <p id="preview-keys" class="muted small">
            "Arrow keys, Home/End and Page Up/Down move between cells (Ctrl+Home/End: first and last row); Enter edits, Escape cancels, Space selects the row."
        </p>
        <div id=SCROLLER_ID class="preview-scroll" on:scroll=on_scroll>
            <table class="data-table preview" role="grid" aria-label="Rows to import" aria-describedby="preview-keys"
                aria-rowcount=move || (rows.get() + above.get() + 1).to_string()
                aria-colcount=move || (columns.get() + 2).to_string() style=width>
                <colgroup>
                    <col class="select-column"/>
                    <col class="line-column"/>
                    <For each=move || 0..columns.get() key=|c| *c let:_column>
                        <col/>
                    </For>
                </colgroup>
                <thead id="preview-head">
                    <tr aria-rowindex="1">
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
                    <Spacer height=Signal::derive(move || window.get().top_px) columns/>
                    <For each=move || drawn.get() key=|drawn| *drawn let:drawn>
                        <PreviewRow state position=drawn.0 row=drawn.1 above columns editing tab_stop/>
                    </For>
                    <Spacer height=Signal::derive(move || window.get().bottom_px) columns/>
                </tbody>
            </table>
        </div>
        <p class="muted small" role="status">{move || shown_status(state)}</p>
    }
}

/// "Showing 12 of 500,000 rows" when a filter is on.
fn shown_status(state: ImportState) -> Option<String> {
    let all = state.report.with(|r| r.rows.len());
    let shown = state.shown.with(|s| s.as_ref().map(Vec::len))?;
    Some(format!(
        "Showing {} of {} rows",
        crate::import::thousands(shown as i64),
        crate::import::thousands(all as i64)
    ))
}

/// The height of the rows not drawn above or below the drawn ones.
#[component]
fn Spacer(height: Signal<f64>, columns: Memo<usize>) -> impl IntoView {
    view! {
        <tr class="spacer" aria-hidden="true" style:height=move || format!("{}px", height.get())>
            <td colspan=move || (columns.get() + 2).to_string()></td>
        </tr>
    }
}

/// Rows above the header (a title, notes), greyed at the top: they are shown so the admin can
/// see what was skipped, and never imported.
#[component]
fn AboveHeaderRows(state: ImportState, columns: Memo<usize>) -> impl IntoView {
    let rows = Memo::new(move |_| {
        let above = state.above_header_rows();
        state
            .table
            .with(|t| t.rows.iter().take(above).cloned().collect::<Vec<_>>())
    });
    view! {
        {move || rows.get().into_iter().enumerate().map(|(index, row)| {
            let width = columns.get();
            view! {
                <tr class="above-header" title="Above the header row: not imported" aria-rowindex=(index + 2).to_string()>
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

/// A drawn row's place and memos, shared by its cells: its cells' text and its outcome, so an
/// edit draws again only the rows it changed, not every visible cell.
#[derive(Clone, Copy)]
struct RowMemos {
    /// Among the rows shown.
    position: usize,
    table_row: Memo<usize>,
    cells: Memo<Vec<String>>,
    outcome: Memo<Option<crate::import::RowOutcome>>,
}

#[component]
fn PreviewRow(
    state: ImportState,
    position: usize,
    row: usize,
    above: Memo<usize>,
    columns: Memo<usize>,
    editing: RwSignal<Option<(usize, usize, String)>>,
    tab_stop: Memo<(usize, usize)>,
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
        position,
        table_row,
        cells,
        outcome,
    };
    view! {
        <tr class:invalid-row=invalid aria-selected=move || selected().to_string()
            aria-rowindex=move || (position + above.get() + 2).to_string()>
            <td><input type="checkbox" tabindex="-1" aria-label=move || format!("Select row {}", line()) prop:checked=selected
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    let index = table_row.get_untracked();
                    state.selection.update(|s| { if on { s.insert(index); } else { s.remove(&index); } });
                }/></td>
            <th scope="row">{line}</th>
            <For each=move || 0..columns.get() key=|c| *c let:column>
                <PreviewCell state row=memos column columns editing tab_stop/>
            </For>
        </tr>
    }
}

#[component]
fn PreviewCell(
    state: ImportState,
    row: RowMemos,
    column: usize,
    columns: Memo<usize>,
    editing: RwSignal<Option<(usize, usize, String)>>,
    tab_stop: Memo<(usize, usize)>,
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
        state.active.set((row.position, column));
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
        let (position, last_column) = (row.position, columns.get_untracked().saturating_sub(1));
        let last_row = state.shown_len().saturating_sub(1);
        let page = virtual_rows::rows_per_page(state.scroll.get_untracked().viewport);
        let control = ev.ctrl_key() || ev.meta_key();
        let target = match ev.key().as_str() {
            "Enter" | "F2" => {
                ev.prevent_default();
                start();
                return;
            }
            " " => {
                ev.prevent_default();
                let index = table_row();
                state.selection.update(|s| {
                    if !s.remove(&index) {
                        s.insert(index);
                    }
                });
                return;
            }
            "ArrowRight" => (position, (column + 1).min(last_column)),
            "ArrowLeft" => (position, column.saturating_sub(1)),
            "ArrowDown" => (position + 1, column),
            "ArrowUp" => (position.saturating_sub(1), column),
            "PageDown" => (position + page, column),
            "PageUp" => (position.saturating_sub(page), column),
            "Home" if control => (0, 0),
            "Home" => (position, 0),
            "End" if control => (last_row, last_column),
            "End" => (position, last_column),
            _ => return,
        };
        ev.prevent_default();
        state.go_to(target.0, target.1);
    };
    let tabindex = move || {
        if tab_stop.get() == (row.position, column) {
            "0"
        } else {
            "-1"
        }
    };
    view! {
        <td id=id tabindex=tabindex class:invalid=move || problem().is_some()
            title=move || problem().unwrap_or_default()
            aria-invalid=move || if problem().is_some() { "true" } else { "false" }
            on:focus=move |_| state.active.set((row.position, column))
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
                        "Enter" => { ev.prevent_default(); ev.stop_propagation(); finish(false) }
                        "Escape" => { ev.prevent_default(); ev.stop_propagation(); finish(true) }
                        _ => {}
                    }
                    on:blur=move |_| finish(false)/>
                {move || problem().map(|message| view! { <span class="cell-problem">{message}</span> })}
            </Show>
        </td>
    }
}
