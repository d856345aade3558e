//! `call_unary` copies the request only for a try that a later try can follow: under a
//! policy of one try the request is moved, never cloned.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use modgen_runtime::client::{ClientOptions, RetryPolicy, ServiceChannels, call_unary};
use modgen_runtime::context::CallContext;
use tonic::transport::Endpoint;

/// A request that counts its clones.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, Ordering::SeqCst);
        Self(self.0.clone())
    }
}

fn channels(retry: RetryPolicy) -> ServiceChannels {
    // Never connected: the calls below answer without I/O.
    let channel = Endpoint::from_static("http://127.0.0.1:9").connect_lazy();
    let options = ClientOptions {
        retry,
        ..ClientOptions::default()
    };
    ServiceChannels::from_channel("copies.v1.Copies", channel, options)
}

/// Clones made by one call that fails with `UNAVAILABLE` `failures` times, then succeeds.
async fn clones_of_a_call(retry: RetryPolicy, failures: usize) -> usize {
    let clones = Arc::new(AtomicUsize::new(0));
    let mut tries = 0;
    let _ = call_unary(
        &channels(retry),
        &CallContext::new(),
        Counted(clones.clone()),
        |_channel, _request| {
            tries += 1;
            let outcome = if tries <= failures {
                Err(tonic::Status::unavailable("down"))
            } else {
                Ok(tonic::Response::new(()))
            };
            async move { outcome }
        },
    )
    .await;
    clones.load(Ordering::SeqCst)
}

fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: std::time::Duration::from_millis(1),
        max_backoff: std::time::Duration::from_millis(1),
    }
}

#[tokio::test]
async fn a_single_try_policy_moves_the_request() {
    assert_eq!(clones_of_a_call(RetryPolicy::never(), 0).await, 0);
    assert_eq!(clones_of_a_call(RetryPolicy::never(), 1).await, 0);
}

#[tokio::test]
async fn each_try_but_the_last_sends_a_copy() {
    assert_eq!(
        clones_of_a_call(fast_retry(3), 0).await,
        1,
        "first try succeeds"
    );
    assert_eq!(
        clones_of_a_call(fast_retry(3), 1).await,
        2,
        "second try succeeds"
    );
    assert_eq!(
        clones_of_a_call(fast_retry(3), 5).await,
        2,
        "the last try moves it"
    );
}
