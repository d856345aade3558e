//! Credentials withdrawn before they expire. When the host gives up on a module, the
//! credentials it issued to that module (which a crashed, possibly compromised, process
//! held) must stop working at once, not at the end of `credential_ttl`.
//!
//! The host appends a [`Revocation`] to `<run dir>/revocations.json` (0600, replaced
//! whole) and every module it started watches that file (`MODGEN_IDENTITY_REVOCATIONS_FILE`),
//! re-reading it when it changes; the guard refuses a revoked credential even when its
//! signature was checked and remembered before. One entry covers every credential of
//! the module up to the moment of revocation, whatever its start id, and is dropped once
//! the last of them would have expired anyway.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::credential::{Claims, unix_seconds};

/// How often a module looks at the revocations file: the bound on how long a revoked
/// credential keeps working.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// "Credentials of `module`, signed with `key`, issued at or before `issued_until`, are
/// void."
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub module: String,
    /// The issuing host's public key: a module of the same name from another host is
    /// not affected.
    pub key: String,
    /// Unix seconds.
    pub issued_until: u64,
    /// Unix seconds after which every credential this entry covers has expired.
    pub obsolete_at: u64,
}

impl Revocation {
    pub fn covers(&self, claims: &Claims) -> bool {
        claims.module == self.module
            && claims.key == self.key
            && claims.issued_at <= self.issued_until
    }

    /// Voids `module`'s credentials from `key` issued up to `now`, each valid for at
    /// most `ttl`.
    pub fn now(module: &str, key: &str, ttl: Duration, now: SystemTime) -> Self {
        let issued_until = unix_seconds(now);
        Self {
            module: module.to_owned(),
            key: key.to_owned(),
            issued_until,
            obsolete_at: issued_until.saturating_add(ttl.as_secs().max(1)),
        }
    }
}

/// The host's side: the entries of one run, written to the file after every change
/// (for its module processes) and mirrored into [`Self::in_force`] (for the guards of its
/// `type: local` modules, which share its memory and so need not poll its file).
#[derive(Debug)]
pub struct RevocationFile {
    path: PathBuf,
    entries: std::sync::Mutex<Vec<Revocation>>,
    in_force: Revocations,
}

impl RevocationFile {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            entries: Default::default(),
            in_force: Revocations::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entries in force, updated by every change: what a guard in the host's own
    /// process checks, seeing a revocation as soon as it is added.
    pub fn in_force(&self) -> Revocations {
        self.in_force.clone()
    }

    /// Adds `revocation`, drops entries that no longer matter, rewrites the file.
    pub fn add(&self, revocation: Revocation) -> std::io::Result<()> {
        self.merge(vec![revocation])
    }

    /// Adds the entries not there yet (other hosts' revocations, read again and again);
    /// rewrites the file only when something changed.
    pub fn merge(&self, revocations: Vec<Revocation>) -> std::io::Result<()> {
        let now = unix_seconds(SystemTime::now());
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let before = entries.len();
        entries.retain(|entry| entry.obsolete_at > now);
        let mut changed = entries.len() != before;
        for revocation in revocations {
            if revocation.obsolete_at > now && !entries.contains(&revocation) {
                entries.push(revocation);
                changed = true;
            }
        }
        if !changed {
            return Ok(());
        }
        self.in_force.replace(entries.clone());
        let json = serde_json::to_string(&*entries).expect("revocations serialize");
        super::run_dir::write_private(&self.path, &json)
    }
}

/// The module's side: the entries in force, shared with the guard.
#[derive(Clone, Debug, Default)]
pub struct Revocations {
    entries: Arc<RwLock<Vec<Revocation>>>,
}

impl Revocations {
    pub fn revokes(&self, claims: &Claims) -> bool {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|entry| entry.covers(claims))
    }

    fn replace(&self, entries: Vec<Revocation>) {
        *self.entries.write().unwrap_or_else(PoisonError::into_inner) = entries;
    }

    /// Reads `path` now (absent: nothing revoked yet), then again whenever it changes,
    /// until `stop`. An unreadable or malformed file keeps the entries read before: a
    /// revocation is never lifted by a bad read.
    pub fn watch(&self, path: PathBuf, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        let revocations = self.clone();
        let mut seen = None;
        revocations.refresh(&path, &mut seen);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(POLL_INTERVAL) => {}
                }
                revocations.refresh(&path, &mut seen);
            }
        })
    }

    fn refresh(&self, path: &Path, seen: &mut Option<(SystemTime, u64, u64)>) {
        use std::os::unix::fs::MetadataExt;
        let Ok(metadata) = std::fs::metadata(path) else {
            return;
        };
        // The host renames a new file over the old one: a new inode, whatever the mtime.
        let stamp = (
            metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            metadata.ino(),
            metadata.len(),
        );
        if *seen == Some(stamp) {
            return;
        }
        let parsed = std::fs::read(path)
            .map_err(|error| error.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|error| error.to_string()));
        match parsed {
            Ok(entries) => {
                self.replace(entries);
                *seen = Some(stamp);
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot read the revoked credentials; keeping the ones read before")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{Issuer, TrustedKeys};

    #[test]
    fn a_revocation_covers_earlier_credentials_of_that_module_from_that_key_only() {
        let host = Issuer::from_seed([5; 32]);
        let other_host = Issuer::from_seed([6; 32]);
        let trust = TrustedKeys::parse(&format!(
            "{},{}",
            host.public_key(),
            other_host.public_key()
        ))
        .unwrap();
        let ttl = Duration::from_secs(600);
        let now = SystemTime::now();
        let claims = |issuer: &Issuer, module: &str, at: SystemTime| {
            trust
                .verify_at(&issuer.issue_at(module, at, ttl), at)
                .unwrap()
        };
        let revocation = Revocation::now("flaky", host.public_key(), ttl, now);

        assert!(revocation.covers(&claims(&host, "flaky", now)));
        assert!(revocation.covers(&claims(&host, "flaky", now - Duration::from_secs(60))));
        assert!(!revocation.covers(&claims(&host, "steady", now)));
        assert!(!revocation.covers(&claims(&other_host, "flaky", now)));
        assert!(!revocation.covers(&claims(&host, "flaky", now + Duration::from_secs(2))));
        assert_eq!(revocation.obsolete_at, revocation.issued_until + 600);
    }

    #[tokio::test]
    async fn a_module_picks_up_what_the_host_writes_and_a_bad_read_lifts_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("revocations.json");
        let host = Issuer::from_seed([5; 32]);
        let trust = TrustedKeys::parse(host.public_key()).unwrap();
        let ttl = Duration::from_secs(600);
        let held = trust.verify(&host.issue("flaky", ttl)).unwrap();

        let revocations = Revocations::default();
        let stop = CancellationToken::new();
        let watcher = revocations.watch(path.clone(), stop.clone());
        assert!(!revocations.revokes(&held), "no file: nothing revoked");

        let file = RevocationFile::new(path.clone());
        file.add(Revocation::now(
            "flaky",
            host.public_key(),
            ttl,
            SystemTime::now(),
        ))
        .unwrap();
        let deadline = tokio::time::Instant::now() + 10 * POLL_INTERVAL;
        while !revocations.revokes(&held) {
            assert!(tokio::time::Instant::now() < deadline, "not picked up");
            tokio::time::sleep(POLL_INTERVAL / 5).await;
        }

        std::fs::write(&path, "not json").unwrap();
        tokio::time::sleep(POLL_INTERVAL * 3).await;
        assert!(
            revocations.revokes(&held),
            "a bad read lifted the revocation"
        );
        stop.cancel();
        watcher.await.unwrap();
    }
}
