//! Handing freed memory back to the system. The server's Rust heap is mimalloc
//! (`server/src/main.rs`), which returns emptied pages by itself, but later (and what one
//! thread frees of another's only when that thread next allocates): an import's plan, freed
//! just before its commit, was still held at the commit (388 MB of heap at 500,000 rows;
//! 135 MB with `mi_collect`). SQLite allocates through glibc's malloc (its page cache: 64 MB
//! for an import's write, `Db::begin_bulk_write`), and glibc keeps freed pages for reuse. Both
//! are handed back between an import's phases, before its commit and after it. (Before
//! mimalloc the rows' millions of small strings were glibc's too: trimming gave back about
//! 300 MB after the rows were checked.)

/// Returns the allocators' free pages to the system: glibc's (`malloc_trim`, on glibc) and
/// mimalloc's (`mi_collect`, which also gives back at once what mimalloc would otherwise give
/// back a while later, and what other threads freed into this thread's heap).
pub fn release_freed() {
    // SAFETY: mi_collect takes no pointers; it works on mimalloc's own structures, which are
    // there whether or not mimalloc is the global allocator.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
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
