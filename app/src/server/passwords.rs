//! Password hashing with argon2id (the crate's default parameters), through a gate that
//! bounds how many hashes run at once.

use crate::error::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Each argon2id hash takes 19 MiB and a core for tens of milliseconds; unbounded, 300
/// concurrent sign-ins took the server to 6.85 GB. At most this many run at once (one per
/// core); others wait their turn for up to [`HASH_QUEUE_WAIT`], then are told to retry.
pub fn hash_gate() -> &'static HashGate {
    static GATE: OnceLock<HashGate> = OnceLock::new();
    GATE.get_or_init(|| {
        HashGate::new(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            HASH_QUEUE_WAIT,
        )
    })
}

pub const HASH_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// A few long-lived threads that do nothing but hash, and the permits that admit work to them.
/// Dedicated threads, not tokio's blocking pool: under glibc's allocator (the server's before
/// mimalloc) each new thread got its own malloc arena, which kept a freed 19 MiB hash buffer,
/// so a burst spread over many pool threads held half a gigabyte; a few threads keep the
/// hashing's memory bounded whatever the allocator.
pub struct HashGate {
    permits: Semaphore,
    wait: Duration,
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

impl HashGate {
    pub fn new(at_once: usize, wait: Duration) -> HashGate {
        let at_once = at_once.max(1);
        let (jobs, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        for i in 0..at_once {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || loop {
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a password-hash thread");
            }
        }
        HashGate {
            permits: Semaphore::new(at_once),
            wait,
            jobs,
        }
    }

    /// Runs `work` on a hash thread once a permit is free; 429 when none frees in time.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let busy = || AppError::TooManyRequests {
            retry_after_seconds: 2,
        };
        let _permit = tokio::time::timeout(self.wait, self.permits.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| busy())?;
        result.await.map_err(|_| busy())
    }
}

/// Verifies through the gate.
pub async fn verify_password_bounded(
    password: String,
    stored_hash: String,
) -> Result<bool, AppError> {
    hash_gate()
        .run(move || verify_password(&password, &stored_hash))
        .await
}

/// Hashes through the gate.
pub async fn hash_password_bounded(password: String) -> Result<String, AppError> {
    match hash_gate().run(move || hash_password(&password)).await? {
        Ok(hash) => Ok(hash),
        Err(error) => Err(super::failure::internal("hashing a password", error)),
    }
}

pub const PASSWORD_MIN_CHARS: usize = 12;

/// Why a new password is refused; shown to the person choosing it.
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        Some("Use at least 12 characters.")
    } else if password.len() > 1024 {
        Some("Use at most 1024 characters.")
    } else {
        None
    }
}

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verifying against this when the email is unknown keeps sign-in timing the same for known
/// and unknown accounts.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not-a-real-password-0000").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[tokio::test]
    async fn the_gate_runs_at_most_its_permits_at_once_and_turns_away_after_waiting() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let gate = Arc::new(HashGate::new(2, Duration::from_secs(30)));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    gate.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        // Full and not freeing in time: a 429 with a retry hint, not an endless queue.
        let gate = Arc::new(HashGate::new(1, Duration::from_millis(50)));
        let holder = {
            let gate = gate.clone();
            tokio::spawn(async move {
                gate.run(|| std::thread::sleep(Duration::from_millis(500)))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = gate.run(|| ()).await.unwrap_err();
        assert_eq!(refused.status(), 429);
        holder.await.unwrap().unwrap();
    }

    #[test]
    fn a_short_password_is_refused() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("long enough pass").is_none());
    }
}
