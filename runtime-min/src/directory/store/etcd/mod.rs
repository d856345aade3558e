//! The directory on etcd: every instance is a key under a lease carrying its TTL,
//! heartbeats keep the lease alive, registration is a transaction (so two hosts never
//! hand one service name to two modules), and reads come from a watch-kept cache.
//!
//! Failure modes: unreachable at start is an error from [`EtcdStore::connect`]; lost
//! while running, reads keep being served from the cache (the watch task says so once
//! and reconnects), writes fail with `UNAVAILABLE`, which the modules' heartbeat loops
//! retry. When etcd is back the cache is resynchronised from a full read; an instance
//! whose lease did not survive gets `NOT_FOUND` on its next heartbeat and registers again.

mod cache;
mod claim;
mod keys;

use std::sync::Arc;
use std::time::Duration;

use etcd_client::{Client, ConnectOptions, Error as EtcdError, GetOptions, PutOptions};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::{Claim, Instance, InstanceRecord, InstanceStore, ServiceBinding, StoreError};
use crate::directory::config::EtcdSettings;
use crate::identity::Revocation;
use cache::Cache;
use keys::Keys;

/// Connecting and each request give up after this; the directory answers `UNAVAILABLE`
/// rather than hanging a module's call while etcd is away.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
/// HTTP/2 pings notice a silently dead connection (and so a dead watch) this fast.
const PING_INTERVAL: Duration = Duration::from_secs(2);

pub struct EtcdStore {
    client: Client,
    keys: Keys,
    cache: Arc<Cache>,
    /// Reported as the remaining life of an instance when etcd cannot be asked.
    ttl: Duration,
    /// Stops the watch task with the store.
    _watch: DropGuard,
}

/// Why the store could not start; the message names the endpoints.
#[derive(Debug, thiserror::Error)]
#[error("cannot reach etcd at {endpoints}: {reason}")]
pub struct Unreachable {
    pub endpoints: String,
    pub reason: String,
}

impl EtcdStore {
    /// Connects, reads every live instance under the prefix, and starts the watch that
    /// keeps the view current until `cancel` fires or the store is dropped. `ttl` is
    /// the directory's TTL (reported for an instance when etcd cannot say).
    pub async fn connect(
        settings: &EtcdSettings,
        ttl: Duration,
        cancel: CancellationToken,
    ) -> Result<Self, Unreachable> {
        let endpoints = settings.endpoints.join(",");
        let unreachable = |reason: String| Unreachable {
            endpoints: endpoints.clone(),
            reason,
        };
        let options = ConnectOptions::new()
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_timeout(REQUEST_TIMEOUT)
            .with_keep_alive(PING_INTERVAL, PING_INTERVAL)
            .with_keep_alive_while_idle(true);
        let client = Client::connect(&settings.endpoints, Some(options))
            .await
            .map_err(|error| unreachable(error.to_string()))?;
        let keys = Keys::new(&settings.prefix);
        let cache = Arc::new(Cache::new());
        let revision = tokio::time::timeout(REQUEST_TIMEOUT, cache::resync(&client, &keys, &cache))
            .await
            .map_err(|_| unreachable(format!("no answer within {REQUEST_TIMEOUT:?}")))?
            .map_err(|error| unreachable(error.to_string()))?;
        tracing::info!(etcd = %endpoints, prefix = %settings.prefix, revision, "directory on etcd");
        let stop = cancel.child_token();
        tokio::spawn(cache::follow(
            client.clone(),
            Keys::new(&settings.prefix),
            Arc::clone(&cache),
            endpoints,
            revision,
            stop.clone(),
        ));
        Ok(Self {
            client,
            keys,
            cache,
            ttl,
            _watch: stop.drop_guard(),
        })
    }

    /// When the lease of an instance runs out, as far as etcd can tell right now.
    async fn expires_at(&self, lease: i64) -> Instant {
        let now = Instant::now();
        match self.client.lease_client().time_to_live(lease, None).await {
            // etcd truncates the remaining time to whole seconds (0 for a lease in its
            // last second): round up instead, within what was granted.
            Ok(response) if response.ttl() >= 0 => {
                let remaining = (response.ttl() + 1).min(response.granted_ttl());
                now + Duration::from_secs(u64::try_from(remaining).unwrap_or(0))
            }
            Ok(_) => now,
            Err(_) => now + self.ttl,
        }
    }

    async fn revoke_quietly(&self, lease: i64) {
        if let Err(error) = self.client.lease_client().revoke(lease).await {
            tracing::debug!(lease, %error, "lease not revoked; it expires on its own");
        }
    }
}

/// etcd counts lease TTLs in whole seconds: a TTL is rounded up, never down, so an
/// instance never dies before the directory's TTL.
fn lease_seconds(ttl: Duration) -> i64 {
    let seconds = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    i64::try_from(seconds.max(1)).unwrap_or(i64::MAX)
}

pub(crate) fn unavailable(error: EtcdError) -> StoreError {
    StoreError(format!("etcd: {error}"))
}

/// etcd's own "no such lease" (keep-alive answers TTL 0, revoke answers NOT_FOUND).
fn lease_gone(error: &EtcdError) -> bool {
    match error {
        EtcdError::LeaseKeepAliveError(message) => message.contains("not found"),
        EtcdError::GRpcStatus(status) => status.code() == tonic::Code::NotFound,
        _ => false,
    }
}

#[async_trait::async_trait]
impl InstanceStore for EtcdStore {
    async fn register(&self, instance: Instance, ttl: Duration) -> Result<Claim, StoreError> {
        let lease = self
            .client
            .lease_client()
            .grant(lease_seconds(ttl), None)
            .await
            .map_err(unavailable)?
            .id();
        let mut kv = self.client.kv_client();
        let claimed = match claim::claim(&mut kv, &self.keys, &instance, lease).await {
            Ok(claimed) => claimed,
            Err(error) => {
                self.revoke_quietly(lease).await;
                return Err(error);
            }
        };
        if !matches!(claimed.claim, Claim::Granted { .. }) {
            self.revoke_quietly(lease).await;
            return Ok(claimed.claim);
        }
        if let Some(old) = claimed.replaced_lease {
            // Nothing lives under it any more: the write moved every key to the new lease.
            self.revoke_quietly(old).await;
        }
        self.cache.caught_up(claimed.revision).await;
        Ok(claimed.claim)
    }

    async fn keep_alive(
        &self,
        module: &str,
        instance_id: &str,
        _ttl: Duration,
    ) -> Result<bool, StoreError> {
        // The lease carries the TTL it was granted with; a keep-alive renews exactly that.
        let Some(lease) = self.cache.lease_of(module, instance_id) else {
            return Ok(false);
        };
        match self.client.lease_client().keep_alive(lease).await {
            Ok(_) => Ok(true),
            Err(error) if lease_gone(&error) => Ok(false),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn deregister(&self, module: &str, instance_id: &str) -> Result<bool, StoreError> {
        let Some(lease) = self.cache.lease_of(module, instance_id) else {
            return Ok(false);
        };
        match self.client.lease_client().revoke(lease).await {
            Ok(response) => {
                let revision = response.header().map_or(0, |header| header.revision());
                self.cache.caught_up(revision).await;
                Ok(true)
            }
            Err(error) if lease_gone(&error) => Ok(false),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn live_bindings(&self, service_name: &str) -> Result<Vec<ServiceBinding>, StoreError> {
        let view = self.cache.read();
        Ok(view
            .of_service(service_name)
            .map(|(entry, endpoint_uri)| entry.binding(endpoint_uri))
            .collect())
    }

    async fn live_instances(&self, module: &str) -> Result<Vec<InstanceRecord>, StoreError> {
        let entries: Vec<(Instance, i64)> = self
            .cache
            .read()
            .of_module(module)
            .map(|entry| (entry.instance.clone(), entry.meta))
            .collect();
        let mut records = Vec::with_capacity(entries.len());
        for (instance, lease) in entries {
            records.push(InstanceRecord::new(instance, self.expires_at(lease).await));
        }
        Ok(records)
    }

    async fn all_live_instances(&self) -> Result<Vec<InstanceRecord>, StoreError> {
        let entries: Vec<(Instance, i64)> = self
            .cache
            .read()
            .entries()
            .map(|entry| (entry.instance.clone(), entry.meta))
            .collect();
        let mut records = Vec::with_capacity(entries.len());
        for (instance, lease) in entries {
            records.push(InstanceRecord::new(instance, self.expires_at(lease).await));
        }
        records.sort_by(|a, b| (&a.module, &a.instance_id).cmp(&(&b.module, &b.instance_id)));
        Ok(records)
    }

    async fn remove_expired(&self) -> Result<Vec<InstanceRecord>, StoreError> {
        // etcd deletes the keys of an expired lease itself; the watch drops them here.
        Ok(Vec::new())
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.cache.subscribe()
    }

    async fn publish_revocation(&self, revocation: &Revocation) -> Result<(), StoreError> {
        let now = crate::identity::credential::unix_seconds(std::time::SystemTime::now());
        let remaining = Duration::from_secs(revocation.obsolete_at.saturating_sub(now).max(1));
        let lease = self
            .client
            .lease_client()
            .grant(lease_seconds(remaining), None)
            .await
            .map_err(unavailable)?
            .id();
        let json = serde_json::to_string(revocation).expect("a revocation serializes");
        self.client
            .kv_client()
            .put(
                self.keys.revocation(&revocation.key, &revocation.module),
                json,
                Some(PutOptions::new().with_lease(lease)),
            )
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn revocations(&self) -> Result<Vec<Revocation>, StoreError> {
        let response = self
            .client
            .kv_client()
            .get(
                self.keys.revocations(),
                Some(GetOptions::new().with_prefix()),
            )
            .await
            .map_err(unavailable)?;
        // Another host's bad entry must not hide the good ones.
        Ok(response
            .kvs()
            .iter()
            .filter_map(|kv| serde_json::from_slice(kv.value()).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_ttl_rounds_up_to_whole_seconds_and_is_at_least_one() {
        assert_eq!(lease_seconds(Duration::from_millis(300)), 1);
        assert_eq!(lease_seconds(Duration::from_secs(15)), 15);
        assert_eq!(lease_seconds(Duration::from_millis(15_001)), 16);
    }
}
