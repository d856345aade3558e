//! The module crate's user-owned `src/lib.rs` and `src/main.rs`: written once by `new`,
//! a few lines each, so that the user can add modules and start-up code where they expect.

use proc_macro2::TokenStream;
use quote::quote;

use super::names::ModuleNames;
use crate::emit::rust::{ident, inner_doc};
use crate::error::Error;
use crate::model::Model;

pub fn lib_rs(names: &ModuleNames) -> TokenStream {
    let name = ident(&names.service_struct);
    let config = ident(&names.config_struct);
    let crate_doc = inner_doc(&format!(
        "The `{}` module. `service` is yours; `generated` is rewritten by\n`cargo modgen generate` from modgen.toml and the protos.",
        names.package
    ));
    quote! {
        #crate_doc

        pub mod generated;
        pub mod service;

        pub use generated::#config;
        pub use service::#name;
    }
}

pub fn main_rs(model: &Model, names: &ModuleNames) -> TokenStream {
    let lib = ident(&names.lib);
    let name = ident(&names.service_struct);
    let crate_doc = inner_doc(&format!(
        "The `{}` module as its own process (run it under `modgen-host`, see host.yaml).\n\
         `run` handles the command line, config, serving and the directory; the closure\n\
         builds the implementation, and may use the handle to reach other modules.",
        model.module.name
    ));
    quote! {
        #crate_doc

        use std::process::ExitCode;
        use std::sync::Arc;

        use #lib::#name;

        fn main() -> ExitCode {
            #lib::generated::run(|config, _handle| async move { Ok(Arc::new(#name::new(config))) })
        }
    }
}

/// The user's API snapshot test: its file, and the name of the one snapshot it takes.
pub const API_SURFACE_TEST: &str = "tests/api_surface.rs";
const API_SURFACE_SNAPSHOT: &str = "api_surface";

/// Where insta keeps that snapshot: `<test file stem>__<snapshot name>.snap`.
pub const API_SURFACE_SNAPSHOT_FILE: &str = "tests/snapshots/api_surface__api_surface.snap";

/// The snapshot file `new` writes with the test, so a new workspace's tests pass at once;
/// insta's format: a metadata block, then the contents.
pub fn api_surface_snapshot(model: &Model, package: &str) -> Result<String, Error> {
    let surface = crate::surface::of_model(model)?;
    let sdk = crate::names::crate_ident(&model.sdk.crate_name);
    Ok(format!(
        "---\nsource: {package}/{API_SURFACE_TEST}\nexpression: \"{sdk}::testing::API_SURFACE\"\n---\n{surface}"
    ))
}

/// `tests/api_surface.rs`: the user's snapshot of the SDK's wire contract, so that a proto
/// change shows up as a reviewable diff (see `API_SURFACE` in the SDK's `testing`).
pub fn api_surface_test(model: &Model) -> TokenStream {
    let name = API_SURFACE_SNAPSHOT;
    let sdk = ident(&crate::names::crate_ident(&model.sdk.crate_name));
    let crate_doc = inner_doc(
        "The SDK's wire contract, snapshotted. After a proto change and `cargo modgen generate`,\n\
         this test fails with a diff of what callers send and receive: review it like any API\n\
         change, then accept it with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).",
    );
    quote! {
        #crate_doc

        #[test]
        fn api_surface_is_the_reviewed_one() {
            insta::assert_snapshot!(#name, #sdk::testing::API_SURFACE);
        }
    }
}
