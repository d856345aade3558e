//! Test support: a real gRPC server on loopback, so SDK tests exercise the same transport
//! (HTTP/2, metadata, status codes) as production instead of calling the trait directly.

#[cfg(feature = "etcd")]
pub mod etcd;

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::service::Routes;
use tonic::transport::{Channel, Server, server::TcpIncoming};

use crate::oop::listen::SocketFile;

/// A server on `127.0.0.1:<ephemeral>`; stops when dropped.
pub struct LoopbackServer {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    pub addr: SocketAddr,
    /// Already connected to `endpoint`.
    pub channel: Channel,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), tonic::transport::Error>>>,
}

/// Serves `routes` on 127.0.0.1:0 until the returned guard drops.
pub async fn serve_loopback(routes: Routes) -> std::io::Result<LoopbackServer> {
    let incoming =
        TcpIncoming::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?.with_nodelay(Some(true));
    let addr = incoming.local_addr()?;
    let endpoint = format!("http://{addr}");
    let (shutdown, stop) = oneshot::channel::<()>();
    let server = Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, async {
            // A dropped sender stops the server as well.
            let _ = stop.await;
        });
    let task = tokio::spawn(server);
    let channel = Channel::from_shared(endpoint.clone())
        .map_err(std::io::Error::other)?
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(std::io::Error::other)?;
    Ok(LoopbackServer {
        endpoint,
        addr,
        channel,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

impl LoopbackServer {
    /// Stops the server and waits until it has finished in-flight calls.
    pub async fn shutdown(mut self) -> Result<(), tonic::transport::Error> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A server on a Unix domain socket (mode 0600); stops when dropped, and removes the
/// socket file then.
pub struct UnixSocketServer {
    /// `unix:/abs/path`, as a module under a host registers it.
    pub endpoint: String,
    /// Already connected to `endpoint`.
    pub channel: Channel,
    /// Removes the socket file when the server is dropped.
    _file: SocketFile,
    shutdown: Option<oneshot::Sender<()>>,
}

/// Serves `routes` on a new socket at `path` (absolute; its directory must exist) until
/// the returned guard drops. The socket is bound as a module's is (`oop::listen`).
pub async fn serve_unix_socket(
    routes: Routes,
    path: &std::path::Path,
) -> std::io::Result<UnixSocketServer> {
    let (listener, file) = SocketFile::bind(path)?;
    let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
    let (shutdown, stop) = oneshot::channel::<()>();
    tokio::spawn(
        Server::builder()
            .add_routes(routes)
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stop.await;
            }),
    );
    let endpoint = crate::client::unix::endpoint_for(path);
    let channel = crate::client::connect(&endpoint, &crate::client::ClientOptions::default())
        .await
        .map_err(std::io::Error::other)?;
    Ok(UnixSocketServer {
        endpoint,
        channel,
        _file: file,
        shutdown: Some(shutdown),
    })
}

impl Drop for UnixSocketServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
