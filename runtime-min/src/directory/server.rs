//! The directory as a gRPC service, and a function that runs it on a socket.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use super::auth::WriteAuth;
use super::client::Registration;
use super::config::Backend;
use super::config::DirectoryConfig;
use super::proto::directory_service_server::{DirectoryService, DirectoryServiceServer};
use super::proto::{
    DeregisterInstanceRequest, GrpcServiceEndpoint, HeartbeatRequest, InstanceInfo,
    ListInstancesRequest, ListInstancesResponse, RegisterInstanceRequest,
    ResolveGrpcServiceRequest, ResolveGrpcServiceResponse,
};
use super::store::{InstanceStore, MemoryStore};
use super::{AuthMode, Registry};

/// The tonic service: checks the token on writes, then hands over to the [`Registry`].
#[derive(Clone)]
pub struct DirectoryServer {
    registry: Arc<Registry>,
    auth: Arc<WriteAuth>,
}

impl DirectoryServer {
    pub fn new(registry: Arc<Registry>, auth: AuthMode) -> Self {
        Self {
            registry,
            auth: Arc::new(WriteAuth {
                mode: auth,
                tokenless_modules: Default::default(),
            }),
        }
    }

    /// Lets these modules write without the token (see [`WriteAuth`]).
    pub fn with_tokenless_modules(mut self, modules: impl IntoIterator<Item = String>) -> Self {
        let mode = self.auth.mode.clone();
        self.auth = Arc::new(WriteAuth {
            mode,
            tokenless_modules: modules.into_iter().collect(),
        });
        self
    }

    /// The service to add to a tonic router (to serve the directory next to other services).
    pub fn into_service(self) -> DirectoryServiceServer<Self> {
        DirectoryServiceServer::new(self)
    }
}

#[tonic::async_trait]
impl DirectoryService for DirectoryServer {
    async fn resolve_grpc_service(
        &self,
        request: Request<ResolveGrpcServiceRequest>,
    ) -> Result<Response<ResolveGrpcServiceResponse>, Status> {
        let resolution = self
            .registry
            .resolve(&request.into_inner().service_name)
            .await?;
        Ok(Response::new(ResolveGrpcServiceResponse {
            endpoint_uri: resolution.endpoint_uri,
            instance_id: resolution.instance_id,
            endpoint_uris: resolution.endpoint_uris,
            module_name: resolution.module,
        }))
    }

    async fn list_instances(
        &self,
        request: Request<ListInstancesRequest>,
    ) -> Result<Response<ListInstancesResponse>, Status> {
        let records = self
            .registry
            .list_instances(&request.into_inner().module_name)
            .await?;
        let now = Instant::now();
        let instances = records
            .into_iter()
            .map(|record| InstanceInfo {
                endpoint_uri: record
                    .services
                    .first()
                    .map(|service| service.endpoint_uri.clone())
                    .unwrap_or_default(),
                expires_in_ms: u64::try_from(
                    record.expires_at.saturating_duration_since(now).as_millis(),
                )
                .unwrap_or(u64::MAX),
                grpc_services: record
                    .services
                    .into_iter()
                    .map(|service| GrpcServiceEndpoint {
                        service_name: service.service_name,
                        endpoint_uri: service.endpoint_uri,
                    })
                    .collect(),
                module_name: record.module,
                instance_id: record.instance_id,
                version: record.version,
            })
            .collect();
        Ok(Response::new(ListInstancesResponse { instances }))
    }

    async fn register_instance(
        &self,
        request: Request<RegisterInstanceRequest>,
    ) -> Result<Response<()>, Status> {
        self.auth
            .authorize(request.metadata(), &request.get_ref().module_name)?;
        let registration = Registration::from_request(request.into_inner());
        self.registry.register(&registration).await?;
        Ok(Response::new(()))
    }

    async fn deregister_instance(
        &self,
        request: Request<DeregisterInstanceRequest>,
    ) -> Result<Response<()>, Status> {
        self.auth
            .authorize(request.metadata(), &request.get_ref().module_name)?;
        let request = request.into_inner();
        self.registry
            .deregister(&request.module_name, &request.instance_id)
            .await?;
        Ok(Response::new(()))
    }

    async fn heartbeat(&self, request: Request<HeartbeatRequest>) -> Result<Response<()>, Status> {
        self.auth
            .authorize(request.metadata(), &request.get_ref().module_name)?;
        let request = request.into_inner();
        self.registry
            .heartbeat(&request.module_name, &request.instance_id)
            .await?;
        Ok(Response::new(()))
    }
}

/// A directory serving on a socket.
pub struct RunningDirectory {
    /// The address actually bound (the real port when asked for port 0).
    pub local_addr: SocketAddr,
    /// `http://<local_addr>`: what modules are given to connect to.
    pub endpoint: String,
    /// The registry behind the server, for in-process inspection (host, tests, benches).
    pub registry: Arc<Registry>,
    /// Ends after `cancel` fires and in-flight calls are done.
    pub task: JoinHandle<Result<(), tonic::transport::Error>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("invalid directory config: {0}")]
    Config(String),
    /// The store could not be opened (etcd unreachable, or not compiled in).
    #[error("{0}")]
    Store(String),
    #[error("cannot bind the directory to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Binds `addr` (use [`super::config::DEFAULT_BIND`] for loopback on a free port) and
/// serves the directory, with its eviction sweeper, until `cancel` fires. Returns once
/// the socket is bound, so the endpoint can be handed out at once.
pub async fn serve(
    config: DirectoryConfig,
    addr: SocketAddr,
    cancel: CancellationToken,
) -> Result<RunningDirectory, ServeError> {
    config.validate().map_err(ServeError::Config)?;
    let store = open_store(&config, &cancel).await?;
    let bind_error = |source| ServeError::Bind { addr, source };
    // Small unary calls would otherwise sit out Nagle's delay on the accepted sockets.
    let incoming = TcpIncoming::bind(addr)
        .map_err(bind_error)?
        .with_nodelay(Some(true));
    let local_addr = incoming.local_addr().map_err(bind_error)?;
    let registry = Arc::new(Registry::new(store, config.ttl));
    let sweeper = registry.spawn_sweeper(config.effective_sweep_interval(), cancel.child_token());
    let service = DirectoryServer::new(Arc::clone(&registry), config.auth)
        .with_tokenless_modules(config.tokenless_modules)
        .into_service();
    let task = tokio::spawn(async move {
        let served = tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, cancel.cancelled_owned())
            .await;
        // The sweeper's token is a child of `cancel`, so it is stopping too.
        let _ = sweeper.await;
        served
    });
    tracing::info!(%local_addr, "directory listening");
    Ok(RunningDirectory {
        local_addr,
        endpoint: format!("http://{local_addr}"),
        registry,
        task,
    })
}

/// The store the config asks for; the etcd one is connected (and its cache filled) here,
/// so an unreachable etcd fails the start rather than the first call.
async fn open_store(
    config: &DirectoryConfig,
    cancel: &CancellationToken,
) -> Result<Arc<dyn InstanceStore>, ServeError> {
    match &config.backend {
        Backend::Memory => Ok(Arc::new(MemoryStore::new())),
        #[cfg(feature = "etcd")]
        Backend::Etcd(settings) => {
            let store =
                super::store::etcd::EtcdStore::connect(settings, config.ttl, cancel.child_token())
                    .await
                    .map_err(|error| ServeError::Store(error.to_string()))?;
            Ok(Arc::new(store))
        }
        #[cfg(not(feature = "etcd"))]
        Backend::Etcd(_) => {
            let _ = cancel;
            Err(ServeError::Store(
                "the etcd directory backend is not compiled in: build modgen-runtime with \
                 the `etcd` feature"
                    .into(),
            ))
        }
    }
}
