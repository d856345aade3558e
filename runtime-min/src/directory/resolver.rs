//! Name → endpoints, behind a trait so SDK clients work the same against the directory,
//! a fixed list, or a test double.

use tonic::Status;

use crate::identity::CallerCredential;

/// Anything that maps a gRPC service name to the endpoints of its live instances.
#[async_trait::async_trait]
pub trait Resolver: Send + Sync + 'static {
    /// All live endpoints (`http://host:port`), in the directory's round-robin order.
    /// An empty list is Ok; transport failures are Err(Status).
    async fn resolve_all(&self, service_name: &str) -> Result<Vec<String>, Status>;

    /// The credential the clients built over this resolver present, when they call as
    /// a module of their own (a local module inside a host); `None`: the process's.
    fn caller_credential(&self) -> Option<CallerCredential> {
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
