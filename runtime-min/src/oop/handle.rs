use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::directory::{DirectoryClient, Resolver};
use crate::hub::ClientHub;

/// What a module's build closure gets besides its config: who it is, a token for its
/// background tasks, the client hub, and the directory for finding other modules.
#[derive(Clone, Debug)]
pub struct ModuleHandle {
    pub(crate) name: &'static str,
    pub(crate) instance_id: String,
    pub(crate) cancel: CancellationToken,
    pub(crate) hub: ClientHub,
    pub(crate) directory: Option<DirectoryClient>,
}

impl ModuleHandle {
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Cancelled as soon as shutdown begins (SIGINT/SIGTERM): background tasks should
    /// select on it and finish while the server deregisters and drains.
    pub fn cancellation(&self) -> CancellationToken {
        self.cancel.clone()
    }

    pub fn hub(&self) -> &ClientHub {
        &self.hub
    }

    /// The directory client, when the module was given a directory.
    pub fn directory(&self) -> Option<&DirectoryClient> {
        self.directory.as_ref()
    }

    /// The directory as a [`Resolver`] for SDK clients (`wire_client(hub, resolver)`);
    /// `None` when running standalone.
    pub fn resolver(&self) -> Option<Arc<dyn Resolver>> {
        self.directory
            .clone()
            .map(|directory| Arc::new(directory) as Arc<dyn Resolver>)
    }
}
