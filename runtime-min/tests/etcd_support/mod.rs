//! A real etcd per test ([`modgen_runtime::testing::etcd::TestEtcd`]), or a skip.
//!
//! Without the binary a test is skipped with a note on stderr, except under `CI=true`,
//! where a missing etcd is a failure: CI installs it, so its absence is a broken setup,
//! not a reason to pass.

#![allow(dead_code)] // each test crate uses a different part of it

pub use modgen_runtime::testing::etcd::TestEtcd as Etcd;

/// A fresh etcd; `None` (after a note) when etcd is not installed and this is not CI.
pub fn start() -> Option<Etcd> {
    if modgen_runtime::testing::etcd::find_binary().is_none() {
        let ci = std::env::var("CI").is_ok_and(|value| value == "true");
        assert!(
            !ci,
            "etcd is not installed (apt-get install etcd-server, or set MODGEN_TEST_ETCD): \
             the etcd tests must run in CI"
        );
        eprintln!("SKIPPED: etcd is not installed (apt-get install etcd-server)");
        return None;
    }
    Some(Etcd::start().unwrap_or_else(|error| panic!("{error}")))
}
