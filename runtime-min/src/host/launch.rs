//! How one module process is started: its command line, its environment (the contract
//! in docs/ARCHITECTURE.md, "Environment handed from host to module"), and the ties that
//! make it die with the host.

use std::path::PathBuf;
use std::process::Stdio;

use modgen_contract::env;
use tokio::process::{Child, Command};

use super::config::{ModuleEntry, Transport};
use super::identity::HostIdentity;
use super::revocation_sync::RevocationBoard;

/// What the host tells every module about the run.
#[derive(Debug, Clone)]
pub struct RunEnvironment {
    /// `http://127.0.0.1:PORT`
    pub directory_endpoint: String,
    /// `None` when the directory's auth is disabled.
    pub directory_token: Option<String>,
    /// The embedded directory's pace. Liveness is the directory's call, so under a host
    /// its interval overrides the manifest's: a module heartbeating slower than the
    /// host's TTL allows would be evicted while healthy.
    pub heartbeat_interval: std::time::Duration,
    /// `None` under `identity.enabled: false`.
    pub identity: Option<std::sync::Arc<HostIdentity>>,
    /// The directory's store, where revocations are published to other hosts.
    pub revocation_board: RevocationBoard,
    /// The `MODGEN_TLS_*` variables of the YAML's `tls:` section (empty without one); a
    /// module serves TLS on a TCP listener only.
    pub tls: Vec<(String, String)>,
    /// The host's private run directory (0700), where module sockets live.
    pub run_dir: PathBuf,
    /// The YAML's host-wide `transport`.
    pub transport: Transport,
}

/// Everything needed to start one module, resolved once and reused for every restart.
#[derive(Debug, Clone)]
pub struct Launch {
    pub module: String,
    program: PathBuf,
    args: Vec<String>,
    working_directory: Option<PathBuf>,
    environment: Vec<(String, String)>,
    identity: Option<std::sync::Arc<HostIdentity>>,
    revocation_board: RevocationBoard,
    /// The socket the module listens on, on the `unix` transport.
    socket: Option<PathBuf>,
}

impl Launch {
    pub fn new(entry: &ModuleEntry, run: &RunEnvironment) -> Self {
        let execution = &entry.runtime.execution;
        let config = entry
            .config
            .clone()
            .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
        let module_config = serde_json::json!({ "config": config }).to_string();

        // The YAML's variables first, the run's after: a module must reach the directory
        // this host runs, whatever a copied config says.
        let mut environment: Vec<(String, String)> = execution
            .environment
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        for key in env::DIRECTORY_ENDPOINT_VARS {
            environment.push((key.to_owned(), run.directory_endpoint.clone()));
        }
        for key in env::MODULE_CONFIG_VARS {
            environment.push((key.to_owned(), module_config.clone()));
        }
        environment.push((
            env::HEARTBEAT_INTERVAL.to_owned(),
            crate::duration::display(run.heartbeat_interval),
        ));
        // A tokenless module (a ModKit binary) has no use for the token, so it never
        // holds it.
        if let Some(token) = &run.directory_token
            && !entry.tokenless
        {
            environment.push((env::DIRECTORY_TOKEN.to_owned(), token.clone()));
        }
        if let Some(identity) = &run.identity {
            environment.extend(identity.module_environment(entry));
        }
        environment.extend(run.tls.iter().cloned());
        let socket = super::transport::socket_of(entry, run.transport, &run.run_dir);
        if let Some(socket) = &socket {
            environment.push((env::LISTEN_SOCKET.to_owned(), socket.display().to_string()));
        }

        Self {
            module: entry.name.clone(),
            program: execution.executable_path.clone(),
            args: execution.args.clone(),
            working_directory: execution.working_directory.clone(),
            environment,
            identity: run.identity.clone(),
            revocation_board: run.revocation_board.clone(),
            socket,
        }
    }

    /// Removes the socket a process left behind (a killed one cannot remove its own),
    /// so that no stale file stays in the run directory after it.
    pub fn remove_stale_socket(&self) -> std::io::Result<()> {
        match &self.socket {
            Some(path) => crate::oop::remove_stale_socket(path),
            None => Ok(()),
        }
    }

    /// The instance id for the next process: the YAML's `MODGEN_INSTANCE_ID` when it
    /// fixes one, else a fresh UUIDv4. The host keeps it to remove the process's entry
    /// from the directory the moment the process exits.
    pub fn instance_id(&self) -> String {
        self.environment
            .iter()
            .find(|(key, _)| key == env::INSTANCE_ID)
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), |(_, id)| id.clone())
    }

    /// Voids the credentials this module was issued (the host gave up on it), here and
    /// in the other hosts sharing the directory; false when identity is off and there
    /// are none.
    pub async fn revoke_credentials(&self) -> std::io::Result<bool> {
        let Some(identity) = &self.identity else {
            return Ok(false);
        };
        let revocation = identity.revoke(&self.module)?;
        self.revocation_board.publish(&revocation).await;
        Ok(true)
    }

    /// Starts the module with piped stdout/stderr (for [`super::output`]) and no stdin.
    pub fn spawn(&self, instance_id: &str) -> std::io::Result<Child> {
        // Every start gets a credential of its own (a new start id, a full lifetime).
        if let Some(identity) = &self.identity {
            identity.issue(&self.module)?;
        }
        self.remove_stale_socket()?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            // A token in the host's own environment is not this run's (a later `envs`
            // sets it again when auth is on).
            .env_remove(env::DIRECTORY_TOKEN)
            .env_remove(env::IDENTITY_CREDENTIAL_FILE)
            .env_remove(env::IDENTITY_TRUSTED_KEYS)
            .env_remove(env::ACCESS_POLICY)
            .env_remove(env::IDENTITY_REVOCATIONS_FILE)
            .env_remove(env::TLS_CERTIFICATE_FILE)
            .env_remove(env::TLS_KEY_FILE)
            .env_remove(env::TLS_CA_FILE)
            // The socket is set again for the `unix` transport; on `tcp` none is meant.
            .env_remove(env::LISTEN_SOCKET)
            .envs(self.environment.iter().map(|(k, v)| (k, v)))
            .env(env::INSTANCE_ID, instance_id)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Dropping the supervisor (e.g. the host's future is dropped) must not leak modules.
            .kill_on_drop(true)
            // Out of the host's process group, so a terminal's Ctrl-C reaches the host
            // only, and each module gets exactly one signal (the host's SIGTERM): the
            // runtime's lifecycle takes a second signal as "exit now, skip deregistering".
            .process_group(0);
        if let Some(dir) = &self.working_directory {
            command.current_dir(dir);
        }
        die_with_host(&mut command);
        command.spawn()
    }
}

/// A SIGKILLed host runs no cleanup, so the kernel has to end its modules:
/// PR_SET_PDEATHSIG delivers SIGKILL to the child when the thread that forked it exits.
/// That thread is a tokio worker, which lives as long as the host's runtime.
#[cfg(target_os = "linux")]
fn die_with_host(command: &mut Command) {
    let host_pid = std::process::id();
    // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
    // system calls (prctl, getppid), allocating nothing.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // The host may have died between fork and prctl; then no signal would come.
            if libc::getppid() as u32 != host_pid {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_host(_command: &mut Command) {}
