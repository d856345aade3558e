//! The out-of-process bootstrap: what a generated module's `main.rs` calls.
//!
//! `oop::main` parses the command line ([`Launch`]), loads and validates the config
//! before anything is bound, sets up logging, connects to the directory, calls the
//! module's build closure, binds, serves the module's routes plus `grpc.health.v1` and
//! server reflection, registers the bound endpoint, heartbeats, and prints one line to
//! stdout when ready:
//!
//! ```text
//! modgen: listening on http://127.0.0.1:PORT
//! modgen: listening on unix:/run/user/1000/modgen/run-…/NAME.sock   (under a host)
//! ```
//!
//! On SIGINT/SIGTERM it deregisters first, then stops accepting and lets in-flight calls
//! finish within `--shutdown-timeout`, and exits 0. Exit codes: 0 clean stop (or
//! `--print-config`), 2 bad usage or config (nothing bound), 1 any other failure.
//!
//! Precedence, highest first:
//! - settings: command-line flag (`--directory`, `--instance-id`), then `MODGEN_*`, then
//!   ModKit's `MODKIT_*`, then the default (standalone; a fresh UUIDv4). The directory
//!   token comes only from `MODGEN_DIRECTORY_TOKEN`: a flag would show it in `ps`.
//! - config values: the host's `MODGEN_MODULE_CONFIG` (else `MODKIT_MODULE_CONFIG`), then
//!   the `--config` file, then the config type's `Default`; objects merge key by key. The
//!   host renders config per run, so it overrides a file that ships with the binary.

mod cli;
mod config;
mod handle;
pub(crate) mod listen;
mod logging;
mod server;
mod services;
mod severable;
pub(crate) mod tls;

use std::future::Future;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

pub use cli::{
    ENV_DIRECTORY_ENDPOINT, ENV_DIRECTORY_TOKEN, ENV_HEARTBEAT_INTERVAL, ENV_INSTANCE_ID,
    ENV_MODKIT_DIRECTORY_ENDPOINT, ENV_MODKIT_MODULE_CONFIG, ENV_MODULE_CONFIG, Launch,
};
pub use config::{
    ConfigError, ConfigLayer, ConfigSource, LoadError, ModuleConfig, load as load_config,
};
pub use handle::ModuleHandle;
pub use listen::{ListenOn, remove_stale_socket};

pub use crate::lifecycle::BoxError;
/// What the module's build closure returns: its tonic services.
pub type Routes = tonic::service::Routes;

use crate::directory::{DirectoryClient, Registration};
use crate::identity::ModuleIdentity;
use crate::lifecycle::{self, LifecycleError};
use listen::Listener;
use server::{Announce, DEREGISTER_TIMEOUT, OopServer};
pub(crate) use services::with_standard_services;

/// The start of the line printed to stdout once the module serves (and is registered,
/// when there is a directory); the endpoint follows.
pub const READY_LINE_PREFIX: &str = "modgen: listening on ";

/// What the generated `main.rs` says about its module.
#[derive(Clone, Debug)]
pub struct ModuleSpec {
    pub name: &'static str,
    pub version: &'static str,
    /// Fully qualified gRPC service names, as registered and as marked in health.
    pub service_names: &'static [&'static str],
    /// Encoded `FileDescriptorSet`s, for server reflection.
    pub file_descriptor_sets: &'static [&'static [u8]],
    pub heartbeat_interval: Duration,
}

impl ModuleSpec {
    /// The directory entry of one instance: every service of the module at `endpoint`.
    pub fn registration(&self, instance_id: &str, endpoint: &str) -> Registration {
        self.service_names.iter().fold(
            Registration::new(self.name, instance_id, self.version),
            |registration, service| registration.with_service(*service, endpoint),
        )
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum OopError {
    #[error("config error: {0}")]
    Config(#[from] LoadError),
    #[error("identity settings: {0}")]
    Identity(#[from] crate::identity::IdentityEnvError),
    #[error("TLS settings: {0}")]
    Tls(#[from] tls::ServingTlsError),
    #[error("cannot reach the directory: {0}")]
    Directory(#[from] crate::client::ConnectError),
    #[error("building the module failed: {0}")]
    Build(#[source] BoxError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// `127.0.0.1:0` or `unix:/abs/path`
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("server reflection: {0}")]
    Reflection(String),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
}

impl OopError {
    /// 2 for what the user must fix in the config or the command line, 1 otherwise.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Config(_) | Self::Identity(_) | Self::Tls(_) => ExitCode::from(2),
            _ => ExitCode::FAILURE,
        }
    }
}

/// The whole module process: command line, runtime, [`run`], exit code.
pub fn main<C, F, Fut>(spec: ModuleSpec, build: F) -> ExitCode
where
    C: ModuleConfig,
    F: FnOnce(C, ModuleHandle) -> Fut,
    Fut: Future<Output = Result<Routes, BoxError>>,
{
    let launch = match Launch::from_process(spec.name, spec.version) {
        Ok(launch) => launch,
        Err(error) => {
            let _ = error.print();
            // clap's --help and --version are successes; usage errors are 2.
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{}: cannot start the async runtime: {error}", spec.name);
            return ExitCode::FAILURE;
        }
    };
    let name = spec.name;
    match runtime.block_on(run(spec, launch, build)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Also on stderr without tracing: config errors happen before it is set up.
            eprintln!("{name}: {error}");
            error.exit_code()
        }
    }
}

/// Runs the module until SIGINT/SIGTERM (see the module docs). Must run inside a tokio
/// runtime; installs the process's signal handlers.
pub async fn run<C, F, Fut>(spec: ModuleSpec, launch: Launch, build: F) -> Result<(), OopError>
where
    C: ModuleConfig,
    F: FnOnce(C, ModuleHandle) -> Fut,
    Fut: Future<Output = Result<Routes, BoxError>>,
{
    let config = load_launch_config::<C>(&launch)?;
    if launch.print_config {
        let yaml = yaml_serde::to_string(&config).map_err(|error| LoadError::Invalid {
            path: ".".to_owned(),
            message: format!("cannot print as YAML: {error}"),
            source_name: None,
        })?;
        print!("{yaml}");
        let _ = std::io::stdout().flush();
        return Ok(());
    }

    let identity = ModuleIdentity::from_env(|key| std::env::var(key).ok())?;
    let serving = tls::ServingTls::from_env(|key| std::env::var(key).ok())?;
    logging::init(spec.name, launch.verbosity);
    if let Some(path) = &identity.credential_file {
        crate::identity::install_process_credential(path.clone());
    }
    if let Err(error) = lifecycle::hook_signals() {
        tracing::warn!(%error, "cannot hook SIGINT/SIGTERM; stop the module with SIGKILL");
    }
    let root = lifecycle::root_token();
    let instance_id = launch
        .instance_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());

    let directory = match &launch.directory {
        Some(uri) => {
            // A signal while the directory is still being retried ends the start cleanly.
            let client = tokio::select! {
                client = DirectoryClient::connect(uri) => client?,
                () = root.cancelled() => return Ok(()),
            };
            Some(client.with_token(launch.directory_token.clone()))
        }
        None => None,
    };
    let handle = ModuleHandle {
        name: spec.name,
        instance_id: instance_id.clone(),
        cancel: root.child_token(),
        hub: crate::hub::ClientHub::new(),
        directory: directory.clone(),
        credential: None,
    };
    let routes = build(config, handle).await.map_err(OopError::Build)?;

    let (routes, health) = with_standard_services(routes, &spec)?;
    let (listener, endpoint) = Listener::bind(&launch.listen, &serving)?;

    let announce = directory.map(|client| Announce {
        client,
        registration: spec.registration(&instance_id, &endpoint),
        heartbeat_interval: launch.heartbeat_interval.unwrap_or(spec.heartbeat_interval),
    });
    let server = OopServer {
        routes: Some(routes),
        guard: identity.watched_guard(spec.name, root.child_token()),
        listener: Some(listener),
        health,
        announce,
        drain_timeout: launch.shutdown_timeout,
    };
    // Heartbeat stop, deregistration, drain, and a second of slack for the rest.
    let stop_budget = DEREGISTER_TIMEOUT * 2 + launch.shutdown_timeout + Duration::from_secs(1);
    let running = lifecycle::spawn_module(server, root, stop_budget)
        .ready()
        .await?;
    tracing::info!(%endpoint, %instance_id, version = spec.version, "serving");
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{READY_LINE_PREFIX}{endpoint}");
    let _ = stdout.flush();
    drop(stdout);
    running.join().await?;
    Ok(())
}

/// Config from the `--config` file, then the host's environment variable, over defaults.
fn load_launch_config<C: ModuleConfig>(launch: &Launch) -> Result<C, LoadError> {
    let mut layers = Vec::new();
    if let Some(path) = &launch.config_file {
        layers.push(ConfigLayer::from_file::<C>(path)?);
    }
    if let Some((name, json)) = &launch.env_config {
        layers.push(ConfigLayer::from_env_json::<C>(name, json)?);
    }
    config::load(&layers)
}
