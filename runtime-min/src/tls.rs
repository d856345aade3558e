//! TLS for TCP endpoints that other machines reach: which PEM files a module serves and
//! trusts ([`TlsFiles`], from the host YAML's `tls:` section or the `MODGEN_TLS_*`
//! variables), read and checked up front so a missing or malformed file is an error that
//! names it, not a handshake failure later.
//!
//! The server side is in `oop::tls` (serve with the certificate, advertise `https://`),
//! the client side in `client::tls` (trust the CA bundle for `https://` endpoints).

use std::path::{Path, PathBuf};

use modgen_contract::env;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

/// The PEM files of a TLS setup. Certificate and key go together: with them a module
/// serves TLS; `ca` is what its clients trust for `https://` endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsFiles {
    /// The server's certificate chain, leaf first.
    pub certificate: Option<PathBuf>,
    /// The private key of `certificate` (PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
    /// The CA certificates a client trusts (one or more PEM blocks).
    pub ca: Option<PathBuf>,
}

/// The files' contents, checked to hold what they should.
#[derive(Clone, Debug, Default)]
pub struct TlsMaterial {
    /// (certificate chain, private key), PEM.
    pub server: Option<(Vec<u8>, Vec<u8>)>,
    /// CA bundle, PEM.
    pub ca: Option<Vec<u8>>,
}

/// A TLS setting or file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{}: cannot read the TLS {what}: {source}", path.display())]
    Read {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{}: the TLS {what} is not valid PEM: {reason}", path.display())]
    BadPem {
        path: PathBuf,
        what: &'static str,
        reason: String,
    },
    #[error("{}: no TLS {what} in the file (expected a PEM block `-----BEGIN {label}-----`)", path.display())]
    Empty {
        path: PathBuf,
        what: &'static str,
        label: &'static str,
    },
    #[error("a TLS {given} needs a {missing} too")]
    Unpaired {
        given: &'static str,
        missing: &'static str,
    },
}

impl TlsFiles {
    /// From `MODGEN_TLS_CERTIFICATE_FILE`, `MODGEN_TLS_KEY_FILE` and `MODGEN_TLS_CA_FILE`.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        let path = |key: &str| {
            env(key)
                .filter(|value| !value.trim().is_empty())
                .map(PathBuf::from)
        };
        Self {
            certificate: path(env::TLS_CERTIFICATE_FILE),
            key: path(env::TLS_KEY_FILE),
            ca: path(env::TLS_CA_FILE),
        }
    }

    /// The variables that hand these files to a module process.
    pub fn environment(&self) -> Vec<(String, String)> {
        [
            (env::TLS_CERTIFICATE_FILE, &self.certificate),
            (env::TLS_KEY_FILE, &self.key),
            (env::TLS_CA_FILE, &self.ca),
        ]
        .into_iter()
        .filter_map(|(key, path)| Some((key.to_owned(), path.as_ref()?.display().to_string())))
        .collect()
    }

    /// Reads every file and checks it holds PEM of the right kind.
    pub fn load(&self) -> Result<TlsMaterial, TlsError> {
        let server = match (&self.certificate, &self.key) {
            (Some(certificate), Some(key)) => Some((
                read_certificates(certificate, "certificate")?,
                read_private_key(key)?,
            )),
            (None, None) => None,
            (Some(_), None) => {
                return Err(TlsError::Unpaired {
                    given: "certificate",
                    missing: "key",
                });
            }
            (None, Some(_)) => {
                return Err(TlsError::Unpaired {
                    given: "key",
                    missing: "certificate",
                });
            }
        };
        let ca = self
            .ca
            .as_deref()
            .map(|path| read_certificates(path, "CA bundle"))
            .transpose()?;
        Ok(TlsMaterial { server, ca })
    }
}

/// The file's bytes, holding at least one PEM certificate and nothing malformed.
pub fn read_certificates(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    let bytes = read(path, what)?;
    let mut count = 0;
    for certificate in CertificateDer::pem_slice_iter(&bytes) {
        certificate.map_err(|error| TlsError::BadPem {
            path: path.to_owned(),
            what,
            reason: error.to_string(),
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(TlsError::Empty {
            path: path.to_owned(),
            what,
            label: "CERTIFICATE",
        });
    }
    Ok(bytes)
}

/// The file's bytes, holding a PEM private key.
pub fn read_private_key(path: &Path) -> Result<Vec<u8>, TlsError> {
    const WHAT: &str = "private key";
    let bytes = read(path, WHAT)?;
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(_) => Ok(bytes),
        Err(rustls_pki_types::pem::Error::NoItemsFound) => Err(TlsError::Empty {
            path: path.to_owned(),
            what: WHAT,
            label: "PRIVATE KEY",
        }),
        Err(error) => Err(TlsError::BadPem {
            path: path.to_owned(),
            what: WHAT,
            reason: error.to_string(),
        }),
    }
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        what,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_PEM: &str =
        "-----BEGIN CERTIFICATE-----\n%%% not base64 %%%\n-----END CERTIFICATE-----\n";

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn issued() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let certificate = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (certificate.pem(), key.serialize_pem())
    }

    #[test]
    fn good_files_load_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (certificate, key) = issued();
        let files = TlsFiles {
            certificate: Some(write(dir.path(), "cert.pem", &certificate)),
            key: Some(write(dir.path(), "key.pem", &key)),
            ca: Some(write(dir.path(), "ca.pem", &certificate)),
        };
        let material = files.load().unwrap();
        assert!(material.server.is_some() && material.ca.is_some());

        let missing = TlsFiles {
            ca: Some(dir.path().join("absent.pem")),
            ..TlsFiles::default()
        };
        let error = missing.load().unwrap_err().to_string();
        assert!(
            error.contains("absent.pem: cannot read the TLS CA bundle"),
            "{error}"
        );

        let garbled = TlsFiles {
            ca: Some(write(dir.path(), "garbled.pem", NOT_PEM)),
            ..TlsFiles::default()
        };
        let error = garbled.load().unwrap_err().to_string();
        assert!(
            error.contains("garbled.pem: the TLS CA bundle is not valid PEM"),
            "{error}"
        );

        let key_as_certificate = TlsFiles {
            certificate: files.key.clone(),
            key: files.key.clone(),
            ca: None,
        };
        let error = key_as_certificate.load().unwrap_err().to_string();
        assert!(
            error.contains("key.pem: no TLS certificate in the file"),
            "{error}"
        );

        let certificate_as_key = TlsFiles {
            key: files.certificate.clone(),
            ..files.clone()
        };
        let error = certificate_as_key.load().unwrap_err().to_string();
        assert!(
            error.contains("cert.pem: no TLS private key in the file"),
            "{error}"
        );
    }

    #[test]
    fn a_certificate_needs_its_key_and_the_environment_round_trips() {
        let half = TlsFiles {
            certificate: Some("cert.pem".into()),
            ..TlsFiles::default()
        };
        assert_eq!(
            half.load().unwrap_err().to_string(),
            "a TLS certificate needs a key too"
        );
        let files = TlsFiles {
            certificate: Some("/c.pem".into()),
            key: Some("/k.pem".into()),
            ca: Some("/ca.pem".into()),
        };
        let environment = files.environment();
        let back = TlsFiles::from_env(|key| {
            environment
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.clone())
        });
        assert_eq!(back, files);
        assert_eq!(TlsFiles::from_env(|_| None), TlsFiles::default());
    }
}
