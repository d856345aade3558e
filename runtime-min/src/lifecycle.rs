//! The phases of a module: `init`, then `serve` until cancelled, then `stop` within a
//! bound. One root cancellation token per process; everything long-running hangs off a
//! child of it, so one signal reaches every background task.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// An error from a module's own code.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A module driven by [`run_module`] / [`spawn_module`].
#[async_trait::async_trait]
pub trait Module: Send + 'static {
    /// One-time setup before serving (open connections, load state). Nothing is served yet.
    async fn init(&mut self) -> Result<(), BoxError> {
        Ok(())
    }

    /// Serves until `cancel` fires, then returns. Calls `ready.notify()` once it accepts
    /// work; returning before that counts as a failed start.
    async fn serve(
        &mut self,
        cancel: CancellationToken,
        ready: ReadySignal,
    ) -> Result<(), BoxError>;

    /// Releases what `init` took. Runs after `serve` returned; gets what is left of the
    /// stop budget and is abandoned when it overruns.
    async fn stop(&mut self, _timeout: Duration) -> Result<(), BoxError> {
        Ok(())
    }
}

/// Handed to [`Module::serve`]; the module says "I accept work now" with [`notify`](Self::notify).
#[derive(Debug)]
pub struct ReadySignal(Option<oneshot::Sender<()>>);

impl ReadySignal {
    /// A signal and the receiver that learns about it.
    pub fn new() -> (Self, oneshot::Receiver<()>) {
        let (sender, receiver) = oneshot::channel();
        (Self(Some(sender)), receiver)
    }

    /// Marks the module ready; later calls do nothing.
    pub fn notify(&mut self) {
        if let Some(sender) = self.0.take() {
            let _ = sender.send(());
        }
    }
}

/// Why a module's run ended badly.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("init failed: {0}")]
    Init(#[source] BoxError),
    #[error("serve failed: {0}")]
    Serve(#[source] BoxError),
    #[error("serve returned before the module was ready")]
    ExitedBeforeReady,
    #[error("serve did not return within {0:?} of cancellation")]
    ServeOverran(Duration),
    #[error("stop failed: {0}")]
    Stop(#[source] BoxError),
    #[error("stop did not finish within {0:?}")]
    StopTimedOut(Duration),
    #[error("the module task panicked or was aborted: {0}")]
    Task(String),
}

/// The process-wide root token. Cancelled by SIGINT/SIGTERM once [`hook_signals`] ran.
pub fn root_token() -> CancellationToken {
    static ROOT: OnceLock<CancellationToken> = OnceLock::new();
    ROOT.get_or_init(CancellationToken::new).clone()
}

/// A token for one background task: cancelled with the root, or on its own.
pub fn child_token() -> CancellationToken {
    root_token().child_token()
}

/// Cancels the root token on the first SIGINT or SIGTERM; a second one exits the process
/// at once (status 128 + signal number), for an operator whose Ctrl-C met a stuck drain.
/// Only the first successful call installs the handlers; returns whether this call did.
/// Needs a tokio runtime, which must outlive the process's use of signals.
pub fn hook_signals() -> std::io::Result<bool> {
    static HOOKED: Mutex<bool> = Mutex::new(false);
    let mut hooked = HOOKED.lock().unwrap_or_else(PoisonError::into_inner);
    if *hooked {
        return Ok(false);
    }
    install_signal_handlers()?;
    *hooked = true;
    Ok(true)
}

fn install_signal_handlers() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    // Both streams are created before spawning so a failure is reported to the caller
    // rather than lost in a task.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let root = root_token();
    tokio::spawn(async move {
        let mut next = async || -> (&'static str, i32) {
            tokio::select! {
                _ = interrupt.recv() => ("SIGINT", libc::SIGINT),
                _ = terminate.recv() => ("SIGTERM", libc::SIGTERM),
            }
        };
        let (name, _) = next().await;
        tracing::info!(signal = name, "shutting down");
        root.cancel();
        let (name, number) = next().await;
        tracing::warn!(
            signal = name,
            "second signal: exiting without finishing the shutdown"
        );
        std::process::exit(128 + number);
    });
    Ok(())
}

/// A module running in its own task.
pub struct RunningModule {
    ready: oneshot::Receiver<()>,
    task: JoinHandle<Result<(), LifecycleError>>,
}

impl RunningModule {
    /// Waits until the module is ready. `Err` when its run ended first, with the reason
    /// (the run is over then, so there is nothing left to join).
    pub async fn ready(mut self) -> Result<ReadyModule, LifecycleError> {
        match (&mut self.ready).await {
            Ok(()) => Ok(ReadyModule { task: self.task }),
            Err(_) => Err(finish(self.task)
                .await
                .err()
                .unwrap_or(LifecycleError::ExitedBeforeReady)),
        }
    }

    /// Waits for the run to end, ready or not.
    pub async fn join(self) -> Result<(), LifecycleError> {
        finish(self.task).await
    }
}

/// A module that signalled ready and is serving.
pub struct ReadyModule {
    task: JoinHandle<Result<(), LifecycleError>>,
}

impl ReadyModule {
    /// Waits for the run to end (after its cancel token fired, or a failure).
    pub async fn join(self) -> Result<(), LifecycleError> {
        finish(self.task).await
    }
}

async fn finish(task: JoinHandle<Result<(), LifecycleError>>) -> Result<(), LifecycleError> {
    task.await
        .map_err(|error| LifecycleError::Task(error.to_string()))?
}

/// Starts `module` in a task: `init`, then `serve` until `cancel` fires, then `stop`.
/// Once cancelled, `serve` and `stop` together get `stop_timeout`.
pub fn spawn_module<M: Module>(
    module: M,
    cancel: CancellationToken,
    stop_timeout: Duration,
) -> RunningModule {
    let (ready, ready_receiver) = ReadySignal::new();
    let task = tokio::spawn(drive(module, cancel, stop_timeout, ready));
    RunningModule {
        ready: ready_receiver,
        task,
    }
}

/// [`spawn_module`] and wait for the end.
pub async fn run_module<M: Module>(
    module: M,
    cancel: CancellationToken,
    stop_timeout: Duration,
) -> Result<(), LifecycleError> {
    spawn_module(module, cancel, stop_timeout).join().await
}

async fn drive<M: Module>(
    mut module: M,
    cancel: CancellationToken,
    stop_timeout: Duration,
    mut ready: ReadySignal,
) -> Result<(), LifecycleError> {
    module.init().await.map_err(LifecycleError::Init)?;
    // The module's own token: a failed serve cancels its background tasks without
    // touching the caller's token.
    let serve_token = cancel.child_token();
    let (serve_ready, mut became_ready) = ReadySignal::new();
    let (served, deadline) = {
        let serve = module.serve(serve_token.clone(), serve_ready);
        tokio::pin!(serve);
        let mut was_ready = false;
        let outcome = loop {
            tokio::select! {
                result = &mut serve => break Some(result),
                signalled = &mut became_ready, if !was_ready => {
                    was_ready = true;
                    if signalled.is_ok() {
                        ready.notify();
                    }
                }
                () = cancel.cancelled() => break None,
            }
        };
        // Stopping begins now: the rest of `serve` and all of `stop` share one budget.
        let deadline = tokio::time::Instant::now() + stop_timeout;
        let cancelled = outcome.is_none();
        let served = match outcome {
            Some(result) => Some(result),
            None => tokio::time::timeout_at(deadline, &mut serve).await.ok(),
        };
        // `serve` may have signalled in the very poll it returned in, or just before the
        // cancellation won the select: the caller must still learn it was ready.
        if !was_ready && became_ready.try_recv().is_ok() {
            was_ready = true;
            ready.notify();
        }
        let served = match served {
            // Being cancelled before ready is a stop, not a failure to get ready.
            Some(result) => Served::Returned(result, was_ready || cancelled),
            None => Served::Overran,
        };
        (served, deadline)
    };
    serve_token.cancel();
    let serve_result = match served {
        Served::Returned(Ok(()), true) => Ok(()),
        Served::Returned(Ok(()), false) => Err(LifecycleError::ExitedBeforeReady),
        Served::Returned(Err(error), _) => Err(LifecycleError::Serve(error)),
        Served::Overran => Err(LifecycleError::ServeOverran(stop_timeout)),
    };
    let budget = deadline.saturating_duration_since(tokio::time::Instant::now());
    let stopped = match tokio::time::timeout(budget, module.stop(budget)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(LifecycleError::Stop(error)),
        Err(_) => Err(LifecycleError::StopTimedOut(stop_timeout)),
    };
    // The first failure is the one worth reporting; a stop failure after a serve failure
    // is usually a consequence.
    serve_result.and(stopped)
}

enum Served {
    /// `serve` returned; the flag says whether it had signalled ready.
    Returned(Result<(), BoxError>, bool),
    Overran,
}
