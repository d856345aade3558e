//! Where a module serves: loopback TCP (standalone, or `transport: tcp` under a host), or
//! the Unix domain socket its host hands over in `MODGEN_LISTEN_SOCKET`. A host's
//! `type: local` modules bind and serve through the same [`Listener`] (`host::local`).
//!
//! The socket lives in the host's per-run directory (0700) and is made 0600 right after
//! it is bound, so only the host's user can connect; the directory's mode covers the
//! moment in between. A socket file left by a killed earlier start is removed before
//! binding, and the module removes its own when it stops.

use std::future::Future;
use std::net::SocketAddr;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::net::UnixListener;
use tokio::task::JoinHandle;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::UnixListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;
use tonic::transport::server::{Router, TcpIncoming};

use super::OopError;
use super::severable::Severable;
use super::tls::ServingTls;
use crate::client::unix::endpoint_for;
use crate::identity::CallGuard;

/// What the command line and the host decided to listen on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenOn {
    Tcp(SocketAddr),
    /// An absolute socket path.
    Unix(PathBuf),
}

impl std::fmt::Display for ListenOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Tcp(address) => address.fmt(f),
            Self::Unix(path) => f.write_str(&endpoint_for(path)),
        }
    }
}

/// A bound listener, not yet served.
pub(crate) enum Listener {
    Tcp {
        incoming: TcpIncoming,
        /// Plain, or with the module's TLS certificate (`oop::tls`); boxed, as a TLS
        /// server builder is far larger than the Unix arm.
        server: Box<Server>,
    },
    Unix {
        incoming: UnixListenerStream,
        /// Removes the socket file once the server is gone.
        file: SocketFile,
    },
}

/// The guarded router a module serves.
pub(crate) type GuardedRouter = Router<tower_layer::Stack<CallGuard, tower_layer::Identity>>;

impl Listener {
    /// Binds `on` and returns the endpoint to register: `http(s)://127.0.0.1:PORT` or
    /// `unix:/abs/path`. TLS applies to TCP only: a Unix socket is private to the host's
    /// user already (0600 in a 0700 directory), and `unix:` clients dial it in plain.
    pub(crate) fn bind(on: &ListenOn, tls: &ServingTls) -> Result<(Self, String), OopError> {
        let bind_error = |source| OopError::Bind {
            addr: on.to_string(),
            source,
        };
        match on {
            ListenOn::Tcp(address) => {
                // TCP_NODELAY: small unary calls would otherwise wait out Nagle's delay.
                let incoming = TcpIncoming::bind(*address)
                    .map_err(bind_error)?
                    .with_nodelay(Some(true));
                let local = incoming.local_addr().map_err(bind_error)?;
                let server = Box::new(tls.server.clone());
                let endpoint = advertised_endpoint(local, tls.scheme);
                Ok((Self::Tcp { incoming, server }, endpoint))
            }
            ListenOn::Unix(path) => {
                if tls.scheme == "https" {
                    tracing::info!(
                        socket = %path.display(),
                        "TLS applies to TCP listeners only; serving the Unix socket in plain"
                    );
                }
                let (listener, file) = SocketFile::bind(path).map_err(bind_error)?;
                let incoming = UnixListenerStream::new(listener);
                Ok((Self::Unix { incoming, file }, endpoint_for(path)))
            }
        }
    }

    /// The server builder for this listener: with TLS on a TCP listener that serves it.
    pub(crate) fn server(&self) -> Server {
        match self {
            Self::Tcp { server, .. } => Server::clone(server),
            Self::Unix { .. } => Server::builder(),
        }
    }

    /// Serves `router` (built on [`Self::server`]) until `shutdown` resolves, then drains;
    /// the socket file (if any) goes when the task ends. `on_abandon` says what giving
    /// the server up ([`Serving::abandon`]) does to the connections it accepted.
    pub(crate) fn serve(
        self,
        router: GuardedRouter,
        shutdown: impl Future<Output = ()> + Send + 'static,
        on_abandon: OnAbandon,
    ) -> Serving {
        let cut = match on_abandon {
            OnAbandon::LeaveConnections => None,
            OnAbandon::CutConnections => Some(CancellationToken::new()),
        };
        let task = match self {
            Self::Tcp { incoming, .. } => tokio::spawn(
                router.serve_with_incoming_shutdown(incoming.map(severable(&cut)), shutdown),
            ),
            Self::Unix { incoming, file } => {
                let incoming = incoming.map(severable(&cut));
                tokio::spawn(async move {
                    let served = router
                        .serve_with_incoming_shutdown(incoming, shutdown)
                        .await;
                    drop(file);
                    served
                })
            }
        };
        Serving { task, cut }
    }
}

/// What giving a server up does to the connections it accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnAbandon {
    /// Left to their tasks: a module process exits right after, taking them along.
    LeaveConnections,
    /// Cut, ending the calls on them: a host's local module, whose process stays.
    CutConnections,
}

/// Wraps each accepted connection so that `cut`, if any, can sever it.
fn severable<IO>(
    cut: &Option<CancellationToken>,
) -> impl FnMut(std::io::Result<IO>) -> std::io::Result<Severable<IO>> + use<IO> {
    let cut = cut.clone();
    move |accepted| accepted.map(|io| Severable::new(io, cut.as_ref()))
}

/// A server being served: awaiting it waits for it to end (to stop by itself, fail, or
/// finish draining after its shutdown signal).
pub(crate) struct Serving {
    task: JoinHandle<Result<(), tonic::transport::Error>>,
    /// Cuts every connection the server accepted, when it serves with
    /// [`OnAbandon::CutConnections`].
    cut: Option<CancellationToken>,
}

impl Serving {
    /// Gives the server up: stops it and, with [`OnAbandon::CutConnections`], cuts its
    /// connections, ending the calls still on them; its socket file goes with it. Returns
    /// once the server's task is gone.
    pub(crate) async fn abandon(self) {
        if let Some(cut) = &self.cut {
            cut.cancel();
        }
        self.task.abort();
        let _ = self.task.await;
    }
}

impl Future for Serving {
    type Output = Result<Result<(), tonic::transport::Error>, tokio::task::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx)
    }
}

/// The URI other processes reach a TCP server at (`scheme`: `https` when serving TLS): a
/// wildcard bind is advertised as loopback, because the directory hands the URI to
/// clients that connect to it.
fn advertised_endpoint(local: SocketAddr, scheme: &str) -> String {
    let mut advertised = local;
    if local.ip().is_unspecified() {
        advertised.set_ip(match local {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("{scheme}://{advertised}")
}

/// A bound socket's file, removed on drop.
pub(crate) struct SocketFile {
    path: PathBuf,
}

impl SocketFile {
    /// Removes a stale socket at `path` (never any other kind of file), binds, and makes
    /// the socket 0600.
    pub(crate) fn bind(path: &Path) -> std::io::Result<(UnixListener, Self)> {
        remove_stale_socket(path)?;
        let listener = UnixListener::bind(path)?;
        let file = Self {
            path: path.to_owned(),
        };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        Ok((listener, file))
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A socket file left behind by a process that was killed; anything that is not a
/// socket is an error rather than deleted.
pub fn remove_stale_socket(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a socket", path.display()),
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bound_socket_is_0600_replaces_a_stale_one_and_goes_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.sock");
        // What a SIGKILLed earlier start leaves: a socket file nobody listens on.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());

        let (listener, file) = SocketFile::bind(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        drop(listener);
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn a_file_that_is_not_a_socket_is_not_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "keep me").unwrap();
        let error = remove_stale_socket(&path).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    }
}
