//! `unix:` endpoints. A module started by a host listens on a Unix domain socket in the
//! host's per-run directory (0700, socket 0600), so only the host's user can connect;
//! it registers `unix:/abs/path`, and every client (generated clients, `cargo modgen
//! call`, the directory client) dials it through the connector here.
//!
//! The form is gRPC's: `unix:/abs/path`, also read as `unix:///abs/path`. Relative paths
//! are refused: a registered endpoint is used by processes with other working
//! directories.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

use super::ClientOptions;

/// What every `unix:` endpoint starts with.
pub const UNIX_SCHEME: &str = "unix:";

/// `sun_path` holds 108 bytes on Linux, the last of them the terminating NUL.
pub const MAX_SOCKET_PATH_LEN: usize = 107;

/// The socket path of a `unix:` endpoint; `None` when `endpoint` is not one, `Err` with
/// the rule it breaks when it is one but unusable.
pub fn socket_path(endpoint: &str) -> Option<Result<&Path, String>> {
    let rest = endpoint.strip_prefix(UNIX_SCHEME)?;
    // `unix:///p` is `unix:` + an empty authority + `/p`; `unix://host/p` names a host,
    // which a socket does not have.
    let path = match rest.strip_prefix("//") {
        Some(after_authority) if after_authority.starts_with('/') => after_authority,
        Some(_) => {
            return Some(Err(format!(
                "`{UNIX_SCHEME}//` must be followed by an absolute path (`unix:///run/x.sock`); \
                 a socket has no host"
            )));
        }
        None => rest,
    };
    Some(check_socket_path(path).map(|()| Path::new(path)))
}

/// The rules a socket path follows: absolute, no NUL, fits `sun_path`, names a file.
pub fn check_socket_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "socket path {path:?} must be absolute (`unix:/run/x.sock`)"
        ));
    }
    if path.contains('\0') {
        return Err("socket path must not contain NUL".to_owned());
    }
    if path.len() > MAX_SOCKET_PATH_LEN {
        return Err(format!(
            "socket path is {} bytes; a Unix socket path holds at most {MAX_SOCKET_PATH_LEN}",
            path.len()
        ));
    }
    if path.ends_with('/') {
        return Err(format!("socket path {path:?} names a directory"));
    }
    Ok(())
}

/// The endpoint a module serving on `path` registers.
pub fn endpoint_for(path: &Path) -> String {
    format!("{UNIX_SCHEME}{}", path.display())
}

/// A socket to dial: tonic wants a URI per channel, which only names the `:authority`
/// here (`localhost`, as gRPC does for sockets); the connector ignores it.
#[derive(Clone, Debug)]
pub(crate) struct UnixTarget {
    endpoint: Endpoint,
    connector: UnixConnector,
}

impl UnixTarget {
    pub(crate) fn new(path: &Path, options: &ClientOptions) -> Self {
        Self {
            endpoint: Endpoint::from_static("http://localhost")
                .connect_timeout(options.connect_timeout),
            connector: UnixConnector {
                path: Arc::from(path),
            },
        }
    }

    pub(crate) async fn connect(&self) -> Result<Channel, tonic::transport::Error> {
        self.endpoint
            .connect_with_connector(self.connector.clone())
            .await
    }

    pub(crate) fn connect_lazy(&self) -> Channel {
        self.endpoint
            .connect_with_connector_lazy(self.connector.clone())
    }
}

/// Opens a new connection to the socket for each connection the channel makes.
#[derive(Clone, Debug)]
struct UnixConnector {
    path: Arc<Path>,
}

impl tower_service::Service<Uri> for UnixConnector {
    type Response = TokioIo<UnixStream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _authority_only: Uri) -> Self::Future {
        let path = self.path.clone();
        Box::pin(async move { UnixStream::connect(&*path).await.map(TokioIo::new) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_in_both_grpc_forms_are_socket_paths() {
        assert_eq!(
            socket_path("unix:/run/m/a.sock"),
            Some(Ok(Path::new("/run/m/a.sock")))
        );
        assert_eq!(
            socket_path("unix:///run/m/a.sock"),
            Some(Ok(Path::new("/run/m/a.sock")))
        );
        assert_eq!(socket_path("http://127.0.0.1:1"), None);
        assert_eq!(
            endpoint_for(Path::new("/run/m/a.sock")),
            "unix:/run/m/a.sock"
        );
    }

    #[test]
    fn unusable_socket_paths_say_which_rule_they_break() {
        let longest = format!("/{}", "s".repeat(MAX_SOCKET_PATH_LEN - 1));
        assert!(socket_path(&format!("unix:{longest}")).unwrap().is_ok());
        for (bad, rule) in [
            ("unix:", "absolute"),
            ("unix:a.sock", "absolute"),
            ("unix://host/a.sock", "no host"),
            ("unix:/a\0b", "NUL"),
            ("unix:/run/", "directory"),
            (&format!("unix:{longest}x"), "at most 107"),
        ] {
            let error = socket_path(bad).unwrap().unwrap_err();
            assert!(error.contains(rule), "{bad:?}: {error}");
        }
    }
}
