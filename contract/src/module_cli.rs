//! The command line of every module binary (`oop::main`): one table that the runtime
//! builds its parser from and the generator writes into the generated `run` docs.

use crate::env;

/// What a flag takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Takes {
    /// `--flag VALUE`, the value named `value_name` in help.
    Value { value_name: &'static str },
    /// `--flag` alone.
    Switch,
    /// `-v`, `-vv`: counted.
    Count,
}

/// One flag of the module command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    /// `--long`, also the flag's id in the parser.
    pub long: &'static str,
    pub short: Option<char>,
    pub takes: Takes,
    /// The value used when neither the flag nor its variables are set, as typed.
    pub default: Option<&'static str>,
    /// Variables read when the flag is absent, in order of precedence.
    pub env: &'static [&'static str],
    /// One line of help.
    pub doc: &'static str,
}

impl Flag {
    /// `--listen ADDR`, `-v, --verbose`: how help and docs show the flag.
    pub fn usage(&self) -> String {
        let short = self.short.map(|c| format!("-{c}, ")).unwrap_or_default();
        match self.takes {
            Takes::Value { value_name } => format!("{short}--{} {value_name}", self.long),
            Takes::Switch | Takes::Count => format!("{short}--{}", self.long),
        }
    }

    /// The doc line with the variables and the default, as help and docs show it.
    pub fn help(&self) -> String {
        let mut help = self.doc.to_owned();
        if !self.env.is_empty() {
            help.push_str(&format!(" [env: {}]", self.env.join(", ")));
        }
        if let Some(default) = self.default {
            help.push_str(&format!(" [default: {default}]"));
        }
        help
    }
}

pub const CONFIG: Flag = Flag {
    long: "config",
    short: None,
    takes: Takes::Value { value_name: "FILE" },
    default: None,
    env: &[],
    doc: "Config file (YAML or JSON): the config object itself, or `{config: {...}}`.",
};

pub const VERBOSE: Flag = Flag {
    long: "verbose",
    short: Some('v'),
    takes: Takes::Count,
    default: None,
    env: &[],
    doc: "More logging on stderr: -v debug, -vv trace (RUST_LOG, when set, wins).",
};

pub const PRINT_CONFIG: Flag = Flag {
    long: "print-config",
    short: None,
    takes: Takes::Switch,
    default: None,
    env: &[],
    doc: "Print the effective config as YAML and exit.",
};

pub const DIRECTORY: Flag = Flag {
    long: "directory",
    short: None,
    takes: Takes::Value { value_name: "URI" },
    default: None,
    env: &env::DIRECTORY_ENDPOINT_VARS,
    doc: "Directory to register with; none: serve unregistered.",
};

pub const INSTANCE_ID: Flag = Flag {
    long: "instance-id",
    short: None,
    takes: Takes::Value { value_name: "ID" },
    default: None,
    env: &[env::INSTANCE_ID],
    doc: "Instance id to register under (default: a new UUIDv4).",
};

pub const LISTEN: Flag = Flag {
    long: "listen",
    short: None,
    takes: Takes::Value { value_name: "ADDR" },
    default: Some("127.0.0.1:0"),
    env: &[],
    doc: "Address to serve on; port 0 picks a free one.",
};

pub const SHUTDOWN_TIMEOUT: Flag = Flag {
    long: "shutdown-timeout",
    short: None,
    takes: Takes::Value {
        value_name: "DURATION",
    },
    default: Some("10s"),
    env: &[],
    doc: "Bound on letting in-flight calls finish at shutdown, e.g. `10s`, `500ms`.",
};

pub const HEARTBEAT_INTERVAL: Flag = Flag {
    long: "heartbeat-interval",
    short: None,
    takes: Takes::Value {
        value_name: "DURATION",
    },
    default: None,
    env: &[env::HEARTBEAT_INTERVAL],
    doc: "Heartbeat interval, greater than zero (default: the module's manifest).",
};

/// Every flag, in the order help lists them.
pub const FLAGS: &[Flag] = &[
    CONFIG,
    VERBOSE,
    PRINT_CONFIG,
    DIRECTORY,
    INSTANCE_ID,
    LISTEN,
    SHUTDOWN_TIMEOUT,
    HEARTBEAT_INTERVAL,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_unique_and_defaults_parse() {
        let mut longs: Vec<&str> = FLAGS.iter().map(|flag| flag.long).collect();
        longs.sort_unstable();
        longs.dedup();
        assert_eq!(longs.len(), FLAGS.len());
        assert!(crate::duration::parse(SHUTDOWN_TIMEOUT.default.unwrap()).is_ok());
    }

    #[test]
    fn usage_and_help_show_value_short_env_and_default() {
        assert_eq!(VERBOSE.usage(), "-v, --verbose");
        assert_eq!(LISTEN.usage(), "--listen ADDR");
        assert_eq!(
            DIRECTORY.help(),
            "Directory to register with; none: serve unregistered. \
             [env: MODGEN_DIRECTORY_ENDPOINT, MODKIT_DIRECTORY_ENDPOINT]"
        );
        assert!(SHUTDOWN_TIMEOUT.help().ends_with("[default: 10s]"));
    }
}
