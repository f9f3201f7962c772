//! When to warn an idle user and when to sign them out. Pure: the component feeds it times.

/// How long the warning stays up before the user is signed out. Shorter than the server's
/// grace period, so the browser always acts first.
pub const WARNING_SECONDS: f64 = 60.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IdlePhase {
    Active,
    Warning { seconds_left: u32 },
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdleClock {
    warn_after_ms: f64,
    last_activity_ms: f64,
}

impl IdleClock {
    pub fn new(idle_warning_minutes: i64, now_ms: f64) -> IdleClock {
        let minutes = idle_warning_minutes.clamp(1, 24 * 60) as f64;
        IdleClock {
            warn_after_ms: minutes * 60_000.0,
            last_activity_ms: now_ms,
        }
    }

    /// Activity counts only while no warning is showing: once warned, the user must answer it.
    pub fn record_activity(&mut self, now_ms: f64) {
        if self.phase(now_ms) == IdlePhase::Active {
            self.last_activity_ms = now_ms;
        }
    }

    /// The user answered the warning ("Stay signed in").
    pub fn stay(&mut self, now_ms: f64) {
        if self.phase(now_ms) != IdlePhase::Expired {
            self.last_activity_ms = now_ms;
        }
    }

    pub fn last_activity_ms(&self) -> f64 {
        self.last_activity_ms
    }

    pub fn phase(&self, now_ms: f64) -> IdlePhase {
        let idle = now_ms - self.last_activity_ms;
        let expire_at = self.warn_after_ms + WARNING_SECONDS * 1000.0;
        if idle >= expire_at {
            IdlePhase::Expired
        } else if idle >= self.warn_after_ms {
            IdlePhase::Warning {
                seconds_left: ((expire_at - idle) / 1000.0).ceil() as u32,
            }
        } else {
            IdlePhase::Active
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 60_000.0;

    #[test]
    fn a_user_is_warned_after_their_idle_time_then_signed_out_a_minute_later() {
        let clock = IdleClock::new(60, 0.0);
        assert_eq!(clock.phase(59.0 * MIN), IdlePhase::Active);
        assert_eq!(
            clock.phase(60.0 * MIN),
            IdlePhase::Warning { seconds_left: 60 }
        );
        assert_eq!(
            clock.phase(60.5 * MIN),
            IdlePhase::Warning { seconds_left: 30 }
        );
        assert_eq!(clock.phase(61.0 * MIN), IdlePhase::Expired);
    }

    #[test]
    fn activity_resets_the_clock_but_not_once_the_warning_shows() {
        let mut clock = IdleClock::new(10, 0.0);
        clock.record_activity(9.0 * MIN);
        assert_eq!(clock.phase(18.0 * MIN), IdlePhase::Active);
        clock.record_activity(19.5 * MIN);
        assert!(matches!(clock.phase(19.5 * MIN), IdlePhase::Warning { .. }));
        clock.stay(19.6 * MIN);
        assert_eq!(clock.phase(20.0 * MIN), IdlePhase::Active);
    }

    #[test]
    fn an_expired_session_cannot_be_revived() {
        let mut clock = IdleClock::new(1, 0.0);
        clock.stay(5.0 * MIN);
        assert_eq!(clock.phase(5.0 * MIN), IdlePhase::Expired);
    }

    #[test]
    fn the_idle_time_is_clamped_to_one_minute_through_24_hours() {
        assert_eq!(
            IdleClock::new(0, 0.0).phase(MIN),
            IdlePhase::Warning { seconds_left: 60 }
        );
        assert_eq!(
            IdleClock::new(100_000, 0.0).phase(24.0 * 60.0 * MIN),
            IdlePhase::Warning { seconds_left: 60 }
        );
    }
}
