//! The embedded store: one process, entries in a map with an expiry instant each. A
//! write lock around "check the owners, then write" makes registration atomic.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::index::{Entry, Indexes};
use super::{Claim, Instance, InstanceRecord, InstanceStore, ServiceBinding, StoreError};

pub struct MemoryStore {
    inner: RwLock<Indexes<Instant>>,
    changes: watch::Sender<u64>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self {
            inner: RwLock::default(),
            changes: watch::Sender::new(0),
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, Indexes<Instant>> {
        // The indexes are updated without panicking code in between, so a poisoned lock
        // still guards consistent data.
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Indexes<Instant>> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self) {
        self.changes
            .send_modify(|count| *count = count.wrapping_add(1));
    }
}

/// Who, other than `instance.module`, holds what `instance` asks for, judged at `now`.
fn conflict(indexes: &Indexes<Instant>, instance: &Instance, now: Instant) -> Option<Claim> {
    let foreign =
        |entry: &Entry<Instant>| entry.instance.module != instance.module && entry.meta > now;
    if let Some(holder) = indexes.get(&instance.instance_id).filter(|e| foreign(e)) {
        return Some(Claim::InstanceOwned {
            owner: holder.instance.module.clone(),
        });
    }
    instance.services.iter().find_map(|service| {
        let (holder, _) = indexes
            .of_service(&service.service_name)
            .find(|(entry, _)| foreign(entry))?;
        Some(Claim::ServiceOwned {
            service: service.service_name.clone(),
            owner: holder.instance.module.clone(),
        })
    })
}

fn record(entry: &Entry<Instant>) -> InstanceRecord {
    InstanceRecord::new(entry.instance.clone(), entry.meta)
}

#[async_trait::async_trait]
impl InstanceStore for MemoryStore {
    async fn register(&self, instance: Instance, ttl: Duration) -> Result<Claim, StoreError> {
        let now = Instant::now();
        let claim = {
            let mut indexes = self.write();
            if let Some(refusal) = conflict(&indexes, &instance, now) {
                return Ok(refusal);
            }
            let replaced = indexes.insert(instance, now + ttl).is_some();
            Claim::Granted { replaced }
        };
        self.changed();
        Ok(claim)
    }

    async fn keep_alive(
        &self,
        module: &str,
        instance_id: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        let mut indexes = self.write();
        match indexes.get_mut(instance_id) {
            Some(entry) if entry.instance.module == module && entry.meta > now => {
                entry.meta = now + ttl;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn deregister(&self, module: &str, instance_id: &str) -> Result<bool, StoreError> {
        let removed = {
            let mut indexes = self.write();
            match indexes.get(instance_id) {
                Some(entry) if entry.instance.module == module => indexes.take(instance_id),
                _ => None,
            }
        };
        let Some(removed) = removed else {
            return Ok(false);
        };
        self.changed();
        // An expired entry was already dead: the caller learns the same as after a
        // sweep, whichever ran first.
        Ok(removed.meta > Instant::now())
    }

    async fn live_bindings(&self, service_name: &str) -> Result<Vec<ServiceBinding>, StoreError> {
        // Expired entries are skipped here, so an instance is unresolvable from the moment
        // its TTL runs out, not from the next sweep.
        let now = Instant::now();
        let indexes = self.read();
        Ok(indexes
            .of_service(service_name)
            .filter(|(entry, _)| entry.meta > now)
            .map(|(entry, endpoint_uri)| entry.binding(endpoint_uri))
            .collect())
    }

    async fn live_instances(&self, module: &str) -> Result<Vec<InstanceRecord>, StoreError> {
        let now = Instant::now();
        let indexes = self.read();
        Ok(indexes
            .of_module(module)
            .filter(|entry| entry.meta > now)
            .map(record)
            .collect())
    }

    async fn all_live_instances(&self) -> Result<Vec<InstanceRecord>, StoreError> {
        let now = Instant::now();
        let indexes = self.read();
        let mut records: Vec<InstanceRecord> = indexes
            .entries()
            .filter(|entry| entry.meta > now)
            .map(record)
            .collect();
        records.sort_by(|a, b| (&a.module, &a.instance_id).cmp(&(&b.module, &b.instance_id)));
        Ok(records)
    }

    async fn remove_expired(&self) -> Result<Vec<InstanceRecord>, StoreError> {
        let now = Instant::now();
        let removed: Vec<InstanceRecord> = {
            let mut indexes = self.write();
            let expired: Vec<String> = indexes
                .entries()
                .filter(|entry| entry.meta <= now)
                .map(|entry| entry.instance.instance_id.clone())
                .collect();
            expired
                .iter()
                .filter_map(|id| indexes.take(id))
                .map(|entry| record(&entry))
                .collect()
        };
        if !removed.is_empty() {
            self.changed();
        }
        Ok(removed)
    }

    fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::store::ServiceEndpoint;

    const TTL: Duration = Duration::from_secs(10);

    fn instance(module: &str, id: &str, services: &[&str]) -> Instance {
        Instance {
            module: module.into(),
            instance_id: id.into(),
            services: services
                .iter()
                .map(|name| ServiceEndpoint {
                    service_name: (*name).into(),
                    endpoint_uri: format!("http://127.0.0.1:1/{id}"),
                })
                .collect(),
            version: "1".into(),
        }
    }

    fn ids(bindings: Vec<ServiceBinding>) -> Vec<String> {
        bindings.into_iter().map(|b| b.instance_id).collect()
    }

    #[tokio::test]
    async fn replacing_an_instance_drops_its_old_services_from_the_index() {
        let store = MemoryStore::new();
        store
            .register(instance("m", "i1", &["a.A", "b.B"]), TTL)
            .await
            .unwrap();
        let claim = store
            .register(instance("m", "i1", &["b.B"]), TTL)
            .await
            .unwrap();
        assert_eq!(claim, Claim::Granted { replaced: true });
        assert!(store.live_bindings("a.A").await.unwrap().is_empty());
        assert_eq!(store.live_bindings("b.B").await.unwrap().len(), 1);
        assert_eq!(store.live_instances("m").await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_service_of_another_modules_live_instance_is_refused_and_nothing_written() {
        let store = MemoryStore::new();
        store
            .register(instance("a", "i1", &["s.S"]), TTL)
            .await
            .unwrap();
        let claim = store
            .register(instance("b", "i2", &["b.B", "s.S"]), TTL)
            .await
            .unwrap();
        assert_eq!(
            claim,
            Claim::ServiceOwned {
                service: "s.S".into(),
                owner: "a".into()
            }
        );
        assert!(store.live_bindings("b.B").await.unwrap().is_empty());
        let claim = store
            .register(instance("b", "i1", &["b.B"]), TTL)
            .await
            .unwrap();
        assert_eq!(claim, Claim::InstanceOwned { owner: "a".into() });
    }

    #[tokio::test(start_paused = true)]
    async fn keep_alive_does_not_revive_an_expired_instance_or_another_modules_one() {
        let store = MemoryStore::new();
        store
            .register(instance("m", "dead", &["a.A"]), Duration::from_secs(1))
            .await
            .unwrap();
        store
            .register(instance("m", "live", &["a.A"]), Duration::from_secs(3))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!store.keep_alive("m", "dead", TTL).await.unwrap());
        assert!(!store.keep_alive("other", "live", TTL).await.unwrap());
        assert!(store.keep_alive("m", "live", TTL).await.unwrap());
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(ids(store.live_bindings("a.A").await.unwrap()), ["live"]);
    }

    #[tokio::test(start_paused = true)]
    async fn remove_expired_takes_only_expired_entries_out_of_every_index() {
        let store = MemoryStore::new();
        store
            .register(instance("m", "old", &["a.A"]), Duration::from_secs(1))
            .await
            .unwrap();
        store
            .register(instance("m", "new", &["a.A"]), Duration::from_secs(3))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(2)).await;
        let removed = store.remove_expired().await.unwrap();
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].instance_id, "old");
        assert_eq!(ids(store.live_bindings("a.A").await.unwrap()), ["new"]);
        assert_eq!(store.live_instances("m").await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn deregister_checks_the_module_and_moves_the_view() {
        let store = MemoryStore::new();
        let changes = store.changes();
        store
            .register(instance("m", "i1", &["a.A"]), TTL)
            .await
            .unwrap();
        let after_register = *changes.borrow();
        assert!(!store.deregister("other", "i1").await.unwrap());
        assert!(store.deregister("m", "i1").await.unwrap());
        assert!(store.live_instances("m").await.unwrap().is_empty());
        assert_ne!(*changes.borrow(), after_register);
    }
}
