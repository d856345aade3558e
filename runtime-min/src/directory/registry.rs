//! The directory's rules over an [`InstanceStore`]: validation, the field paths of
//! refusals, and round-robin resolution. Ownership and liveness are the store's, since
//! they must hold across every host sharing it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::client::Registration;
use super::error::DirectoryError;
use super::store::{Claim, Instance, InstanceRecord, InstanceStore, MemoryStore, ServiceEndpoint};
use super::validate;

/// The answer to "where is service S?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub module: String,
    pub instance_id: String,
    /// The endpoint picked for this call.
    pub endpoint_uri: String,
    /// Every live endpoint, starting with `endpoint_uri`, in rotation order.
    pub endpoint_uris: Vec<String>,
}

pub struct Registry {
    store: Arc<dyn InstanceStore>,
    ttl: Duration,
    /// Per service, how many resolves this directory served: the rotation position. Every
    /// host rotates over the same id-ordered list of all live instances (its own and
    /// other hosts'), so each host's share is spread evenly across them.
    rotation: Mutex<HashMap<String, usize>>,
}

impl Registry {
    pub fn new(store: Arc<dyn InstanceStore>, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            rotation: Mutex::new(HashMap::new()),
        }
    }

    /// The embedded default: entries in this process's memory.
    pub fn in_memory(ttl: Duration) -> Self {
        Self::new(Arc::new(MemoryStore::new()), ttl)
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The store behind the rules (for in-process inspection: host, tests, benches).
    pub fn store(&self) -> &Arc<dyn InstanceStore> {
        &self.store
    }

    /// Adds or replaces the instance; it is resolvable when this returns.
    pub async fn register(&self, registration: &Registration) -> Result<(), DirectoryError> {
        validate::registration(registration)?;
        let instance = Instance {
            module: registration.module.clone(),
            instance_id: registration.instance_id.clone(),
            services: registration
                .services
                .iter()
                .map(|(service_name, endpoint_uri)| ServiceEndpoint {
                    service_name: service_name.clone(),
                    endpoint_uri: endpoint_uri.clone(),
                })
                .collect(),
            version: registration.version.clone(),
        };
        let replaced = match self.store.register(instance, self.ttl).await? {
            Claim::Granted { replaced } => replaced,
            Claim::InstanceOwned { owner } => {
                return Err(DirectoryError::InstanceOwned {
                    instance_id: registration.instance_id.clone(),
                    owner,
                });
            }
            Claim::ServiceOwned { service, owner } => {
                let index = registration
                    .services
                    .iter()
                    .position(|(name, _)| *name == service)
                    .unwrap_or_default();
                return Err(DirectoryError::ServiceOwned {
                    field: format!("grpc_services[{index}].service_name"),
                    service,
                    owner,
                });
            }
        };
        tracing::info!(
            module = %registration.module,
            instance_id = %registration.instance_id,
            services = registration.services.len(),
            replaced,
            "instance registered"
        );
        Ok(())
    }

    /// Extends the instance's life by one TTL. `NOT_FOUND` when the directory does not
    /// know it (restarted, or evicted after going silent): the module must register again.
    pub async fn heartbeat(&self, module: &str, instance_id: &str) -> Result<(), DirectoryError> {
        validate::module_name(module)?;
        validate::instance_id(instance_id)?;
        if self.store.keep_alive(module, instance_id, self.ttl).await? {
            Ok(())
        } else {
            Err(unknown(module, instance_id))
        }
    }

    pub async fn deregister(&self, module: &str, instance_id: &str) -> Result<(), DirectoryError> {
        validate::module_name(module)?;
        validate::instance_id(instance_id)?;
        if self.store.deregister(module, instance_id).await? {
            tracing::info!(module, instance_id, "instance deregistered");
            Ok(())
        } else {
            Err(unknown(module, instance_id))
        }
    }

    /// Wakes whenever the set of live instances may have changed (a registration among
    /// them): subscribe first, then check what you wait for, then await `changed()`, and
    /// no registration in between is missed. Derived from the store's [`InstanceStore::changes`],
    /// so it works alike over every backend.
    pub fn registrations(&self) -> tokio::sync::watch::Receiver<u64> {
        self.store.changes()
    }

    /// The live instance with this id, if any.
    pub async fn live_instance(
        &self,
        instance_id: &str,
    ) -> Result<Option<InstanceRecord>, DirectoryError> {
        let live = self.store.all_live_instances().await?;
        Ok(live
            .into_iter()
            .find(|record| record.instance_id == instance_id))
    }

    /// Removes an instance whose process is known to be gone, whoever registered it and
    /// without a token: the host calls this when it sees a module exit, so a crashed
    /// instance is unresolvable at once instead of after its TTL (in etcd: its lease is
    /// revoked). Returns what was removed.
    pub async fn remove_dead_instance(
        &self,
        instance_id: &str,
    ) -> Result<Option<InstanceRecord>, DirectoryError> {
        let Some(record) = self.live_instance(instance_id).await? else {
            return Ok(None);
        };
        if !self.store.deregister(&record.module, instance_id).await? {
            return Ok(None);
        }
        tracing::info!(
            module = %record.module,
            instance_id,
            "instance removed: its process exited"
        );
        Ok(Some(record))
    }

    /// Picks the next live instance of the service in rotation.
    pub async fn resolve(&self, service_name: &str) -> Result<Resolution, DirectoryError> {
        validate::service_name("service_name", service_name).or_else(|error| match error {
            // Looking up a reserved name is harmless; it just never resolves.
            DirectoryError::ReservedName { .. } => Ok(()),
            other => Err(other),
        })?;
        let live = self.store.live_bindings(service_name).await?;
        if live.is_empty() {
            self.rotation().remove(service_name);
            return Err(DirectoryError::NoLiveInstance {
                service: service_name.to_owned(),
            });
        }
        let start = {
            let mut rotation = self.rotation();
            let turn = rotation.entry(service_name.to_owned()).or_insert(0);
            let start = *turn % live.len();
            *turn = turn.wrapping_add(1);
            start
        };
        let endpoint_uris = live[start..]
            .iter()
            .chain(&live[..start])
            .map(|binding| binding.endpoint_uri.clone())
            .collect();
        let picked = &live[start];
        Ok(Resolution {
            module: picked.module.clone(),
            instance_id: picked.instance_id.clone(),
            endpoint_uri: picked.endpoint_uri.clone(),
            endpoint_uris,
        })
    }

    /// The live instances of `module`, ordered by instance id; an empty `module` lists
    /// every module's, ordered by module, then instance id.
    pub async fn list_instances(
        &self,
        module: &str,
    ) -> Result<Vec<InstanceRecord>, DirectoryError> {
        Ok(match validate::module_filter(module)? {
            Some(module) => self.store.live_instances(module).await?,
            None => self.store.all_live_instances().await?,
        })
    }

    /// Drops every expired entry, freeing the service names only they held.
    pub async fn evict_expired(&self) -> Result<Vec<InstanceRecord>, DirectoryError> {
        let evicted = self.store.remove_expired().await?;
        for record in &evicted {
            tracing::info!(
                module = %record.module,
                instance_id = %record.instance_id,
                "instance evicted: no heartbeat within the TTL"
            );
        }
        Ok(evicted)
    }

    /// Runs [`Self::evict_expired`] every `every` until `cancel` fires.
    pub fn spawn_sweeper(
        self: &Arc<Self>,
        every: Duration,
        cancel: CancellationToken,
    ) -> JoinHandle<()> {
        let registry = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    _ = ticks.tick() => {}
                }
                if let Err(error) = registry.evict_expired().await {
                    tracing::warn!(%error, "eviction sweep failed; retrying next tick");
                }
            }
        })
    }

    fn rotation(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        // A counter cannot be left half-updated, so a poisoned lock is still usable.
        self.rotation.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn unknown(module: &str, instance_id: &str) -> DirectoryError {
    DirectoryError::UnknownInstance {
        module: module.to_owned(),
        instance_id: instance_id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(module: &str, id: &str, service: &str, port: u16) -> Registration {
        Registration::new(module, id, "1.0")
            .with_service(service, format!("http://127.0.0.1:{port}"))
    }

    #[tokio::test(start_paused = true)]
    async fn expired_instance_is_unresolvable_before_any_sweep() {
        let registry = Registry::in_memory(Duration::from_secs(15));
        registry
            .register(&registration("m", "i1", "a.A", 1))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(14)).await;
        assert!(registry.resolve("a.A").await.is_ok());
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(matches!(
            registry.resolve("a.A").await,
            Err(DirectoryError::NoLiveInstance { .. })
        ));
        assert!(matches!(
            registry.heartbeat("m", "i1").await,
            Err(DirectoryError::UnknownInstance { .. })
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn heartbeat_keeps_an_instance_alive_past_its_first_ttl() {
        let registry = Registry::in_memory(Duration::from_secs(15));
        registry
            .register(&registration("m", "i1", "a.A", 1))
            .await
            .unwrap();
        for _ in 0..5 {
            tokio::time::advance(Duration::from_secs(5)).await;
            registry.heartbeat("m", "i1").await.unwrap();
        }
        assert!(registry.resolve("a.A").await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn expired_owner_frees_the_service_name_even_before_the_sweep() {
        let registry = Registry::in_memory(Duration::from_secs(15));
        registry
            .register(&registration("a", "i1", "s.S", 1))
            .await
            .unwrap();
        assert!(matches!(
            registry.register(&registration("b", "i2", "s.S", 2)).await,
            Err(DirectoryError::ServiceOwned { .. })
        ));
        tokio::time::advance(Duration::from_secs(16)).await;
        registry
            .register(&registration("b", "i2", "s.S", 2))
            .await
            .unwrap();
        assert_eq!(registry.resolve("s.S").await.unwrap().module, "b");
    }

    #[tokio::test]
    async fn instance_id_of_another_live_module_is_refused() {
        let registry = Registry::in_memory(Duration::from_secs(15));
        registry
            .register(&registration("a", "i1", "a.A", 1))
            .await
            .unwrap();
        assert!(matches!(
            registry.register(&registration("b", "i1", "b.B", 2)).await,
            Err(DirectoryError::InstanceOwned { .. })
        ));
    }

    #[tokio::test]
    async fn rotation_lists_every_endpoint_starting_with_the_pick() {
        let registry = Registry::in_memory(Duration::from_secs(15));
        for (id, port) in [("i1", 1), ("i2", 2), ("i3", 3)] {
            registry
                .register(&registration("m", id, "a.A", port))
                .await
                .unwrap();
        }
        let first = registry.resolve("a.A").await.unwrap();
        let second = registry.resolve("a.A").await.unwrap();
        assert_eq!(first.endpoint_uris.len(), 3);
        assert_eq!(first.endpoint_uris[0], first.endpoint_uri);
        assert_eq!(second.endpoint_uris[0], first.endpoint_uris[1]);
        assert_eq!(second.endpoint_uris[2], first.endpoint_uris[0]);
    }

    #[tokio::test(start_paused = true)]
    async fn sweeper_removes_expired_entries() {
        let registry = Arc::new(Registry::in_memory(Duration::from_millis(300)));
        registry
            .register(&registration("m", "i1", "a.A", 1))
            .await
            .unwrap();
        let cancel = CancellationToken::new();
        let sweeper = registry.spawn_sweeper(Duration::from_millis(75), cancel.clone());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(registry.store.remove_expired().await.unwrap().is_empty());
        assert!(registry.list_instances("m").await.unwrap().is_empty());
        cancel.cancel();
        sweeper.await.unwrap();
    }
}
