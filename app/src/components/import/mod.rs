//! The Import users modal: paste or upload, a live preview the admin can fix in place, options,
//! and the authoritative import with its results.

mod early_input;
mod import_modal;
mod input_step;
mod job_progress;
mod options_panel;
mod preview_table;
mod preview_toolbar;
mod result_view;
mod state;
mod virtual_rows;

pub use import_modal::{prefetch_import_engine, ImportUsersModal};
pub use job_progress::JobProgressBar;
pub use result_view::ImportResultSummary;
