//! `lib.rs`: modules, re-exports, service names and the descriptor set.

use proc_macro2::TokenStream;
use quote::quote;

use super::{item, service_name_const};
use crate::emit::rust::{doc, ident, inner_doc};
use crate::model::Model;

/// Where the encoded descriptor set lives, relative to the SDK root.
pub const DESCRIPTOR_FILE_PATH: &str = "src/file_descriptor_set.bin";

/// Lints prost/tonic output trips and that we cannot fix in their code; scoped to `proto`.
const PROTO_ALLOWS: &[&str] = &[
    "clippy::doc_lazy_continuation",
    "clippy::doc_overindented_list_items",
    "clippy::large_enum_variant",
    "clippy::enum_variant_names",
    "clippy::new_ret_no_self",
    "clippy::wrong_self_convention",
    "clippy::should_implement_trait",
];

pub fn emit(model: &Model) -> TokenStream {
    let crate_doc = inner_doc(&format!(
        "The SDK of the `{}` module ({} {}).\n\n\
         Code against the API trait; get an implementation with `wire_client`, which returns\n\
         the in-process one when the module runs here and a gRPC client otherwise.",
        model.module.name,
        model.sdk.crate_name,
        model.module.version
    ));
    let error = ident(&model.sdk.error_type);
    let traits = model.services.iter().map(|s| ident(&s.trait_name));
    let clients = model.services.iter().map(|s| ident(&s.client_name));
    let wiring = model
        .services
        .iter()
        .flat_map(|s| [item(s, "wire_client"), item(s, "register_local")]);
    let constants = model.services.iter().map(|service| {
        let name = service_name_const(service);
        let full = &service.full_name;
        let text = doc(&format!("The fully qualified gRPC name of `{}`.", service.proto_name));
        quote! {
            #text
            pub const #name: &str = #full;
        }
    });
    let allows = PROTO_ALLOWS.iter().map(|lint| {
        let path: syn::Path = syn::parse_str(lint).expect("lint paths are valid");
        path
    });
    quote! {
        #crate_doc

        pub mod api;
        pub mod client;
        pub mod error;
        #[allow(#(#allows),*)]
        pub mod proto;
        pub mod server;
        pub mod testing;
        pub mod wiring;

        pub use api::{ApiStream, #(#traits),*};
        pub use client::{#(#clients),*};
        pub use error::#error;
        pub use modgen_runtime::context::CallContext;
        pub use wiring::{#(#wiring),*};

        #(#constants)*

        /// The encoded `FileDescriptorSet` of the module's protos and their imports, for
        /// server reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!("file_descriptor_set.bin");
    }
}
