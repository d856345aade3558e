//! A caller's own credential, bound to the clients a module builds rather than to its
//! process, so that several modules in one process (local modules inside a host) each
//! call under their own name.
//!
//! A process module presents the credential file its host gave the process
//! (`presenter.rs`). A local module has no process of its own: the host's [`Issuer`]
//! mints its credential in memory, the module's [`ModuleHandle`](crate::oop::ModuleHandle)
//! hands it to the clients it builds (through [`ModuleHandle::resolver`]
//! (crate::oop::ModuleHandle::resolver), which SDK clients are built over), and every
//! call those clients make presents it instead of the process's. The same resolver
//! names the module, so a call through the hub (no wire, no credential) sets the callee's
//! `ctx.caller` to it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tonic::Status;
use tonic::metadata::AsciiMetadataValue;

use super::credential::{Issuer, unix_seconds};
use crate::directory::Resolver;

/// The credential one module presents on its calls: minted in-process by its host and
/// renewed at half its lifetime, so it never goes out expired while the host runs.
#[derive(Clone)]
pub struct CallerCredential {
    minted: Arc<Minted>,
}

struct Minted {
    issuer: Issuer,
    module: String,
    ttl: Duration,
    current: Mutex<Option<Current>>,
}

struct Current {
    value: AsciiMetadataValue,
    /// Unix seconds after which a new one is minted.
    renew_at: u64,
}

impl std::fmt::Debug for CallerCredential {
    // The credential itself stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CallerCredential({})", self.minted.module)
    }
}

impl CallerCredential {
    /// Credentials for `module`, each valid for `ttl`, signed by `issuer`.
    pub fn minted(issuer: Issuer, module: &str, ttl: Duration) -> Self {
        Self {
            minted: Arc::new(Minted {
                issuer,
                module: module.to_owned(),
                ttl,
                current: Mutex::new(None),
            }),
        }
    }

    /// The credential to send now: the cached one until half its lifetime has passed.
    pub fn current(&self) -> AsciiMetadataValue {
        let minted = &self.minted;
        let now = unix_seconds(SystemTime::now());
        let mut current = minted
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = current.as_ref().filter(|entry| now < entry.renew_at) {
            return entry.value.clone();
        }
        let text = minted.issuer.issue(&minted.module, minted.ttl);
        let value = AsciiMetadataValue::try_from(text).expect("credentials are base64url ASCII");
        let half_life = (minted.ttl.as_secs() / 2).max(1);
        *current = Some(Current {
            value: value.clone(),
            renew_at: now + half_life,
        });
        value
    }
}

/// The module a client calls as: its name (set as the callee's `ctx.caller` on calls
/// through the hub) and, for a local module, its own credential (presented on calls over
/// the wire instead of the process's).
#[derive(Clone, Debug)]
pub struct Caller {
    pub module: Arc<str>,
    /// `None`: calls present the process's credential, if it has one.
    pub credential: Option<CallerCredential>,
}

/// A resolver whose clients call as one module: resolves through `inner`, and tells the
/// clients built over it who is calling ([`Resolver::caller`]).
pub struct CallerResolver {
    pub inner: Arc<dyn Resolver>,
    pub caller: Caller,
}

#[async_trait::async_trait]
impl Resolver for CallerResolver {
    async fn resolve_all(&self, service_name: &str) -> Result<Vec<String>, Status> {
        self.inner.resolve_all(service_name).await
    }

    fn caller(&self) -> Option<&Caller> {
        Some(&self.caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::TrustedKeys;

    #[test]
    fn a_minted_credential_names_its_module_verifies_and_is_reused_until_half_life() {
        let issuer = Issuer::from_seed([7; 32]);
        let trust = TrustedKeys::parse(issuer.public_key()).unwrap();
        let credential = CallerCredential::minted(issuer, "orders", Duration::from_secs(600));
        let first = credential.current();
        let claims = trust.verify(first.to_str().unwrap()).unwrap();
        assert_eq!(claims.module, "orders");
        assert_eq!(claims.expires_at - claims.issued_at, 600);
        assert_eq!(credential.current(), first, "not re-signed on every call");
    }

    #[test]
    fn two_modules_of_one_issuer_present_different_names() {
        let issuer = Issuer::from_seed([7; 32]);
        let trust = TrustedKeys::parse(issuer.public_key()).unwrap();
        let names: Vec<String> = ["a", "b"]
            .into_iter()
            .map(|module| {
                let credential =
                    CallerCredential::minted(issuer.clone(), module, Duration::from_secs(60));
                trust
                    .verify(credential.current().to_str().unwrap())
                    .unwrap()
                    .module
            })
            .collect();
        assert_eq!(names, ["a", "b"]);
    }
}
