//! The module crate and its workspace as files (`generate_module`, `generate_workspace`):
//! generated Rust from tokens, the text files people read or edit from `templates/`.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use super::host_crate::{HostMember, generate_host};
use super::names::ModuleNames;
use super::{
    WorkspaceOptions, cargo, config_rs, example_yaml, oop_rs, schema, sdk_crate_path, service_rs,
    user_rs, workspace,
};
use crate::emit::rust;
use crate::emit::sdk::{self, RuntimeDep, SdkOptions};
use crate::error::{Error, Errors};
use crate::fileset::{Contents, FileSet, GeneratedFile, Owner};
use crate::model::Model;

/// The whole workspace: the SDK under `<name>-sdk/`, the module crate under `<name>/`,
/// and the scaffolding at the root (with `cargo_workspace`, also the host crate under
/// `host/`); paths relative to the workspace root.
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
    // A workspace of its own lists `host/` among its members: its host crate, linking
    // this module (`new <other>` regenerates it with more).
    if options.cargo_workspace {
        let host = [HostMember {
            dir: std::path::Path::new(""),
            model,
        }];
        files.merge(generate_host(&host, &options.runtime).map_err(Errors::from)?);
    }
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
    files.insert(user_file("src/lib.rs", user_rs::lib_rs(&names)));
    files.insert(user_file("src/main.rs", user_rs::main_rs(model, &names)));
    files.insert(user_file(
        user_rs::API_SURFACE_TEST,
        user_rs::api_surface_test(model),
    ));
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

pub(crate) fn user_file(path: impl Into<PathBuf>, text: String) -> GeneratedFile {
    GeneratedFile {
        path: path.into(),
        contents: Contents::Text(text),
        owner: Owner::User,
    }
}
