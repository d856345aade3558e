//! The restart decision for one module: how long to wait before the next start, or
//! whether to give up. Pure (time is passed in) so the policy is tested without sleeping.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::config::RestartPolicy;

/// What to do after a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    RestartAfter(Duration),
    /// The module crashed this many times within the window.
    GiveUp {
        crashes: usize,
    },
}

/// Crash times inside the policy's window. Only recent crashes count, so a module that
/// crashes once a day is restarted forever, and its backoff falls back to the initial
/// delay once earlier crashes leave the window.
#[derive(Debug)]
pub struct CrashHistory {
    policy: RestartPolicy,
    crashes: VecDeque<Instant>,
}

impl CrashHistory {
    pub fn new(policy: RestartPolicy) -> Self {
        Self {
            policy,
            crashes: VecDeque::new(),
        }
    }

    /// Records a crash at `now` and decides.
    pub fn crashed(&mut self, now: Instant) -> Decision {
        while let Some(&oldest) = self.crashes.front() {
            if now.saturating_duration_since(oldest) >= self.policy.window {
                self.crashes.pop_front();
            } else {
                break;
            }
        }
        self.crashes.push_back(now);
        let crashes = self.crashes.len();
        // Per the YAML contract: `max_restarts: 5` gives up on the 5th crash in the window.
        if crashes >= self.policy.max_restarts as usize {
            return Decision::GiveUp { crashes };
        }
        let doublings = u32::try_from(crashes - 1).unwrap_or(u32::MAX).min(31);
        let backoff = self
            .policy
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.policy.max_backoff);
        Decision::RestartAfter(backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_restarts: u32) -> RestartPolicy {
        RestartPolicy {
            max_restarts,
            window: Duration::from_secs(60),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(1),
            ..RestartPolicy::default()
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let mut history = CrashHistory::new(policy(10));
        let now = Instant::now();
        let delays: Vec<_> = (0..5).map(|_| history.crashed(now)).collect();
        let ms = |ms| Decision::RestartAfter(Duration::from_millis(ms));
        assert_eq!(delays, [ms(200), ms(400), ms(800), ms(1000), ms(1000)]);
    }

    #[test]
    fn the_max_restarts_th_crash_in_the_window_gives_up() {
        let mut history = CrashHistory::new(policy(3));
        let now = Instant::now();
        assert!(matches!(history.crashed(now), Decision::RestartAfter(_)));
        assert!(matches!(history.crashed(now), Decision::RestartAfter(_)));
        assert_eq!(history.crashed(now), Decision::GiveUp { crashes: 3 });
    }

    #[test]
    fn zero_or_one_max_restarts_gives_up_on_the_first_crash() {
        for max_restarts in [0, 1] {
            let mut history = CrashHistory::new(policy(max_restarts));
            assert_eq!(
                history.crashed(Instant::now()),
                Decision::GiveUp { crashes: 1 }
            );
        }
    }

    #[test]
    fn crashes_older_than_the_window_are_forgotten() {
        let mut history = CrashHistory::new(policy(2));
        let start = Instant::now();
        assert!(matches!(history.crashed(start), Decision::RestartAfter(_)));
        let later = start + Duration::from_secs(61);
        assert_eq!(
            history.crashed(later),
            Decision::RestartAfter(Duration::from_millis(200))
        );
    }
}
