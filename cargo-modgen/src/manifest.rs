//! `modgen.toml` → a typed, validated [`Manifest`]. Every error carries file:line:col.
//!
//! The schema and every key are documented in `docs/manifest.md`.

mod config;
mod errors;
mod raw;
mod suggest;

use std::ops::Range;
use std::time::Duration;

use toml::Spanned;

use crate::error::{Error, ErrorKind, Errors, Location};
use crate::model::{ConfigField, ErrorVariant, GrpcCode};
use crate::names;

pub(crate) use suggest::closest;

/// The heartbeat interval when the manifest sets none (what ModKit modules use).
pub const DEFAULT_HEARTBEAT: Duration = modgen_contract::host_defaults::HEARTBEAT_INTERVAL;

/// A value and where the manifest wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub at: Location,
}

/// The manifest, every rule that needs no proto already checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The manifest's path as the user named it, for error locations.
    pub file: String,
    pub module_name: Located<String>,
    pub version: String,
    /// Proto files to compile, relative to the manifest's directory.
    pub proto_files: Vec<Located<String>>,
    /// Include roots, relative to the manifest's directory (default: the directory itself).
    pub includes: Vec<Located<String>>,
    /// Which services to generate for; empty means every service in `proto_files`.
    pub services: Vec<ServiceSelection>,
    pub sdk_crate: String,
    /// `[sdk] trait`: only valid when one service is generated (checked with the protos).
    pub sdk_trait: Option<Located<String>>,
    pub error_type: String,
    /// `[sdk] deny_breaking`: a breaking change against the last generation's protos is an
    /// error (nothing written) rather than a report.
    pub deny_breaking: bool,
    pub error_variants: Vec<ErrorVariant>,
    pub config: Vec<ConfigField>,
    pub heartbeat_interval: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSelection {
    /// `pkg.Service` or the bare `Service`.
    pub name: Located<String>,
    pub trait_name: Option<Located<String>>,
    pub client_name: Option<Located<String>>,
}

/// Error variant names the SDK's error enum defines itself.
pub const BUILTIN_VARIANTS: &[(&str, GrpcCode)] = &[
    ("Unimplemented", GrpcCode::Unimplemented),
    ("Transport", GrpcCode::Unavailable),
    ("Internal", GrpcCode::Internal),
];

impl Manifest {
    /// The manifest of a module with no `modgen.toml` (the proc-macro's manifest-less
    /// form): these protos, every other value at its default, `file` naming where the
    /// values came from. The name must pass [`names::check_package_name`].
    pub fn for_protos(
        file: &str,
        module_name: Located<String>,
        proto_files: Vec<Located<String>>,
        includes: Vec<Located<String>>,
    ) -> Manifest {
        Manifest {
            file: file.to_string(),
            sdk_crate: default_sdk_crate(&module_name.value),
            error_type: default_error_type(&module_name.value),
            module_name,
            version: "0.1.0".to_string(),
            proto_files,
            includes,
            services: Vec::new(),
            sdk_trait: None,
            error_variants: Vec::new(),
            config: Vec::new(),
            heartbeat_interval: DEFAULT_HEARTBEAT,
            deny_breaking: false,
        }
    }

    /// Parses and validates `text`, the contents of the manifest at `file`.
    pub fn parse(text: &str, file: &str) -> Result<Manifest, Errors> {
        let at = |span: Range<usize>| Location::from_offset(file, text, span.start);
        let raw: raw::RawManifest = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => return Err(toml_error(&e, file, text).into()),
        };
        let mut errors = Errors::new();
        let mut value_error = |span: Range<usize>, message: String| {
            errors.push(Error::new(ErrorKind::ManifestValue, message).at(at(span)));
        };

        let module_name = located(&raw.module.name, &at);
        if let Err(why) = names::check_package_name(&module_name.value) {
            value_error(
                raw.module.name.span(),
                format!("invalid module name `{}`: {why}", module_name.value),
            );
        }
        let version = match &raw.module.version {
            Some(v) => {
                if !is_semver(v.get_ref()) {
                    value_error(
                        v.span(),
                        format!(
                            "invalid version `{}`: expected MAJOR.MINOR.PATCH",
                            v.get_ref()
                        ),
                    );
                }
                v.get_ref().clone()
            }
            None => "0.1.0".to_string(),
        };

        if raw.proto.files.is_empty() {
            errors.push(
                Error::new(
                    ErrorKind::ManifestValue,
                    "`[proto] files` lists no proto file",
                )
                .in_file(file),
            );
        }
        let proto_files = raw.proto.files.iter().map(|f| located(f, &at)).collect();
        let mut includes: Vec<_> = raw.proto.includes.iter().map(|i| located(i, &at)).collect();
        if includes.is_empty() {
            includes.push(Located {
                value: ".".to_string(),
                at: Location::from_offset(file, text, 0),
            });
        }

        let services = raw
            .services
            .iter()
            .map(|service| {
                let span = service.span();
                match service.get_ref() {
                    raw::RawService::Bare(name) => ServiceSelection {
                        name: Located {
                            value: name.clone(),
                            at: at(span),
                        },
                        trait_name: None,
                        client_name: None,
                    },
                    raw::RawService::Table(table) => ServiceSelection {
                        name: located(&table.name, &at),
                        trait_name: table.trait_name.as_ref().map(|t| located(t, &at)),
                        client_name: table.client_name.as_ref().map(|c| located(c, &at)),
                    },
                }
            })
            .collect::<Vec<_>>();
        for name in services
            .iter()
            .flat_map(|s| s.trait_name.iter().chain(s.client_name.iter()))
        {
            if let Err(why) = names::check_type_name(&name.value) {
                errors.push(
                    Error::new(
                        ErrorKind::ManifestValue,
                        format!("invalid type name `{}`: {why}", name.value),
                    )
                    .at(name.at.clone()),
                );
            }
        }

        let sdk_crate = checked_or(
            &raw.sdk.crate_name,
            &mut errors,
            &at,
            names::check_package_name,
        )
        .unwrap_or_else(|| default_sdk_crate(&module_name.value));
        let error_type = checked_or(&raw.sdk.error, &mut errors, &at, names::check_type_name)
            .unwrap_or_else(|| default_error_type(&module_name.value));
        let sdk_trait = raw.sdk.trait_name.as_ref().map(|t| located(t, &at));
        if let Some(t) = &sdk_trait
            && let Err(why) = names::check_type_name(&t.value)
        {
            errors.push(
                Error::new(
                    ErrorKind::ManifestValue,
                    format!("invalid trait name `{}`: {why}", t.value),
                )
                .at(t.at.clone()),
            );
        }

        let error_variants = errors::variants(&raw.errors.variant, &mut errors, &at);
        let config = config::fields(&raw.config, &mut errors, &at);

        let heartbeat_interval = match &raw.runtime.heartbeat_interval {
            Some(text) => match crate::model::parse_duration(text.get_ref()) {
                Ok(d) if !d.is_zero() => d,
                _ => {
                    errors.push(
                        Error::new(
                            ErrorKind::ManifestValue,
                            format!(
                                "invalid heartbeat_interval `{}`: expected a positive duration like \"5s\" or \"500ms\"",
                                text.get_ref()
                            ),
                        )
                        .at(at(text.span())),
                    );
                    DEFAULT_HEARTBEAT
                }
            },
            None => DEFAULT_HEARTBEAT,
        };

        errors.finish(Manifest {
            file: file.to_string(),
            module_name,
            version,
            proto_files,
            includes,
            services,
            sdk_crate,
            sdk_trait,
            error_type,
            deny_breaking: raw.sdk.deny_breaking,
            error_variants,
            config,
            heartbeat_interval,
        })
    }
}

fn default_sdk_crate(module_name: &str) -> String {
    format!("{module_name}-sdk")
}

fn default_error_type(module_name: &str) -> String {
    format!("{}Error", names::module_camel(module_name))
}

fn located(value: &Spanned<String>, at: &impl Fn(Range<usize>) -> Location) -> Located<String> {
    Located {
        value: value.get_ref().clone(),
        at: at(value.span()),
    }
}

fn checked_or(
    value: &Option<Spanned<String>>,
    errors: &mut Errors,
    at: &impl Fn(Range<usize>) -> Location,
    check: fn(&str) -> Result<(), String>,
) -> Option<String> {
    let value = value.as_ref()?;
    if let Err(why) = check(value.get_ref()) {
        errors.push(
            Error::new(
                ErrorKind::ManifestValue,
                format!("invalid name `{}`: {why}", value.get_ref()),
            )
            .at(at(value.span())),
        );
    }
    Some(value.get_ref().clone())
}

fn is_semver(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// A TOML or schema error, located, with a suggestion for unknown keys and values.
fn toml_error(error: &toml::de::Error, file: &str, text: &str) -> Error {
    // serde says "field"; in a TOML file it is a key.
    let message = error
        .message()
        .trim()
        .replacen("unknown field", "unknown key", 1);
    let (kind, help) = match suggest::parse_unknown(error.message().trim()) {
        Some((word, expected)) => {
            let help = closest(&word, expected.iter().map(String::as_str))
                .map(|near| format!("did you mean `{near}`?"));
            (ErrorKind::ManifestUnknownKey, help)
        }
        None => (ErrorKind::ManifestSyntax, None),
    };
    let mut out = Error::new(kind, message);
    out.help = help;
    match error.span() {
        Some(span) => out.at(Location::from_offset(file, text, span.start)),
        None => out.in_file(file),
    }
}

#[cfg(test)]
mod tests;
