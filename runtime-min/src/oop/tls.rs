//! The server side of TLS for a module process: with `MODGEN_TLS_CERTIFICATE_FILE` and
//! `MODGEN_TLS_KEY_FILE` set (by the host's `tls:` section, or by hand), the module serves
//! TLS and advertises `https://`; `MODGEN_TLS_CA_FILE` becomes what its own clients trust.
//! Everything is read and checked before anything is bound, so a bad file exits 2
//! naming it.

use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::client::error_chain;
use crate::client::tls::{CaBundle, install_process_ca};
use crate::tls::{TlsError, TlsFiles};

/// How a module serves: its gRPC server builder, and the scheme it advertises.
#[derive(Clone)]
pub(crate) struct ServingTls {
    /// Plain, or configured with the module's certificate.
    pub server: Server,
    /// `https` with a certificate, `http` without.
    pub scheme: &'static str,
}

/// TLS settings a module cannot serve with.
#[derive(Debug, thiserror::Error)]
pub enum ServingTlsError {
    #[error(transparent)]
    Files(#[from] TlsError),
    #[error("the TLS certificate and key cannot be used together: {0}")]
    Identity(String),
}

impl ServingTls {
    /// From the `MODGEN_TLS_*` variables; installs the CA bundle for this process's
    /// clients.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, ServingTlsError> {
        let material = TlsFiles::from_env(env).load()?;
        if let Some(ca) = material.ca {
            install_process_ca(CaBundle::from_pem(ca));
        }
        let Some((certificate, key)) = material.server else {
            return Ok(Self {
                server: Server::builder(),
                scheme: "http",
            });
        };
        let config = ServerTlsConfig::new().identity(Identity::from_pem(certificate, key));
        let server = Server::builder()
            .tls_config(config)
            .map_err(|error| ServingTlsError::Identity(error_chain(&error)))?;
        Ok(Self {
            server,
            scheme: "https",
        })
    }
}
