use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How often and how patiently to try again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included; 0 counts as 1.
    pub max_attempts: u32,
    /// Wait before the second try; doubles after each failed try.
    pub initial_backoff: Duration,
    /// Cap on the doubling.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// A policy that tries once.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// The wait after failed try number `failed` (1-based): exponential, capped, with
    /// "equal jitter" (half fixed, half random) so that many clients that lost the same
    /// server do not come back in lockstep.
    pub fn backoff(&self, failed: u32) -> Duration {
        let doublings = failed.saturating_sub(1).min(31);
        let exponential = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        let half = exponential / 2;
        half + half.mul_f64(jitter_fraction())
    }
}

/// A number in [0, 1). `RandomState` is seeded randomly per instance, which is all the
/// randomness a backoff needs; it saves the runtime a dependency on `rand`.
fn jitter_fraction() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u8(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Timeouts and retry for the clients of one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// Bound on establishing one TCP + HTTP/2 connection. Default 3 s.
    pub connect_timeout: Duration,
    /// Bound on one call, retries included; a context deadline wins when sooner.
    /// Default 30 s; `None` leaves only the context deadline.
    pub call_timeout: Option<Duration>,
    /// Retry of connects and of unary calls that failed with `UNAVAILABLE`.
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            call_timeout: Some(Duration::from_secs(30)),
            retry: RetryPolicy::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
        };
        for (failed, full) in [(1, 100), (2, 200), (3, 350), (9, 350)] {
            let wait = policy.backoff(failed);
            let full = Duration::from_millis(full);
            assert!(wait >= full / 2 && wait <= full, "try {failed}: {wait:?}");
        }
    }

    #[test]
    fn zero_attempts_still_tries_once() {
        let policy = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.attempts(), 1);
    }
}
