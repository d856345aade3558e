//! How a host run ended, module by module; the `modgen-host` exit status comes from here.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// The end of every module, in the order the YAML lists them.
#[derive(Debug)]
pub struct HostOutcome {
    pub modules: Vec<ModuleOutcome>,
}

#[derive(Debug)]
pub struct ModuleOutcome {
    pub module: String,
    /// Processes started for this module: the first start plus every restart.
    pub starts: u32,
    pub end: ModuleEnd,
}

#[derive(Debug)]
pub enum ModuleEnd {
    /// Stopped by the host at shutdown. `killed`: it outlived the grace period and got SIGKILL.
    Stopped { status: ExitStatus, killed: bool },
    /// Exited with status 0 by itself; a module that is done is not restarted.
    Finished,
    /// Crashed `crashes` times within the restart window; the host stopped restarting it.
    GaveUp { crashes: usize },
    /// Shutdown came while the module waited to be restarted after a crash
    /// (`None`: the last start failed before a process existed).
    Crashed { status: Option<ExitStatus> },
    /// Shutdown came before the module was first started.
    NotStarted,
    /// Not started: a module it depends on ended without ever becoming ready.
    DependencyUnavailable { dependency: String },
    /// A `local` module stopped at shutdown; `timed_out`: its server was still draining
    /// when the grace period ended.
    LocalStopped { timed_out: bool },
    /// A `local` module failed to build, serve or register (said on stderr).
    LocalFailed { reason: String },
}

impl ModuleEnd {
    /// Clean: it finished, or it stopped when asked (exit 0, or the default action of the
    /// SIGTERM the host sent or the SIGINT a terminal's Ctrl-C sent) within the grace period.
    pub fn is_clean(&self) -> bool {
        match self {
            ModuleEnd::Stopped { status, killed } => !killed && stopped_when_asked(*status),
            ModuleEnd::Finished | ModuleEnd::NotStarted => true,
            ModuleEnd::LocalStopped { timed_out } => !timed_out,
            ModuleEnd::GaveUp { .. }
            | ModuleEnd::Crashed { .. }
            | ModuleEnd::DependencyUnavailable { .. }
            | ModuleEnd::LocalFailed { .. } => false,
        }
    }
}

/// Exit 0, or death by SIGTERM/SIGINT: a process without handlers ends that way when it
/// is stopped, which is not a failure.
pub(crate) fn stopped_when_asked(status: ExitStatus) -> bool {
    status.success() || matches!(status.signal(), Some(libc::SIGTERM | libc::SIGINT))
}

impl HostOutcome {
    /// True when every module ended cleanly; `modgen-host` exits 0 exactly then.
    pub fn is_clean(&self) -> bool {
        self.modules.iter().all(|module| module.end.is_clean())
    }
}
