//! The host's view of its modules in its own directory: when a module's process has
//! registered (it is ready), and removing its entry the moment the process is gone.
//!
//! The host knows each process's instance id because it hands it out
//! (`MODGEN_INSTANCE_ID`). A ModKit binary ignores that variable and picks its own, so
//! for entries that may hold one (marked `tokenless`, or any entry when the directory's
//! auth is off) the instances registered under the entry's YAML name count as well: the
//! host runs one process per entry. Only for those: two entries running the same modgen
//! binary register under one module name, and one's exit must not remove the other.

use std::sync::Arc;

use crate::directory::Registry;

#[derive(Clone)]
pub struct Presence {
    registry: Arc<Registry>,
}

impl Presence {
    pub fn new(registry: Arc<Registry>) -> Self {
        Self { registry }
    }

    /// Resolves once the process registered (under `instance_id`, or under `by_name`).
    /// Never resolves if it does not; the caller races it against the process's exit.
    pub async fn registered(&self, instance_id: &str, by_name: Option<&str>) {
        let mut registrations = self.registry.registrations();
        loop {
            if self.is_registered(instance_id, by_name).await {
                return;
            }
            if registrations.changed().await.is_err() {
                // The registry is gone, so nothing will ever register.
                std::future::pending::<()>().await;
            }
        }
    }

    async fn is_registered(&self, instance_id: &str, by_name: Option<&str>) -> bool {
        let by_id = self.registry.live_instance(instance_id).await;
        if matches!(by_id, Ok(Some(_))) {
            return true;
        }
        let Some(module) = by_name else {
            return false;
        };
        self.registry
            .list_instances(module)
            .await
            .is_ok_and(|instances| !instances.is_empty())
    }

    /// Removes what the exited process registered; how many entries went. A process that
    /// deregistered on its own (a clean stop) leaves nothing to remove.
    pub async fn forget(&self, instance_id: &str, by_name: Option<&str>) -> usize {
        let mut removed = 0;
        if let Ok(Some(_)) = self.registry.remove_dead_instance(instance_id).await {
            removed += 1;
        }
        let Some(module) = by_name else {
            return removed;
        };
        // A module name the directory refuses cannot have entries: nothing to do.
        if let Ok(instances) = self.registry.list_instances(module).await {
            for instance in instances {
                if let Ok(Some(_)) = self
                    .registry
                    .remove_dead_instance(&instance.instance_id)
                    .await
                {
                    removed += 1;
                }
            }
        }
        removed
    }
}
