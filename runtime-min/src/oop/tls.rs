//! The server side of TLS for a module process: with `MODGEN_TLS_CERTIFICATE_FILE` and
//! `MODGEN_TLS_KEY_FILE` set (by the host's `tls:` section, or by hand), the module serves
//! TLS and advertises `https://`; `MODGEN_TLS_CA_FILE` becomes what its own clients trust.
//! Everything is read and checked before anything is bound, so a bad file exits 2
//! naming it.

use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::client::error_chain;
use crate::client::tls::{CaBundle, install_process_ca};
use crate::tls::{TlsError, TlsFiles, TlsMaterial};

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
        Self::serving(material.server)
    }

    /// For a host's `type: local` modules on TCP, from its `tls:` files as the host read
    /// them once at its start (it installed their CA bundle for its own clients itself).
    pub fn from_material(material: &TlsMaterial) -> Result<Self, ServingTlsError> {
        Self::serving(material.server.clone())
    }

    /// Plain: what a Unix socket serves.
    pub fn plain() -> Self {
        Self {
            server: Server::builder(),
            scheme: "http",
        }
    }

    /// With `server` (certificate chain, key) TLS, without it plain.
    fn serving(server: Option<(Vec<u8>, Vec<u8>)>) -> Result<Self, ServingTlsError> {
        let Some((certificate, key)) = server else {
            return Ok(Self::plain());
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

#[cfg(test)]
mod tests {
    use super::*;
    use modgen_contract::env;

    fn certificate_and_key() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let certificate = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (certificate.pem(), key.serialize_pem())
    }

    fn serving(certificate: &str, key: &str) -> Result<ServingTls, ServingTlsError> {
        let dir = tempfile::tempdir().unwrap();
        let certificate_file = dir.path().join("server.pem");
        let key_file = dir.path().join("server.key");
        std::fs::write(&certificate_file, certificate).unwrap();
        std::fs::write(&key_file, key).unwrap();
        ServingTls::from_env(|name| match name {
            env::TLS_CERTIFICATE_FILE => Some(certificate_file.display().to_string()),
            env::TLS_KEY_FILE => Some(key_file.display().to_string()),
            _ => None,
        })
    }

    #[test]
    fn a_certificate_with_its_key_serves_https_and_with_another_key_is_refused() {
        let (certificate, key) = certificate_and_key();
        assert_eq!(serving(&certificate, &key).unwrap().scheme, "https");
        let (_, other_key) = certificate_and_key();
        let error = serving(&certificate, &other_key)
            .err()
            .expect("mismatch refused");
        assert!(matches!(error, ServingTlsError::Identity(_)), "{error}");
        assert_eq!(ServingTls::from_env(|_| None).unwrap().scheme, "http");
    }
}
