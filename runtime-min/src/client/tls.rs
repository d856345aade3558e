//! The client side of TLS: an `https://` endpoint is verified against a CA bundle, the
//! process's own (installed by `oop::main`, else read once from `MODGEN_TLS_CA_FILE`) or
//! one given explicitly. A server whose certificate no trusted CA signed fails the
//! handshake, so the call never reaches it.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use modgen_contract::env;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};

use super::ConnectError;
use super::connect::error_chain;
use crate::tls::{TlsError, read_certificates};

/// CA certificates a client trusts for `https://` endpoints.
#[derive(Clone, Debug)]
pub struct CaBundle {
    config: Arc<ClientTlsConfig>,
}

impl CaBundle {
    /// From PEM text (one or more `CERTIFICATE` blocks), as checked by `crate::tls`.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Self {
        let config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem));
        Self {
            config: Arc::new(config),
        }
    }

    /// Reads and checks a PEM file; the error names it.
    pub fn from_file(path: &Path) -> Result<Self, TlsError> {
        Ok(Self::from_pem(read_certificates(path, "CA bundle")?))
    }
}

/// `None` once looked up and absent (or unusable: that is logged once).
static PROCESS_CA: OnceLock<Option<CaBundle>> = OnceLock::new();

/// Makes `ca` what this process's clients trust for `https://` endpoints. Returns false,
/// and says so in the log, when the process's bundle was already settled (installed, or
/// looked up by an earlier `https://` connection): one process trusts one bundle.
pub fn install_process_ca(ca: CaBundle) -> bool {
    let installed = PROCESS_CA.set(Some(ca)).is_ok();
    if !installed {
        tracing::warn!(
            "this process's CA bundle was settled before; the one given now is not used for https endpoints"
        );
    }
    installed
}

/// The process's bundle: installed, else `MODGEN_TLS_CA_FILE` read on first use.
pub fn process_ca() -> Option<&'static CaBundle> {
    PROCESS_CA
        .get_or_init(|| {
            let path = std::env::var_os(env::TLS_CA_FILE).filter(|path| !path.is_empty())?;
            CaBundle::from_file(Path::new(&path))
                .inspect_err(|error| {
                    tracing::error!(%error, "{}: https endpoints cannot be verified", env::TLS_CA_FILE);
                })
                .ok()
        })
        .as_ref()
}

/// `endpoint` set to verify its server against `ca`. Only for `https://` URIs: TLS is a
/// property of the endpoint the directory lists, never switched on for `http://`.
pub(crate) fn secure(
    endpoint: Endpoint,
    uri: &str,
    ca: Option<&CaBundle>,
) -> Result<Endpoint, ConnectError> {
    let ca = ca.ok_or_else(|| ConnectError::Tls {
        uri: uri.to_owned(),
        reason: format!(
            "no CA bundle to verify it with (set {} or the host YAML's tls.ca)",
            env::TLS_CA_FILE
        ),
    })?;
    endpoint
        .tls_config((*ca.config).clone())
        .map_err(|error| ConnectError::Tls {
            uri: uri.to_owned(),
            reason: error_chain(&error),
        })
}
