//! The local view of every live instance under the prefix, kept current by an etcd
//! watch: resolves and lists are answered from here, never by a read from etcd.
//!
//! One task owns the watch. It starts from a full read (the snapshot revision), follows
//! the watch from the revision after it, and when the watch breaks (etcd restarted,
//! network gone) it says so once, keeps the last view for readers, and retries with
//! backoff: a fresh full read replaces the view, then the watch resumes after it. The
//! full read also covers a compacted revision or a wiped data directory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use etcd_client::{Client, Event, EventType, GetOptions, KeyValue, WatchOptions};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::keys::Keys;
use crate::directory::store::Instance;
use crate::directory::store::index::Indexes;

/// How long a writer waits for its own write to come back through the watch before it
/// answers anyway (the write is in etcd; only this host's view lags).
const CATCH_UP: Duration = Duration::from_secs(5);
const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(2);

pub(crate) struct Cache {
    /// Per instance, the id of the lease it lives under.
    view: RwLock<Indexes<i64>>,
    /// The etcd revision the view is at.
    applied: watch::Sender<u64>,
    reachable: AtomicBool,
}

impl Cache {
    pub fn new() -> Self {
        Self {
            view: RwLock::default(),
            applied: watch::Sender::new(0),
            reachable: AtomicBool::new(true),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Indexes<i64>> {
        // Updates run without panicking code in between: a poisoned view is consistent.
        self.view.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Indexes<i64>> {
        self.view.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.applied.subscribe()
    }

    /// The lease of the instance if the view has it under `module`.
    pub fn lease_of(&self, module: &str, instance_id: &str) -> Option<i64> {
        let view = self.read();
        let entry = view.get(instance_id)?;
        (entry.instance.module == module).then_some(entry.meta)
    }

    /// Waits until the view includes every write up to `revision` (bounded by
    /// [`CATCH_UP`]), so a caller reads its own write through this host.
    pub async fn caught_up(&self, revision: i64) {
        let target = u64::try_from(revision).unwrap_or_default();
        let mut applied = self.applied.subscribe();
        let waited = tokio::time::timeout(CATCH_UP, applied.wait_for(|at| *at >= target)).await;
        if waited.is_err() {
            tracing::warn!(
                revision,
                "directory cache has not caught up with a write after {CATCH_UP:?}"
            );
        }
    }

    fn replace(&self, keys: &Keys, kvs: &[KeyValue], revision: i64) {
        let mut view = Indexes::default();
        for kv in kvs {
            if let Some((instance, lease)) = decode(keys, kv) {
                view.insert(instance, lease);
            }
        }
        *self.write() = view;
        self.advance(revision);
    }

    fn apply(&self, keys: &Keys, events: &[Event], revision: i64) {
        if !events.is_empty() {
            let mut view = self.write();
            for event in events {
                let Some(kv) = event.kv() else { continue };
                match event.event_type() {
                    EventType::Put => {
                        if let Some((instance, lease)) = decode(keys, kv) {
                            view.insert(instance, lease);
                        }
                    }
                    EventType::Delete => {
                        if let Some(id) = keys.instance_id_of(kv.key()) {
                            view.take(id);
                        }
                    }
                }
            }
        }
        self.advance(revision);
    }

    fn advance(&self, revision: i64) {
        let revision = u64::try_from(revision).unwrap_or_default();
        self.applied.send_if_modified(|at| {
            let moved = *at != revision;
            *at = revision;
            moved
        });
    }
}

fn decode(keys: &Keys, kv: &KeyValue) -> Option<(Instance, i64)> {
    let id = keys.instance_id_of(kv.key())?;
    match serde_json::from_slice::<Instance>(kv.value()) {
        Ok(instance) if instance.instance_id == id => Some((instance, kv.lease())),
        Ok(_) | Err(_) => {
            tracing::warn!(key = %String::from_utf8_lossy(kv.key()), "ignoring a directory entry that is not an instance of ours");
            None
        }
    }
}

/// Replaces the view with a full read of the instances; returns the snapshot revision.
pub(crate) async fn resync(
    client: &Client,
    keys: &Keys,
    cache: &Cache,
) -> Result<i64, etcd_client::Error> {
    let response = client
        .kv_client()
        .get(keys.instances(), Some(GetOptions::new().with_prefix()))
        .await?;
    let revision = response.header().map_or(0, |header| header.revision());
    cache.replace(keys, response.kvs(), revision);
    Ok(revision)
}

/// Follows the watch from `after + 1` until `cancel`, resynchronising whenever it breaks.
pub(crate) async fn follow(
    client: Client,
    keys: Keys,
    cache: std::sync::Arc<Cache>,
    endpoints: String,
    mut after: i64,
    cancel: CancellationToken,
) {
    let mut retry = FIRST_RETRY;
    loop {
        let broken = tokio::select! {
            () = cancel.cancelled() => return,
            broken = watch_once(&client, &keys, &cache, after) => broken,
        };
        if cache.reachable.swap(false, Ordering::Relaxed) {
            tracing::warn!(
                etcd = %endpoints,
                error = %broken,
                revision = *cache.applied.borrow(),
                "lost etcd: the directory keeps serving resolves from its cache (as of this \
                 revision) and refuses writes until etcd is back; reconnecting"
            );
        }
        loop {
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(retry) => {}
            }
            retry = (retry * 2).min(MAX_RETRY);
            match resync(&client, &keys, &cache).await {
                Ok(revision) => {
                    after = revision;
                    retry = FIRST_RETRY;
                    tracing::warn!(etcd = %endpoints, revision, "etcd is back: directory cache resynchronised");
                    cache.reachable.store(true, Ordering::Relaxed);
                    break;
                }
                Err(error) => tracing::debug!(%error, "etcd still unreachable"),
            }
        }
    }
}

/// Applies watch events until the watch fails; returns why.
async fn watch_once(client: &Client, keys: &Keys, cache: &Cache, after: i64) -> String {
    let options = WatchOptions::new()
        .with_prefix()
        .with_start_revision(after + 1)
        .with_progress_notify();
    let mut stream = match client
        .watch_client()
        .watch(keys.instances(), Some(options))
        .await
    {
        Ok(stream) => stream,
        Err(error) => return error.to_string(),
    };
    loop {
        match stream.message().await {
            Ok(Some(response)) if response.canceled() => {
                return format!("watch cancelled by etcd: {}", response.cancel_reason());
            }
            Ok(Some(response)) => {
                // An event response is complete up to its last event; an empty one other
                // than the creation notice is a progress report for the header revision.
                // The creation notice's header may run ahead of events still to come.
                let revision = match response.events().last().and_then(Event::kv) {
                    Some(kv) => kv.mod_revision(),
                    None if response.created() => continue,
                    None => response.header().map_or(0, |header| header.revision()),
                };
                cache.apply(keys, response.events(), revision);
            }
            Ok(None) => return "watch stream closed".to_owned(),
            Err(error) => return error.to_string(),
        }
    }
}
