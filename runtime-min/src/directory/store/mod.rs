//! Where instance entries live, shaped after what an etcd lease can do: an instance is
//! written for a TTL, kept alive by heartbeats, claimed atomically together with its
//! service names, and read from a view that only ever holds live instances.
//!
//! The registry keeps the rules that need no shared state (validation, the field paths
//! in errors, round-robin); everything that must hold across processes sharing one
//! store (who owns a name, whether an instance is still alive) is the store's.
//!
//! Two implementations: [`MemoryStore`] (one process, the default) and, with the `etcd`
//! feature, [`etcd::EtcdStore`] (entries under etcd leases, shared by several hosts).

use std::time::Duration;

use tokio::time::Instant;

#[cfg(feature = "etcd")]
pub mod etcd;
mod index;
mod memory;

pub use memory::MemoryStore;

/// One service an instance serves, and where.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServiceEndpoint {
    pub service_name: String,
    pub endpoint_uri: String,
}

/// What a module registers: an instance and the services it serves.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Instance {
    pub module: String,
    pub instance_id: String,
    /// In registration order.
    pub services: Vec<ServiceEndpoint>,
    pub version: String,
}

/// One live instance, with when it dies unless kept alive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceRecord {
    pub module: String,
    pub instance_id: String,
    /// In registration order.
    pub services: Vec<ServiceEndpoint>,
    pub version: String,
    /// Past this instant the instance is dead unless a heartbeat arrives first.
    pub expires_at: Instant,
}

impl InstanceRecord {
    pub fn new(instance: Instance, expires_at: Instant) -> Self {
        Self {
            module: instance.module,
            instance_id: instance.instance_id,
            services: instance.services,
            version: instance.version,
            expires_at,
        }
    }

    pub fn is_live(&self, now: Instant) -> bool {
        self.expires_at > now
    }
}

/// One live instance as seen from a service: what resolving the service needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceBinding {
    pub module: String,
    pub instance_id: String,
    pub endpoint_uri: String,
}

/// The answer to a registration: written, or refused because a live instance of another
/// module holds the instance id or one of the service names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    Granted {
        /// An entry with the same instance id was replaced.
        replaced: bool,
    },
    InstanceOwned {
        owner: String,
    },
    ServiceOwned {
        service: String,
        owner: String,
    },
}

/// The backend failed (a remote store being unreachable, say); the request may be retried.
#[derive(Debug, thiserror::Error)]
#[error("instance store: {0}")]
pub struct StoreError(pub String);

/// Storage of live instances. Every read answers only with live instances: liveness is
/// the store's judgement (a clock in memory, a lease in etcd), not the caller's.
#[async_trait::async_trait]
pub trait InstanceStore: Send + Sync + 'static {
    /// In one atomic step: refuses when a live instance of another module holds the
    /// instance id or any of the service names, otherwise writes the instance (replacing
    /// an entry with the same id) to live for `ttl`. Once this returns, reads through
    /// this store see the instance.
    async fn register(&self, instance: Instance, ttl: Duration) -> Result<Claim, StoreError>;

    /// Extends the life of the instance by `ttl` if it is live and belongs to `module`.
    /// `false` otherwise: a dead instance is not revived, it registers again.
    async fn keep_alive(
        &self,
        module: &str,
        instance_id: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Removes the instance if it is live and belongs to `module`; `false` otherwise.
    /// Reads through this store no longer see it once this returns.
    async fn deregister(&self, module: &str, instance_id: &str) -> Result<bool, StoreError>;

    /// The live instances serving `service_name`, ordered by instance id: every store
    /// (and every host sharing one) sees the same order, which round-robin rotates over.
    async fn live_bindings(&self, service_name: &str) -> Result<Vec<ServiceBinding>, StoreError>;

    /// The live instances of `module`, ordered by instance id.
    async fn live_instances(&self, module: &str) -> Result<Vec<InstanceRecord>, StoreError>;

    /// Every live instance, ordered by module, then instance id (`ListInstances` with an
    /// empty module name: what `cargo modgen call` searches short names in).
    async fn all_live_instances(&self) -> Result<Vec<InstanceRecord>, StoreError>;

    /// Drops entries whose TTL ran out and returns them. A store whose entries expire on
    /// their own (etcd leases) returns nothing.
    async fn remove_expired(&self) -> Result<Vec<InstanceRecord>, StoreError>;

    /// The watchable view: the value changes whenever the set of live instances may have
    /// changed (a write counter in memory, the applied etcd revision for etcd).
    fn changes(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Tells every host sharing this store that `revocation` holds, until its
    /// `obsolete_at` (`identity::revocation`). A store only one host uses has no one to
    /// tell: that host's own revocations file already says it.
    async fn publish_revocation(
        &self,
        _revocation: &crate::identity::Revocation,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// What the hosts sharing this store published and is not obsolete yet.
    async fn revocations(&self) -> Result<Vec<crate::identity::Revocation>, StoreError> {
        Ok(Vec::new())
    }
}
