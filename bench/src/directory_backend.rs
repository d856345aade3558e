//! `--backend memory|etcd` for the directory benchmarks: the etcd backend runs on a
//! throwaway local etcd (`modgen_runtime::testing::etcd`), started once per run.

use std::time::Duration;

use modgen_runtime::directory::{Backend, DirectoryConfig, EtcdSettings};
use modgen_runtime::testing::etcd::TestEtcd;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    Memory,
    Etcd,
}

impl std::str::FromStr for BackendChoice {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        match value {
            "memory" => Ok(Self::Memory),
            "etcd" => Ok(Self::Etcd),
            other => Err(format!(
                "--backend: `{other}` is neither `memory` nor `etcd`"
            )),
        }
    }
}

/// The chosen backend, with the etcd it runs on kept alive as long as this is.
pub struct BenchBackend {
    choice: BackendChoice,
    etcd: Option<TestEtcd>,
    directories: usize,
}

impl BenchBackend {
    pub fn start(choice: BackendChoice) -> Result<Self, String> {
        let etcd = match choice {
            BackendChoice::Memory => None,
            BackendChoice::Etcd => Some(TestEtcd::start()?),
        };
        Ok(Self {
            choice,
            etcd,
            directories: 0,
        })
    }

    pub fn name(&self) -> &'static str {
        match self.choice {
            BackendChoice::Memory => "memory",
            BackendChoice::Etcd => "etcd",
        }
    }

    /// How long an instance lives after its last heartbeat: etcd rounds lease TTLs up to
    /// whole seconds.
    pub fn lease_ttl(&self, ttl: Duration) -> Duration {
        match self.choice {
            BackendChoice::Memory => ttl,
            BackendChoice::Etcd => Duration::from_secs(ttl.as_secs_f64().ceil().max(1.0) as u64),
        }
    }

    /// How late after its TTL an expired instance may still resolve: etcd revokes expired
    /// leases in a sweep every 500 ms; the memory store judges expiry on every read.
    pub fn expiry_sweep(&self) -> Duration {
        match self.choice {
            BackendChoice::Memory => Duration::ZERO,
            BackendChoice::Etcd => Duration::from_millis(500),
        }
    }

    /// `config` on this backend; each call gets its own etcd prefix, so directories
    /// served one after another do not see each other's instances.
    pub fn configure(&mut self, config: DirectoryConfig) -> DirectoryConfig {
        self.directories += 1;
        match &self.etcd {
            None => config,
            Some(etcd) => {
                let mut settings = EtcdSettings::new(vec![etcd.endpoint()]);
                settings.prefix = format!("/bench/{}/", self.directories);
                config.with_backend(Backend::Etcd(settings))
            }
        }
    }
}
