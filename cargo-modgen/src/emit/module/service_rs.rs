//! `src/service.rs`, user-owned: the struct that implements the module's API traits, with
//! one stub per RPC that answers `Unimplemented` (never a panic: a half-written module
//! keeps serving its other calls).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::names::ModuleNames;
use super::stub::{Spelling, stub};
use crate::emit::rust::{doc, ident};
use crate::model::{MessageRef, Model, Service, Streaming};

pub fn emit(model: &Model, names: &ModuleNames) -> TokenStream {
    let sdk = ident(&names.sdk_lib);
    let error = ident(&model.sdk.error_type);
    let name = ident(&names.service_struct);
    let config = ident(&names.config_struct);
    let types = MessageTypes::new(model, names);
    let imports = types.imports(&sdk);
    let streams = model
        .services
        .iter()
        .flat_map(|s| &s.methods)
        .any(|m| m.streaming != Streaming::Unary);
    let api_stream = streams.then(|| quote! { ApiStream, });
    let traits = model.services.iter().map(|s| ident(&s.trait_name));
    let impls = model
        .services
        .iter()
        .map(|s| service_impl(s, &name, &types));
    let struct_doc = doc(&format!(
        "The `{}` module: the implementation behind its gRPC services.",
        model.module.name
    ));
    quote! {
        //! The module's implementation: yours to edit. `cargo modgen generate` never
        //! rewrites this file: it only adds a stub for each new RPC at the end of its
        //! `impl` block (wherever in `src/` you move it) and lists methods whose RPC is gone.

        use async_trait::async_trait;
        use #sdk::{#api_stream CallContext, #error, #(#traits),*};
        #imports

        use crate::generated::#config;

        #struct_doc
        pub struct #name {
            config: #config,
        }

        impl #name {
            pub fn new(config: #config) -> Self {
                Self { config }
            }

            /// The configuration the module was started with.
            pub fn config(&self) -> &#config {
                &self.config
            }
        }

        #(#impls)*
    }
}

fn service_impl(service: &Service, name: &proc_macro2::Ident, types: &MessageTypes) -> TokenStream {
    let api = ident(&service.trait_name);
    let methods = service.methods.iter().map(|m| stub(service, m, types));
    let allow = service.deprecated.then(|| quote! { #[allow(deprecated)] });
    quote! {
        #allow
        #[async_trait]
        impl #api for #name {
            #(#methods)*
        }
    }
}

/// How `service.rs` spells message types: imported by name when the names are unique
/// (and do not clash with the file's other names), by full path otherwise.
struct MessageTypes {
    sdk: proc_macro2::Ident,
    error: proc_macro2::Ident,
    /// Type name → the package modules and parents it lives in, for every imported type.
    imported: BTreeMap<String, Vec<String>>,
}

impl MessageTypes {
    fn new(model: &Model, names: &ModuleNames) -> Self {
        let mut reserved: Vec<String> = vec![
            names.service_struct.clone(),
            names.config_struct.clone(),
            model.sdk.error_type.clone(),
            "ApiStream".into(),
            "CallContext".into(),
        ];
        // The prelude names the stubs (and the code the user writes next) rely on.
        reserved.extend(
            [
                "Result", "Ok", "Err", "Option", "Some", "None", "String", "Vec", "Box",
            ]
            .map(String::from),
        );
        reserved.extend(model.services.iter().map(|s| s.trait_name.clone()));
        let mut seen: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        for method in model.services.iter().flat_map(|s| &s.methods) {
            for message in [&method.input, &method.output] {
                if let MessageRef::Generated {
                    package_module,
                    parents,
                    name,
                } = message
                {
                    let path: Vec<String> = package_module.iter().chain(parents).cloned().collect();
                    let paths = seen.entry(name.clone()).or_default();
                    if !paths.contains(&path) {
                        paths.push(path);
                    }
                }
            }
        }
        let imported = seen
            .into_iter()
            .filter(|(name, paths)| paths.len() == 1 && !reserved.contains(name))
            .map(|(name, mut paths)| (name, paths.remove(0)))
            .collect();
        MessageTypes {
            sdk: ident(&names_sdk(model)),
            error: ident(&model.sdk.error_type),
            imported,
        }
    }

    /// `use sdk::proto::pkg::{A, B};`, one line per module.
    fn imports(&self, sdk: &proc_macro2::Ident) -> TokenStream {
        let mut by_module: BTreeMap<&Vec<String>, Vec<&String>> = BTreeMap::new();
        for (name, path) in &self.imported {
            by_module.entry(path).or_default().push(name);
        }
        let lines = by_module.into_iter().map(|(path, names)| {
            let segments = path.iter().map(|s| ident(s));
            let names: Vec<_> = names.into_iter().map(|n| ident(n)).collect();
            match names.as_slice() {
                [one] => quote! { use #sdk::proto:: #(#segments::)* #one; },
                _ => quote! { use #sdk::proto:: #(#segments::)* {#(#names),*}; },
            }
        });
        quote! { #(#lines)* }
    }
}

/// The names `service.rs` imports: the stubs of `new` read like the user's own code.
impl Spelling for MessageTypes {
    fn message(&self, message: &MessageRef) -> TokenStream {
        match message {
            MessageRef::Unit => quote! { () },
            MessageRef::WellKnown(name) if name == "StringValue" => quote! { String },
            MessageRef::WellKnown(name) => {
                let name = ident(name);
                quote! { prost_types::#name }
            }
            MessageRef::Generated {
                package_module,
                parents,
                name,
            } => {
                if self.imported.contains_key(name) {
                    let name = ident(name);
                    return quote! { #name };
                }
                let sdk = &self.sdk;
                let segments = package_module.iter().chain(parents).map(|m| ident(m));
                let name = ident(name);
                quote! { #sdk::proto:: #(#segments::)* #name }
            }
        }
    }

    fn call_context(&self) -> TokenStream {
        quote! { CallContext }
    }

    fn api_stream(&self) -> TokenStream {
        quote! { ApiStream }
    }

    fn error(&self) -> TokenStream {
        let error = &self.error;
        quote! { #error }
    }

    fn result(&self) -> TokenStream {
        quote! { Result }
    }

    fn err(&self) -> TokenStream {
        quote! { Err }
    }
}

fn names_sdk(model: &Model) -> String {
    crate::names::crate_ident(&model.sdk.crate_name)
}
