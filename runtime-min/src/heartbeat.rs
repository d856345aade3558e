//! Keeps a registered instance alive in the directory, and puts it back when the
//! directory forgot it.
//!
//! The directory is authoritative about liveness, so the loop's only jobs are: heartbeat
//! on time; on `NOT_FOUND` (directory restarted, or this process was stalled past its
//! TTL) register again at once; while the directory cannot be reached, retry sooner than
//! the interval, backing off, so the instance is back soon after the directory is.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::Code;

use crate::directory::{DirectoryClient, Registration};

/// First retry after a failure: a tenth of the interval, so a directory that comes back
/// quickly sees the instance quickly.
const FIRST_RETRY_DIVISOR: u32 = 10;
const MIN_RETRY: Duration = Duration::from_millis(10);

/// Heartbeats `registration` every `interval` until `cancel` (or its parent) fires.
///
/// Expects the instance to be registered already: registering first, outside the loop,
/// lets the caller fail fast on a refusal (bad token, name owned by another module). The
/// loop does not deregister on cancel either; shutdown does that before cancelling, so
/// callers stop being sent work before the server drains.
pub fn spawn_heartbeat(
    client: DirectoryClient,
    registration: Registration,
    interval: Duration,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    let cancel = cancel.child_token();
    tokio::spawn(async move {
        let mut backoff = Backoff::new(interval);
        let mut wait = interval;
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(wait) => {}
            }
            wait = match beat(&client, &registration).await {
                Ok(()) => {
                    backoff.reset();
                    interval
                }
                Err(()) => backoff.next(),
            };
        }
        tracing::debug!(
            module = %registration.module,
            instance_id = %registration.instance_id,
            "heartbeat loop stopped"
        );
    })
}

/// One heartbeat, with re-registration when the directory no longer knows the instance.
async fn beat(client: &DirectoryClient, registration: &Registration) -> Result<(), ()> {
    let module = registration.module.as_str();
    let instance_id = registration.instance_id.as_str();
    let status = match client.heartbeat(module, instance_id).await {
        Ok(()) => return Ok(()),
        Err(status) => status,
    };
    if status.code() != Code::NotFound {
        tracing::warn!(module, instance_id, code = ?status.code(), message = status.message(), "heartbeat failed; retrying with backoff");
        return Err(());
    }
    tracing::info!(
        module,
        instance_id,
        "directory does not know this instance; registering again"
    );
    match client.register(registration).await {
        Ok(()) => {
            tracing::info!(module, instance_id, "registered again");
            Ok(())
        }
        Err(status) => {
            tracing::warn!(module, instance_id, code = ?status.code(), message = status.message(), "registering again failed; retrying with backoff");
            Err(())
        }
    }
}

/// Exponential retry delays from `interval / 10`, capped at `interval`: never slower
/// than the normal cadence, which is what the TTL is sized for.
struct Backoff {
    first: Duration,
    cap: Duration,
    next: Duration,
}

impl Backoff {
    fn new(interval: Duration) -> Self {
        let first = (interval / FIRST_RETRY_DIVISOR)
            .max(MIN_RETRY)
            .min(interval);
        Self {
            first,
            cap: interval,
            next: first,
        }
    }

    fn next(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(self.cap);
        now
    }

    fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_tenth_of_the_interval_up_to_the_interval() {
        let mut backoff = Backoff::new(Duration::from_secs(5));
        let waits: Vec<_> = (0..6).map(|_| backoff.next().as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 5000, 5000]);
        backoff.reset();
        assert_eq!(backoff.next(), Duration::from_millis(500));
    }

    #[test]
    fn backoff_never_waits_less_than_the_floor() {
        let mut backoff = Backoff::new(Duration::from_millis(20));
        assert_eq!(backoff.next(), Duration::from_millis(10));
        assert_eq!(backoff.next(), Duration::from_millis(20));
    }
}
