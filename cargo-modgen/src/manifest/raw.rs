//! The manifest as TOML spells it: serde structs with spans, before any rule is checked.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifest {
    pub module: RawModule,
    pub proto: RawProto,
    #[serde(default)]
    pub services: Vec<Spanned<RawService>>,
    #[serde(default)]
    pub sdk: RawSdk,
    #[serde(default)]
    pub errors: RawErrors,
    #[serde(default)]
    pub config: RawConfig,
    #[serde(default)]
    pub runtime: RawRuntime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModule {
    pub name: Spanned<String>,
    pub version: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProto {
    pub files: Vec<Spanned<String>>,
    #[serde(default)]
    pub includes: Vec<Spanned<String>>,
}

/// `services = ["pkg.Svc"]` or `[[services]] name = "pkg.Svc" ...`: both spellings.
#[derive(Debug)]
pub enum RawService {
    Bare(String),
    Table(RawServiceTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServiceTable {
    pub name: Spanned<String>,
    #[serde(rename = "trait")]
    pub trait_name: Option<Spanned<String>>,
    #[serde(rename = "client")]
    pub client_name: Option<Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawService {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // An untagged enum would swallow the table's unknown-key error (and its span);
        // a visitor keeps both.
        struct ServiceVisitor;
        impl<'de> Visitor<'de> for ServiceVisitor {
            type Value = RawService;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a service name (\"pkg.Service\") or a table with `name`")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
                Ok(RawService::Bare(name.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawServiceTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawService::Table)
            }
        }
        deserializer.deserialize_any(ServiceVisitor)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSdk {
    #[serde(rename = "crate")]
    pub crate_name: Option<Spanned<String>>,
    #[serde(rename = "trait")]
    pub trait_name: Option<Spanned<String>>,
    pub error: Option<Spanned<String>>,
    #[serde(default)]
    pub deny_breaking: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawErrors {
    #[serde(default)]
    pub variant: Vec<RawVariant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: Spanned<String>,
    pub code: Spanned<String>,
    pub doc: Option<String>,
    /// A proto message whose scalar fields the variant carries, as in the proto option.
    pub detail: Option<Spanned<String>>,
    /// Retryable after this delay (`RetryInfo`), as in the proto option.
    pub retry_delay: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub fields: BTreeMap<Spanned<String>, RawField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    #[serde(rename = "type")]
    pub ty: Spanned<String>,
    pub default: Option<Spanned<toml::Value>>,
    pub min: Option<Spanned<toml::Value>>,
    pub max: Option<Spanned<toml::Value>>,
    pub doc: Option<String>,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuntime {
    pub heartbeat_interval: Option<Spanned<String>>,
}
