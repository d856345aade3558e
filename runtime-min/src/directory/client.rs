//! How a module (or the host, or `cargo modgen call`) talks to the directory.

use std::time::Duration;

use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

use super::auth::TOKEN_METADATA_KEY;
use super::proto::directory_service_client::DirectoryServiceClient;
use super::proto::{
    DeregisterInstanceRequest, GrpcServiceEndpoint, HeartbeatRequest, InstanceInfo,
    ListInstancesRequest, RegisterInstanceRequest, ResolveGrpcServiceRequest,
    ResolveGrpcServiceResponse,
};
use super::resolver::Resolver;
use crate::client::{ClientOptions, ConnectError, RetryPolicy};

/// Bound on one directory call: the directory answers from memory, so anything slower
/// means it is stuck, and a heartbeat loop must not hang behind it.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// What an instance announces: who it is and which services it serves where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub module: String,
    pub instance_id: String,
    /// `(service_name, endpoint_uri)`, e.g. `("calculator.v1.Calculator", "http://127.0.0.1:4100")`.
    pub services: Vec<(String, String)>,
    pub version: String,
}

impl Registration {
    pub fn new(
        module: impl Into<String>,
        instance_id: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Self {
            module: module.into(),
            instance_id: instance_id.into(),
            services: Vec::new(),
            version: version.into(),
        }
    }

    pub fn with_service(
        mut self,
        service_name: impl Into<String>,
        endpoint_uri: impl Into<String>,
    ) -> Self {
        self.services
            .push((service_name.into(), endpoint_uri.into()));
        self
    }

    pub fn to_request(&self) -> RegisterInstanceRequest {
        RegisterInstanceRequest {
            module_name: self.module.clone(),
            instance_id: self.instance_id.clone(),
            grpc_services: self
                .services
                .iter()
                .map(|(service_name, endpoint_uri)| GrpcServiceEndpoint {
                    service_name: service_name.clone(),
                    endpoint_uri: endpoint_uri.clone(),
                })
                .collect(),
            version: self.version.clone(),
        }
    }

    pub fn from_request(request: RegisterInstanceRequest) -> Self {
        Self {
            module: request.module_name,
            instance_id: request.instance_id,
            services: request
                .grpc_services
                .into_iter()
                .map(|service| (service.service_name, service.endpoint_uri))
                .collect(),
            version: request.version,
        }
    }
}

/// A directory client: cheap to clone (one shared HTTP/2 channel), safe to share.
#[derive(Clone, Debug)]
pub struct DirectoryClient {
    inner: DirectoryServiceClient<Channel>,
    token: Option<String>,
}

impl DirectoryClient {
    /// Connects, retrying a few times with backoff: the directory may be starting in the
    /// same moment as the module. Later outages are handled by the channel reconnecting.
    pub async fn connect(endpoint_uri: &str) -> Result<Self, ConnectError> {
        let options = ClientOptions {
            retry: RetryPolicy {
                max_attempts: 6,
                ..RetryPolicy::default()
            },
            ..ClientOptions::default()
        };
        Self::connect_with(endpoint_uri, &options).await
    }

    pub async fn connect_with(
        endpoint_uri: &str,
        options: &ClientOptions,
    ) -> Result<Self, ConnectError> {
        let channel = crate::client::connect(endpoint_uri, options).await?;
        Ok(Self::from_channel(channel))
    }

    pub fn from_channel(channel: Channel) -> Self {
        Self {
            inner: DirectoryServiceClient::new(channel),
            token: None,
        }
    }

    /// The token sent on register, deregister and heartbeat (`None`: send none, for a
    /// directory with auth off).
    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    pub async fn register(&self, registration: &Registration) -> Result<(), Status> {
        let request = self.authorized(registration.to_request())?;
        self.inner.clone().register_instance(request).await?;
        Ok(())
    }

    pub async fn deregister(&self, module: &str, instance_id: &str) -> Result<(), Status> {
        let request = self.authorized(DeregisterInstanceRequest {
            module_name: module.to_owned(),
            instance_id: instance_id.to_owned(),
        })?;
        self.inner.clone().deregister_instance(request).await?;
        Ok(())
    }

    /// `NOT_FOUND` means the directory lost the instance: register again.
    pub async fn heartbeat(&self, module: &str, instance_id: &str) -> Result<(), Status> {
        let request = self.authorized(HeartbeatRequest {
            module_name: module.to_owned(),
            instance_id: instance_id.to_owned(),
        })?;
        self.inner.clone().heartbeat(request).await?;
        Ok(())
    }

    /// One endpoint, the next in the directory's rotation. `NOT_FOUND` when no live
    /// instance serves the name.
    pub async fn resolve(&self, service_name: &str) -> Result<String, Status> {
        Ok(self.resolve_raw(service_name).await?.endpoint_uri)
    }

    /// The full answer, including the modgen fields (instance, module, every endpoint).
    pub async fn resolve_raw(
        &self,
        service_name: &str,
    ) -> Result<ResolveGrpcServiceResponse, Status> {
        let request = timed(ResolveGrpcServiceRequest {
            service_name: service_name.to_owned(),
        });
        Ok(self
            .inner
            .clone()
            .resolve_grpc_service(request)
            .await?
            .into_inner())
    }

    /// The live instances of `module`; `""` lists every module's (a modgen directory;
    /// ModKit's may answer with none).
    pub async fn list_instances(&self, module: &str) -> Result<Vec<InstanceInfo>, Status> {
        let request = timed(ListInstancesRequest {
            module_name: module.to_owned(),
        });
        Ok(self
            .inner
            .clone()
            .list_instances(request)
            .await?
            .into_inner()
            .instances)
    }

    fn authorized<T>(&self, message: T) -> Result<Request<T>, Status> {
        let mut request = timed(message);
        if let Some(token) = &self.token {
            let value = MetadataValue::try_from(token.as_str()).map_err(|_| {
                Status::unauthenticated("the directory token is not valid ASCII metadata")
            })?;
            request.metadata_mut().insert(TOKEN_METADATA_KEY, value);
        }
        Ok(request)
    }
}

fn timed<T>(message: T) -> Request<T> {
    let mut request = Request::new(message);
    request.set_timeout(CALL_TIMEOUT);
    request
}

#[async_trait::async_trait]
impl Resolver for DirectoryClient {
    async fn resolve_all(&self, service_name: &str) -> Result<Vec<String>, Status> {
        match self.resolve_raw(service_name).await {
            // A ModKit directory fills only the single endpoint.
            Ok(response) if response.endpoint_uris.is_empty() => Ok(vec![response.endpoint_uri]),
            Ok(response) => Ok(response.endpoint_uris),
            Err(status) if status.code() == Code::NotFound => Ok(Vec::new()),
            Err(status) => Err(status),
        }
    }
}
