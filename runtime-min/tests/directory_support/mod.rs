//! What a directory suite needs to run against either backend: the backend, its timing,
//! and a served directory (with its etcd, for the etcd backend) that lives as long as
//! the test holds it.

#![allow(dead_code)] // each test crate uses a different part of it

use std::time::Duration;

use modgen_runtime::directory::config::DEFAULT_BIND;
use modgen_runtime::directory::{
    Backend as Store, DirectoryConfig, EtcdSettings, RunningDirectory,
};
use tokio_util::sync::CancellationToken;

use crate::etcd_support::Etcd;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Etcd,
}

impl Backend {
    /// Short, so eviction tests are quick; etcd counts lease TTLs in whole seconds.
    pub fn timing(self) -> (Duration, Duration) {
        match self {
            Backend::Memory => (Duration::from_millis(100), Duration::from_millis(300)),
            Backend::Etcd => (Duration::from_millis(300), Duration::from_secs(1)),
        }
    }

    pub fn heartbeat(self) -> Duration {
        self.timing().0
    }

    pub fn ttl(self) -> Duration {
        self.timing().1
    }

    /// How long after its TTL a silent instance may still resolve: the memory store
    /// judges expiry on every read; etcd revokes expired leases every 500 ms and the
    /// deletion then travels the watch.
    pub fn expiry_slack(self) -> Duration {
        match self {
            Backend::Memory => Duration::from_millis(50),
            Backend::Etcd => Duration::from_millis(1500),
        }
    }

    /// Serves `config` on this backend (a fresh etcd for the etcd one). `None` when the
    /// etcd binary is missing outside CI: the test is skipped.
    pub async fn serve(
        self,
        config: DirectoryConfig,
        cancel: &CancellationToken,
    ) -> Option<TestDirectory> {
        let (config, etcd) = match self {
            Backend::Memory => (config, None),
            Backend::Etcd => {
                let etcd = crate::etcd_support::start()?;
                let settings = EtcdSettings::new(vec![etcd.endpoint()]);
                (config.with_backend(Store::Etcd(settings)), Some(etcd))
            }
        };
        let running = modgen_runtime::directory::serve(config, DEFAULT_BIND, cancel.clone())
            .await
            .expect("directory starts");
        Some(TestDirectory { running, etcd })
    }
}

pub struct TestDirectory {
    pub running: RunningDirectory,
    /// Stopped (by PID) when the test drops this.
    pub etcd: Option<Etcd>,
}

impl std::ops::Deref for TestDirectory {
    type Target = RunningDirectory;
    fn deref(&self) -> &RunningDirectory {
        &self.running
    }
}
