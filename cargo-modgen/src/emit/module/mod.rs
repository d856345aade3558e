//! The module crate (`<name>/`: the user's implementation plus its generated glue) and the
//! workspace around it (`new`'s scaffolding). The SDK comes from `emit::sdk`; this module
//! composes both into one [`FileSet`] rooted at the workspace.
//!
//! Ownership follows the design table: `src/generated/**` and `config/*` belong to the
//! generator and are rewritten by every `generate`; `Cargo.toml`, `src/lib.rs`,
//! `src/main.rs`, `src/service.rs` and the workspace files belong to the user, written once.

mod cargo;
mod config_rs;
mod example_yaml;
mod json;
mod names;
mod oop_rs;
mod schema;
mod service_rs;
pub(crate) mod stub;
mod user_rs;
mod workspace;

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use super::rust;
use super::sdk::{self, RuntimeDep, SdkOptions};
use crate::error::{Error, Errors};
use crate::fileset::{Contents, FileSet, GeneratedFile, Owner};
use crate::model::Model;

pub use names::ModuleNames;

/// Knobs of workspace generation that are not in the manifest: they depend on where the
/// workspace is written, not on what the module is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceOptions {
    /// How both crates depend on `modgen-runtime`. A path is relative to either crate's
    /// directory (both sit one level below the workspace root), or absolute.
    pub runtime: RuntimeDep,
    /// `true` for a standalone workspace (`new`): a root `Cargo.toml` with `[workspace]`
    /// is emitted. `false` when the crates are members of an enclosing workspace (the
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

/// The whole workspace: the SDK under `<name>-sdk/`, the module crate under `<name>/`,
/// and the scaffolding at the root; paths relative to the workspace root.
pub fn generate_workspace(model: &Model, options: &WorkspaceOptions) -> Result<FileSet, Errors> {
    let names = ModuleNames::of(model);
    let sdk_options = SdkOptions {
        runtime: options.runtime.clone(),
    };
    let sdk = sdk::generate(model, &sdk_options);
    let module = generate_module(model, &options.runtime);
    let (sdk, module) = match (sdk, module) {
        (Ok(sdk), Ok(module)) => (sdk, module),
        (sdk, module) => {
            let mut errors = Errors::new();
            for result in [sdk, module] {
                if let Err(e) = result {
                    errors.extend(e);
                }
            }
            return Err(errors);
        }
    };
    let mut files = sdk.nest(&model.sdk.crate_name);
    files.merge(module.nest(&names.package));
    files.merge(workspace::files(model, &names, options));
    Ok(files)
}

/// The module crate alone, paths relative to its directory (`<name>/`). `runtime` is how
/// it depends on `modgen-runtime`, relative to that directory.
pub fn generate_module(model: &Model, runtime: &RuntimeDep) -> Result<FileSet, Errors> {
    let names = ModuleNames::of(model);
    let mut errors = Errors::new();
    let mut files = FileSet::new();
    let mut rust_file = |path: &str, owner: Owner, tokens: Result<TokenStream, Error>| {
        let text = tokens.and_then(|tokens| match owner {
            Owner::Generator => rust::file(model, tokens),
            Owner::User => rust::user_file(tokens),
        });
        match (text, owner) {
            (Ok(text), Owner::Generator) => files.text(path, text),
            (Ok(text), Owner::User) => files.insert(user_file(path, text)),
            (Err(e), _) => errors.push(e),
        }
    };
    rust_file(
        "src/generated/mod.rs",
        Owner::Generator,
        Ok(oop_rs::emit_mod(&names, true, |_| quote! { ; })),
    );
    rust_file(
        "src/generated/config.rs",
        Owner::Generator,
        config_rs::emit(model, &names),
    );
    rust_file(
        "src/generated/oop.rs",
        Owner::Generator,
        Ok(oop_rs::emit(model, &names, &sdk_crate_path(&names))),
    );
    rust_file(
        "src/service.rs",
        Owner::User,
        Ok(service_rs::emit(model, &names)),
    );
    rust_file("src/lib.rs", Owner::User, Ok(user_rs::lib_rs(&names)));
    rust_file(
        "src/main.rs",
        Owner::User,
        Ok(user_rs::main_rs(model, &names)),
    );

    rust_file(
        user_rs::API_SURFACE_TEST,
        Owner::User,
        Ok(user_rs::api_surface_test(model)),
    );
    match user_rs::api_surface_snapshot(model, &names.package) {
        Ok(text) => files.insert(user_file(user_rs::API_SURFACE_SNAPSHOT_FILE, text)),
        Err(e) => errors.push(e),
    }

    files.text(
        format!("config/{}.schema.json", names.package),
        schema::emit(model, &names),
    );
    files.text(
        format!("config/{}.example.yaml", names.package),
        example_yaml::emit(model, &names),
    );
    files.insert(user_file(
        "Cargo.toml",
        cargo::manifest(model, &names, runtime),
    ));
    errors.finish(files)
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

fn sdk_crate_path(names: &ModuleNames) -> TokenStream {
    let sdk = rust::ident(&names.sdk_lib);
    quote! { #sdk }
}

pub(crate) fn user_file(path: impl Into<PathBuf>, text: String) -> GeneratedFile {
    GeneratedFile {
        path: path.into(),
        contents: Contents::Text(text),
        owner: Owner::User,
    }
}
