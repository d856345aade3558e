//! The module's configuration schema, from the manifest's `[config.fields.*]`.

use std::fmt;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct ConfigField {
    pub name: String,
    pub ty: ConfigType,
    pub default: Option<ConfigValue>,
    pub min: Option<ConfigValue>,
    pub max: Option<ConfigValue>,
    pub docs: Vec<String>,
    /// The config file must set it (no default applies).
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigType {
    U32,
    U64,
    I32,
    I64,
    F64,
    Bool,
    String,
    /// Written as `"250ms"`, `"5s"`, `"1m"`, `"2h"` in config files.
    Duration,
    List(Box<ConfigType>),
}

impl ConfigType {
    /// Parses the manifest spelling (`u32`, `list<string>`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
            return ConfigType::parse(inner).map(|t| ConfigType::List(Box::new(t)));
        }
        Some(match text {
            "u32" => ConfigType::U32,
            "u64" => ConfigType::U64,
            "i32" => ConfigType::I32,
            "i64" => ConfigType::I64,
            "f64" => ConfigType::F64,
            "bool" => ConfigType::Bool,
            "string" => ConfigType::String,
            "duration" => ConfigType::Duration,
            _ => return None,
        })
    }

    /// The scalar spellings, for suggestions.
    pub const NAMES: &'static [&'static str] = &[
        "u32",
        "u64",
        "i32",
        "i64",
        "f64",
        "bool",
        "string",
        "duration",
        "list<string>",
    ];

    /// Whether `min`/`max` make sense for this type.
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            ConfigType::U32
                | ConfigType::U64
                | ConfigType::I32
                | ConfigType::I64
                | ConfigType::F64
                | ConfigType::Duration
        )
    }

    /// The integer range of an integer type.
    pub fn integer_range(&self) -> Option<(i128, i128)> {
        match self {
            ConfigType::U32 => Some((0, u32::MAX.into())),
            ConfigType::U64 => Some((0, u64::MAX.into())),
            ConfigType::I32 => Some((i32::MIN.into(), i32::MAX.into())),
            ConfigType::I64 => Some((i64::MIN.into(), i64::MAX.into())),
            _ => None,
        }
    }
}

impl fmt::Display for ConfigType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigType::U32 => f.write_str("u32"),
            ConfigType::U64 => f.write_str("u64"),
            ConfigType::I32 => f.write_str("i32"),
            ConfigType::I64 => f.write_str("i64"),
            ConfigType::F64 => f.write_str("f64"),
            ConfigType::Bool => f.write_str("bool"),
            ConfigType::String => f.write_str("string"),
            ConfigType::Duration => f.write_str("duration"),
            ConfigType::List(inner) => write!(f, "list<{inner}>"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    Integer(i64),
    Float(f64),
    Bool(bool),
    String(String),
    Duration(Duration),
    List(Vec<ConfigValue>),
}

impl ConfigValue {
    /// A number for ordering checks (`min <= default <= max`).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ConfigValue::Integer(i) => Some(*i as f64),
            ConfigValue::Float(x) => Some(*x),
            ConfigValue::Duration(d) => Some(d.as_secs_f64()),
            _ => None,
        }
    }
}

/// A duration in the one grammar the runtime reads back (`250ms`, `5s`, `1m30s`, `1.5s`):
/// `modgen_contract::duration`. The error says what is wrong with the text.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    modgen_contract::duration::parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse_including_lists() {
        assert_eq!(ConfigType::parse("u32"), Some(ConfigType::U32));
        assert_eq!(
            ConfigType::parse("list<string>"),
            Some(ConfigType::List(Box::new(ConfigType::String)))
        );
        assert_eq!(ConfigType::parse("uint"), None);
    }

    #[test]
    fn durations_are_the_runtime_grammar() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("5").unwrap_err().contains("no unit"));
        assert!(parse_duration("5 weeks").is_err());
    }
}
