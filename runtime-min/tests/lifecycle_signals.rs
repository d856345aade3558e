//! SIGTERM/SIGINT reach every task through the one root token. Its own test binary, and
//! its only test, because it signals (and cancels the root token of) the whole test
//! process: under `cargo test` the tests of one binary share that process.

use std::time::Duration;

use modgen_runtime::lifecycle::{child_token, hook_signals, root_token};

#[tokio::test]
async fn sigterm_cancels_the_root_token_and_its_children() {
    assert!(hook_signals().unwrap(), "first call installs the handlers");
    assert!(!hook_signals().unwrap(), "second call does nothing");
    let child = child_token();
    assert!(!root_token().is_cancelled());

    // SAFETY: signalling our own pid; the handler installed above turns it into a
    // token cancellation instead of the default termination.
    let sent = unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
    assert_eq!(sent, 0);

    tokio::time::timeout(Duration::from_secs(5), child.cancelled())
        .await
        .expect("the child token is cancelled by SIGTERM");
    assert!(root_token().is_cancelled());
}
