//! The module crate (`<name>/`: the user's implementation plus its generated glue) and the
//! workspace around it (`new`'s scaffolding). The SDK comes from `emit::sdk`; this module
//! composes both into one [`FileSet`](crate::fileset::FileSet) rooted at the workspace.
//!
//! Ownership follows the design table: `src/generated/**` and `config/*` belong to the
//! generator and are rewritten by every `generate`; `Cargo.toml`, `src/lib.rs`,
//! `src/main.rs`, `src/service.rs` and the workspace files belong to the user, written once.

#[cfg(feature = "files")]
mod cargo;
mod config_rs;
#[cfg(feature = "files")]
mod example_yaml;
#[cfg(feature = "files")]
mod files;
#[cfg(feature = "files")]
mod host_crate;
#[cfg(feature = "files")]
mod json;
mod names;
mod oop_rs;
#[cfg(feature = "files")]
mod schema;
#[cfg_attr(not(feature = "files"), allow(dead_code))]
mod service_rs;
pub(crate) mod stub;
#[cfg(feature = "files")]
mod user_rs;
#[cfg(feature = "files")]
mod workspace;

use proc_macro2::TokenStream;
use quote::quote;

use super::rust;
use super::sdk::{RuntimeDep, SdkOptions};
use crate::error::Errors;
use crate::model::Model;

#[cfg(feature = "files")]
pub(crate) use files::user_file;
#[cfg(feature = "files")]
pub use files::{generate_module, generate_workspace};
#[cfg(feature = "files")]
pub use host_crate::{HOST_DIR, HostMember, generate_host, host_package_of};
pub use names::ModuleNames;

/// Knobs of workspace generation that are not in the manifest: they depend on where the
/// workspace is written, not on what the module is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceOptions {
    /// How both crates depend on `modgen-runtime`. A path is relative to either crate's
    /// directory (both sit one level below the workspace root), or absolute.
    pub runtime: RuntimeDep,
    /// `true` for a standalone workspace (`new`): a root `Cargo.toml` with `[workspace]`
    /// is emitted, and the host crate (`host/`) it lists. `false` when the crates are members of an enclosing workspace (the
    /// repository's examples), which a nested `[workspace]` would break.
    pub cargo_workspace: bool,
    /// Cargo's target directory relative to the workspace root, for `host.yaml`'s
    /// `executable_path` (`target` for a standalone workspace).
    pub target_dir: String,
}

impl Default for WorkspaceOptions {
    fn default() -> Self {
        WorkspaceOptions {
            runtime: SdkOptions::default().runtime,
            cargo_workspace: true,
            target_dir: "target".to_string(),
        }
    }
}

/// The module crate's generated part (`src/generated/`) as one token stream: `config` and
/// `oop` inline, then the re-exports; what the module proc-macro expands to. `sdk` is the
/// SDK's path from anywhere in the crate (default: the SDK crate by its library name).
pub fn module_tokens(model: &Model, sdk: Option<TokenStream>) -> Result<TokenStream, Errors> {
    let names = ModuleNames::of(model);
    let sdk = sdk.unwrap_or_else(|| sdk_crate_path(&names));
    let config = config_rs::emit(model, &names)?;
    let oop = oop_rs::emit(model, &names, &sdk);
    Ok(oop_rs::emit_mod(&names, false, |name| match name {
        "config" => quote! { { #config } },
        _ => quote! { { #oop } },
    }))
}

pub(crate) fn sdk_crate_path(names: &ModuleNames) -> TokenStream {
    let sdk = rust::ident(&names.sdk_lib);
    quote! { #sdk }
}
