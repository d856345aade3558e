//! The SDK crate: what consumers of a module depend on. ModKit's shape (`api`, `client`,
//! `wiring`, proto types), so ModKit users recognise it, plus `server` and `testing`.

mod api;
#[cfg(feature = "files")]
mod cargo;
mod client;
mod error;
mod fake;
mod layout;
mod lib_rs;
mod server;
mod testing;
mod wiring;

use proc_macro2::{Ident, TokenStream};

use super::rust::ident;
use crate::error::Errors;
#[cfg(feature = "files")]
use crate::fileset::FileSet;
use crate::model::{Model, Service};

use super::deps::RUNTIME_VERSION;
pub use layout::SdkCode;

/// How the SDK depends on `modgen-runtime`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeDep {
    /// A path, relative to the SDK crate's directory (workspaces, tests).
    Path(String),
    /// A crates.io version requirement.
    Version(String),
}

/// Knobs of SDK generation that are not in the manifest: they depend on where the SDK is
/// written, not on what the module is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdkOptions {
    pub runtime: RuntimeDep,
}

impl Default for SdkOptions {
    fn default() -> Self {
        SdkOptions {
            runtime: RuntimeDep::Version(RUNTIME_VERSION.to_string()),
        }
    }
}

/// The SDK crate's files, paths relative to the crate's root.
#[cfg(feature = "files")]
pub fn generate(model: &Model, options: &SdkOptions) -> Result<FileSet, Errors> {
    let code = SdkCode::new(model)?;
    let mut files = FileSet::new();
    for (path, text) in code.files(model)? {
        files.text(path, text);
    }
    files.text(
        "Cargo.toml",
        cargo::manifest(model, options, code.uses_prost_types()),
    );
    files.text("README.md", cargo::readme(model));
    Ok(files)
}

/// The SDK as one token stream of inline modules: what the proc-macro expands to and
/// what build scripts write to `OUT_DIR`.
pub fn tokens(model: &Model) -> Result<TokenStream, Errors> {
    Ok(SdkCode::new(model)?.tokens()?)
}

/// Names of per-service free items: the short name when the SDK has one service
/// (`wire_client`), with the service's stem when it has several (`wire_health_client`),
/// placed so the name still reads as a phrase.
pub(crate) fn item(service: &Service, short: &str) -> Ident {
    let Some(stem) = &service.item_prefix else {
        return ident(short);
    };
    ident(&match short {
        "wire_client" => format!("wire_{stem}_client"),
        "register_local" => format!("register_local_{stem}"),
        "serve_for_test" => format!("serve_{stem}_for_test"),
        _ => format!("{stem}_{short}"),
    })
}

/// `SERVICE_NAME`, or `HEALTH_SERVICE_NAME` when the SDK has several services.
pub(crate) fn service_name_const(service: &Service) -> Ident {
    match &service.item_prefix {
        None => ident("SERVICE_NAME"),
        Some(prefix) => ident(&format!("{}_SERVICE_NAME", crate::names::to_shouty(prefix))),
    }
}
