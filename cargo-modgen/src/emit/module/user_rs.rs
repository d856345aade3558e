//! The module crate's user-owned `src/lib.rs` and `src/main.rs`: written once by `new`,
//! a few lines each, so that the user can add modules and start-up code where they expect.

use proc_macro2::TokenStream;
use quote::quote;

use super::names::ModuleNames;
use crate::emit::rust::{ident, inner_doc};
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
