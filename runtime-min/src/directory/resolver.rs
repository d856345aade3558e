//! Name → endpoints, behind a trait so SDK clients work the same against the directory,
//! a fixed list, or a test double.

use tonic::Status;

use crate::identity::Caller;

/// Anything that maps a gRPC service name to the endpoints of its live instances.
#[async_trait::async_trait]
pub trait Resolver: Send + Sync + 'static {
    /// All live endpoints (`http://host:port`), in the directory's round-robin order.
    /// An empty list is Ok; transport failures are Err(Status).
    async fn resolve_all(&self, service_name: &str) -> Result<Vec<String>, Status>;

    /// The module the clients built over this resolver call as (a module's handle
    /// gives such a resolver): its name for calls through the hub, and the credential
    /// for calls over the wire. `None`: no module of its own (the process's credential).
    fn caller(&self) -> Option<&Caller> {
        None
    }
}

/// A fixed list of endpoints (tests, `--endpoint` overrides), the same for every name.
#[derive(Clone, Debug, Default)]
pub struct StaticResolver(pub Vec<String>);

#[async_trait::async_trait]
impl Resolver for StaticResolver {
    async fn resolve_all(&self, _service_name: &str) -> Result<Vec<String>, Status> {
        Ok(self.0.clone())
    }
}
