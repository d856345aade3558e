//! Modules of `type: local`: linked into the host binary and run in its process.
//!
//! A host binary that links modules hands [`LocalModule`]s to [`super::start_with`]; the
//! YAML decides which of them run here (`type: local`) and which the host spawns
//! (`type: oop`), so moving a module is a one-word YAML change and a rebuild.
//!
//! A local module gets the lifecycle of an OoP one: its build closure (init) gets its
//! config and a [`ModuleHandle`] on the host's shared client hub, carrying its own caller
//! credential (minted by the host in memory, see `identity.rs`); its routes are served on
//! loopback behind the same call guard as an OoP module's (which also watches the host's
//! revocations file, so a module the host gave up on is refused here too) and registered
//! with the host's
//! directory, so OoP consumers reach it like any module; it is ready (for its dependents) once registered. In-process consumers get the
//! implementation the closure put in the hub (`register_local`), so their calls are
//! plain method calls, with no serialisation. At shutdown it is deregistered, its
//! handle's token is cancelled (its background tasks stop) and its server drains within
//! the grace period.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::transport::server::TcpIncoming;

use super::identity::LocalIdentity;
use super::outcome::{ModuleEnd, ModuleOutcome};
use super::output::{Output, Stream};
use super::readiness::ModuleReadiness;
use crate::directory::{DirectoryClient, Registration};
use crate::heartbeat::spawn_heartbeat;
use crate::hub::ClientHub;
use crate::lifecycle::BoxError;
use crate::oop::{ModuleHandle, ModuleSpec, Routes, with_reflection};

type Build = Box<dyn FnOnce(serde_json::Value, ModuleHandle) -> BuildFuture + Send + 'static>;
type BuildFuture = Pin<Box<dyn Future<Output = Result<Routes, BoxError>> + Send + 'static>>;

/// A module linked into this host binary: its spec and its build closure, the same
/// closure its own `main` hands to `oop::main` (config as JSON here: the module's
/// generated code turns it into its typed config).
pub struct LocalModule {
    pub(crate) spec: ModuleSpec,
    /// Taken when the module is built: once per run.
    build: Option<Build>,
}

impl LocalModule {
    pub fn new<F, Fut>(spec: ModuleSpec, build: F) -> Self
    where
        F: FnOnce(serde_json::Value, ModuleHandle) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Routes, BoxError>> + Send + 'static,
    {
        Self {
            spec,
            build: Some(Box::new(move |config, handle| {
                Box::pin(build(config, handle)) as BuildFuture
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
}

pub struct LocalSupervisor {
    pub module: LocalModule,
    pub config: serde_json::Value,
    pub run: LocalRun,
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
        // Served as an OoP module's are: health and reflection beside the module's routes,
        // so health checkers and `cargo modgen call` need not know where it runs.
        let (health, health_service) = tonic_health::server::health_reporter();
        for service in spec.service_names {
            health
                .set_service_status(*service, tonic_health::ServingStatus::Serving)
                .await;
        }
        let routes = match with_reflection(routes.add_service(health_service), &spec) {
            Ok(routes) => routes,
            Err(error) => return failed(error.to_string()),
        };
        let incoming = match TcpIncoming::bind(([127, 0, 0, 1], 0).into()) {
            Ok(incoming) => incoming.with_nodelay(Some(true)),
            Err(error) => return failed(format!("cannot bind 127.0.0.1:0: {error}")),
        };
        let Ok(addr) = incoming.local_addr() else {
            return failed("the bound socket has no address".to_owned());
        };
        let endpoint = format!("http://{addr}");
        let drain = CancellationToken::new();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .layer(self.identity.watched_guard(module_token.clone()))
                .add_routes(routes)
                .serve_with_incoming_shutdown(incoming, drain.clone().cancelled_owned()),
        );
        let registration = spec.service_names.iter().fold(
            Registration::new(spec.name, &instance_id, spec.version),
            |registration, service| registration.with_service(*service, &endpoint),
        );
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
        // Deregistered first, as an OoP module does on SIGTERM, then its tasks and server.
        module_token.cancel();
        let _ = heartbeat.await;
        let _ = directory.deregister(spec.name, &instance_id).await;
        drain.cancel();
        let timed_out = tokio::time::timeout(self.grace_period, server)
            .await
            .is_err();
        ModuleEnd::LocalStopped { timed_out }
    }

    /// Through `&mut self`: the build closure need not be `Sync`, so no `&self` may be
    /// held across an await.
    async fn say(&mut self, message: String) {
        self.output.host_line(Stream::Stderr, message).await;
    }
}
