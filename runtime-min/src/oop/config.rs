//! The module's configuration: layers merged over the defaults, then checked twice: by
//! serde (types, unknown keys, with the key path) and by the module's own `validate`.
//!
//! Layers, later wins: the config type's `Default`, the `--config` file, the host's
//! environment variable. A layer is either the config object itself or ModKit's envelope
//! `{config: {...}}`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A module's configuration type (generated from the manifest's config fields).
pub trait ModuleConfig: DeserializeOwned + Serialize + Default + Send + 'static {
    /// Checks the rules serde cannot express. `Err` names the key path and the rule,
    /// e.g. `max_items: must be <= 1000 (got 5000)`.
    fn validate(&self) -> Result<(), ConfigError>;
}

/// An untyped config: whatever object the source holds, with no rules of its own (for a
/// hand-written module that reads a key or two, or none).
impl ModuleConfig for Map<String, Value> {
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

/// A broken rule of the configuration, at a key path like `limits.max_items`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {rule}")]
pub struct ConfigError {
    pub path: String,
    pub rule: String,
}

impl ConfigError {
    pub fn new(path: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            rule: rule.into(),
        }
    }
}

/// Where a layer came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    Env(&'static str),
    /// The `config` of a `type: local` module's entry in the host YAML, by module name.
    Host(&'static str),
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Env(name) => write!(f, "environment variable {name}"),
            Self::Host(module) => write!(f, "the host's config of module '{module}'"),
        }
    }
}

/// Why the configuration could not be loaded; each names where to look.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{source_name} is not valid {format}: {message}")]
    Syntax {
        source_name: ConfigSource,
        format: &'static str,
        message: String,
    },
    #[error("{source_name} must hold an object of config keys, found {found}")]
    NotAnObject {
        source_name: ConfigSource,
        found: &'static str,
    },
    /// Wrong type, unknown key, missing field: serde's message at the key path.
    #[error("{path}: {message}{}", located(.source_name))]
    Invalid {
        path: String,
        message: String,
        source_name: Option<ConfigSource>,
    },
    #[error("{0}")]
    Rule(#[from] ConfigError),
}

fn located(source: &Option<ConfigSource>) -> String {
    source
        .as_ref()
        .map(|source| format!(" (from {source})"))
        .unwrap_or_default()
}

/// One parsed layer.
#[derive(Clone, Debug)]
pub struct ConfigLayer {
    pub source: ConfigSource,
    pub value: Map<String, Value>,
}

impl ConfigLayer {
    /// Reads a YAML or JSON file (by extension; anything but `.json` is read as YAML,
    /// which accepts JSON too).
    pub fn from_file<C: ModuleConfig>(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        let source = ConfigSource::File(path.to_owned());
        let is_json = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        let value = if is_json {
            serde_json::from_str::<Value>(&text)
                .map_err(|error| syntax(&source, "JSON", error.to_string()))?
        } else {
            yaml_serde::from_str::<Value>(&text)
                .map_err(|error| syntax(&source, "YAML", error.to_string()))?
        };
        Self::from_value::<C>(source, value)
    }

    /// Reads the JSON a host put into an environment variable.
    pub fn from_env_json<C: ModuleConfig>(
        name: &'static str,
        json: &str,
    ) -> Result<Self, LoadError> {
        let source = ConfigSource::Env(name);
        let value = serde_json::from_str::<Value>(json)
            .map_err(|error| syntax(&source, "JSON", error.to_string()))?;
        Self::from_value::<C>(source, value)
    }

    /// The config a host hands a module it runs in its own process (`type: local`): the
    /// entry's `config` from the host YAML, already parsed.
    pub fn from_host<C: ModuleConfig>(
        module: &'static str,
        value: Value,
    ) -> Result<Self, LoadError> {
        Self::from_value::<C>(ConfigSource::Host(module), value)
    }

    fn from_value<C: ModuleConfig>(source: ConfigSource, value: Value) -> Result<Self, LoadError> {
        let object = match value {
            // An empty file is an empty layer.
            Value::Null => Map::new(),
            Value::Object(object) => object,
            other => {
                return Err(LoadError::NotAnObject {
                    source_name: source,
                    found: kind(&other),
                });
            }
        };
        let value = unwrap_envelope::<C>(&source, object)?;
        Ok(Self { source, value })
    }
}

/// ModKit hands a module `{config: {...}}` (its host may put other sections beside it,
/// which are the host's business, not the module's). A config type that has a field of
/// its own named `config` is never unwrapped, so its files keep their meaning.
fn unwrap_envelope<C: ModuleConfig>(
    source: &ConfigSource,
    mut object: Map<String, Value>,
) -> Result<Map<String, Value>, LoadError> {
    let has_own_config_key = match serde_json::to_value(C::default()) {
        Ok(Value::Object(defaults)) => defaults.contains_key("config"),
        _ => false,
    };
    if has_own_config_key {
        return Ok(object);
    }
    match object.remove("config") {
        None => Ok(object),
        Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(inner)) => {
            for sibling in object.keys() {
                tracing::debug!(%source, key = %sibling, "ignoring a host section beside `config`");
            }
            Ok(inner)
        }
        Some(other) => Err(LoadError::NotAnObject {
            source_name: source.clone(),
            found: kind(&other),
        }),
    }
}

/// Merges `layers` over `C::default()`, deserializes strictly, then validates.
pub fn load<C: ModuleConfig>(layers: &[ConfigLayer]) -> Result<C, LoadError> {
    let mut merged = serde_json::to_value(C::default()).map_err(|error| LoadError::Invalid {
        path: ".".to_owned(),
        message: format!("the config type's defaults do not serialize: {error}"),
        source_name: None,
    })?;
    for layer in layers {
        merge(&mut merged, Value::Object(layer.value.clone()));
    }
    let config: C = serde_path_to_error::deserialize(merged).map_err(|error| {
        let path = error.path().to_string();
        let source_name = layers
            .iter()
            .rev()
            .find(|layer| contains_path(&layer.value, error.path()))
            .map(|layer| layer.source.clone());
        LoadError::Invalid {
            path,
            message: error.into_inner().to_string(),
            source_name,
        }
    })?;
    config.validate()?;
    Ok(config)
}

/// Objects merge key by key; anything else is replaced.
fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

fn contains_path(object: &Map<String, Value>, path: &serde_path_to_error::Path) -> bool {
    use serde_path_to_error::Segment;
    let mut current = None::<&Value>;
    for segment in path.iter() {
        let next = match (current, segment) {
            (None, Segment::Map { key }) => object.get(key),
            (Some(Value::Object(map)), Segment::Map { key }) => map.get(key),
            (Some(Value::Array(items)), Segment::Seq { index }) => items.get(*index),
            _ => None,
        };
        match next {
            Some(value) => current = Some(value),
            None => return false,
        }
    }
    true
}

fn syntax(source: &ConfigSource, format: &'static str, message: String) -> LoadError {
    LoadError::Syntax {
        source_name: source.clone(),
        format,
        message,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Plain {
        name: String,
        limits: Limits,
    }

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Limits {
        max: u32,
        min: u32,
    }

    impl ModuleConfig for Plain {
        fn validate(&self) -> Result<(), ConfigError> {
            if self.limits.min > self.limits.max {
                return Err(ConfigError::new("limits.min", "must be <= limits.max"));
            }
            Ok(())
        }
    }

    /// A config type with a field that happens to be called `config`.
    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct OwnsConfigKey {
        config: String,
    }

    impl ModuleConfig for OwnsConfigKey {
        fn validate(&self) -> Result<(), ConfigError> {
            Ok(())
        }
    }

    fn env_layer<C: ModuleConfig>(json: &str) -> Result<ConfigLayer, LoadError> {
        ConfigLayer::from_env_json::<C>(modgen_contract::env::MODULE_CONFIG, json)
    }

    #[test]
    fn layers_merge_key_by_key_over_the_defaults() {
        let file = env_layer::<Plain>(r#"{"name": "a", "limits": {"max": 10, "min": 2}}"#).unwrap();
        let env = env_layer::<Plain>(r#"{"config": {"limits": {"max": 20}}}"#).unwrap();

        let config: Plain = load(&[file, env]).unwrap();

        assert_eq!(config.name, "a");
        assert_eq!(config.limits, Limits { max: 20, min: 2 });
    }

    #[test]
    fn a_field_named_config_is_not_taken_for_modkits_envelope() {
        let layer = env_layer::<OwnsConfigKey>(r#"{"config": "mine"}"#).unwrap();
        let config: OwnsConfigKey = load(&[layer]).unwrap();
        assert_eq!(config.config, "mine");
    }

    #[test]
    fn a_null_envelope_is_an_empty_layer() {
        let layer = env_layer::<Plain>(r#"{"config": null}"#).unwrap();
        assert!(layer.value.is_empty());
    }

    #[test]
    fn a_layer_that_is_not_an_object_is_refused() {
        let error = env_layer::<Plain>("[1, 2]").unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment variable MODGEN_MODULE_CONFIG must hold an object of config keys, found a list"
        );
    }

    #[test]
    fn an_unknown_nested_key_is_reported_at_its_path_and_source() {
        let layer = env_layer::<Plain>(r#"{"limits": {"maximum": 1}}"#).unwrap();

        let error = load::<Plain>(&[layer]).unwrap_err();

        let message = error.to_string();
        assert!(
            message.starts_with("limits.maximum: unknown field `maximum`"),
            "{message}"
        );
        assert!(
            message.ends_with("(from environment variable MODGEN_MODULE_CONFIG)"),
            "{message}"
        );
    }

    /// A `type: local` module's config is the host YAML's entry, already parsed: merged
    /// over the defaults as a process's, its mistakes named as the host's.
    #[test]
    fn a_local_modules_config_from_the_host_merges_and_names_its_source() {
        let layer = ConfigLayer::from_host::<Plain>("calc", serde_json::json!({"name": "a"}));
        let config: Plain = load(&[layer.unwrap()]).unwrap();
        assert_eq!(config.name, "a");
        assert_eq!(config.limits, Limits::default());

        let layer = ConfigLayer::from_host::<Plain>("calc", serde_json::json!({"nmae": "a"}));
        let message = load::<Plain>(&[layer.unwrap()]).unwrap_err().to_string();
        assert!(
            message.starts_with("nmae: unknown field `nmae`")
                && message.ends_with("(from the host's config of module 'calc')"),
            "{message}"
        );

        let error = ConfigLayer::from_host::<Plain>("calc", serde_json::json!([1])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the host's config of module 'calc' must hold an object of config keys, found a list"
        );
    }

    #[test]
    fn validate_runs_on_the_merged_config() {
        let layer = env_layer::<Plain>(r#"{"limits": {"min": 5}}"#).unwrap();

        let error = load::<Plain>(&[layer]).unwrap_err();

        assert_eq!(error.to_string(), "limits.min: must be <= limits.max");
    }
}
