//! Who may call whom: host-signed caller credentials, the access policy, and the guard
//! that checks both before a module's implementation runs.
//!
//! ```text
//! host: Issuer (Ed25519) ── signs ──> <run dir>/<module>.credential (0600, renewed)
//!         │                                   │ MODGEN_IDENTITY_CREDENTIAL_FILE
//!         └─ public key ─> MODGEN_IDENTITY_TRUSTED_KEYS, MODGEN_ACCESS_POLICY
//! caller module: CallContext::inject ─> x-modgen-credential: mg1.<claims>.<sig>
//! callee module: CallGuard (tower layer) ─ verify ─ revoked? ─ policy ─> x-modgen-caller
//! host gives up on a module ─> <run dir>/revocations.json (+ the shared store) ─> guards
//! local module (in the host's process): Issuer mints in memory ─> its handle's
//!   CallerResolver ─> the clients built over it present its own credential (`caller.rs`)
//! ```
//!
//! See docs/ARCHITECTURE.md, "Caller identity", for why Ed25519 tokens and not HMAC or
//! mTLS.

mod caller;
pub mod credential;
mod guard;
pub mod policy;
mod presenter;
pub mod reserved;
pub mod revocation;
pub mod run_dir;

use std::path::PathBuf;

use modgen_contract::env;

pub use caller::{Caller, CallerCredential, CallerResolver};
pub use credential::{Claims, CredentialError, Issuer, KeyError, TrustedKeys};
pub use guard::{CallGuard, Guarded};
pub use policy::AccessPolicy;
pub use presenter::install_process_credential;
pub(crate) use presenter::present;
pub use revocation::{Revocation, Revocations};

/// Metadata key of the caller's credential.
pub const CREDENTIAL_HEADER: &str = "x-modgen-credential";

/// What the host told a module about identity, read from its environment.
#[derive(Clone, Debug)]
pub struct ModuleIdentity {
    /// `None`: standalone; nobody is verified and every call is anonymous.
    pub trusted: Option<TrustedKeys>,
    pub policy: AccessPolicy,
    /// This module's own credential, to present on its outgoing calls.
    pub credential_file: Option<PathBuf>,
    /// Credentials the host withdrew before they expired (`revocation`).
    pub revocations_file: Option<PathBuf>,
}

/// Identity variables that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IdentityEnvError {
    #[error("{}: {source}", env::IDENTITY_TRUSTED_KEYS)]
    Keys {
        #[from]
        source: KeyError,
    },
    #[error("{}: {source}", env::ACCESS_POLICY)]
    Policy { source: serde_json::Error },
    #[error(
        "{} refuses anonymous calls but {} is not set, so no call could be verified",
        env::ACCESS_POLICY,
        env::IDENTITY_TRUSTED_KEYS
    )]
    PolicyWithoutKeys,
}

impl ModuleIdentity {
    /// From the variables a host sets; `env` looks one up. Without trusted keys the
    /// module runs open (development); with them, the policy defaults to "any verified
    /// module, no anonymous calls".
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, IdentityEnvError> {
        let present = |key: &str| env(key).filter(|value| !value.trim().is_empty());
        let trusted = present(env::IDENTITY_TRUSTED_KEYS)
            .map(|list| TrustedKeys::parse(&list))
            .transpose()?;
        let policy = match present(env::ACCESS_POLICY) {
            Some(json) => {
                serde_json::from_str(&json).map_err(|source| IdentityEnvError::Policy { source })?
            }
            None if trusted.is_some() => AccessPolicy::default(),
            None => AccessPolicy::open(),
        };
        if trusted.is_none() && !policy.anonymous {
            return Err(IdentityEnvError::PolicyWithoutKeys);
        }
        Ok(Self {
            trusted,
            policy,
            credential_file: present(env::IDENTITY_CREDENTIAL_FILE).map(PathBuf::from),
            revocations_file: present(env::IDENTITY_REVOCATIONS_FILE).map(PathBuf::from),
        })
    }

    /// The guard for `module`'s server.
    pub fn guard(&self, module: &str) -> CallGuard {
        CallGuard::new(module, self.trusted.clone(), self.policy.clone())
    }

    /// [`Self::guard`], also refusing the credentials the host revokes, watched from the
    /// revocations file until `stop` (needs a tokio runtime).
    pub fn watched_guard(
        &self,
        module: &str,
        stop: tokio_util::sync::CancellationToken,
    ) -> CallGuard {
        let guard = self.guard(module);
        match &self.revocations_file {
            Some(path) => {
                let revocations = Revocations::default();
                revocations.watch(path.clone(), stop);
                guard.with_revocations(revocations)
            }
            None => guard,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<ModuleIdentity, IdentityEnvError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ModuleIdentity::from_env(|key| {
            vars.iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn standalone_is_open_and_under_a_host_is_closed_by_default() {
        let standalone = from(&[]).unwrap();
        assert!(standalone.trusted.is_none());
        assert_eq!(standalone.policy, AccessPolicy::open());

        let key = Issuer::from_seed([1; 32]).public_key().to_owned();
        let hosted = from(&[(env::IDENTITY_TRUSTED_KEYS, &key)]).unwrap();
        assert!(hosted.trusted.is_some());
        assert!(!hosted.policy.anonymous);
        assert_eq!(hosted.policy.callers, None);
    }

    #[test]
    fn a_closed_policy_without_keys_is_an_error() {
        let error = from(&[(env::ACCESS_POLICY, r#"{"anonymous": false}"#)]).unwrap_err();
        assert!(
            matches!(error, IdentityEnvError::PolicyWithoutKeys),
            "{error}"
        );
        let error = from(&[(env::ACCESS_POLICY, "{")]).unwrap_err();
        assert!(error.to_string().starts_with(env::ACCESS_POLICY), "{error}");
    }
}
