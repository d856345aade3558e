//! The host YAML, in ModKit's shape (`modules.<name>.runtime.execution...`) plus sections
//! and keys of ours (`directory`, `restart`, `shutdown`, `identity`, `transport`), all
//! optional.
//!
//! Unknown keys are errors: a misspelt `enviroment` would otherwise start a module without
//! the variables its author meant to pass, and nothing would say why.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use modgen_contract::host_defaults;

use crate::directory::config::{DEFAULT_BIND, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_TTL};
use crate::duration;

/// Everything `modgen-host` needs to run: the embedded directory, the modules, and the
/// restart and shutdown policies. Paths in `modules` are already resolved (`~` expanded,
/// relative paths joined to the YAML file's directory).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostConfig {
    pub directory: DirectorySettings,
    #[serde(deserialize_with = "modules_in_file_order")]
    pub modules: Vec<ModuleEntry>,
    pub restart: RestartPolicy,
    pub shutdown: ShutdownPolicy,
    pub identity: IdentitySettings,
    /// PEM files every `oop` module serves TLS with and trusts (`crate::tls`); a module
    /// serves TLS on a TCP listener only (`transport: tcp`).
    pub tls: crate::tls::TlsFiles,
    /// How modules are reached unless their entry says otherwise: `unix` (default) or
    /// `tcp`.
    pub transport: Transport,
}

/// How the host's modules listen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// A Unix domain socket in the host's per-run directory (0700, socket 0600): only
    /// the host's user can connect.
    #[default]
    Unix,
    /// Loopback TCP on a free port: any local process can connect (the caller identity
    /// still applies). For clients that cannot dial `unix:` endpoints.
    Tcp,
}

/// Caller identity: the host signs a credential for every module it starts.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySettings {
    /// Off: modules get no trusted keys and serve every caller, anonymously (what a
    /// setup of tokenless ModKit modules needs).
    pub enabled: bool,
    /// A base64url Ed25519 seed; without it, a fresh key per run.
    pub signing_key_file: Option<PathBuf>,
    /// How long a credential is valid; the host renews it at a third of that.
    #[serde(deserialize_with = "duration::deserialize")]
    pub credential_ttl: Duration,
    /// Public keys of other hosts sharing the directory, whose modules may call ours.
    pub trusted_keys: Vec<String>,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            signing_key_file: None,
            credential_ttl: Duration::from_secs(600),
            trusted_keys: Vec::new(),
        }
    }
}

/// The directory the host runs for its modules, and where it keeps its instances.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectorySettings {
    /// `memory` (this host only) or `etcd` (shared by every host on the same etcd and
    /// prefix).
    pub backend: DirectoryBackend,
    /// etcd members (`http://host:port`); required with, and only with, `backend: etcd`.
    pub endpoints: Vec<String>,
    /// Key prefix in etcd; hosts with the same prefix see each other's modules.
    pub prefix: Option<String>,
    /// Loopback by default: the directory trusts whoever can reach it with the token.
    pub listen: SocketAddr,
    #[serde(deserialize_with = "duration::deserialize")]
    pub heartbeat_interval: Duration,
    #[serde(deserialize_with = "duration::deserialize")]
    pub ttl: Duration,
    pub auth: DirectoryAuth,
}

impl Default for DirectorySettings {
    fn default() -> Self {
        Self {
            backend: DirectoryBackend::Memory,
            endpoints: Vec::new(),
            prefix: None,
            listen: DEFAULT_BIND,
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            ttl: DEFAULT_TTL,
            auth: DirectoryAuth::Token,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryBackend {
    #[default]
    Memory,
    Etcd,
}

impl DirectorySettings {
    /// The backend as the directory takes it; `Err` names the setting that does not fit.
    pub fn backend(&self) -> Result<crate::directory::Backend, String> {
        use crate::directory::config::{Backend, DEFAULT_ETCD_PREFIX, EtcdSettings};
        match self.backend {
            DirectoryBackend::Memory => {
                if !self.endpoints.is_empty() || self.prefix.is_some() {
                    return Err("directory: `endpoints` and `prefix` are only used with \
                                `backend: etcd`"
                        .into());
                }
                Ok(Backend::Memory)
            }
            DirectoryBackend::Etcd => {
                if self.endpoints.is_empty() {
                    return Err("directory: `backend: etcd` needs `endpoints`, e.g. \
                                `endpoints: [http://127.0.0.1:2379]`"
                        .into());
                }
                Ok(Backend::Etcd(EtcdSettings {
                    endpoints: self.endpoints.clone(),
                    prefix: self
                        .prefix
                        .clone()
                        .unwrap_or_else(|| DEFAULT_ETCD_PREFIX.to_owned()),
                }))
            }
        }
    }
}

/// Whether registration needs the per-run token the host hands its modules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryAuth {
    /// A random token per run, in each spawned module's `MODGEN_DIRECTORY_TOKEN`.
    #[default]
    Token,
    /// For ModKit modules, which send no token.
    Disabled,
}

/// One `modules.<name>` entry.
#[derive(Debug, Clone)]
pub struct ModuleEntry {
    pub name: String,
    pub runtime: ModuleRuntime,
    /// Handed to the module as `MODGEN_MODULE_CONFIG={"config": ...}`; `{}` when absent.
    pub config: Option<serde_json::Value>,
    /// Modules of this host that must be ready (registered with the directory) before
    /// this one is first started. Checked at load: no cycle, no unknown name.
    pub deps: Vec<String>,
    /// Registers without the directory token (a ModKit binary sends none), while every
    /// other module still needs it. Such a module is not handed the token either.
    pub tokenless: bool,
    /// Who may call it (`access: {callers: [...], anonymous: bool}`); absent: every
    /// module with a valid credential, no anonymous calls.
    pub access: Option<crate::identity::AccessPolicy>,
    /// Overrides the host-wide `transport` for this module.
    pub transport: Option<Transport>,
}

impl ModuleEntry {
    /// This module's transport: its own, else the host's.
    pub fn transport(&self, host_default: Transport) -> Transport {
        self.transport.unwrap_or(host_default)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleRuntime {
    #[serde(rename = "type")]
    pub kind: RuntimeKind,
    /// Required for `oop`. A `local` entry may keep it (ignored), so moving a module
    /// between the two is a one-word change.
    #[serde(default)]
    pub execution: Execution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    /// A process the host spawns.
    Oop,
    /// Linked into the host binary ([`super::LocalModule`]): runs in the host's process,
    /// and its in-process consumers call it through the client hub.
    Local,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Execution {
    pub executable_path: PathBuf,
    #[serde(default)]
    pub args: Vec<String>,
    /// The host's own working directory when absent.
    #[serde(default)]
    pub working_directory: Option<PathBuf>,
    #[serde(default, deserialize_with = "environment_scalars")]
    pub environment: BTreeMap<String, String>,
}

/// When a crashed module is restarted, and when the host stops trying.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RestartPolicy {
    /// The host gives up on a module once it has crashed this many times within
    /// `window` (every earlier crash is followed by a restart, so `5` means one start
    /// and up to four restarts in any window). `0` behaves as `1`.
    pub max_restarts: u32,
    #[serde(deserialize_with = "duration::deserialize")]
    pub window: Duration,
    /// Doubles with each crash still inside `window`, capped at `max_backoff`.
    #[serde(deserialize_with = "duration::deserialize")]
    pub initial_backoff: Duration,
    #[serde(deserialize_with = "duration::deserialize")]
    pub max_backoff: Duration,
    pub on_give_up: OnGiveUp,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            max_restarts: host_defaults::MAX_RESTARTS,
            window: host_defaults::RESTART_WINDOW,
            initial_backoff: host_defaults::RESTART_INITIAL_BACKOFF,
            max_backoff: host_defaults::RESTART_MAX_BACKOFF,
            on_give_up: OnGiveUp::Continue,
        }
    }
}

/// What the host does once it gave up on a module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnGiveUp {
    /// Keep the other modules running; the host's exit status reports the failure later.
    #[default]
    Continue,
    /// Stop every module and exit non-zero, for setups where a partial system is useless.
    Exit,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownPolicy {
    /// How long modules get between SIGTERM and SIGKILL.
    #[serde(deserialize_with = "duration::deserialize")]
    pub grace_period: Duration,
}

impl Default for ShutdownPolicy {
    fn default() -> Self {
        Self {
            grace_period: host_defaults::SHUTDOWN_GRACE_PERIOD,
        }
    }
}

/// A host YAML that cannot be used, rendered `file:line:column: message` when the
/// position is known.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render_parse(file, *line, *column, message))]
    Parse {
        file: PathBuf,
        /// 1-based, as editors count.
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("{}: module '{module}': {message}", file.display())]
    Path {
        file: PathBuf,
        module: String,
        message: String,
    },
    #[error("{}: {source}", file.display())]
    Dependencies {
        file: PathBuf,
        source: super::deps::DependencyError,
    },
}

fn render_parse(file: &Path, line: Option<usize>, column: Option<usize>, message: &str) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}: {message}", file.display()),
        _ => format!("{}: {message}", file.display()),
    }
}

impl HostConfig {
    /// Reads and parses `file`; relative paths in it resolve against its directory.
    pub fn from_yaml_file(file: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
            file: file.to_owned(),
            source,
        })?;
        Self::from_yaml_str(&text, file)
    }

    /// Parses YAML text that came from `file`: messages name `file`, and relative paths
    /// resolve against its directory (the current directory when it has none).
    pub fn from_yaml_str(yaml: &str, file: &Path) -> Result<Self, ConfigError> {
        let mut config: HostConfig = if yaml.trim().is_empty() {
            HostConfig::default()
        } else {
            yaml_serde::from_str(yaml).map_err(|error| parse_error(file, &error))?
        };
        if let Err(message) = config.directory.backend() {
            // Points at the setting that picked the backend, where the reader will look.
            let (line, column) = key_position(yaml, "backend")
                .or_else(|| key_position(yaml, "endpoints"))
                .or_else(|| key_position(yaml, "prefix"))
                .unzip();
            return Err(ConfigError::Parse {
                file: file.to_owned(),
                line,
                column,
                message,
            });
        }
        let base = match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if let Some(key) = &config.identity.signing_key_file {
            let resolved = resolve_path(key, &base, home.as_deref()).map_err(|message| {
                ConfigError::Parse {
                    file: file.to_owned(),
                    line: None,
                    column: None,
                    message: format!("identity.signing_key_file: {message}"),
                }
            })?;
            config.identity.signing_key_file = Some(resolved);
        }
        resolve_tls(&mut config.tls, file, &base, home.as_deref())?;
        for module in &mut config.modules {
            if module.runtime.kind == RuntimeKind::Local {
                continue;
            }
            if module
                .runtime
                .execution
                .executable_path
                .as_os_str()
                .is_empty()
            {
                return Err(ConfigError::Path {
                    file: file.to_owned(),
                    module: module.name.clone(),
                    message: "`type: oop` needs `runtime.execution.executable_path`".to_owned(),
                });
            }
            let execution = &mut module.runtime.execution;
            let resolve = |path: &Path| {
                resolve_path(path, &base, home.as_deref()).map_err(|message| ConfigError::Path {
                    file: file.to_owned(),
                    module: module.name.clone(),
                    message,
                })
            };
            execution.executable_path = resolve(&execution.executable_path)?;
            if let Some(dir) = &execution.working_directory {
                execution.working_directory = Some(resolve(dir)?);
            }
        }
        super::deps::start_order(&config.modules).map_err(|source| ConfigError::Dependencies {
            file: file.to_owned(),
            source,
        })?;
        Ok(config)
    }
}

/// Resolves the `tls:` files like the YAML's other paths, then reads them: a missing,
/// unreadable or malformed file stops the host before anything starts, naming the file.
/// A module that serves TLS also calls its peers over `https://`, so a certificate
/// needs the CA bundle that verifies it.
fn resolve_tls(
    tls: &mut crate::tls::TlsFiles,
    file: &Path,
    base: &Path,
    home: Option<&Path>,
) -> Result<(), ConfigError> {
    let error = |message: String| ConfigError::Parse {
        file: file.to_owned(),
        line: None,
        column: None,
        message,
    };
    for (key, path) in [
        ("certificate", &mut tls.certificate),
        ("key", &mut tls.key),
        ("ca", &mut tls.ca),
    ] {
        if let Some(given) = path {
            *path = Some(
                resolve_path(given, base, home)
                    .map_err(|message| error(format!("tls.{key}: {message}")))?,
            );
        }
    }
    if tls.certificate.is_some() && tls.ca.is_none() {
        return Err(error(
            "tls.certificate needs tls.ca: the modules call each other over https and verify \
             each other's certificates with it"
                .to_owned(),
        ));
    }
    tls.load()
        .map_err(|problem| error(format!("tls: {problem}")))?;
    Ok(())
}

/// 1-based line and column of the first `key:` in the text (block or flow style).
fn key_position(yaml: &str, key: &str) -> Option<(usize, usize)> {
    let needle = format!("{key}:");
    yaml.lines().enumerate().find_map(|(index, line)| {
        let column = line.find(&needle)?;
        let starts_key = line[..column]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || c == '{' || c == ',');
        starts_key.then_some((index + 1, column + 1))
    })
}

fn parse_error(file: &Path, error: &yaml_serde::Error) -> ConfigError {
    let location = error.location();
    let mut message = error.to_string();
    if let Some(location) = &location {
        // The location moves to the front (`file:line:col:`), where editors look for it.
        let suffix = format!(" at line {} column {}", location.line(), location.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_owned();
        }
    }
    ConfigError::Parse {
        file: file.to_owned(),
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        message,
    }
}

/// `~` and `~/..` expand to `$HOME`; other relative paths join `base`.
fn resolve_path(path: &Path, base: &Path, home: Option<&Path>) -> Result<PathBuf, String> {
    let mut components = path.components();
    let tilde = components.next().is_some_and(|c| c.as_os_str() == "~");
    if tilde {
        let home = home
            .ok_or_else(|| format!("`{}` starts with `~` but HOME is not set", path.display()))?;
        return Ok(home.join(components.as_path()));
    }
    Ok(if path.is_absolute() {
        path.to_owned()
    } else {
        base.join(path)
    })
}

impl<'de> Deserialize<'de> for RuntimeKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let kind = String::deserialize(deserializer)?;
        match kind.as_str() {
            "oop" => Ok(RuntimeKind::Oop),
            "local" => Ok(RuntimeKind::Local),
            other => Err(de::Error::custom(format!(
                "runtime type `{other}` is not supported: use `oop` (a process the host \
                 spawns) or `local` (linked into the host binary)"
            ))),
        }
    }
}

/// The module map as a list in file order, so modules start in the order they are written.
fn modules_in_file_order<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ModuleEntry>, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        runtime: ModuleRuntime,
        #[serde(default)]
        config: Option<serde_json::Value>,
        #[serde(default)]
        deps: Vec<String>,
        #[serde(default)]
        tokenless: bool,
        access: Option<crate::identity::AccessPolicy>,
        transport: Option<Transport>,
    }

    struct Modules;
    impl<'de> Visitor<'de> for Modules {
        type Value = Vec<ModuleEntry>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map from module name to its `runtime` and `config`")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut seen = HashSet::new();
            let mut modules = Vec::new();
            while let Some(name) = map.next_key::<String>()? {
                if name.is_empty() {
                    return Err(de::Error::custom("a module name is empty"));
                }
                if !seen.insert(name.clone()) {
                    return Err(de::Error::custom(format!("module `{name}` appears twice")));
                }
                let body: Body = map.next_value()?;
                modules.push(ModuleEntry {
                    name,
                    runtime: body.runtime,
                    config: body.config,
                    deps: body.deps,
                    tokenless: body.tokenless,
                    access: body.access,
                    transport: body.transport,
                });
            }
            Ok(modules)
        }
    }
    deserializer.deserialize_any(Modules)
}

/// Environment values as the YAML author wrote them: `PORT: 8080` and `DEBUG: true` are
/// meant as the strings `8080` and `true`, not as type errors.
fn environment_scalars<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        String(String),
        Bool(bool),
        Int(i64),
        Float(f64),
    }
    let raw = Option::<BTreeMap<String, Scalar>>::deserialize(deserializer)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Scalar::String(s) => s,
                Scalar::Bool(b) => b.to_string(),
                Scalar::Int(i) => i.to_string(),
                Scalar::Float(f) => f.to_string(),
            };
            (key, value)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_alone_and_tilde_slash_expand_to_home() {
        let home = Path::new("/home/u");
        let base = Path::new("/etc/modgen");
        assert_eq!(
            resolve_path(Path::new("~/bin/calc"), base, Some(home)),
            Ok(PathBuf::from("/home/u/bin/calc"))
        );
        assert_eq!(
            resolve_path(Path::new("~"), base, Some(home)),
            Ok(PathBuf::from("/home/u"))
        );
        assert_eq!(
            resolve_path(Path::new("bin/calc"), base, Some(home)),
            Ok(PathBuf::from("/etc/modgen/bin/calc"))
        );
        assert_eq!(
            resolve_path(Path::new("/opt/calc"), base, Some(home)),
            Ok(PathBuf::from("/opt/calc"))
        );
        assert!(resolve_path(Path::new("~/x"), base, None).is_err());
    }
}
