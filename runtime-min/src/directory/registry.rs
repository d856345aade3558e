//! The directory's rules over an [`InstanceStore`]: validation, service ownership,
//! server-authoritative liveness and round-robin resolution.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::Registration;
use super::error::DirectoryError;
use super::store::{InstanceRecord, InstanceStore, MemoryStore, ServiceEndpoint};
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
    /// Serialises "check who owns the names, then write" so two modules racing for one
    /// service name cannot both win. Heartbeats and reads never take it. (A shared store
    /// such as etcd would do the same with a transaction.)
    claims: tokio::sync::Mutex<()>,
    /// Per service, how many resolves were served: the rotation position.
    rotation: Mutex<HashMap<String, usize>>,
    /// Bumped after every successful registration, so a host can wait for a module to
    /// register without polling.
    registrations: tokio::sync::watch::Sender<u64>,
}

impl Registry {
    pub fn new(store: Arc<dyn InstanceStore>, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            claims: tokio::sync::Mutex::new(()),
            rotation: Mutex::new(HashMap::new()),
            registrations: tokio::sync::watch::Sender::new(0),
        }
    }

    /// The embedded default: entries in this process's memory.
    pub fn in_memory(ttl: Duration) -> Self {
        Self::new(Arc::new(MemoryStore::new()), ttl)
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Adds or replaces the instance; it is resolvable when this returns.
    pub async fn register(&self, registration: &Registration) -> Result<(), DirectoryError> {
        validate::registration(registration)?;
        let _claims = self.claims.lock().await;
        let now = Instant::now();
        if let Some(existing) = self.store.get(&registration.instance_id).await?
            && existing.module != registration.module
            && existing.is_live(now)
        {
            return Err(DirectoryError::InstanceOwned {
                instance_id: registration.instance_id.clone(),
                owner: existing.module,
            });
        }
        for (index, (service, _)) in registration.services.iter().enumerate() {
            let other_owner = self
                .store
                .by_service(service)
                .await?
                .into_iter()
                .find(|binding| binding.module != registration.module && binding.expires_at > now);
            if let Some(binding) = other_owner {
                return Err(DirectoryError::ServiceOwned {
                    field: format!("grpc_services[{index}].service_name"),
                    service: service.clone(),
                    owner: binding.module,
                });
            }
        }
        let record = InstanceRecord {
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
            expires_at: now + self.ttl,
        };
        let replaced = self.store.put(record).await?;
        self.registrations
            .send_modify(|count| *count = count.wrapping_add(1));
        tracing::info!(
            module = %registration.module,
            instance_id = %registration.instance_id,
            services = registration.services.len(),
            replaced = replaced.is_some(),
            "instance registered"
        );
        Ok(())
    }

    /// Extends the instance's life by one TTL. `NOT_FOUND` when the directory does not
    /// know it (restarted, or evicted after going silent): the module must register again.
    pub async fn heartbeat(&self, module: &str, instance_id: &str) -> Result<(), DirectoryError> {
        validate::module_name(module)?;
        validate::instance_id(instance_id)?;
        let now = Instant::now();
        if self
            .store
            .touch(module, instance_id, now, now + self.ttl)
            .await?
        {
            Ok(())
        } else {
            Err(unknown(module, instance_id))
        }
    }

    pub async fn deregister(&self, module: &str, instance_id: &str) -> Result<(), DirectoryError> {
        validate::module_name(module)?;
        validate::instance_id(instance_id)?;
        match self.store.remove(module, instance_id).await? {
            Some(record) if record.is_live(Instant::now()) => {
                tracing::info!(module, instance_id, "instance deregistered");
                Ok(())
            }
            // An expired entry was already dead: the caller learns the same as after a
            // sweep, whichever ran first.
            _ => Err(unknown(module, instance_id)),
        }
    }

    /// Wakes on every registration from now on: subscribe first, then check what you wait
    /// for, then await `changed()`, and no registration in between is missed.
    pub fn registrations(&self) -> tokio::sync::watch::Receiver<u64> {
        self.registrations.subscribe()
    }

    /// The live instance with this id, if any.
    pub async fn live_instance(
        &self,
        instance_id: &str,
    ) -> Result<Option<InstanceRecord>, DirectoryError> {
        let record = self.store.get(instance_id).await?;
        Ok(record.filter(|record| record.is_live(Instant::now())))
    }

    /// Removes an instance whose process is known to be gone, whoever registered it and
    /// without a token: the host calls this when it sees a module exit, so a crashed
    /// instance is unresolvable at once instead of after its TTL. Returns what was removed.
    pub async fn remove_dead_instance(
        &self,
        instance_id: &str,
    ) -> Result<Option<InstanceRecord>, DirectoryError> {
        let Some(record) = self.store.get(instance_id).await? else {
            return Ok(None);
        };
        let removed = self.store.remove(&record.module, instance_id).await?;
        if let Some(record) = &removed {
            tracing::info!(
                module = %record.module,
                instance_id,
                "instance removed: its process exited"
            );
        }
        Ok(removed)
    }

    /// Picks the next live instance of the service in rotation. Expired entries are
    /// skipped here too, so an instance is unresolvable from the moment its TTL runs out,
    /// not from the next sweep.
    pub async fn resolve(&self, service_name: &str) -> Result<Resolution, DirectoryError> {
        validate::service_name("service_name", service_name).or_else(|error| match error {
            // Looking up a reserved name is harmless; it just never resolves.
            DirectoryError::ReservedName { .. } => Ok(()),
            other => Err(other),
        })?;
        let now = Instant::now();
        let live: Vec<_> = self
            .store
            .by_service(service_name)
            .await?
            .into_iter()
            .filter(|binding| binding.expires_at > now)
            .collect();
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
        let mut records = match validate::module_filter(module)? {
            Some(module) => self.store.list_module(module).await?,
            None => self.store.list_all().await?,
        };
        let now = Instant::now();
        records.retain(|record| record.is_live(now));
        Ok(records)
    }

    /// Drops every expired entry, freeing the service names only they held.
    pub async fn evict_expired(&self) -> Result<Vec<InstanceRecord>, DirectoryError> {
        let evicted = self.store.remove_expired(Instant::now()).await?;
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
        assert!(registry.store.get("i1").await.unwrap().is_none());
        cancel.cancel();
        sweeper.await.unwrap();
    }
}
