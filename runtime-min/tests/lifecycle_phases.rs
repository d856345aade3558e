//! The module runner: phases in order, readiness, and bounded stopping.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use modgen_runtime::lifecycle::{
    BoxError, LifecycleError, Module, ReadySignal, child_token, root_token, run_module,
    spawn_module,
};
use tokio_util::sync::CancellationToken;

type Log = Arc<Mutex<Vec<&'static str>>>;

/// Records its phases; each behaviour that tests need is a switch.
#[derive(Default)]
struct Recorder {
    log: Log,
    fail_init: bool,
    never_ready: bool,
    ignore_cancel: bool,
    slow_stop: bool,
    finish_after_ready: bool,
}

impl Recorder {
    fn note(&self, event: &'static str) {
        self.log.lock().unwrap().push(event);
    }
}

#[async_trait::async_trait]
impl Module for Recorder {
    async fn init(&mut self) -> Result<(), BoxError> {
        self.note("init");
        if self.fail_init {
            return Err("no database".into());
        }
        Ok(())
    }

    async fn serve(
        &mut self,
        cancel: CancellationToken,
        mut ready: ReadySignal,
    ) -> Result<(), BoxError> {
        self.note("serve");
        if self.never_ready {
            return Ok(());
        }
        ready.notify();
        if self.finish_after_ready {
            return Ok(());
        }
        if self.ignore_cancel {
            std::future::pending::<()>().await;
        }
        cancel.cancelled().await;
        self.note("cancelled");
        Ok(())
    }

    async fn stop(&mut self, _timeout: Duration) -> Result<(), BoxError> {
        self.note("stop");
        if self.slow_stop {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn phases_run_in_order_init_serve_stop() {
    let module = Recorder::default();
    let log = module.log.clone();
    let cancel = CancellationToken::new();
    let running = spawn_module(module, cancel.clone(), Duration::from_secs(5));

    let running = running.ready().await.unwrap();
    assert_eq!(*log.lock().unwrap(), ["init", "serve"]);
    cancel.cancel();
    running.join().await.unwrap();

    assert_eq!(*log.lock().unwrap(), ["init", "serve", "cancelled", "stop"]);
}

#[tokio::test]
async fn a_failed_init_is_reported_and_nothing_is_served() {
    let module = Recorder {
        fail_init: true,
        ..Recorder::default()
    };
    let log = module.log.clone();

    let error = run_module(module, CancellationToken::new(), Duration::from_secs(1))
        .await
        .unwrap_err();

    assert!(matches!(error, LifecycleError::Init(_)), "{error:?}");
    assert_eq!(error.to_string(), "init failed: no database");
    assert_eq!(*log.lock().unwrap(), ["init"]);
}

#[tokio::test]
async fn serve_returning_before_ready_is_a_failed_start() {
    let module = Recorder {
        never_ready: true,
        ..Recorder::default()
    };
    let log = module.log.clone();
    let running = spawn_module(module, CancellationToken::new(), Duration::from_secs(1));

    let error = running.ready().await.err().expect("never ready");

    assert!(
        matches!(error, LifecycleError::ExitedBeforeReady),
        "{error:?}"
    );
    assert_eq!(
        *log.lock().unwrap(),
        ["init", "serve", "stop"],
        "stop still runs"
    );
}

#[tokio::test]
async fn stop_is_bounded_by_the_timeout() {
    let module = Recorder {
        slow_stop: true,
        ..Recorder::default()
    };
    let cancel = CancellationToken::new();
    let running = spawn_module(module, cancel.clone(), Duration::from_millis(200));
    let running = running.ready().await.unwrap();

    let started = Instant::now();
    cancel.cancel();
    let error = running.join().await.unwrap_err();

    assert!(
        matches!(error, LifecycleError::StopTimedOut(_)),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_serve_that_ignores_cancellation_is_abandoned_after_the_timeout() {
    let module = Recorder {
        ignore_cancel: true,
        ..Recorder::default()
    };
    let log = module.log.clone();
    let cancel = CancellationToken::new();
    let running = spawn_module(module, cancel.clone(), Duration::from_millis(200));
    let running = running.ready().await.unwrap();

    let started = Instant::now();
    cancel.cancel();
    let error = running.join().await.unwrap_err();

    assert!(
        matches!(error, LifecycleError::ServeOverran(_)),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        log.lock().unwrap().last(),
        Some(&"stop"),
        "stop is still attempted"
    );
}

#[tokio::test]
async fn a_serve_that_finishes_by_itself_after_ready_ends_cleanly() {
    let module = Recorder {
        finish_after_ready: true,
        ..Recorder::default()
    };
    let log = module.log.clone();
    let running = spawn_module(module, CancellationToken::new(), Duration::from_secs(1));

    let running = running.ready().await.expect("it did signal ready");
    running.join().await.unwrap();

    assert_eq!(*log.lock().unwrap(), ["init", "serve", "stop"]);
}

/// (Not in `lifecycle_signals.rs`: that binary cancels the root token on purpose.)
#[test]
fn child_tokens_can_be_cancelled_without_touching_the_root() {
    let child = child_token();
    child.cancel();
    assert!(!root_token().is_cancelled());
}
