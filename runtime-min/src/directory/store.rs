//! Where instance entries live. The registry owns the rules (validation, ownership,
//! liveness); a store only keeps entries with an expiry and finds them by instance,
//! module or service. The shape follows what an etcd lease can do: `put` with an expiry
//! is a put under a lease, `touch` a keep-alive, `remove_expired` a no-op there because
//! the lease expires on its own.

use std::collections::{BTreeSet, HashMap};
use std::sync::{PoisonError, RwLock};

use tokio::time::Instant;

/// One service an instance serves, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceEndpoint {
    pub service_name: String,
    pub endpoint_uri: String,
}

/// One registered instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceRecord {
    pub module: String,
    pub instance_id: String,
    /// In registration order.
    pub services: Vec<ServiceEndpoint>,
    pub version: String,
    /// Past this instant the instance is dead, whether or not it was removed yet.
    pub expires_at: Instant,
}

impl InstanceRecord {
    pub fn is_live(&self, now: Instant) -> bool {
        self.expires_at > now
    }
}

/// One instance as seen from a service: what resolving the service needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceBinding {
    pub module: String,
    pub instance_id: String,
    pub endpoint_uri: String,
    pub expires_at: Instant,
}

/// The backend failed (a remote store being unreachable, say); the request may be retried.
#[derive(Debug, thiserror::Error)]
#[error("instance store: {0}")]
pub struct StoreError(pub String);

/// Storage of instance entries. Reads may return entries that have expired but were not
/// removed yet: liveness is the caller's judgement against its own clock.
#[async_trait::async_trait]
pub trait InstanceStore: Send + Sync + 'static {
    /// Inserts the entry, replacing any entry with the same instance id; returns the
    /// replaced one.
    async fn put(&self, record: InstanceRecord) -> Result<Option<InstanceRecord>, StoreError>;

    /// Moves the expiry of the instance to `expires_at` if it exists, belongs to `module`
    /// and is still live at `now`. `false` otherwise: a dead instance is not revived.
    async fn touch(
        &self,
        module: &str,
        instance_id: &str,
        now: Instant,
        expires_at: Instant,
    ) -> Result<bool, StoreError>;

    /// Removes the instance if it belongs to `module`; returns it.
    async fn remove(
        &self,
        module: &str,
        instance_id: &str,
    ) -> Result<Option<InstanceRecord>, StoreError>;

    async fn get(&self, instance_id: &str) -> Result<Option<InstanceRecord>, StoreError>;

    /// The instances of `module`, ordered by instance id.
    async fn list_module(&self, module: &str) -> Result<Vec<InstanceRecord>, StoreError>;

    /// Every instance, ordered by module, then instance id.
    async fn list_all(&self) -> Result<Vec<InstanceRecord>, StoreError>;

    /// The instances serving `service_name`, ordered by instance id (a stable order is
    /// what round-robin rotates over).
    async fn by_service(&self, service_name: &str) -> Result<Vec<ServiceBinding>, StoreError>;

    /// Removes every entry expired at `now` and returns them.
    async fn remove_expired(&self, now: Instant) -> Result<Vec<InstanceRecord>, StoreError>;
}

/// The embedded store: one process, entries in a map, three indexes kept in step.
#[derive(Default)]
pub struct MemoryStore {
    inner: RwLock<Indexes>,
}

#[derive(Default)]
struct Indexes {
    by_id: HashMap<String, InstanceRecord>,
    by_module: HashMap<String, BTreeSet<String>>,
    by_service: HashMap<String, BTreeSet<String>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Indexes> {
        // The indexes are updated without panicking code in between, so a poisoned lock
        // still guards consistent data.
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Indexes> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Indexes {
    fn insert(&mut self, record: InstanceRecord) -> Option<InstanceRecord> {
        let replaced = self.take(&record.instance_id);
        let id = &record.instance_id;
        self.by_module
            .entry(record.module.clone())
            .or_default()
            .insert(id.clone());
        for service in &record.services {
            self.by_service
                .entry(service.service_name.clone())
                .or_default()
                .insert(id.clone());
        }
        self.by_id.insert(id.clone(), record);
        replaced
    }

    fn take(&mut self, instance_id: &str) -> Option<InstanceRecord> {
        let record = self.by_id.remove(instance_id)?;
        unindex(&mut self.by_module, &record.module, instance_id);
        for service in &record.services {
            unindex(&mut self.by_service, &service.service_name, instance_id);
        }
        Some(record)
    }
}

fn unindex(index: &mut HashMap<String, BTreeSet<String>>, key: &str, instance_id: &str) {
    if let Some(ids) = index.get_mut(key) {
        ids.remove(instance_id);
        if ids.is_empty() {
            index.remove(key);
        }
    }
}

#[async_trait::async_trait]
impl InstanceStore for MemoryStore {
    async fn put(&self, record: InstanceRecord) -> Result<Option<InstanceRecord>, StoreError> {
        Ok(self.write().insert(record))
    }

    async fn touch(
        &self,
        module: &str,
        instance_id: &str,
        now: Instant,
        expires_at: Instant,
    ) -> Result<bool, StoreError> {
        let mut indexes = self.write();
        match indexes.by_id.get_mut(instance_id) {
            Some(record) if record.module == module && record.is_live(now) => {
                record.expires_at = expires_at;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn remove(
        &self,
        module: &str,
        instance_id: &str,
    ) -> Result<Option<InstanceRecord>, StoreError> {
        let mut indexes = self.write();
        match indexes.by_id.get(instance_id) {
            Some(record) if record.module == module => Ok(indexes.take(instance_id)),
            _ => Ok(None),
        }
    }

    async fn get(&self, instance_id: &str) -> Result<Option<InstanceRecord>, StoreError> {
        Ok(self.read().by_id.get(instance_id).cloned())
    }

    async fn list_module(&self, module: &str) -> Result<Vec<InstanceRecord>, StoreError> {
        let indexes = self.read();
        let ids = indexes.by_module.get(module).into_iter().flatten();
        Ok(ids
            .filter_map(|id| indexes.by_id.get(id))
            .cloned()
            .collect())
    }

    async fn list_all(&self) -> Result<Vec<InstanceRecord>, StoreError> {
        let indexes = self.read();
        let ids = indexes.by_module.values().flatten();
        let mut records: Vec<InstanceRecord> = ids
            .filter_map(|id| indexes.by_id.get(id))
            .cloned()
            .collect();
        records.sort_by(|a, b| (&a.module, &a.instance_id).cmp(&(&b.module, &b.instance_id)));
        Ok(records)
    }

    async fn by_service(&self, service_name: &str) -> Result<Vec<ServiceBinding>, StoreError> {
        let indexes = self.read();
        let ids = indexes.by_service.get(service_name).into_iter().flatten();
        Ok(ids
            .filter_map(|id| indexes.by_id.get(id))
            .filter_map(|record| {
                let service = record
                    .services
                    .iter()
                    .find(|s| s.service_name == service_name)?;
                Some(ServiceBinding {
                    module: record.module.clone(),
                    instance_id: record.instance_id.clone(),
                    endpoint_uri: service.endpoint_uri.clone(),
                    expires_at: record.expires_at,
                })
            })
            .collect())
    }

    async fn remove_expired(&self, now: Instant) -> Result<Vec<InstanceRecord>, StoreError> {
        let mut indexes = self.write();
        let expired: Vec<String> = indexes
            .by_id
            .values()
            .filter(|record| !record.is_live(now))
            .map(|record| record.instance_id.clone())
            .collect();
        Ok(expired.iter().filter_map(|id| indexes.take(id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn record(module: &str, id: &str, services: &[&str], expires_at: Instant) -> InstanceRecord {
        InstanceRecord {
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
            expires_at,
        }
    }

    #[tokio::test]
    async fn replacing_an_instance_drops_its_old_services_from_the_index() {
        let store = MemoryStore::new();
        let later = Instant::now() + Duration::from_secs(60);
        store
            .put(record("m", "i1", &["a.A", "b.B"], later))
            .await
            .unwrap();
        let replaced = store.put(record("m", "i1", &["b.B"], later)).await.unwrap();
        assert_eq!(replaced.map(|r| r.services.len()), Some(2));
        assert!(store.by_service("a.A").await.unwrap().is_empty());
        assert_eq!(store.by_service("b.B").await.unwrap().len(), 1);
        assert_eq!(store.list_module("m").await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn touch_does_not_revive_an_expired_instance_or_another_modules_one() {
        let store = MemoryStore::new();
        let now = Instant::now();
        store.put(record("m", "dead", &["a.A"], now)).await.unwrap();
        store
            .put(record("m", "live", &["a.A"], now + Duration::from_secs(1)))
            .await
            .unwrap();
        let later = now + Duration::from_secs(5);
        assert!(!store.touch("m", "dead", now, later).await.unwrap());
        assert!(!store.touch("other", "live", now, later).await.unwrap());
        assert!(store.touch("m", "live", now, later).await.unwrap());
        assert_eq!(store.get("live").await.unwrap().unwrap().expires_at, later);
    }

    #[tokio::test]
    async fn remove_expired_takes_only_expired_entries_out_of_every_index() {
        let store = MemoryStore::new();
        let now = Instant::now();
        store.put(record("m", "old", &["a.A"], now)).await.unwrap();
        store
            .put(record("m", "new", &["a.A"], now + Duration::from_secs(1)))
            .await
            .unwrap();
        let removed = store.remove_expired(now).await.unwrap();
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].instance_id, "old");
        let ids: Vec<_> = store
            .by_service("a.A")
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.instance_id)
            .collect();
        assert_eq!(ids, ["new"]);
        assert_eq!(store.list_module("m").await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn remove_checks_the_module() {
        let store = MemoryStore::new();
        let later = Instant::now() + Duration::from_secs(60);
        store.put(record("m", "i1", &["a.A"], later)).await.unwrap();
        assert!(store.remove("other", "i1").await.unwrap().is_none());
        assert!(store.remove("m", "i1").await.unwrap().is_some());
        assert!(store.get("i1").await.unwrap().is_none());
    }
}
