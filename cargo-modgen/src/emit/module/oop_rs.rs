//! `src/generated/mod.rs` and `src/generated/oop.rs`: the module's identity for the
//! runtime (`SPEC`), the routes of its services, and `run`, the entry point `main.rs` calls.

use proc_macro2::TokenStream;
use quote::quote;

use super::config_rs::duration_expr;
use super::names::ModuleNames;
use modgen_contract::module_cli;

use crate::emit::rust::{DOC_WIDTH, doc, ident};
use crate::emit::sdk::service_name_const;
use crate::model::Model;

/// `src/generated/mod.rs`: its doc, then `config` and `oop` as `rest` gives them (`;` for
/// files, a body inline), then the re-exports.
pub fn emit_mod(
    names: &ModuleNames,
    with_doc: bool,
    rest: impl Fn(&str) -> TokenStream,
) -> TokenStream {
    let config = ident(&names.config_struct);
    // Only the file has the doc: the macro's output cannot start with an inner attribute.
    let doc = with_doc.then(|| {
        quote! {
            //! What cargo-modgen generates for the module: its config type and its
            //! out-of-process entry point. Rewritten by every `cargo modgen generate`.
        }
    });
    let (config_rest, oop_rest) = (rest("config"), rest("oop"));
    quote! {
        #doc

        pub mod config #config_rest
        pub mod oop #oop_rest

        pub use config::#config;
        pub use oop::{local, routes, run, SPEC};
    }
}

/// `oop.rs`. `sdk` is the path of the SDK's root from anywhere in the crate: the SDK
/// crate (`calculator_sdk`), or `crate::sdk` when the SDK is expanded inline.
pub fn emit(model: &Model, names: &ModuleNames, sdk: &TokenStream) -> TokenStream {
    let config = ident(&names.config_struct);
    let module_name = &model.module.name;
    let version = &model.module.version;
    let service_names = model.services.iter().map(|s| {
        let constant = service_name_const(s);
        quote! { #sdk::#constant }
    });
    let heartbeat = duration_expr(model.module.heartbeat_interval);
    let traits: Vec<TokenStream> = model
        .services
        .iter()
        .map(|s| {
            let name = ident(&s.trait_name);
            quote! { #sdk::#name }
        })
        .collect();
    let adapters: Vec<TokenStream> = model
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let adapter = ident(&s.adapter_name);
            // The last adapter takes the Arc itself; the others a clone of it.
            let arg = if i + 1 == model.services.len() {
                quote! { service }
            } else {
                quote! { service.clone() }
            };
            quote! { #sdk::server::#adapter::new(#arg).into_service() }
        })
        .collect();
    let (first, rest) = adapters
        .split_first()
        .expect("a checked model has a service");
    let spec_doc = doc(&format!(
        "What the `{module_name}` module tells the runtime and the directory about itself."
    ));
    let service_list = model
        .services
        .iter()
        .map(|s| format!("`{}`", s.full_name))
        .collect::<Vec<_>>()
        .join(", ");
    let routes_doc = doc(&format!(
        "The gRPC routes of the module ({service_list}), every one served by `service`."
    ));
    let run_doc = run_doc();
    let local_doc = doc(&format!(
        "The module to link into a host binary, for `type: local` in the host YAML: \
         [`modgen_runtime::host::start_with`] runs it in the host's process. `build` is the \
         one [`run`] takes. Its config comes from the YAML entry (merged over the defaults \
         and validated as a process's); the implementation it builds is registered in the \
         host's client hub, so consumers in the same process that wire a client of \
         {service_list} call it directly, and its routes are served and registered for the \
         others."
    ));
    let register_locals = model.services.iter().map(|s| {
        let register = crate::emit::sdk::item(s, "register_local");
        quote! { #sdk::#register(&hub, service.clone()); }
    });
    let allow_deprecated = model
        .services
        .iter()
        .any(|s| s.deprecated)
        .then(|| quote! { #[allow(deprecated)] });
    quote! {
        //! The out-of-process entry point of the module, over `modgen_runtime::oop`.

        use std::future::Future;
        use std::process::ExitCode;
        use std::sync::Arc;
        use std::time::Duration;

        use modgen_runtime::host::LocalModule;
        use modgen_runtime::oop::{self, BoxError, ModuleHandle, ModuleSpec, Routes};

        use super::config::#config;

        #spec_doc
        pub const SPEC: ModuleSpec = ModuleSpec {
            name: #module_name,
            version: #version,
            service_names: &[#(#service_names),*],
            file_descriptor_sets: &[#sdk::FILE_DESCRIPTOR_SET],
            heartbeat_interval: #heartbeat,
        };

        #routes_doc
        #allow_deprecated
        pub fn routes<S: #(#traits)+*>(service: Arc<S>) -> Routes {
            Routes::new(#first) #(.add_service(#rest))*
        }

        #run_doc
        #allow_deprecated
        pub fn run<
            S: #(#traits)+*,
            F: FnOnce(#config, ModuleHandle) -> Fut,
            Fut: Future<Output = Result<Arc<S>, BoxError>>,
        >(build: F) -> ExitCode {
            oop::main(SPEC, move |config: #config, handle: ModuleHandle| async move {
                let service = build(config, handle).await?;
                Ok::<_, BoxError>(routes(service))
            })
        }

        #local_doc
        #allow_deprecated
        pub fn local<
            S: #(#traits)+* + 'static,
            F: FnOnce(#config, ModuleHandle) -> Fut + Send + 'static,
            Fut: Future<Output = Result<Arc<S>, BoxError>> + Send + 'static,
        >(build: F) -> LocalModule {
            LocalModule::new(SPEC, move |config: #config, handle: ModuleHandle| async move {
                let hub = handle.hub().clone();
                let service = build(config, handle).await?;
                #(#register_locals)*
                Ok::<_, BoxError>(routes(service))
            })
        }
    }
}

/// The docs of `run`: what it does, then every flag of the module command line from the
/// table the runtime's parser is built from, so the two cannot drift.
fn run_doc() -> TokenStream {
    let intro = doc(
        "Runs the module as its own process until SIGINT/SIGTERM: parses the command line \
         (below), loads and validates the config (a bad one exits with status 2, naming the \
         key), calls `build`, then serves [`routes`] with health and reflection, registered \
         in the directory when there is one.\n\n\
         The command line (`--help` shows the same):",
    );
    let items = module_cli::FLAGS
        .iter()
        .flat_map(|flag| list_item(&format!("`{}`: {}", flag.usage(), flag.help())));
    quote! {
        #intro
        #[doc = ""]
        #(#[doc = #items])*
    }
}

/// ` - text`, wrapped to the doc width with continuation lines indented under the text.
fn list_item(text: &str) -> Vec<String> {
    let mut lines = vec![String::from(" -")];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line at least");
        if last.len() + 1 + word.len() > DOC_WIDTH && last.trim() != "-" {
            lines.push(format!("   {word}"));
        } else {
            last.push(' ');
            last.push_str(word);
        }
    }
    lines
}
