//! Handing freed memory back to the system. An import of 500,000 rows allocates millions of
//! small strings and frees most of them once the rows are checked; glibc's allocator keeps
//! the freed pages for reuse, so the server would go on holding the read phase's peak (about
//! 300 MB more than it uses) through the write and after the job.

/// Returns the allocator's free pages to the system (glibc `malloc_trim`); elsewhere nothing.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists, under its locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// [`release_freed`] on a blocking thread: trimming a heap of hundreds of megabytes can take
/// tens of milliseconds, which an async worker thread should not spend.
pub async fn release_freed_in_background() {
    let _ = tokio::task::spawn_blocking(release_freed).await;
}
