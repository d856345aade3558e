//! The host as the issuer of caller identities: one Ed25519 key per run (or the key file
//! the YAML names), a credential file per module written before each start and renewed
//! before it expires, and the variables that tell each module whom to trust and who may
//! call it.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use modgen_contract::env;
use tokio_util::sync::CancellationToken;

use super::config::{IdentitySettings, ModuleEntry};
use crate::identity::revocation::RevocationFile;
use crate::identity::{
    AccessPolicy, CallGuard, CallerCredential, Issuer, Revocation, TrustedKeys, run_dir,
};

/// A local module's identity: what its clients present and what its server checks.
#[derive(Clone, Debug)]
pub struct LocalIdentity {
    /// `None` under `identity.enabled: false`: its calls are anonymous.
    pub credential: Option<CallerCredential>,
    /// With identity on, it also refuses the credentials this host (or another sharing
    /// the directory) revoked, read from the host's memory as soon as they are added.
    pub guard: CallGuard,
}

impl LocalIdentity {
    /// Under `identity.enabled: false`: nobody verified, everyone admitted, as an OoP
    /// module given no keys.
    pub fn open(module: &str) -> Self {
        Self {
            credential: None,
            guard: CallGuard::new(module, None, AccessPolicy::open()),
        }
    }
}

/// What the host needs to issue credentials during one run.
#[derive(Debug)]
pub struct HostIdentity {
    issuer: Issuer,
    ttl: Duration,
    run_dir: PathBuf,
    /// The value of `MODGEN_IDENTITY_TRUSTED_KEYS`: this host's key, then the YAML's.
    trusted_keys: String,
    /// The same keys, parsed: what the guards of local modules verify with.
    trusted: TrustedKeys,
    /// Modules given up on: never issued a credential again.
    revoked: Mutex<BTreeSet<String>>,
    revocations: RevocationFile,
}

impl HostIdentity {
    /// Loads or makes the key; credentials go to `dir`, the run directory the host created
    /// (private) and removes after the run. `Ok(None)` under `identity.enabled: false`.
    pub fn start(
        settings: &IdentitySettings,
        dir: &std::path::Path,
    ) -> Result<Option<Arc<Self>>, String> {
        if !settings.enabled {
            return Ok(None);
        }
        let issuer = match &settings.signing_key_file {
            Some(path) => Issuer::from_seed_file(path),
            None => Issuer::generate(),
        }
        .map_err(|error| error.to_string())?;
        let trusted_keys = std::iter::once(issuer.public_key())
            .chain(settings.trusted_keys.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(",");
        let trusted = TrustedKeys::parse(&trusted_keys).map_err(|error| error.to_string())?;
        let identity = Self {
            issuer,
            ttl: settings.credential_ttl,
            revocations: RevocationFile::new(dir.join("revocations.json")),
            run_dir: dir.to_owned(),
            trusted_keys,
            trusted,
            revoked: Mutex::default(),
        };
        identity
            .issue(run_dir::OPERATOR)
            .map_err(|error| format!("cannot write the operator credential: {error}"))?;
        Ok(Some(Arc::new(identity)))
    }

    pub fn public_key(&self) -> &str {
        self.issuer.public_key()
    }

    fn credential_file(&self, module: &str) -> PathBuf {
        self.run_dir.join(format!("{module}.credential"))
    }

    /// Variables for `entry`'s process; the credential file itself is written by
    /// [`Self::issue`] right before each start.
    pub fn module_environment(&self, entry: &ModuleEntry) -> Vec<(String, String)> {
        // Absent: any module with a valid credential, no anonymous calls.
        let policy = entry.access.clone().unwrap_or_default();
        let policy = serde_json::to_string(&policy).expect("a policy serializes");
        vec![
            (
                env::IDENTITY_CREDENTIAL_FILE.to_owned(),
                self.credential_file(&entry.name).display().to_string(),
            ),
            (
                env::IDENTITY_TRUSTED_KEYS.to_owned(),
                self.trusted_keys.clone(),
            ),
            (env::ACCESS_POLICY.to_owned(), policy),
            (
                env::IDENTITY_REVOCATIONS_FILE.to_owned(),
                self.revocations.path().display().to_string(),
            ),
        ]
    }

    /// What a local module runs with: its own credential, minted in memory by this
    /// host's issuer (no file: the module shares the host's process), and the guard of
    /// its server, which checks callers exactly as an OoP module's does.
    pub fn local_module(&self, entry: &ModuleEntry) -> LocalIdentity {
        LocalIdentity {
            credential: Some(CallerCredential::minted(
                self.issuer.clone(),
                &entry.name,
                self.ttl,
            )),
            guard: CallGuard::new(
                &entry.name,
                Some(self.trusted.clone()),
                entry.access.clone().unwrap_or_default(),
            )
            .with_revocations(self.revocations.in_force()),
        }
    }

    /// A fresh credential for `module` (a new start id), replacing the previous one.
    /// A revoked module gets none.
    pub fn issue(&self, module: &str) -> std::io::Result<()> {
        let revoked = self.revoked.lock().unwrap_or_else(PoisonError::into_inner);
        if revoked.contains(module) {
            return Ok(());
        }
        let credential = self.issuer.issue(module, self.ttl);
        run_dir::write_private(&self.credential_file(module), &credential)
    }

    /// Voids every credential issued to `module` so far, in every module of this host
    /// (processes watch the revocations file, local modules' guards share its entries),
    /// and issues it no more: what the host does when
    /// it gives up on the module. Its credential file goes too.
    pub fn revoke(&self, module: &str) -> std::io::Result<Revocation> {
        // Held while the entry is written, so a renewal cannot issue one just after.
        let mut revoked = self.revoked.lock().unwrap_or_else(PoisonError::into_inner);
        revoked.insert(module.to_owned());
        let revocation = Revocation::now(
            module,
            self.issuer.public_key(),
            self.ttl,
            SystemTime::now(),
        );
        self.revocations.add(revocation.clone())?;
        match std::fs::remove_file(self.credential_file(module)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(revocation),
        }
    }

    /// Adds what other hosts sharing the directory revoked (`revocation_sync`).
    pub fn adopt_revocations(&self, published: Vec<Revocation>) -> std::io::Result<()> {
        self.revocations.merge(published)
    }

    /// Renews every credential at a third of its lifetime until `stop`, so a module
    /// that re-reads at half its lifetime always finds a valid one. Credentials stop
    /// being renewed with the host, so they lapse within `credential_ttl` of its end
    /// (and the host removes the run directory, files and all, once its modules are gone).
    pub fn spawn_renewal(
        self: Arc<Self>,
        modules: Vec<String>,
        stop: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let period = (self.ttl / 3).max(Duration::from_secs(1));
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(period) => {}
                }
                for module in modules
                    .iter()
                    .map(String::as_str)
                    .chain([run_dir::OPERATOR])
                {
                    if let Err(error) = self.issue(module) {
                        tracing::warn!(module, %error, "cannot renew the credential");
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::config::{Execution, ModuleRuntime, RuntimeKind};
    use crate::identity::CREDENTIAL_HEADER;
    use crate::identity::revocation::POLL_INTERVAL;

    fn local_entry(name: &str) -> ModuleEntry {
        ModuleEntry {
            name: name.to_owned(),
            runtime: ModuleRuntime {
                kind: RuntimeKind::Local,
                execution: Execution::default(),
            },
            config: None,
            deps: Vec::new(),
            tokenless: false,
            access: None,
            transport: None,
        }
    }

    #[tokio::test]
    async fn a_local_modules_guard_refuses_the_credential_of_a_module_the_host_gave_up_on() {
        let run_dir = tempfile::tempdir().unwrap();
        let identity = HostIdentity::start(&IdentitySettings::default(), run_dir.path())
            .unwrap()
            .expect("identity is on by default");
        identity.issue("flaky").unwrap();
        let held = std::fs::read_to_string(run_dir.path().join("flaky.credential")).unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert(CREDENTIAL_HEADER, held.parse().unwrap());
        let guard = identity.local_module(&local_entry("ledger")).guard;
        let path = "/ledger.v1.Ledger/Post";
        assert_eq!(
            guard.check(path, &headers).unwrap().as_deref(),
            Some("flaky")
        );

        identity.revoke("flaky").unwrap();
        assert!(
            guard.check(path, &headers).is_err(),
            "refused at once: the guard shares the host's entries, it polls no file"
        );
        let deadline = tokio::time::Instant::now() + 10 * POLL_INTERVAL;
        let refusal = loop {
            match guard.check(path, &headers) {
                Err(status) => break status,
                Ok(_) => assert!(tokio::time::Instant::now() < deadline, "still admitted"),
            }
            tokio::time::sleep(POLL_INTERVAL / 5).await;
        };
        assert_eq!(refusal.code(), tonic::Code::Unauthenticated);
        assert!(
            refusal.message().contains("revoked"),
            "{}",
            refusal.message()
        );
    }
}
