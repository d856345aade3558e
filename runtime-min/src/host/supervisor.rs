//! One task per module: start it, watch it, restart it after a crash with backoff, give
//! up after too many crashes, and stop it (SIGTERM, grace period, SIGKILL) on shutdown.

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use tokio::process::Child;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::config::{OnGiveUp, RestartPolicy};
use super::launch::Launch;
use super::outcome::{ModuleEnd, ModuleOutcome, stopped_when_asked};
use super::output::{Output, Stream};
use super::presence::Presence;
use super::readiness::ModuleReadiness;
use crate::duration;

/// How long a dead module's pipes may stay open (held by a process it left behind) before
/// the host stops reading them, so its last lines still come before the host's verdict.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(500);

pub struct Supervisor {
    pub launch: Launch,
    /// Processes started so far: the first start plus every restart.
    pub starts: u32,
    pub restart: RestartPolicy,
    pub grace_period: Duration,
    pub output: Output,
    /// Cancelled when the host shuts down; cancelled *by* this supervisor when it gives up
    /// under `on_give_up: exit`.
    pub stop: CancellationToken,
    /// The module's entries in the host's directory: readiness, and removal at exit.
    pub presence: Presence,
    /// Whether instances registered under the entry's name are this process's too (it
    /// may ignore the instance id it is handed); see [`Presence`].
    pub match_by_name: bool,
    pub readiness: ModuleReadiness,
}

/// How one process of the module ended.
enum Watched {
    Exited(ExitStatus),
    /// Stopped by the host at shutdown.
    Stopped {
        status: ExitStatus,
        killed: bool,
    },
    /// It could not be started, or waiting for it failed: no exit status to go by.
    Failed(String),
}

impl Supervisor {
    pub async fn run(mut self) -> ModuleOutcome {
        let end = match self.await_dependencies().await {
            Ok(()) => self.supervise().await,
            Err(end) => end,
        };
        self.readiness.mark_ended();
        ModuleOutcome {
            module: self.launch.module.clone(),
            starts: self.starts,
            end,
        }
    }

    /// Holds the first start until every dependency is ready.
    async fn await_dependencies(&mut self) -> Result<(), ModuleEnd> {
        let pending = self.readiness.pending().join(", ");
        if pending.is_empty() {
            return Ok(());
        }
        self.say(format!(
            "module '{}' waits for its dependencies to be ready: {pending}",
            self.launch.module
        ))
        .await;
        let stop = self.stop.clone();
        let ready = tokio::select! {
            ready = self.readiness.dependencies_ready() => ready,
            () = stop.cancelled() => return Err(ModuleEnd::NotStarted),
        };
        if let Err(dependency) = ready {
            self.say(format!(
                "module '{}' not started: its dependency '{dependency}' ended without \
                 becoming ready",
                self.launch.module
            ))
            .await;
            return Err(ModuleEnd::DependencyUnavailable { dependency });
        }
        Ok(())
    }

    async fn supervise(&mut self) -> ModuleEnd {
        let mut history = super::restart::CrashHistory::new(self.restart.clone());
        let mut last_exit = None;
        loop {
            // Shutdown may land just as a backoff sleep ends.
            if self.stop.is_cancelled() {
                break if self.starts == 0 {
                    ModuleEnd::NotStarted
                } else {
                    ended_before_restart(last_exit)
                };
            }
            self.starts += 1;
            let instance_id = self.launch.instance_id();
            let watched = match self.launch.spawn(&instance_id) {
                Ok(child) => self.watch(child, &instance_id).await,
                Err(error) => Watched::Failed(format!("failed to start: {error}")),
            };
            let how = match watched {
                Watched::Stopped { status, killed } => break ModuleEnd::Stopped { status, killed },
                Watched::Exited(status) if status.success() => {
                    self.say(format!(
                        "module '{}' exited with status 0; not restarting it",
                        self.launch.module
                    ))
                    .await;
                    break ModuleEnd::Finished;
                }
                Watched::Exited(status) => {
                    last_exit = Some(status);
                    format!("crashed ({status})")
                }
                Watched::Failed(reason) => {
                    last_exit = None;
                    reason
                }
            };
            match history.crashed(Instant::now()) {
                super::restart::Decision::GiveUp { crashes } => {
                    self.say(format!("module '{}' {how}", self.launch.module))
                        .await;
                    self.give_up(crashes).await;
                    break ModuleEnd::GaveUp { crashes };
                }
                super::restart::Decision::RestartAfter(delay) => {
                    self.say(format!(
                        "module '{}' {how}; restarting in {}",
                        self.launch.module,
                        duration::display(delay)
                    ))
                    .await;
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = self.stop.cancelled() => break ended_before_restart(last_exit),
                    }
                }
            }
        }
    }

    /// Runs one process of the module to its end, forwarding its output, marking the
    /// module ready once it registered, and removing its directory entries at its exit.
    async fn watch(&self, mut child: Child, instance_id: &str) -> Watched {
        let mut forwarders = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            forwarders.push(self.forward(Stream::Stdout, stdout));
        }
        if let Some(stderr) = child.stderr.take() {
            forwarders.push(self.forward(Stream::Stderr, stderr));
        }
        let by_name = self.match_by_name.then_some(self.launch.module.as_str());
        let registered = self.presence.registered(instance_id, by_name);
        tokio::pin!(registered);
        let mut awaiting_registration = !self.readiness.is_ready();
        let watched = loop {
            tokio::select! {
                status = child.wait() => break match status {
                    Ok(status) => Watched::Exited(status),
                    Err(error) => Watched::Failed(format!("could not be waited for: {error}")),
                },
                () = self.stop.cancelled() => break self.terminate(&mut child).await,
                () = &mut registered, if awaiting_registration => {
                    awaiting_registration = false;
                    self.readiness.mark_ready();
                }
            }
        };
        // Before draining the pipes: the dead endpoint must stop resolving now, not
        // after the process's last output or its TTL.
        self.presence.forget(instance_id, by_name).await;
        if let Err(error) = self.launch.remove_stale_socket() {
            self.say(format!(
                "module '{}': cannot remove its socket: {error}",
                self.launch.module
            ))
            .await;
        }
        for forwarder in forwarders {
            let abort = forwarder.abort_handle();
            if tokio::time::timeout(DRAIN_TIMEOUT, forwarder)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        watched
    }

    fn forward(
        &self,
        stream: Stream,
        reader: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    ) -> JoinHandle<()> {
        let output = self.output.clone();
        let module = self.launch.module.clone();
        tokio::spawn(async move { output.forward(&module, stream, reader).await })
    }

    /// SIGTERM, then SIGKILL once the grace period is over. The module's own SIGTERM
    /// handling (the runtime deregisters first) runs while the directory is still up.
    async fn terminate(&self, child: &mut Child) -> Watched {
        if let Some(pid) = child.id().and_then(|pid| libc::pid_t::try_from(pid).ok()) {
            // SAFETY: kill(2) has no memory effects; `pid` is our unreaped child, so it
            // cannot have been reused by another process.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        match tokio::time::timeout(self.grace_period, child.wait()).await {
            Ok(Ok(status)) => Watched::Stopped {
                status,
                killed: false,
            },
            Ok(Err(error)) => Watched::Failed(format!("could not be waited for: {error}")),
            Err(_) => {
                self.say(format!(
                    "module '{}' still running {} after SIGTERM; sending SIGKILL",
                    self.launch.module,
                    duration::display(self.grace_period)
                ))
                .await;
                let _ = child.start_kill();
                match child.wait().await {
                    Ok(status) => Watched::Stopped {
                        status,
                        killed: true,
                    },
                    Err(error) => Watched::Failed(format!("could not be waited for: {error}")),
                }
            }
        }
    }

    async fn give_up(&self, crashes: usize) {
        let times = if crashes == 1 { "time" } else { "times" };
        self.say(format!(
            "module '{}' crashed {crashes} {times} in {}; giving up",
            self.launch.module,
            duration::display(self.restart.window)
        ))
        .await;
        // What the crashed processes held must not outlive them: a credential that
        // leaked from one would otherwise work until it expires.
        match self.launch.revoke_credentials().await {
            Ok(true) => {
                self.say(format!(
                    "revoked the credentials of module '{}'",
                    self.launch.module
                ))
                .await;
            }
            Ok(false) => {}
            Err(error) => {
                self.say(format!(
                    "cannot revoke the credentials of module '{}': {error}",
                    self.launch.module
                ))
                .await;
            }
        }
        if self.restart.on_give_up == OnGiveUp::Exit {
            self.say("stopping every module (restart.on_give_up: exit)".to_owned())
                .await;
            self.stop.cancel();
        }
    }

    async fn say(&self, message: String) {
        self.output.host_line(Stream::Stderr, message).await;
    }
}

/// A module that died of the Ctrl-C or SIGTERM that is also stopping the host raced the
/// host's own SIGTERM; that is a stop, not a crash.
fn ended_before_restart(exit: Option<ExitStatus>) -> ModuleEnd {
    match exit {
        Some(status) if stopped_when_asked(status) => ModuleEnd::Stopped {
            status,
            killed: false,
        },
        status => ModuleEnd::Crashed { status },
    }
}
