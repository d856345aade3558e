//! `src/generated/config.rs`: the typed config from `[config.fields]`, its defaults, and
//! the `ModuleConfig::validate` that refuses a bad config before the module binds.
//!
//! A required field is an `Option` that is `None` by default and never serialized while
//! unset: the runtime merges the files over the serialized defaults, so a plain field would
//! always look set. `validate` then names it.

use std::time::Duration;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::names::ModuleNames;
use crate::emit::rust::{doc, ident};
use crate::error::{Error, ErrorKind};
use crate::model::{ConfigField, ConfigType, ConfigValue, Model};

pub fn emit(model: &Model, names: &ModuleNames) -> Result<TokenStream, Error> {
    let fields = &model.module.config;
    for field in fields {
        supported(field)?;
    }
    let name = ident(&names.config_struct);
    let struct_doc = doc(&format!(
        "The configuration of the `{}` module, from `[config.fields]` in modgen.toml.\n\n\
         `modgen_runtime::oop` loads it from the `--config` file and the host's `config:`\n\
         section over these defaults, and refuses to start when [`ModuleConfig::validate`]\n\
         fails.",
        model.module.name
    ));
    let definitions = fields
        .iter()
        .map(definition)
        .collect::<Result<Vec<_>, _>>()?;
    let all_type_defaults = fields.iter().all(is_type_default);
    let derive_default = all_type_defaults.then(|| quote! { Default, });
    let default_impl = if all_type_defaults {
        quote! {}
    } else {
        let values = fields
            .iter()
            .map(|field| {
                let name = ident(&field.name);
                default_expr(field).map(|value| quote! { #name: #value, })
            })
            .collect::<Result<Vec<_>, _>>()?;
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self { #(#values)* }
                }
            }
        }
    };
    let checks = fields.iter().map(checks).collect::<Result<Vec<_>, _>>()?;
    let uses_duration = fields.iter().any(|f| f.ty == ConfigType::Duration);
    let duration_import = uses_duration.then(|| quote! { use std::time::Duration; });
    let display_import = fields
        .iter()
        .any(|f| f.ty == ConfigType::Duration && (f.min.is_some() || f.max.is_some()))
        .then(|| quote! { use modgen_runtime::host::duration::display; });
    let helpers = duration_helpers(fields);
    Ok(quote! {
        //! The module's configuration, generated from `[config.fields]` in modgen.toml.

        #duration_import

        #display_import
        use modgen_runtime::oop::{ConfigError, ModuleConfig};
        use serde::{Deserialize, Serialize};

        #struct_doc
        #[derive(Clone, Debug, #derive_default PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct #name {
            #(#definitions)*
        }

        #default_impl

        impl ModuleConfig for #name {
            fn validate(&self) -> Result<(), ConfigError> {
                #(#checks)*
                Ok(())
            }
        }

        #helpers
    })
}

fn supported(field: &ConfigField) -> Result<(), Error> {
    let unsupported = match &field.ty {
        ConfigType::List(inner) => matches!(**inner, ConfigType::List(_) | ConfigType::Duration),
        _ => false,
    };
    let non_finite = [&field.default, &field.min, &field.max]
        .into_iter()
        .flatten()
        .any(|v| matches!(v, ConfigValue::Float(x) if !x.is_finite()));
    if unsupported {
        return Err(Error::new(
            ErrorKind::ManifestValue,
            format!(
                "config field `{}`: the module generator does not support a {}",
                field.name, field.ty
            ),
        ));
    }
    if non_finite {
        return Err(Error::new(
            ErrorKind::ManifestValue,
            format!(
                "config field `{}`: defaults and bounds must be finite numbers",
                field.name
            ),
        ));
    }
    Ok(())
}

fn definition(field: &ConfigField) -> Result<TokenStream, Error> {
    let name = ident(&field.name);
    // The manifest's `doc` is free text like a proto comment: the same converter makes it
    // rustdoc (escaped brackets and tags, autolinked URLs, fenced blocks). The schema and
    // the example YAML keep the text as written.
    let mut lines = crate::docs::rustdoc(&field.docs, &crate::docs::NoLinks);
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(summary(field));
    let docs = doc(&lines.join("\n"));
    let ty = rust_type(&field.ty);
    let (ty, serde) = match (field.required, &field.ty) {
        (false, ConfigType::Duration) => (ty, quote! { #[serde(with = "duration")] }),
        (false, _) => (ty, quote! {}),
        (true, ConfigType::Duration) => (
            quote! { Option<#ty> },
            quote! { #[serde(with = "optional_duration", skip_serializing_if = "Option::is_none")] },
        ),
        (true, _) => (
            quote! { Option<#ty> },
            quote! { #[serde(skip_serializing_if = "Option::is_none")] },
        ),
    };
    Ok(quote! {
        #docs
        #serde
        pub #name: #ty,
    })
}

/// The doc line that says what the manifest says: required or default, and bounds.
fn summary(field: &ConfigField) -> String {
    let mut parts = Vec::new();
    if field.required {
        parts.push("Required.".to_string());
    } else if let Some(default) = &field.default {
        parts.push(format!("Default: `{}`.", shown(default)));
    }
    match (&field.min, &field.max) {
        (Some(min), Some(max)) => parts.push(format!("From `{}` to `{}`.", shown(min), shown(max))),
        (Some(min), None) => parts.push(format!("At least `{}`.", shown(min))),
        (None, Some(max)) => parts.push(format!("At most `{}`.", shown(max))),
        (None, None) => {}
    }
    if parts.is_empty() {
        parts.push(format!("A `{}`.", field.ty));
    }
    parts.join(" ")
}

/// A value as the config file writes it.
pub(super) fn shown(value: &ConfigValue) -> String {
    match value {
        ConfigValue::Integer(i) => i.to_string(),
        ConfigValue::Float(x) => format!("{x:?}"),
        ConfigValue::Bool(b) => b.to_string(),
        ConfigValue::String(s) => format!("{s:?}"),
        ConfigValue::Duration(d) => duration_text(*d),
        ConfigValue::List(items) => {
            format!(
                "[{}]",
                items.iter().map(shown).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// `5s`, `250ms`: the shared grammar's display, which the runtime's parser reads back.
pub(super) fn duration_text(duration: Duration) -> String {
    modgen_contract::duration::display(duration)
}

fn rust_type(ty: &ConfigType) -> TokenStream {
    match ty {
        ConfigType::U32 => quote! { u32 },
        ConfigType::U64 => quote! { u64 },
        ConfigType::I32 => quote! { i32 },
        ConfigType::I64 => quote! { i64 },
        ConfigType::F64 => quote! { f64 },
        ConfigType::Bool => quote! { bool },
        ConfigType::String => quote! { String },
        ConfigType::Duration => quote! { Duration },
        ConfigType::List(inner) => {
            let inner = rust_type(inner);
            quote! { Vec<#inner> }
        }
    }
}

/// Whether the field's default is what `#[derive(Default)]` would give (clippy asks for
/// the derive then).
fn is_type_default(field: &ConfigField) -> bool {
    if field.required {
        return true;
    }
    match &field.default {
        None => true,
        Some(ConfigValue::Integer(i)) => *i == 0,
        Some(ConfigValue::Float(x)) => *x == 0.0 && x.is_sign_positive(),
        Some(ConfigValue::Bool(b)) => !b,
        Some(ConfigValue::String(s)) => s.is_empty(),
        Some(ConfigValue::Duration(d)) => d.is_zero(),
        Some(ConfigValue::List(items)) => items.is_empty(),
    }
}

fn default_expr(field: &ConfigField) -> Result<TokenStream, Error> {
    if field.required {
        return Ok(quote! { None });
    }
    match &field.default {
        Some(value) => value_expr(value),
        None => Ok(match field.ty {
            ConfigType::String => quote! { String::new() },
            ConfigType::List(_) => quote! { Vec::new() },
            ConfigType::Duration => quote! { Duration::ZERO },
            ConfigType::Bool => quote! { false },
            ConfigType::F64 => quote! { 0.0 },
            _ => quote! { 0 },
        }),
    }
}

fn value_expr(value: &ConfigValue) -> Result<TokenStream, Error> {
    Ok(match value {
        ConfigValue::Integer(i) => {
            let lit = Literal::i64_unsuffixed(*i);
            quote! { #lit }
        }
        ConfigValue::Float(x) => {
            let lit = Literal::f64_unsuffixed(*x);
            quote! { #lit }
        }
        ConfigValue::Bool(b) => quote! { #b },
        ConfigValue::String(s) if s.is_empty() => quote! { String::new() },
        ConfigValue::String(s) => quote! { #s.to_owned() },
        ConfigValue::Duration(d) => duration_expr(*d),
        ConfigValue::List(items) if items.is_empty() => quote! { Vec::new() },
        ConfigValue::List(items) => {
            let items = items
                .iter()
                .map(value_expr)
                .collect::<Result<Vec<_>, _>>()?;
            quote! { vec![#(#items),*] }
        }
    })
}

/// `Duration::from_secs(5)`, or the largest finer unit that holds the value exactly
/// (`from_millis(250)`, `from_micros(1500)`, `from_nanos(7)`).
pub(super) fn duration_expr(duration: Duration) -> TokenStream {
    let nanos = duration.as_nanos();
    let (count, constructor) = if nanos.is_multiple_of(1_000_000_000) {
        (nanos / 1_000_000_000, quote! { from_secs })
    } else if nanos.is_multiple_of(1_000_000) {
        (nanos / 1_000_000, quote! { from_millis })
    } else if nanos.is_multiple_of(1_000) {
        (nanos / 1_000, quote! { from_micros })
    } else {
        (nanos, quote! { from_nanos })
    };
    match u64::try_from(count) {
        Ok(count) => {
            let count = Literal::u64_unsuffixed(count);
            quote! { Duration::#constructor(#count) }
        }
        // Centuries with a sub-second part: too many units for a u64.
        Err(_) => {
            let secs = Literal::u64_unsuffixed(duration.as_secs());
            let subsec = Literal::u32_unsuffixed(duration.subsec_nanos());
            quote! { Duration::new(#secs, #subsec) }
        }
    }
}

/// The statements of `validate` for one field: presence, emptiness, bounds.
fn checks(field: &ConfigField) -> Result<TokenStream, Error> {
    let name = ident(&field.name);
    let key = &field.name;
    // `value` reads the field; `copied` is it by value, for comparisons. A required field
    // is checked through the binding of its `Some`.
    let (value, copied) = if field.required {
        (quote! { #name }, quote! { *#name })
    } else {
        (quote! { self.#name }, quote! { self.#name })
    };
    let mut rules = TokenStream::new();
    if field.required && matches!(field.ty, ConfigType::String | ConfigType::List(_)) {
        let empty = match field.ty {
            ConfigType::String => quote! { #value.trim().is_empty() },
            _ => quote! { #value.is_empty() },
        };
        rules.extend(quote! {
            if #empty {
                return Err(ConfigError::new(#key, "must not be empty"));
            }
        });
    }
    let range = field.ty.integer_range();
    for (bound, op, word) in [
        (&field.min, quote! { < }, ">="),
        (&field.max, quote! { > }, "<="),
    ] {
        let Some(bound) = bound else { continue };
        // A bound at the type's own limit can never fail, and clippy rejects the comparison.
        if let (Some((lo, hi)), ConfigValue::Integer(i)) = (range, bound) {
            let i = i128::from(*i);
            if (word == ">=" && i <= lo) || (word == "<=" && i >= hi) {
                continue;
            }
        }
        let limit = value_expr(bound)?;
        let rule = format!("must be {word} {} (got {{}})", shown(bound));
        let got = if field.ty == ConfigType::Duration {
            quote! { display(#copied) }
        } else {
            quote! { #copied }
        };
        rules.extend(quote! {
            if #copied #op #limit {
                return Err(ConfigError::new(#key, format!(#rule, #got)));
            }
        });
    }
    Ok(match (field.required, rules.is_empty()) {
        (false, _) => rules,
        (true, true) => quote! {
            if self.#name.is_none() {
                return Err(ConfigError::new(#key, "is required"));
            }
        },
        (true, false) => quote! {
            let Some(#name) = &self.#name else {
                return Err(ConfigError::new(#key, "is required"));
            };
            #rules
        },
    })
}

/// serde adapters for durations, emitted only when a field needs them.
fn duration_helpers(fields: &[ConfigField]) -> TokenStream {
    let plain = fields.iter().any(|f| f.ty == ConfigType::Duration);
    let optional = fields
        .iter()
        .any(|f| f.ty == ConfigType::Duration && f.required);
    let mut out = TokenStream::new();
    if plain {
        out.extend(quote! {
            /// Durations as config files write them (`"5s"`, `"250ms"`), both ways, so
            /// `--print-config` prints what a file would say.
            mod duration {
                use std::time::Duration;

                use modgen_runtime::host::duration::{display, parse};
                use serde::de::Error;
                use serde::{Deserialize, Deserializer, Serializer};

                pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(&display(*value))
                }

                pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
                    let text = String::deserialize(deserializer)?;
                    parse(&text).map_err(D::Error::custom)
                }
            }
        });
    }
    if optional {
        out.extend(quote! {
            /// [`duration`] for a required field, which stays `None` until a file sets it.
            mod optional_duration {
                use std::time::Duration;

                use serde::{Deserializer, Serializer};

                pub fn serialize<S: Serializer>(value: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
                    match value {
                        Some(value) => super::duration::serialize(value, serializer),
                        None => serializer.serialize_none(),
                    }
                }

                pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
                    super::duration::deserialize(deserializer).map(Some)
                }
            }
        });
    }
    out
}
