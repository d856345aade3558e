//! Timing, auth and storage backend of one directory.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::AuthMode;

use modgen_contract::host_defaults;

/// Where the directory listens unless told otherwise: loopback, a port the OS picks
/// (`host_defaults::DIRECTORY_LISTEN`; a test checks they agree).
pub const DEFAULT_BIND: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
/// How often modules are expected to heartbeat.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = host_defaults::HEARTBEAT_INTERVAL;
/// How long an instance stays resolvable after its last sign of life: three missed
/// heartbeats, so one lost or late heartbeat never evicts a healthy module.
pub const DEFAULT_TTL: Duration = host_defaults::DIRECTORY_TTL;
/// Where the etcd backend keeps its keys unless told otherwise.
pub const DEFAULT_ETCD_PREFIX: &str = "/modgen/directory/";

/// Where the directory keeps its instances.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// This process's memory: one host.
    #[default]
    Memory,
    /// etcd leases, shared by every host configured with the same endpoints and prefix.
    /// Needs the `etcd` cargo feature.
    Etcd(EtcdSettings),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdSettings {
    /// `http://host:port` of each etcd member.
    pub endpoints: Vec<String>,
    /// Every key of this directory starts with it; hosts sharing a prefix share instances.
    pub prefix: String,
}

impl EtcdSettings {
    pub fn new(endpoints: Vec<String>) -> Self {
        Self {
            endpoints,
            prefix: DEFAULT_ETCD_PREFIX.to_owned(),
        }
    }

    fn validate(&self) -> Result<(), String> {
        if self.endpoints.is_empty() {
            return Err("the etcd backend needs at least one endpoint".into());
        }
        if let Some(bad) = self.endpoints.iter().find(|e| !e.starts_with("http://")) {
            return Err(format!(
                "etcd endpoint `{bad}` must start with `http://` (TLS to etcd is not supported)"
            ));
        }
        if self.prefix.is_empty() {
            return Err("the etcd prefix must not be empty".into());
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct DirectoryConfig {
    /// The interval modules should heartbeat at; the host hands it on to the modules it
    /// spawns. The directory itself only enforces `ttl`.
    pub heartbeat_interval: Duration,
    /// An instance silent for longer than this is evicted and no longer resolvable.
    pub ttl: Duration,
    /// How often the sweeper drops expired entries; `None` picks `ttl / 4`, at most 1 s.
    /// Resolve filters expired entries itself, so this bounds memory, not correctness.
    pub sweep_interval: Option<Duration>,
    pub auth: AuthMode,
    /// Modules that may write without the token even when `auth` asks for one: ModKit
    /// binaries, which send none. See [`super::auth::WriteAuth`].
    pub tokenless_modules: BTreeSet<String>,
    pub backend: Backend,
}

impl DirectoryConfig {
    /// Default timing (heartbeat 5 s, TTL 15 s) with the given auth. Auth has no default:
    /// pass `AuthMode::Token(random_token())` or, for tokenless ModKit modules,
    /// `AuthMode::Disabled`.
    pub fn new(auth: AuthMode) -> Self {
        Self {
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            ttl: DEFAULT_TTL,
            sweep_interval: None,
            auth,
            tokenless_modules: BTreeSet::new(),
            backend: Backend::Memory,
        }
    }

    /// Lets these modules register, heartbeat and deregister without the token.
    pub fn with_tokenless_modules(mut self, modules: impl IntoIterator<Item = String>) -> Self {
        self.tokenless_modules = modules.into_iter().collect();
        self
    }

    /// Sets the heartbeat interval and the TTL together, since one only makes sense
    /// relative to the other.
    pub fn with_timing(mut self, heartbeat_interval: Duration, ttl: Duration) -> Self {
        self.heartbeat_interval = heartbeat_interval;
        self.ttl = ttl;
        self
    }

    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    pub fn effective_sweep_interval(&self) -> Duration {
        self.sweep_interval
            .unwrap_or_else(|| (self.ttl / 4).min(Duration::from_secs(1)))
            .max(Duration::from_millis(1))
    }

    /// `Err(reason)` for settings under which healthy modules would be evicted or the
    /// directory could not authenticate anyone.
    pub fn validate(&self) -> Result<(), String> {
        if self.heartbeat_interval.is_zero() {
            return Err("heartbeat_interval must be greater than zero".into());
        }
        if self.ttl <= self.heartbeat_interval {
            return Err(format!(
                "ttl ({:?}) must be longer than heartbeat_interval ({:?}), or every instance \
                 would be evicted between two heartbeats",
                self.ttl, self.heartbeat_interval
            ));
        }
        if let Backend::Etcd(etcd) = &self.backend {
            etcd.validate()?;
        }
        self.auth.check_usable().map_err(str::to_owned)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_default_bind_is_the_shared_default() {
        assert_eq!(
            DEFAULT_BIND,
            host_defaults::DIRECTORY_LISTEN
                .parse::<SocketAddr>()
                .unwrap()
        );
    }
    use super::*;

    #[test]
    fn defaults_are_five_second_heartbeat_and_fifteen_second_ttl() {
        let config = DirectoryConfig::new(AuthMode::Disabled);
        assert_eq!(config.heartbeat_interval, Duration::from_secs(5));
        assert_eq!(config.ttl, Duration::from_secs(15));
        assert_eq!(config.effective_sweep_interval(), Duration::from_secs(1));
        assert!(config.validate().is_ok());
    }

    #[test]
    fn ttl_not_longer_than_heartbeat_is_refused() {
        let config = DirectoryConfig::new(AuthMode::Disabled)
            .with_timing(Duration::from_secs(5), Duration::from_secs(5));
        assert!(config.validate().unwrap_err().contains("ttl"));
    }

    #[test]
    fn etcd_backend_needs_http_endpoints_and_a_prefix() {
        let with = |etcd: EtcdSettings| {
            DirectoryConfig::new(AuthMode::Disabled)
                .with_backend(Backend::Etcd(etcd))
                .validate()
        };
        assert!(with(EtcdSettings::new(vec!["http://127.0.0.1:2379".into()])).is_ok());
        assert!(
            with(EtcdSettings::new(vec![]))
                .unwrap_err()
                .contains("at least one")
        );
        let tls = with(EtcdSettings::new(vec!["https://etcd:2379".into()])).unwrap_err();
        assert!(tls.contains("https://etcd:2379"), "{tls}");
        let mut no_prefix = EtcdSettings::new(vec!["http://127.0.0.1:2379".into()]);
        no_prefix.prefix.clear();
        assert!(with(no_prefix).unwrap_err().contains("prefix"));
    }

    #[test]
    fn short_ttl_sweeps_more_often() {
        let config = DirectoryConfig::new(AuthMode::Disabled)
            .with_timing(Duration::from_millis(100), Duration::from_millis(300));
        assert_eq!(config.effective_sweep_interval(), Duration::from_millis(75));
    }
}
