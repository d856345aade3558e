//! Where the modules a host starts listen: by default a Unix domain socket in the
//! host's per-run directory (`<run dir>/<module>.sock`; the directory is 0700, the
//! module makes its socket 0600), so only the host's user can connect at all; with
//! `transport: tcp` (host-wide or per module) loopback TCP, as a module run standalone.
//! The same holds for a module of `type: local`, whose server runs in the host.

use std::path::{Path, PathBuf};

use super::LaunchProblem;
use super::config::{ModuleEntry, Transport};
use crate::client::unix::check_socket_path;
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
/// module starts, by the rule every `unix:` endpoint follows (`client::unix`).
pub fn check_socket_paths(
    modules: &[ModuleEntry],
    host_default: Transport,
    run_dir: &Path,
) -> Vec<LaunchProblem> {
    modules
        .iter()
        .filter_map(|entry| {
            let path = socket_of(entry, host_default, run_dir)?;
            let reason = check_socket_path(&path.to_string_lossy()).err()?;
            Some(LaunchProblem {
                module: entry.name.clone(),
                path,
                problem: format!(
                    "{reason}; set XDG_RUNTIME_DIR to a shorter directory, shorten the \
                     module name, or use `transport: tcp`"
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostConfig;

    fn modules(yaml: &str) -> HostConfig {
        HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap()
    }

    #[test]
    fn a_local_module_listens_on_its_socket_unless_its_transport_is_tcp() {
        let config = modules(
            "modules:
  on-socket: { runtime: { type: local } }
  on-tcp: { runtime: { type: local }, transport: tcp }
",
        );
        let run_dir = Path::new("/run/modgen/run-x");
        let [on_socket, on_tcp] = &config.modules[..] else {
            panic!("two modules");
        };
        assert_eq!(
            local_listen_on(on_socket, config.transport, run_dir),
            ListenOn::Unix(run_dir.join("on-socket.sock"))
        );
        assert_eq!(
            local_listen_on(on_tcp, config.transport, run_dir),
            ListenOn::Tcp("127.0.0.1:0".parse().unwrap())
        );
    }

    #[test]
    fn a_local_modules_socket_path_is_checked_before_anything_starts() {
        let name = "m".repeat(80);
        let config = modules(&format!(
            "modules:
  {name}: {{ runtime: {{ type: local }} }}
  short: {{ runtime: {{ type: local }} }}
"
        ));
        let run_dir = Path::new("/tmp/modgen-1000/run-127-0-0-1-40000");
        let problems = check_socket_paths(&config.modules, config.transport, run_dir);
        let named: Vec<&str> = problems.iter().map(|p| p.module.as_str()).collect();
        assert_eq!(named, [name.as_str()]);
        assert!(
            problems[0].problem.contains("at most 107"),
            "{}",
            problems[0].problem
        );
        let on_tcp = check_socket_paths(&config.modules, Transport::Tcp, run_dir);
        assert!(on_tcp.is_empty(), "TCP binds no socket");
    }
}
