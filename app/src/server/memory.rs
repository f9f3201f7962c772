//! Handing freed memory back to the system. The server's Rust heap is mimalloc
//! (`server/src/main.rs`), which returns emptied pages by itself; SQLite allocates through
//! glibc's malloc (its page cache: 64 MB for an import's write, `Db::begin_bulk_write`), and
//! glibc keeps freed pages for reuse, so they are trimmed between an import's phases and after
//! it. (Before mimalloc the rows' millions of small strings were glibc's too: trimming gave
//! back about 300 MB after the rows were checked.)

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
