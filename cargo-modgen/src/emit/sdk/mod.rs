//! The SDK crate: what consumers of a module depend on. ModKit's shape (`api`, `client`,
//! `wiring`, proto types), so ModKit users recognise it, plus `server` and `testing`.

mod api;
mod cargo;
mod client;
mod error;
mod lib_rs;
mod server;
mod testing;
mod wiring;

use std::path::PathBuf;

use proc_macro2::{Ident, TokenStream};

use super::proto_types;
use super::rust::{self, ident};
use crate::error::{Error, Errors};
use crate::fileset::FileSet;
use crate::model::{Model, Service};

use super::deps::RUNTIME_VERSION;

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
pub fn generate(model: &Model, options: &SdkOptions) -> Result<FileSet, Errors> {
    let mut errors = Errors::new();
    let mut files = FileSet::new();
    let mut rust_file = |path: &str, tokens: Result<TokenStream, Error>| match tokens
        .and_then(|tokens| rust::file(model, tokens))
    {
        Ok(text) => files.text(path, text),
        Err(e) => errors.push(e),
    };
    rust_file("src/lib.rs", Ok(lib_rs::emit(model)));
    rust_file("src/api.rs", Ok(api::emit(model)));
    rust_file("src/error.rs", Ok(error::emit(model)));
    rust_file("src/client.rs", Ok(client::emit(model)));
    rust_file("src/server.rs", Ok(server::emit(model)));
    rust_file("src/wiring.rs", Ok(wiring::emit(model)));
    rust_file("src/testing.rs", testing::emit(model));

    let proto = match proto_types::emit(model) {
        Ok(proto) => proto,
        Err(e) => {
            errors.push(e);
            return Err(errors);
        }
    };
    for (path, text) in proto.files {
        files.text(PathBuf::from("src").join(path), text);
    }
    files.binary(
        lib_rs::DESCRIPTOR_FILE_PATH,
        model.protos.descriptor_set.clone(),
    );
    files.text(
        "Cargo.toml",
        cargo::manifest(model, options, proto.uses_prost_types),
    );
    files.text("README.md", cargo::readme(model));
    errors.finish(files)
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
