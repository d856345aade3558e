//! Instances by id, module and service, kept in step: the in-memory store's storage and
//! the etcd store's cache. `M` is what each keeps per instance besides the instance
//! itself (an expiry instant in memory, the lease id for etcd).

use std::collections::{BTreeSet, HashMap};

use super::{Instance, ServiceBinding};

pub(super) struct Entry<M> {
    pub instance: Instance,
    pub meta: M,
}

pub(super) struct Indexes<M> {
    by_id: HashMap<String, Entry<M>>,
    by_module: HashMap<String, BTreeSet<String>>,
    by_service: HashMap<String, BTreeSet<String>>,
}

impl<M> Default for Indexes<M> {
    fn default() -> Self {
        Self {
            by_id: HashMap::new(),
            by_module: HashMap::new(),
            by_service: HashMap::new(),
        }
    }
}

impl<M> Indexes<M> {
    /// Inserts the entry, replacing any entry with the same instance id; returns the
    /// replaced one.
    pub fn insert(&mut self, instance: Instance, meta: M) -> Option<Entry<M>> {
        let replaced = self.take(&instance.instance_id);
        let id = &instance.instance_id;
        self.by_module
            .entry(instance.module.clone())
            .or_default()
            .insert(id.clone());
        for service in &instance.services {
            self.by_service
                .entry(service.service_name.clone())
                .or_default()
                .insert(id.clone());
        }
        self.by_id.insert(id.clone(), Entry { instance, meta });
        replaced
    }

    pub fn take(&mut self, instance_id: &str) -> Option<Entry<M>> {
        let entry = self.by_id.remove(instance_id)?;
        unindex(&mut self.by_module, &entry.instance.module, instance_id);
        for service in &entry.instance.services {
            unindex(&mut self.by_service, &service.service_name, instance_id);
        }
        Some(entry)
    }

    pub fn get(&self, instance_id: &str) -> Option<&Entry<M>> {
        self.by_id.get(instance_id)
    }

    pub fn get_mut(&mut self, instance_id: &str) -> Option<&mut Entry<M>> {
        self.by_id.get_mut(instance_id)
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry<M>> {
        self.by_id.values()
    }

    /// The entries of `module`, ordered by instance id.
    pub fn of_module<'a>(&'a self, module: &str) -> impl Iterator<Item = &'a Entry<M>> + 'a {
        let ids = self.by_module.get(module).into_iter().flatten();
        ids.filter_map(|id| self.by_id.get(id))
    }

    /// The entries serving `service_name`, ordered by instance id, each with its endpoint
    /// for that service.
    pub fn of_service<'a>(
        &'a self,
        service_name: &'a str,
    ) -> impl Iterator<Item = (&'a Entry<M>, &'a str)> + 'a {
        let ids = self.by_service.get(service_name).into_iter().flatten();
        ids.filter_map(|id| self.by_id.get(id))
            .filter_map(move |entry| {
                let service = entry
                    .instance
                    .services
                    .iter()
                    .find(|s| s.service_name == service_name)?;
                Some((entry, service.endpoint_uri.as_str()))
            })
    }
}

impl<M> Entry<M> {
    pub fn binding(&self, endpoint_uri: &str) -> ServiceBinding {
        ServiceBinding {
            module: self.instance.module.clone(),
            instance_id: self.instance.instance_id.clone(),
            endpoint_uri: endpoint_uri.to_owned(),
        }
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
