//! The preview's scrolling window: which rows are in the DOM for a scroll position, and where
//! to scroll to show a row. Only those rows are drawn; spacers above and below them give the
//! scrollbar the height of every row.
//!
//! Browsers cap an element's height (Firefox near 17.9 million pixels), so past [`MAX_PX`] the
//! scrollbar's range is scaled: a pixel of scrolling then moves more than a pixel of rows.

/// Every preview row's height (the stylesheet holds rows to it).
pub const ROW_PX: f64 = 48.0;
/// The tallest the rows' area is made.
pub const MAX_PX: f64 = 15_000_000.0;
/// Rows drawn beyond each edge of the viewport, so a small scroll shows rows already there.
const OVERSCAN: usize = 4;

/// The rows in the DOM: `first..first + count`, with `top_px` of spacer above and
/// `bottom_px` below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub first: usize,
    pub count: usize,
    pub top_px: f64,
    pub bottom_px: f64,
}

/// Where the rows' area is scrolled to (`scroll`: pixels of it above the viewport) and how
/// tall the viewport is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scroll {
    pub scroll: f64,
    pub viewport: f64,
}

fn full_px(rows: usize) -> f64 {
    rows as f64 * ROW_PX
}

/// The height the rows' area is given.
pub fn area_px(rows: usize) -> f64 {
    full_px(rows).min(MAX_PX)
}

/// The scroll position's place among all rows (unscaled pixels).
fn virtual_top(rows: usize, at: Scroll) -> f64 {
    let (full, area) = (full_px(rows), area_px(rows));
    let scroll = at.scroll.clamp(0.0, (area - at.viewport).max(0.0));
    if full > area && area > at.viewport {
        scroll * (full - at.viewport) / (area - at.viewport)
    } else {
        scroll
    }
}

/// The scroll position whose place among all rows is `top` (inverse of [`virtual_top`]).
fn scroll_of(rows: usize, top: f64, viewport: f64) -> f64 {
    let (full, area) = (full_px(rows), area_px(rows));
    let top = top.clamp(0.0, (full - viewport).max(0.0));
    if full > area && area > viewport {
        top * (area - viewport) / (full - viewport)
    } else {
        top
    }
}

/// The rows to draw for `rows` rows scrolled to `at`.
pub fn window(rows: usize, at: Scroll) -> Window {
    let area = area_px(rows);
    let scroll = at.scroll.clamp(0.0, (area - at.viewport).max(0.0));
    let top = virtual_top(rows, at);
    let under = ((top / ROW_PX) as usize).min(rows.saturating_sub(1));
    let first = under.saturating_sub(OVERSCAN);
    let visible = (at.viewport / ROW_PX).ceil() as usize + 1;
    let end = (under + visible + OVERSCAN).min(rows);
    let first = first.min(end);
    // Row `under` is drawn where the viewport shows it; the others follow it.
    let under_at = scroll - (top - under as f64 * ROW_PX);
    let top_px = (under_at - (under - first) as f64 * ROW_PX).max(0.0);
    let count = end - first;
    let bottom_px = (area - top_px - count as f64 * ROW_PX).max(0.0);
    Window {
        first,
        count,
        top_px,
        bottom_px,
    }
}

/// Rows a Page Up or Page Down moves by.
pub fn rows_per_page(viewport: f64) -> usize {
    ((viewport / ROW_PX).floor() as usize)
        .saturating_sub(1)
        .max(1)
}

/// Where to scroll so that row `row` is wholly in view, or `None` when it already is.
pub fn scroll_to_show(rows: usize, row: usize, at: Scroll) -> Option<f64> {
    let top = virtual_top(rows, at);
    let row_top = row as f64 * ROW_PX;
    if row_top < top {
        Some(scroll_of(rows, row_top, at.viewport))
    } else if row_top + ROW_PX > top + at.viewport {
        Some(scroll_of(rows, row_top + ROW_PX - at.viewport, at.viewport))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEW: f64 = 480.0;

    fn at(scroll: f64) -> Scroll {
        Scroll {
            scroll,
            viewport: VIEW,
        }
    }

    /// The rows a viewport at `scroll` shows, given where the window draws its first row.
    fn rows_in_view(w: Window, scroll: f64) -> std::ops::Range<usize> {
        let first_in = ((scroll - w.top_px) / ROW_PX).floor().max(0.0) as usize;
        let end_in = ((scroll + VIEW - w.top_px) / ROW_PX).ceil() as usize;
        w.first + first_in..w.first + end_in.min(w.count)
    }

    #[test]
    fn a_short_table_is_drawn_whole_with_no_spacers() {
        let w = window(5, at(0.0));
        assert_eq!(
            w,
            Window {
                first: 0,
                count: 5,
                top_px: 0.0,
                bottom_px: 0.0
            }
        );
        assert_eq!(window(0, at(0.0)).count, 0);
    }

    #[test]
    fn only_the_rows_in_view_and_a_few_around_them_are_drawn() {
        let rows = 10_000;
        let w = window(rows, at(1_000.0 * ROW_PX));
        assert_eq!(w.first, 996);
        assert!(w.count <= (VIEW / ROW_PX) as usize + 2 + 2 * OVERSCAN);
        assert_eq!(w.top_px, 996.0 * ROW_PX);
        assert_eq!(
            w.top_px + w.count as f64 * ROW_PX + w.bottom_px,
            area_px(rows)
        );
        assert_eq!(rows_in_view(w, 1_000.0 * ROW_PX).start, 1_000);
    }

    #[test]
    fn half_a_million_rows_scale_the_scrollbar_and_still_reach_the_first_and_last_row() {
        let rows = 500_000;
        assert!(full_px(rows) > MAX_PX);
        let start = window(rows, at(0.0));
        assert_eq!((start.first, start.top_px), (0, 0.0));
        let bottom = MAX_PX - VIEW;
        let end = window(rows, at(bottom));
        assert_eq!(end.first + end.count, rows);
        assert!((end.top_px + end.count as f64 * ROW_PX - MAX_PX).abs() < 1e-3);
        assert_eq!(rows_in_view(end, bottom).end, rows);
        // Scrolled half way, the rows in view are those half way through.
        let middle = window(rows, at(bottom / 2.0));
        let shown = rows_in_view(middle, bottom / 2.0);
        assert!(shown.contains(&(rows / 2)), "{shown:?}");
    }

    #[test]
    fn scrolling_to_show_a_row_puts_it_in_view_or_leaves_a_visible_row_alone() {
        for rows in [200, 10_000, 500_000] {
            for target in [0, 1, rows / 3, rows - 2, rows - 1] {
                for from in [0.0, area_px(rows) / 2.0, area_px(rows)] {
                    let scroll = scroll_to_show(rows, target, at(from)).unwrap_or(from);
                    let w = window(rows, at(scroll));
                    let shown = rows_in_view(w, scroll.clamp(0.0, area_px(rows) - VIEW));
                    assert!(
                        shown.contains(&target),
                        "{rows} rows, row {target} from {from}: {shown:?}"
                    );
                    assert!(scroll_to_show(rows, target, at(scroll)).is_none());
                }
            }
        }
        let w = window(1_000, at(0.0));
        assert_eq!(scroll_to_show(1_000, 2, at(0.0)), None, "{w:?}");
    }

    #[test]
    fn a_page_is_the_rows_that_fit_less_one() {
        assert_eq!(rows_per_page(VIEW), 9);
        assert_eq!(rows_per_page(10.0), 1);
    }
}
