//! The module binary's command line and the environment a host hands it, resolved into
//! one [`Launch`]. Precedence: command-line flag, then `MODGEN_*`, then ModKit's
//! `MODKIT_*`, then the default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use modgen_contract::env;
use modgen_contract::module_cli::{self, Flag, Takes};

use super::listen::ListenOn;

pub const ENV_MODULE_CONFIG: &str = env::MODULE_CONFIG;
pub const ENV_MODKIT_MODULE_CONFIG: &str = env::MODKIT_MODULE_CONFIG;
pub const ENV_DIRECTORY_ENDPOINT: &str = env::DIRECTORY_ENDPOINT;
pub const ENV_MODKIT_DIRECTORY_ENDPOINT: &str = env::MODKIT_DIRECTORY_ENDPOINT;
pub const ENV_DIRECTORY_TOKEN: &str = env::DIRECTORY_TOKEN;
pub const ENV_INSTANCE_ID: &str = env::INSTANCE_ID;
/// Overrides the manifest's heartbeat interval, e.g. `1s`: a host whose directory runs
/// with a shorter TTL than the default says so here.
pub const ENV_HEARTBEAT_INTERVAL: &str = env::HEARTBEAT_INTERVAL;

/// The parser, built from `module_cli::FLAGS` (the table the generated `run` docs list
/// too); each flag gets its value's type here.
fn command() -> Command {
    let typed = |flag: &Flag| {
        let arg = arg(flag);
        if *flag == module_cli::CONFIG {
            arg.value_parser(value_parser!(PathBuf))
        } else if *flag == module_cli::LISTEN {
            arg.value_parser(value_parser!(SocketAddr))
        } else if *flag == module_cli::SHUTDOWN_TIMEOUT {
            arg.value_parser(parse_duration)
        } else if *flag == module_cli::HEARTBEAT_INTERVAL {
            arg.value_parser(parse_interval)
        } else {
            arg
        }
    };
    Command::new("module")
        .about("An out-of-process modgen module.")
        .args(module_cli::FLAGS.iter().map(typed))
}

fn arg(flag: &Flag) -> Arg {
    let mut arg = Arg::new(flag.long).long(flag.long).help(flag.help());
    if let Some(short) = flag.short {
        arg = arg.short(short);
    }
    match flag.takes {
        Takes::Value { value_name } => arg = arg.value_name(value_name),
        Takes::Switch => arg = arg.action(ArgAction::SetTrue),
        Takes::Count => arg = arg.action(ArgAction::Count),
    }
    if let Some(default) = flag.default {
        // `help()` already shows it, in the form the generated docs use.
        arg = arg.default_value(default).hide_default_value(true);
    }
    arg
}

fn value<T: Clone + Send + Sync + 'static>(matches: &ArgMatches, flag: &Flag) -> Option<T> {
    matches.get_one::<T>(flag.long).cloned()
}

/// Everything the command line and the environment decided for one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    pub config_file: Option<PathBuf>,
    /// `(variable name, JSON)` of the host-rendered config, if any.
    pub env_config: Option<(&'static str, String)>,
    pub verbosity: u8,
    pub print_config: bool,
    pub directory: Option<String>,
    pub directory_token: Option<String>,
    pub instance_id: Option<String>,
    pub listen: ListenOn,
    pub shutdown_timeout: Duration,
    /// `None`: the module's own default (`ModuleSpec::heartbeat_interval`).
    pub heartbeat_interval: Option<Duration>,
}

impl Launch {
    /// From this process's arguments and environment; `Err` is clap's own (help,
    /// version, usage), to be shown with `exit()`.
    pub fn from_process(name: &'static str, version: &'static str) -> Result<Self, clap::Error> {
        Self::parse_from(name, version, std::env::args_os(), |key| {
            std::env::var(key).ok()
        })
    }

    /// Testable core: `env` looks a variable up.
    pub fn parse_from<I, T>(
        name: &'static str,
        version: &'static str,
        args: I,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = command()
            .name(name)
            .version(version)
            .try_get_matches_from(args)?;
        let present = |key: &str| env(key).filter(|value| !value.trim().is_empty());
        let first_present = |keys: &[&str]| keys.iter().find_map(|key| present(key));
        let env_config = env::MODULE_CONFIG_VARS
            .into_iter()
            .find_map(|key| present(key).map(|json| (key, json)));
        Ok(Self {
            config_file: value(&matches, &module_cli::CONFIG),
            env_config,
            verbosity: matches.get_count(module_cli::VERBOSE.long),
            print_config: matches.get_flag(module_cli::PRINT_CONFIG.long),
            directory: value(&matches, &module_cli::DIRECTORY)
                .or_else(|| first_present(module_cli::DIRECTORY.env)),
            directory_token: present(env::DIRECTORY_TOKEN),
            instance_id: value(&matches, &module_cli::INSTANCE_ID)
                .or_else(|| first_present(module_cli::INSTANCE_ID.env)),
            listen: listen_on(&matches, &present)?,
            shutdown_timeout: value(&matches, &module_cli::SHUTDOWN_TIMEOUT)
                .expect("--shutdown-timeout has a default"),
            heartbeat_interval: match value(&matches, &module_cli::HEARTBEAT_INTERVAL) {
                Some(interval) => Some(interval),
                None => env_duration(&present, ENV_HEARTBEAT_INTERVAL)?,
            },
        })
    }
}

/// A `--listen` typed on the command line wins (a host YAML's `args` can keep a module
/// on TCP); else the socket the host hands over (`MODGEN_LISTEN_SOCKET`); else the
/// default loopback address.
fn listen_on(
    matches: &ArgMatches,
    present: &impl Fn(&str) -> Option<String>,
) -> Result<ListenOn, clap::Error> {
    let address: SocketAddr = value(matches, &module_cli::LISTEN).expect("--listen has a default");
    let typed = matches.value_source(module_cli::LISTEN.long) == Some(ValueSource::CommandLine);
    match present(env::LISTEN_SOCKET) {
        Some(path) if !typed => crate::client::unix::check_socket_path(&path)
            .map(|()| ListenOn::Unix(PathBuf::from(path)))
            .map_err(|message| usage_error(format!("{}: {message}", env::LISTEN_SOCKET))),
        _ => Ok(ListenOn::Tcp(address)),
    }
}

/// A duration from the environment; a malformed one is a usage error like a bad flag.
fn env_duration(
    present: &impl Fn(&str) -> Option<String>,
    key: &str,
) -> Result<Option<Duration>, clap::Error> {
    let Some(text) = present(key) else {
        return Ok(None);
    };
    parse_interval(&text)
        .map(Some)
        .map_err(|message| usage_error(format!("{key}: {message}")))
}

fn usage_error(message: String) -> clap::Error {
    command().error(clap::error::ErrorKind::ValueValidation, message)
}

/// A duration that must not be zero (a zero interval would spin).
fn parse_interval(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err(format!("'{text}' must be greater than zero")),
        interval => Ok(interval),
    }
}

/// The one duration grammar (`500ms`, `10s`, `1m30s`), as in the host YAML.
fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::duration::parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(args: &[&str], env: &[(&str, &str)]) -> Launch {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let args = std::iter::once("echo").chain(args.iter().copied());
        Launch::parse_from("echo", "1.0.0", args, |key| {
            env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        })
        .unwrap()
    }

    #[test]
    fn the_flag_beats_modgen_env_which_beats_modkit_env() {
        let env = [
            (ENV_DIRECTORY_ENDPOINT, "http://127.0.0.1:2"),
            (ENV_MODKIT_DIRECTORY_ENDPOINT, "http://127.0.0.1:3"),
        ];
        assert_eq!(
            launch(&["--directory", "http://127.0.0.1:1"], &env)
                .directory
                .as_deref(),
            Some("http://127.0.0.1:1")
        );
        assert_eq!(
            launch(&[], &env).directory.as_deref(),
            Some("http://127.0.0.1:2")
        );
        assert_eq!(
            launch(&[], &env[1..]).directory.as_deref(),
            Some("http://127.0.0.1:3")
        );
        assert_eq!(launch(&[], &[]).directory, None);
    }

    #[test]
    fn modgen_config_env_wins_over_modkit_and_blank_counts_as_unset() {
        let env = [
            (ENV_MODULE_CONFIG, " "),
            (ENV_MODKIT_MODULE_CONFIG, r#"{"config":{}}"#),
        ];
        assert_eq!(
            launch(&[], &env).env_config,
            Some((ENV_MODKIT_MODULE_CONFIG, r#"{"config":{}}"#.to_owned()))
        );
    }

    #[test]
    fn defaults_listen_on_loopback_with_a_ten_second_drain() {
        let launch = launch(&["-vv"], &[]);
        assert_eq!(launch.listen, ListenOn::Tcp("127.0.0.1:0".parse().unwrap()));
        assert_eq!(launch.shutdown_timeout, Duration::from_secs(10));
        assert_eq!(launch.verbosity, 2);
    }

    #[test]
    fn the_hosts_socket_is_used_unless_listen_is_typed() {
        let env = [(env::LISTEN_SOCKET, "/run/modgen/run-x/echo.sock")];
        assert_eq!(
            launch(&[], &env).listen,
            ListenOn::Unix(PathBuf::from("/run/modgen/run-x/echo.sock"))
        );
        assert_eq!(
            launch(&["--listen", "127.0.0.1:7000"], &env).listen,
            ListenOn::Tcp("127.0.0.1:7000".parse().unwrap())
        );
        let relative = Launch::parse_from("echo", "1", ["echo"], |key| {
            (key == env::LISTEN_SOCKET).then(|| "echo.sock".to_owned())
        });
        let message = relative.unwrap_err().to_string();
        assert!(
            message.contains("MODGEN_LISTEN_SOCKET") && message.contains("absolute"),
            "{message}"
        );
    }

    #[test]
    fn the_heartbeat_interval_comes_from_the_flag_or_the_environment() {
        let env = [(ENV_HEARTBEAT_INTERVAL, "250ms")];
        assert_eq!(
            launch(&[], &env).heartbeat_interval,
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            launch(&["--heartbeat-interval", "2s"], &env).heartbeat_interval,
            Some(Duration::from_secs(2))
        );
        assert_eq!(launch(&[], &[]).heartbeat_interval, None);
        let bad = Launch::parse_from("echo", "1", ["echo"], |key| {
            (key == ENV_HEARTBEAT_INTERVAL).then(|| "0s".to_owned())
        });
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("MODGEN_HEARTBEAT_INTERVAL")
        );
    }

    #[test]
    fn the_parser_has_exactly_the_flags_of_the_shared_table() {
        let parser = command();
        let ids: Vec<&str> = parser
            .get_arguments()
            .map(|arg| arg.get_id().as_str())
            .filter(|id| !matches!(*id, "help" | "version"))
            .collect();
        let table: Vec<&str> = module_cli::FLAGS.iter().map(|flag| flag.long).collect();
        assert_eq!(ids, table);
        let help = command().render_help().to_string();
        for flag in module_cli::FLAGS {
            assert!(help.contains(&format!("--{}", flag.long)), "{help}");
        }
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("1.5").is_err(), "a unit is required");
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    }
}
