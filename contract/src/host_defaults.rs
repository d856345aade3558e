//! What `modgen-host` assumes when its YAML leaves a key out, and what the generator
//! writes into a new workspace's `host.yaml`.

use std::time::Duration;

/// The embedded directory listens on loopback, on a port the OS picks.
pub const DIRECTORY_LISTEN: &str = "127.0.0.1:0";
/// How often a module heartbeats unless its manifest says otherwise.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);
/// How long the directory keeps an instance that stopped heartbeating: three missed
/// heartbeats at the default interval.
pub const DIRECTORY_TTL: Duration = Duration::from_secs(15);
/// Crashes within [`RESTART_WINDOW`] before the host gives up on a module.
pub const MAX_RESTARTS: u32 = 5;
pub const RESTART_WINDOW: Duration = Duration::from_secs(60);
/// First restart delay; doubles per crash up to [`RESTART_MAX_BACKOFF`].
pub const RESTART_INITIAL_BACKOFF: Duration = Duration::from_millis(200);
pub const RESTART_MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Between SIGTERM and SIGKILL when the host stops its modules.
pub const SHUTDOWN_GRACE_PERIOD: Duration = Duration::from_secs(10);

/// The TTL a host should give its directory for modules heartbeating every `interval`:
/// three missed heartbeats, and never below [`DIRECTORY_TTL`].
pub fn directory_ttl_for(interval: Duration) -> Duration {
    (interval.saturating_mul(3)).max(DIRECTORY_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_ttl_covers_three_default_heartbeats() {
        assert_eq!(directory_ttl_for(HEARTBEAT_INTERVAL), DIRECTORY_TTL);
        assert_eq!(
            directory_ttl_for(Duration::from_secs(10)),
            Duration::from_secs(30)
        );
        assert_eq!(directory_ttl_for(Duration::from_millis(100)), DIRECTORY_TTL);
    }
}
