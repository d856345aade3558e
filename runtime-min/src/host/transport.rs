//! Where the modules a host starts listen: by default a Unix domain socket in the
//! host's per-run directory (`<run dir>/<module>.sock`; the directory is 0700, the
//! module makes its socket 0600), so only the host's user can connect at all; with
//! `transport: tcp` (host-wide or per module) loopback TCP, as a module run standalone.
//! The same holds for a module of `type: local`, whose server runs in the host.

use std::path::{Path, PathBuf};

use super::LaunchProblem;
use super::config::{ModuleEntry, Transport};
use crate::client::unix::MAX_SOCKET_PATH_LEN;
use crate::oop::ListenOn;

/// The socket `module` listens on under a host whose run directory is `run_dir`.
pub fn socket_path(run_dir: &Path, module: &str) -> PathBuf {
    run_dir.join(format!("{module}.sock"))
}

/// The socket of `entry` when it listens on one (on the `unix` transport): a process
/// binds it itself, a `type: local` module's server binds it in the host.
pub fn socket_of(entry: &ModuleEntry, host_default: Transport, run_dir: &Path) -> Option<PathBuf> {
    (entry.transport(host_default) == Transport::Unix).then(|| socket_path(run_dir, &entry.name))
}

/// Where the server of a `type: local` entry listens: its socket, or on `transport: tcp`
/// an ephemeral loopback port, as a module process would.
pub fn local_listen_on(entry: &ModuleEntry, host_default: Transport, run_dir: &Path) -> ListenOn {
    socket_of(entry, host_default, run_dir).map_or_else(
        || ListenOn::Tcp((std::net::Ipv4Addr::LOCALHOST, 0).into()),
        ListenOn::Unix,
    )
}

/// Every socket path that cannot be bound (too long for `sun_path`), found before any
/// module starts.
pub fn check_socket_paths(
    modules: &[ModuleEntry],
    host_default: Transport,
    run_dir: &Path,
) -> Vec<LaunchProblem> {
    modules
        .iter()
        .filter_map(|entry| {
            let path = socket_of(entry, host_default, run_dir)?;
            (path.as_os_str().len() > MAX_SOCKET_PATH_LEN).then(|| LaunchProblem {
                module: entry.name.clone(),
                path,
                problem: "socket path longer than a Unix socket allows (107 bytes); set \
                          XDG_RUNTIME_DIR to a shorter directory, shorten the module name, \
                          or use `transport: tcp`",
            })
        })
        .collect()
}
