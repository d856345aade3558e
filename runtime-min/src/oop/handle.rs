use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::directory::{DirectoryClient, Resolver};
use crate::hub::ClientHub;
use crate::identity::{Caller, CallerCredential, CallerResolver};

/// What a module's build closure gets besides its config: who it is, a token for its
/// background tasks, the client hub, and the directory for finding other modules.
#[derive(Clone, Debug)]
pub struct ModuleHandle {
    pub(crate) name: &'static str,
    pub(crate) instance_id: String,
    pub(crate) cancel: CancellationToken,
    pub(crate) hub: ClientHub,
    pub(crate) directory: Option<DirectoryClient>,
    /// Who the clients built over [`Self::resolver`] call as: this module, with its own
    /// credential in a local module (`None` in a process module: the process's).
    pub(crate) credential: Option<CallerCredential>,
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
    /// `None` when running standalone. Clients built over it call as this module: its
    /// name is the callee's `ctx.caller` on calls through the hub, and in a local module
    /// they present its own credential, not the host process's.
    pub fn resolver(&self) -> Option<Arc<dyn Resolver>> {
        let directory = Arc::new(self.directory.clone()?) as Arc<dyn Resolver>;
        Some(Arc::new(CallerResolver {
            inner: directory,
            caller: Caller {
                module: self.name.into(),
                credential: self.credential.clone(),
            },
        }))
    }
}
