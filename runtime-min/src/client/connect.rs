use tonic::transport::{Channel, Endpoint};

use super::ClientOptions;
use super::tls::{self, CaBundle};
use super::unix::{self, UnixTarget};

/// Why no channel could be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid endpoint URI '{uri}': {reason}")]
    InvalidUri { uri: String, reason: String },
    #[error("could not connect to '{uri}' after {attempts} attempt(s): {reason}")]
    Unreachable {
        uri: String,
        attempts: u32,
        reason: String,
    },
    /// An `https://` endpoint this process cannot verify (no CA bundle, or one tonic
    /// refuses): retrying cannot help, the settings must change.
    #[error("cannot use TLS for '{uri}': {reason}")]
    Tls { uri: String, reason: String },
}

impl From<ConnectError> for tonic::Status {
    fn from(error: ConnectError) -> Self {
        match error {
            ConnectError::InvalidUri { .. } => tonic::Status::invalid_argument(error.to_string()),
            ConnectError::Unreachable { .. } => tonic::Status::unavailable(error.to_string()),
            ConnectError::Tls { .. } => tonic::Status::failed_precondition(error.to_string()),
        }
    }
}

/// The endpoint for `uri` with the options' connect timeout and TCP_NODELAY (small unary
/// calls would otherwise wait on Nagle's algorithm); an `https://` one verifies its
/// server against the process's CA bundle (`client::tls`).
pub fn endpoint(uri: &str, options: &ClientOptions) -> Result<Endpoint, ConnectError> {
    endpoint_trusting(uri, options, None)
}

/// [`endpoint`], verifying an `https://` server against `ca` instead of the process's
/// bundle (`None`: the process's).
fn endpoint_trusting(
    uri: &str,
    options: &ClientOptions,
    ca: Option<&CaBundle>,
) -> Result<Endpoint, ConnectError> {
    let endpoint =
        Endpoint::from_shared(uri.to_owned()).map_err(|error| ConnectError::InvalidUri {
            uri: uri.to_owned(),
            reason: error_chain(&error),
        })?;
    if !matches!(endpoint.uri().scheme_str(), Some("http" | "https"))
        || endpoint.uri().host().is_none()
    {
        return Err(ConnectError::InvalidUri {
            uri: uri.to_owned(),
            reason: "expected http://host:port or https://host:port".to_owned(),
        });
    }
    let endpoint = endpoint
        .connect_timeout(options.connect_timeout)
        .tcp_nodelay(true);
    if endpoint.uri().scheme_str() == Some("https") {
        // The process's bundle is looked up only when none is given: a lookup settles it.
        let ca = match ca {
            Some(ca) => Some(ca),
            None => tls::process_ca(),
        };
        return tls::secure(endpoint, uri, ca);
    }
    Ok(endpoint)
}

/// Where a channel connects: a TCP endpoint (`http(s)://host:port`) or a Unix socket
/// (`unix:/abs/path`, see [`super::unix`]).
#[derive(Clone, Debug)]
pub(crate) enum Target {
    Tcp(Endpoint),
    Unix(UnixTarget),
}

impl Target {
    /// The target for `uri`; an `https://` one verifies its server against the process's
    /// CA bundle.
    pub(crate) fn parse(uri: &str, options: &ClientOptions) -> Result<Self, ConnectError> {
        Self::parse_trusting(uri, options, None)
    }

    /// [`Target::parse`], verifying an `https://` server against `ca` (`None`: the
    /// process's bundle). A Unix socket is local to the host: no TLS there.
    fn parse_trusting(
        uri: &str,
        options: &ClientOptions,
        ca: Option<&CaBundle>,
    ) -> Result<Self, ConnectError> {
        match unix::socket_path(uri) {
            Some(Ok(path)) => Ok(Self::Unix(UnixTarget::new(path, options))),
            Some(Err(reason)) => Err(ConnectError::InvalidUri {
                uri: uri.to_owned(),
                reason,
            }),
            None => endpoint_trusting(uri, options, ca).map(Self::Tcp),
        }
    }

    async fn connect(&self) -> Result<Channel, tonic::transport::Error> {
        match self {
            Self::Tcp(endpoint) => endpoint.connect().await,
            Self::Unix(target) => target.connect().await,
        }
    }

    /// A channel that connects on its first call.
    pub(crate) fn connect_lazy(&self) -> Channel {
        match self {
            Self::Tcp(endpoint) => endpoint.connect_lazy(),
            Self::Unix(target) => target.connect_lazy(),
        }
    }
}

/// Connects to one endpoint (`http(s)://host:port` or `unix:/abs/path`), retrying with
/// backoff per `options.retry`; each try is bounded by `options.connect_timeout`.
pub async fn connect(endpoint_uri: &str, options: &ClientOptions) -> Result<Channel, ConnectError> {
    connect_trusting(endpoint_uri, options, None).await
}

/// [`connect`], verifying an `https://` server against `ca` (`None`: the process's bundle).
pub async fn connect_trusting(
    endpoint_uri: &str,
    options: &ClientOptions,
    ca: Option<&CaBundle>,
) -> Result<Channel, ConnectError> {
    let target = Target::parse_trusting(endpoint_uri, options, ca)?;
    let attempts = options.retry.attempts();
    let mut attempt = 1;
    loop {
        match target.connect().await {
            Ok(channel) => return Ok(channel),
            Err(error) if attempt < attempts => {
                let wait = options.retry.backoff(attempt);
                tracing::debug!(
                    uri = endpoint_uri,
                    attempt,
                    ?wait,
                    error = %error_chain(&error),
                    "connect failed; retrying"
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(error) => {
                return Err(ConnectError::Unreachable {
                    uri: endpoint_uri.to_owned(),
                    attempts,
                    reason: error_chain(&error),
                });
            }
        }
    }
}

/// The display of an error and its sources: a transport error says only "transport
/// error" at the top; the useful part ("Connection refused") is further down.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !message.contains(&cause_text) {
            message.push_str(": ");
            message.push_str(&cause_text);
        }
        source = cause.source();
    }
    message
}
