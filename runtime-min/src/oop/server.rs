//! The served module as a lifecycle [`Module`]: `serve` starts the gRPC server, registers,
//! heartbeats, and on cancellation runs the shutdown in the order that loses no call:
//! deregister (callers stop picking this instance), mark NOT_SERVING, stop accepting,
//! drain in-flight calls within a bound.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

use crate::directory::{DirectoryClient, Registration};
use crate::heartbeat::spawn_heartbeat;
use crate::identity::CallGuard;
use crate::lifecycle::{BoxError, Module, ReadySignal};

use super::listen::{Listener, OnAbandon};
use super::services::ModuleHealth;

/// Bound on deregistering at shutdown: the directory answers from memory, and a module
/// must not hang on its way out when the directory is gone (TTL eviction covers that).
pub(crate) const DEREGISTER_TIMEOUT: Duration = Duration::from_secs(2);

/// Registration details, when there is a directory.
pub(crate) struct Announce {
    pub client: DirectoryClient,
    pub registration: Registration,
    pub heartbeat_interval: Duration,
}

pub(crate) struct OopServer {
    pub routes: Option<Routes>,
    /// Verifies the caller and applies the access policy before any route runs.
    pub guard: CallGuard,
    /// TCP (plain or TLS) or a Unix socket (`oop::listen`).
    pub listener: Option<Listener>,
    pub health: ModuleHealth,
    pub announce: Option<Announce>,
    pub drain_timeout: Duration,
}

#[async_trait::async_trait]
impl Module for OopServer {
    async fn init(&mut self) -> Result<(), BoxError> {
        self.health.serving().await;
        Ok(())
    }

    async fn serve(
        &mut self,
        cancel: CancellationToken,
        mut ready: ReadySignal,
    ) -> Result<(), BoxError> {
        let routes = self.routes.take().ok_or("serve called twice")?;
        let listener = self.listener.take().ok_or("serve called twice")?;
        let (stop_accepting, stop_signal) = oneshot::channel::<()>();
        let router = listener
            .server()
            .layer(self.guard.clone())
            .add_routes(routes);
        let stopped = async {
            let _ = stop_signal.await;
        };
        let mut server = listener.serve(router, stopped, OnAbandon::LeaveConnections);

        let heartbeat = match &self.announce {
            Some(announce) => {
                if let Err(status) = announce.client.register(&announce.registration).await {
                    server.abandon().await;
                    return Err(format!(
                        "registering with the directory failed: {:?}: {}",
                        status.code(),
                        status.message()
                    )
                    .into());
                }
                tracing::info!(instance_id = %announce.registration.instance_id, "registered with the directory");
                let token = cancel.child_token();
                let task = spawn_heartbeat(
                    announce.client.clone(),
                    announce.registration.clone(),
                    announce.heartbeat_interval,
                    token.clone(),
                );
                Some((token, task))
            }
            None => {
                tracing::info!("no directory endpoint given: serving standalone, not registered");
                None
            }
        };
        ready.notify();

        let ended_early = tokio::select! {
            () = cancel.cancelled() => None,
            result = &mut server => Some(result),
        };

        // A heartbeat that is in flight could register the instance again right after
        // the deregistration; it is stopped and awaited first.
        if let Some((token, mut task)) = heartbeat {
            token.cancel();
            if tokio::time::timeout(DEREGISTER_TIMEOUT, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
        if let Some(announce) = &self.announce {
            self.deregister(announce).await;
        }
        self.health.not_serving().await;
        if let Some(result) = ended_early {
            return match result {
                Ok(Ok(())) => Err("the gRPC server stopped by itself".into()),
                Ok(Err(error)) => Err(format!("the gRPC server failed: {error}").into()),
                Err(join_error) => Err(format!("the gRPC server task failed: {join_error}").into()),
            };
        }

        let _ = stop_accepting.send(());
        match tokio::time::timeout(self.drain_timeout, &mut server).await {
            Ok(Ok(Ok(()))) => {
                tracing::info!("in-flight calls finished; stopped");
                Ok(())
            }
            Ok(Ok(Err(error))) => {
                Err(format!("the gRPC server failed while draining: {error}").into())
            }
            Ok(Err(join_error)) => Err(format!("the gRPC server task failed: {join_error}").into()),
            Err(_) => {
                server.abandon().await;
                tracing::warn!(timeout = ?self.drain_timeout, "in-flight calls did not finish in time; abandoned");
                Ok(())
            }
        }
    }
}

impl OopServer {
    async fn deregister(&self, announce: &Announce) {
        let registration = &announce.registration;
        let call = announce
            .client
            .deregister(&registration.module, &registration.instance_id);
        match tokio::time::timeout(DEREGISTER_TIMEOUT, call).await {
            Ok(Ok(())) => tracing::info!("deregistered from the directory"),
            Ok(Err(status)) => {
                tracing::warn!(code = ?status.code(), message = status.message(), "deregistering failed; the directory will evict this instance after its TTL")
            }
            Err(_) => tracing::warn!(
                timeout = ?DEREGISTER_TIMEOUT,
                "deregistering timed out; the directory will evict this instance after its TTL"
            ),
        }
    }
}
