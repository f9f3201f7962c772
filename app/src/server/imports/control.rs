//! What a running import shares with the task that reports it: which phase it is in, how many
//! rows that phase has done, and whether the admin asked it to stop.

use crate::import::JobPhase;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
pub struct JobControl(Arc<Shared>);

#[derive(Default)]
struct Shared {
    cancelled: AtomicBool,
    /// 0: starting, 1: checking, 2: writing.
    phase: AtomicU8,
    done: AtomicU64,
    total: AtomicU64,
    /// When each phase or step started, for the log line and the benchmark.
    started: Mutex<Vec<(&'static str, Instant)>>,
}

impl JobControl {
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::Relaxed)
    }

    /// Enters `phase`, which has `total` rows to do.
    pub fn start(&self, phase: JobPhase, total: u64) {
        self.0.done.store(0, Ordering::Relaxed);
        self.0.total.store(total, Ordering::Relaxed);
        let code = match phase {
            JobPhase::Checking => 1,
            JobPhase::Writing => 2,
        };
        self.0.phase.store(code, Ordering::Relaxed);
        self.step(phase.as_str());
    }

    /// Marks the start of a step within a phase (timed, not shown to the admin).
    pub fn step(&self, name: &'static str) {
        if let Ok(mut started) = self.0.started.lock() {
            started.push((name, Instant::now()));
        }
    }

    /// How long each phase and step took (named as started), the last one until now.
    pub fn step_times(&self) -> Vec<(&'static str, Duration)> {
        let now = Instant::now();
        let started = self.0.started.lock().map(|s| s.clone()).unwrap_or_default();
        started
            .iter()
            .enumerate()
            .map(|(i, (phase, at))| {
                let end = started.get(i + 1).map_or(now, |next| next.1);
                (*phase, end - *at)
            })
            .collect()
    }

    pub fn set_done(&self, done: u64) {
        self.0.done.store(done, Ordering::Relaxed);
    }

    /// The phase and its rows done and to do.
    pub fn snapshot(&self) -> (Option<JobPhase>, u64, u64) {
        let phase = match self.0.phase.load(Ordering::Relaxed) {
            1 => Some(JobPhase::Checking),
            2 => Some(JobPhase::Writing),
            _ => None,
        };
        (
            phase,
            self.0.done.load(Ordering::Relaxed),
            self.0.total.load(Ordering::Relaxed),
        )
    }
}
