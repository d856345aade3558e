//! Modules of `type: local`: linked into the host binary and run in its process.
//!
//! A host binary that links modules hands [`LocalModule`]s to [`super::start_with`]; the
//! YAML decides which of them run here (`type: local`) and which the host spawns
//! (`type: oop`), so moving a module is a one-word YAML change and a rebuild.
//!
//! A local module gets the lifecycle of an OoP one: its build closure (init) gets its
//! config and a [`ModuleHandle`] on the host's shared client hub, carrying its own caller
//! credential (minted by the host in memory, see `identity.rs`); its routes are served
//! where an OoP module's would be (its Unix socket in the host's run directory, or
//! loopback TCP on `transport: tcp`, see `transport.rs`) behind the same call guard
//! (which also watches the host's revocations file, so a module the host gave up on is
//! refused here too) and registered with the host's directory, so OoP consumers reach
//! it like any module; it is ready (for its dependents) once registered. In-process
//! consumers get the implementation the closure put in the hub (`register_local`), so
//! their calls are plain method calls, with no serialisation. At shutdown it is
//! deregistered and its health turns NOT_SERVING, its handle's token is cancelled (its
//! background tasks stop) and its server drains within the grace period; its socket file
//! goes with the server.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::identity::LocalIdentity;
use super::outcome::{ModuleEnd, ModuleOutcome};
use super::output::{Output, Stream};
use super::readiness::ModuleReadiness;
use crate::directory::DirectoryClient;
use crate::heartbeat::spawn_heartbeat;
use crate::hub::ClientHub;
use crate::lifecycle::BoxError;
use crate::oop::listen::{Listener, OnAbandon};
use crate::oop::tls::ServingTls;
use crate::oop::{
    ConfigLayer, ListenOn, ModuleConfig, ModuleHandle, ModuleSpec, Routes, load_config,
    with_standard_services,
};

type Build = Box<dyn FnOnce(serde_json::Value, ModuleHandle) -> BuildFuture + Send + 'static>;
type BuildFuture = Pin<Box<dyn Future<Output = Result<Routes, BoxError>> + Send + 'static>>;

/// A module linked into this host binary: its spec and its build closure, the same
/// closure its own `main` hands to `oop::main`.
pub struct LocalModule {
    pub(crate) spec: ModuleSpec,
    /// Taken when the module is built: once per run.
    build: Option<Build>,
}

impl LocalModule {
    /// `build` gets the module's config from its entry in the host YAML, merged over
    /// `C::default()` and validated as a module process's `--config` file is (a bad one
    /// fails the module, naming the key).
    pub fn new<C, F, Fut>(spec: ModuleSpec, build: F) -> Self
    where
        C: ModuleConfig,
        F: FnOnce(C, ModuleHandle) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Routes, BoxError>> + Send + 'static,
    {
        let module = spec.name;
        Self {
            spec,
            build: Some(Box::new(move |entry, handle| {
                Box::pin(async move {
                    let layer = ConfigLayer::from_host::<C>(module, entry)?;
                    let config: C = load_config(&[layer])?;
                    build(config, handle).await
                }) as BuildFuture
            })),
        }
    }

    pub fn name(&self) -> &'static str {
        self.spec.name
    }
}

/// What the host shares with every local module.
#[derive(Clone)]
pub struct LocalRun {
    pub hub: ClientHub,
    pub directory_endpoint: String,
    pub directory_token: Option<String>,
    pub heartbeat_interval: Duration,
    /// What local modules serve with on TCP, built once from the host YAML's `tls:`
    /// files (TLS with a certificate, as a process serves).
    pub tls: ServingTls,
}

pub struct LocalSupervisor {
    pub module: LocalModule,
    pub config: serde_json::Value,
    pub run: LocalRun,
    /// Its socket in the host's run directory, or loopback TCP (`transport: tcp`).
    pub listen: ListenOn,
    pub grace_period: Duration,
    pub output: Output,
    pub stop: CancellationToken,
    pub readiness: ModuleReadiness,
    pub identity: LocalIdentity,
}

impl LocalSupervisor {
    pub async fn run(mut self) -> ModuleOutcome {
        let name = self.module.spec.name;
        let stop = self.stop.clone();
        let end = tokio::select! {
            ready = self.readiness.dependencies_ready() => match ready {
                Ok(()) => self.serve().await,
                Err(dependency) => ModuleEnd::DependencyUnavailable { dependency },
            },
            () = stop.cancelled() => ModuleEnd::NotStarted,
        };
        if let ModuleEnd::LocalFailed { reason } = &end {
            self.say(format!("local module '{name}' failed: {reason}"))
                .await;
        }
        self.readiness.mark_ended();
        let starts = u32::from(!matches!(
            end,
            ModuleEnd::NotStarted | ModuleEnd::DependencyUnavailable { .. }
        ));
        ModuleOutcome {
            module: name.to_owned(),
            starts,
            end,
        }
    }

    /// Build, serve, register, wait for shutdown, stop.
    async fn serve(&mut self) -> ModuleEnd {
        let spec = self.module.spec.clone();
        let failed = |reason: String| ModuleEnd::LocalFailed { reason };
        let directory = match DirectoryClient::connect(&self.run.directory_endpoint).await {
            Ok(client) => client.with_token(self.run.directory_token.clone()),
            Err(error) => return failed(format!("cannot reach the directory: {error}")),
        };
        let module_token = self.stop.child_token();
        // Cancelled however this ends: a module that fails after its build must not
        // leave the tasks it started running until the host stops.
        let _module_tasks = module_token.clone().drop_guard();
        let handle = ModuleHandle {
            name: spec.name,
            instance_id: uuid::Uuid::new_v4().to_string(),
            cancel: module_token.clone(),
            hub: self.run.hub.clone(),
            directory: Some(directory.clone()),
            credential: self.identity.credential.clone(),
        };
        let instance_id = handle.instance_id.clone();
        let Some(build) = self.module.build.take() else {
            return failed("built twice".to_owned());
        };
        let routes = match build(self.config.clone(), handle).await {
            Ok(routes) => routes,
            Err(error) => return failed(format!("build: {error}")),
        };
        // Health and reflection beside the module's routes, as an OoP module serves them.
        let (routes, health) = match with_standard_services(routes, &spec) {
            Ok(served) => served,
            Err(error) => return failed(error.to_string()),
        };
        health.serving().await;
        let (listener, endpoint) = match self.bind() {
            Ok(bound) => bound,
            Err(reason) => return failed(reason),
        };
        let drain = CancellationToken::new();
        let router = listener
            .server()
            .layer(self.identity.guard.clone())
            .add_routes(routes);
        // The socket file (on the `unix` transport) goes when this task ends.
        let mut server = listener.serve(
            router,
            drain.clone().cancelled_owned(),
            OnAbandon::CutConnections,
        );
        let registration = spec.registration(&instance_id, &endpoint);
        if let Err(status) = directory.register(&registration).await {
            drain.cancel();
            return failed(format!("cannot register: {}", status.message()));
        }
        let heartbeat = spawn_heartbeat(
            directory.clone(),
            registration,
            self.run.heartbeat_interval,
            module_token.clone(),
        );
        self.readiness.mark_ready();
        self.say(format!(
            "local module '{}' serving on {endpoint}",
            spec.name
        ))
        .await;

        self.stop.cancelled().await;
        // Deregistered and marked NOT_SERVING first, as an OoP module is on SIGTERM, then
        // its tasks and server.
        module_token.cancel();
        let _ = heartbeat.await;
        let _ = directory.deregister(spec.name, &instance_id).await;
        health.not_serving().await;
        drain.cancel();
        let timed_out = tokio::time::timeout(self.grace_period, &mut server)
            .await
            .is_err();
        if timed_out {
            // The calls still open end here, not with the host process.
            server.abandon().await;
        }
        ModuleEnd::LocalStopped { timed_out }
    }

    /// Binds where the host's YAML says (`oop::listen`, as a module process does): the
    /// module's socket in the run directory, or loopback TCP, with TLS when the host has
    /// a certificate. Returns the listener and the endpoint to register.
    fn bind(&self) -> Result<(Listener, String), String> {
        Listener::bind(&self.listen, &self.run.tls).map_err(|error| error.to_string())
    }

    /// Through `&mut self`: the build closure need not be `Sync`, so no `&self` may be
    /// held across an await.
    async fn say(&mut self, message: String) {
        self.output.host_line(Stream::Stderr, message).await;
    }
}
