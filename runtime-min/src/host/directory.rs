//! The directory the host runs for its modules (in memory or on etcd), with the token
//! of this run.

use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use super::HostError;
use super::config::{DirectoryAuth, DirectorySettings};
use crate::directory::{self, AuthMode, DirectoryConfig, Registry, RunningDirectory};

pub struct Embedded {
    running: RunningDirectory,
    token: Option<String>,
    /// Its own token, not the host's: the directory stops after the modules, not with them.
    stop: CancellationToken,
}

impl Embedded {
    /// `tokenless_modules` may register without the token (entries marked `tokenless`).
    pub async fn start(
        settings: &DirectorySettings,
        tokenless_modules: impl IntoIterator<Item = String>,
    ) -> Result<Self, HostError> {
        let token = match settings.auth {
            DirectoryAuth::Token => Some(directory::random_token()),
            DirectoryAuth::Disabled => None,
        };
        let backend = settings.backend().map_err(|reason| HostError::Directory {
            listen: settings.listen,
            reason,
        })?;
        let config = DirectoryConfig::new(AuthMode::from_token(token.clone()))
            .with_timing(settings.heartbeat_interval, settings.ttl)
            .with_tokenless_modules(tokenless_modules)
            .with_backend(backend);
        let stop = CancellationToken::new();
        let running = directory::serve(config, settings.listen, stop.clone())
            .await
            .map_err(|error| HostError::Directory {
                listen: settings.listen,
                reason: error.to_string(),
            })?;
        Ok(Self {
            running,
            token,
            stop,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.running.endpoint
    }

    /// The registry behind the server: the host reads and removes its modules' entries
    /// in-process, with no token and no round trip.
    pub fn registry(&self) -> Arc<Registry> {
        Arc::clone(&self.running.registry)
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Stops serving and waits for in-flight calls (a late deregistration) to finish.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.running.task.await;
    }
}
