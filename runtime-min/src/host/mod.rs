//! The host: runs the directory and the out-of-process modules named in a YAML file.
//!
//! ```text
//! HostConfig::from_yaml_file ─> start ─> directory up, one Supervisor task per module
//!                                  │      (spawn, forward output, restart with backoff)
//!                        cancel ───┘─> SIGTERM every module, grace period, SIGKILL,
//!                                      then the directory stops ─> HostOutcome
//! ```
//!
//! The directory outlives the modules on purpose: a module deregisters when it gets
//! SIGTERM, and that call must find the directory still listening.
//!
//! A crashed module (non-zero exit or a signal) is restarted with exponential backoff;
//! after `restart.max_restarts` crashes within `restart.window` the host gives up on it,
//! says so on stderr, and keeps the other modules running (or, with
//! `restart.on_give_up: exit`, stops them all). A module that exits 0 is done and is not
//! restarted. The host runs until `cancel` fires or it gives up under `on_give_up: exit`.
//!
//! Modules may depend on modules (`deps`): a dependent's first start waits until its
//! dependencies registered (`deps.rs` refuses cycles and unknown names, `readiness.rs`
//! gates). The host hands each process its instance id and removes that instance from
//! the directory the moment the process exits (`presence.rs`), so a crashed module is
//! never resolved for the rest of its TTL.

mod command;
pub mod config;
pub mod deps;
mod directory;
mod identity;
/// Kept at its first home: generated module configs name `modgen_runtime::host::duration`.
pub use crate::duration;
mod launch;
mod local;
mod outcome;
mod output;
mod presence;
mod readiness;
mod restart;
mod revocation_sync;
mod supervisor;
mod transport;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use futures_util::future::join_all;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use command::main;
pub use config::{
    ConfigError, DirectoryAuth, DirectoryBackend, DirectorySettings, Execution, HostConfig,
    IdentitySettings, ModuleEntry, ModuleRuntime, OnGiveUp, RestartPolicy, RuntimeKind,
    ShutdownPolicy, Transport,
};
pub use deps::DependencyError;
pub use local::LocalModule;
pub use outcome::{HostOutcome, ModuleEnd, ModuleOutcome};

use crate::identity::run_dir;
use crate::oop::tls::{ServingTls, ServingTlsError};
use identity::HostIdentity;
use launch::{Launch, RunEnvironment};
use output::{Output, Stream};
use presence::Presence;
use supervisor::Supervisor;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Every module that cannot be started, found before any is.
    #[error("{}", render_launch_problems(.0))]
    Launch(Vec<LaunchProblem>),
    #[error("cannot start the directory: {reason}")]
    Directory {
        listen: std::net::SocketAddr,
        reason: String,
    },
    /// A dependency cycle or unknown dependency in a config built in code (a YAML
    /// reports it as [`ConfigError::Dependencies`] at load).
    #[error(transparent)]
    Dependencies(#[from] DependencyError),
    #[error("cannot set up caller identity: {0}")]
    Identity(String),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The `tls:` certificate and key, each readable, do not make a usable identity.
    #[error("tls: the certificate and key cannot be used together: {0}")]
    TlsIdentity(String),
    /// The private run directory (credentials, module sockets) cannot be created.
    #[error("cannot create the run directory {}: {source}", .path.display())]
    RunDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the output writer thread: {0}")]
    Output(#[source] std::io::Error),
    #[error("the host task failed: {0}")]
    Task(String),
}

/// A module whose executable or working directory is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchProblem {
    pub module: String,
    pub path: PathBuf,
    /// e.g. `executable not found`
    pub problem: String,
}

fn render_launch_problems(problems: &[LaunchProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("module '{}': {}: {}", p.module, p.problem, p.path.display()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A host whose directory listens and whose modules have been started.
pub struct RunningHost {
    directory_endpoint: String,
    directory_token: Option<String>,
    task: JoinHandle<HostOutcome>,
}

impl RunningHost {
    /// `http://127.0.0.1:PORT`, as handed to the modules.
    pub fn directory_endpoint(&self) -> &str {
        &self.directory_endpoint
    }

    /// The run's registration token; `None` under `directory.auth: disabled`.
    pub fn directory_token(&self) -> Option<&str> {
        self.directory_token.as_deref()
    }

    /// Waits until every module is stopped and the directory is down. The host keeps
    /// running when this handle is dropped; only the `cancel` token given to [`start`]
    /// stops it.
    pub async fn wait(self) -> Result<HostOutcome, HostError> {
        self.task
            .await
            .map_err(|error| HostError::Task(error.to_string()))
    }
}

/// Checks every module's paths, starts the directory (printing
/// `modgen-host: directory listening on <endpoint>` on stdout), and starts one supervisor
/// per module, which spawns it. Returns once the directory listens (the modules come up
/// on their own time); cancel `cancel` to stop everything.
pub async fn start(
    config: HostConfig,
    cancel: CancellationToken,
) -> Result<RunningHost, HostError> {
    start_with(config, Vec::new(), cancel).await
}

/// [`start`] for a host binary that links modules: the entries of `type: local` run in
/// this process from `locals` (matched by module name); every `local` entry needs one.
/// Linked modules the YAML runs as `oop` (or does not name) are not started here.
pub async fn start_with(
    config: HostConfig,
    locals: Vec<LocalModule>,
    cancel: CancellationToken,
) -> Result<RunningHost, HostError> {
    deps::start_order(&config.modules)?;
    check_launchable(&config.modules)?;
    let locals = take_locals(&config.modules, locals)?;
    let local_tls = load_tls(&config.tls)?;
    let (output, writer) = Output::start().map_err(HostError::Output)?;
    let tokenless = config
        .modules
        .iter()
        .filter(|module| module.tokenless)
        .map(|module| module.name.clone());
    let directory = directory::Embedded::start(&config.directory, tokenless).await?;
    let presence = Presence::new(directory.registry());
    output
        .host_line(
            Stream::Stdout,
            format!("{DIRECTORY_LISTENING}{}", directory.endpoint()),
        )
        .await;

    let run_dir = run_dir::for_directory(directory.endpoint());
    let too_long = transport::check_socket_paths(&config.modules, config.transport, &run_dir);
    if !too_long.is_empty() {
        directory.stop().await;
        return Err(HostError::Launch(too_long));
    }
    run_dir::create_private(&run_dir).map_err(|source| HostError::RunDir {
        path: run_dir.clone(),
        source,
    })?;
    let identity = HostIdentity::start(&config.identity, &run_dir).map_err(HostError::Identity)?;
    if let Some(identity) = &identity {
        output
            .host_line(
                Stream::Stdout,
                format!("identity key {}", identity.public_key()),
            )
            .await;
    }
    let run = RunEnvironment {
        directory_endpoint: directory.endpoint().to_owned(),
        directory_token: directory.token().map(str::to_owned),
        heartbeat_interval: config.directory.heartbeat_interval,
        identity: identity.clone(),
        tls: config.tls.environment(),
        revocation_board: revocation_sync::RevocationBoard(directory.registry().store().clone()),
        run_dir: run_dir.clone(),
        transport: config.transport,
    };
    // A child of the caller's token, so giving up under `on_give_up: exit` stops this
    // host without cancelling anything else the caller hangs on `cancel`.
    let stop = cancel.child_token();
    // Its own token: renewal ends when every supervisor has, also when no one cancelled.
    // Only processes hold credential files; local modules run inside the host.
    let renewal_stop = CancellationToken::new();
    let mirror = identity.as_ref().map(|identity| {
        revocation_sync::spawn_mirror(
            std::sync::Arc::clone(identity),
            directory.registry().store().clone(),
            renewal_stop.clone(),
        )
    });
    let renewal = identity.map(|identity| {
        let modules = config
            .modules
            .iter()
            .filter(|m| m.runtime.kind != RuntimeKind::Local)
            .map(|m| m.name.clone())
            .collect();
        identity.spawn_renewal(modules, renewal_stop.clone())
    });
    let supervisors =
        spawn_supervisors(&config, locals, local_tls, &run, &presence, &output, &stop);

    let grace_period = config.shutdown.grace_period;
    let task = tokio::spawn(async move {
        let all = join_all(supervisors);
        tokio::pin!(all);
        let results = tokio::select! {
            results = &mut all => results,
            () = stop.cancelled() => {
                output.host_line(Stream::Stderr, format!(
                    "stopping modules (SIGTERM, then SIGKILL after {})",
                    duration::display(grace_period)
                )).await;
                all.await
            }
        };
        let mut modules = Vec::with_capacity(results.len());
        for (result, entry) in results.into_iter().zip(&config.modules) {
            let outcome = match result {
                Ok(outcome) => outcome,
                Err(error) => {
                    output
                        .host_line(
                            Stream::Stderr,
                            format!("supervisor of module '{}' failed: {error}", entry.name),
                        )
                        .await;
                    ModuleOutcome {
                        module: entry.name.clone(),
                        starts: 0,
                        end: ModuleEnd::Crashed { status: None },
                    }
                }
            };
            modules.push(outcome);
        }
        renewal_stop.cancel();
        // The mirror first: renewal removes the run directory it writes into.
        if let Some(mirror) = mirror {
            let _ = mirror.await;
        }
        if let Some(renewal) = renewal {
            let _ = renewal.await;
        }
        // Nothing outlives the run: credentials and sockets go with it.
        let _ = std::fs::remove_dir_all(&run_dir);
        directory.stop().await;
        drop(output);
        writer.finish().await;
        HostOutcome { modules }
    });

    Ok(RunningHost {
        directory_endpoint: run.directory_endpoint,
        directory_token: run.directory_token,
        task,
    })
}

/// What the host's line announcing its directory says before the endpoint.
const DIRECTORY_LISTENING: &str = "directory listening on ";

/// The directory endpoint a host announced, if `line` (of its stdout) is that
/// announcement: how a process running a host learns where to call.
pub fn announced_directory(line: &str) -> Option<&str> {
    let endpoint = line
        .strip_prefix(output::HOST_LINE_PREFIX)?
        .strip_prefix(DIRECTORY_LISTENING)?
        .trim();
    (!endpoint.is_empty()).then_some(endpoint)
}

/// [`start`], then [`RunningHost::wait`]: what `modgen-host` and `cargo modgen run` do.
pub async fn run(config: HostConfig, cancel: CancellationToken) -> Result<HostOutcome, HostError> {
    start(config, cancel).await?.wait().await
}

/// Reads the `tls:` files once for the whole run. The host's own clients (its `local`
/// modules calling `oop` ones) verify `https://` endpoints with the CA bundle the modules
/// get; its local modules serve with the certificate. The YAML's files were checked at
/// load; a config built in code is checked here, and so is whether certificate and key
/// belong together, before anything starts.
fn load_tls(tls: &crate::tls::TlsFiles) -> Result<ServingTls, HostError> {
    let material = tls.load()?;
    let serving = ServingTls::from_material(&material).map_err(|error| match error {
        ServingTlsError::Files(error) => HostError::Tls(error),
        ServingTlsError::Identity(reason) => HostError::TlsIdentity(reason),
    })?;
    // Only once the host can start with them: a refused start changes nothing.
    if let Some(ca) = &material.ca {
        crate::client::tls::install_process_ca(crate::client::tls::CaBundle::from_pem(ca));
    }
    Ok(serving)
}

/// One supervisor task per module, in file order; each waits for its dependencies'
/// readiness itself, so modules start in dependency order and a slow one delays only its
/// dependents.
fn spawn_supervisors(
    config: &HostConfig,
    mut locals: std::collections::HashMap<String, LocalModule>,
    local_tls: ServingTls,
    run: &RunEnvironment,
    presence: &Presence,
    output: &Output,
    stop: &CancellationToken,
) -> Vec<JoinHandle<ModuleOutcome>> {
    let local_run = local::LocalRun {
        hub: crate::hub::ClientHub::new(),
        directory_endpoint: run.directory_endpoint.clone(),
        directory_token: run.directory_token.clone(),
        heartbeat_interval: run.heartbeat_interval,
        tls: local_tls,
    };
    config
        .modules
        .iter()
        .zip(readiness::for_modules(&config.modules))
        .map(|(entry, readiness)| {
            if let Some(module) = locals.remove(&entry.name) {
                let supervisor = local::LocalSupervisor {
                    module,
                    config: entry
                        .config
                        .clone()
                        .unwrap_or_else(|| serde_json::json!({})),
                    run: local_run.clone(),
                    listen: transport::local_listen_on(entry, run.transport, &run.run_dir),
                    grace_period: config.shutdown.grace_period,
                    output: output.clone(),
                    stop: stop.clone(),
                    readiness,
                    identity: run.identity.as_ref().map_or_else(
                        || identity::LocalIdentity::open(&entry.name),
                        |identity| identity.local_module(entry),
                    ),
                };
                return tokio::spawn(supervisor.run());
            }
            let supervisor = Supervisor {
                launch: Launch::new(entry, run),
                starts: 0,
                presence: presence.clone(),
                // A ModKit binary picks its own instance id; only such entries (tokenless,
                // or any under `auth: disabled`) are matched by name as well.
                match_by_name: entry.tokenless || config.directory.auth == DirectoryAuth::Disabled,
                readiness,
                restart: config.restart.clone(),
                grace_period: config.shutdown.grace_period,
                output: output.clone(),
                stop: stop.clone(),
            };
            tokio::spawn(supervisor.run())
        })
        .collect()
}

/// The linked module of every `local` entry, by name; a `local` entry this binary does
/// not link is a launch problem (found before anything starts).
fn take_locals(
    modules: &[ModuleEntry],
    locals: Vec<LocalModule>,
) -> Result<std::collections::HashMap<String, LocalModule>, HostError> {
    let mut linked: std::collections::HashMap<_, _> = locals
        .into_iter()
        .map(|module| (module.name().to_owned(), module))
        .collect();
    let mut chosen = std::collections::HashMap::new();
    let mut problems = Vec::new();
    for entry in modules
        .iter()
        .filter(|m| m.runtime.kind == RuntimeKind::Local)
    {
        match linked.remove(&entry.name) {
            Some(module) => {
                chosen.insert(entry.name.clone(), module);
            }
            None => problems.push(LaunchProblem {
                module: entry.name.clone(),
                path: PathBuf::from(std::env::args_os().next().unwrap_or_default()),
                problem: "`type: local`, but this host binary does not link it".to_owned(),
            }),
        }
    }
    if problems.is_empty() {
        Ok(chosen)
    } else {
        Err(HostError::Launch(problems))
    }
}

/// Refuses to start anything when any module cannot be started, naming each one: a
/// typo in one path should not leave half a system running.
fn check_launchable(modules: &[ModuleEntry]) -> Result<(), HostError> {
    let mut problems = Vec::new();
    for module in modules
        .iter()
        .filter(|m| m.runtime.kind == RuntimeKind::Oop)
    {
        let execution = &module.runtime.execution;
        let path = &execution.executable_path;
        let problem = match std::fs::metadata(path) {
            Err(_) => Some("executable not found"),
            Ok(meta) if !meta.is_file() => Some("executable is not a file"),
            Ok(meta) if meta.permissions().mode() & 0o111 == 0 => {
                Some("executable has no execute permission")
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            problems.push(LaunchProblem {
                module: module.name.clone(),
                path: path.clone(),
                problem: problem.to_owned(),
            });
        }
        if let Some(dir) = &execution.working_directory
            && !dir.is_dir()
        {
            problems.push(LaunchProblem {
                module: module.name.clone(),
                path: dir.clone(),
                problem: "working directory not found".to_owned(),
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(HostError::Launch(problems))
    }
}
