//! The client side: the credential this process presents on every call it makes.
//!
//! The host writes the module's credential to a file and rewrites it before it expires;
//! the module re-reads the file once half of its credential's lifetime has passed, so a
//! long-running module never presents an expired one while its host is alive.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use modgen_contract::env;
use tonic::metadata::{AsciiMetadataValue, MetadataMap};

use super::CREDENTIAL_HEADER;
use super::caller::CallerCredential;
use super::credential::{unix_seconds, unverified_claims};

/// `None` inside: this process has no credential to present.
static PROCESS_CREDENTIAL: OnceLock<Option<CredentialFile>> = OnceLock::new();

/// Makes every call from this process present the credential in `path`. Once per
/// process, before the first call: `false` when the process's credential was settled
/// already.
pub fn install_process_credential(path: PathBuf) -> bool {
    PROCESS_CREDENTIAL
        .set(Some(CredentialFile::new(path)))
        .is_ok()
}

/// Without an explicit install, the file `MODGEN_IDENTITY_CREDENTIAL_FILE` names: what
/// a host sets for its modules, and what a user sets to call as the host's operator
/// from a program of their own.
fn process_credential() -> Option<&'static CredentialFile> {
    PROCESS_CREDENTIAL
        .get_or_init(|| {
            std::env::var_os(env::IDENTITY_CREDENTIAL_FILE)
                .filter(|path| !path.is_empty())
                .map(|path| CredentialFile::new(path.into()))
        })
        .as_ref()
}

/// Adds the caller's credential to outgoing metadata: `own` (a module's own, bound to
/// its clients) or else this process's (nothing for a process without one: a client run
/// by hand, or a module run standalone). True when it added one.
pub(crate) fn present(metadata: &mut MetadataMap, own: Option<&CallerCredential>) -> bool {
    let credential = match own {
        Some(own) => Some(own.current()),
        None => process_credential().and_then(CredentialFile::current),
    };
    match credential {
        Some(value) => {
            metadata.insert(CREDENTIAL_HEADER, value);
            true
        }
        None => false,
    }
}

struct CredentialFile {
    path: PathBuf,
    cached: Mutex<Option<Cached>>,
}

struct Cached {
    value: AsciiMetadataValue,
    /// Unix seconds after which the file is read again.
    refresh_at: u64,
}

impl CredentialFile {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            cached: Mutex::new(None),
        }
    }

    fn current(&self) -> Option<AsciiMetadataValue> {
        let now = unix_seconds(SystemTime::now());
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if let Some(entry) = cached.as_ref().filter(|entry| now < entry.refresh_at) {
            return Some(entry.value.clone());
        }
        match self.read(now) {
            Ok(fresh) => *cached = Some(fresh),
            Err(reason) => {
                tracing::warn!(path = %self.path.display(), reason, "cannot read this module's credential; calls go out with the last one read");
                // Tried again in a second, not on every call.
                if let Some(entry) = cached.as_mut() {
                    entry.refresh_at = now + 1;
                }
            }
        }
        cached.as_ref().map(|entry| entry.value.clone())
    }

    fn read(&self, now: u64) -> Result<Cached, &'static str> {
        let text = std::fs::read_to_string(&self.path).map_err(|_| "unreadable")?;
        let text = text.trim();
        let claims = unverified_claims(text).ok_or("not a credential")?;
        let value = AsciiMetadataValue::try_from(text).map_err(|_| "not ASCII")?;
        let half_life = claims.issued_at + (claims.expires_at.saturating_sub(claims.issued_at)) / 2;
        Ok(Cached {
            value,
            // A credential past its half life that was not renewed yet: look again in a second.
            refresh_at: half_life.max(now + 1),
        })
    }
}
