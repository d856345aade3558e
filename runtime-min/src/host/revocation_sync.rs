//! Revocations across hosts that share a directory store (etcd). A host that gives up on
//! a module publishes the revocation to the store, and every host copies what the others
//! published into its own revocations file, which its modules watch. So a credential of
//! host A's given-up module stops working in host B's modules too, within about
//! [`MIRROR_INTERVAL`] plus the modules' poll.
//!
//! The memory store has no other host to tell; with it, this is the local file alone.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::identity::HostIdentity;
use crate::directory::store::InstanceStore;
use crate::identity::Revocation;

/// How often a host reads the store's revocations.
pub const MIRROR_INTERVAL: Duration = Duration::from_secs(1);

/// Where a host tells the others: the directory's store.
#[derive(Clone)]
pub struct RevocationBoard(pub Arc<dyn InstanceStore>);

impl std::fmt::Debug for RevocationBoard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevocationBoard")
    }
}

impl RevocationBoard {
    /// Tells the other hosts. A failure is logged, not fatal: this host's own modules
    /// are already covered by its file, and the credential still expires.
    pub async fn publish(&self, revocation: &Revocation) {
        if let Err(error) = self.0.publish_revocation(revocation).await {
            tracing::warn!(module = %revocation.module, %error, "cannot publish the revocation to the other hosts");
        }
    }
}

/// Copies the store's revocations into this host's file until `stop`.
pub fn spawn_mirror(
    identity: Arc<HostIdentity>,
    store: Arc<dyn InstanceStore>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(MIRROR_INTERVAL) => {}
            }
            match store.revocations().await {
                Ok(published) => {
                    if let Err(error) = identity.adopt_revocations(published) {
                        tracing::warn!(%error, "cannot write the revocations of other hosts");
                    }
                }
                Err(error) => tracing::debug!(%error, "cannot read the published revocations"),
            }
        }
    })
}
