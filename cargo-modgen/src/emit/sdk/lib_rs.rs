//! The SDK root (`lib.rs` for the CLI, the macro's output itself): re-exports, service
//! names and the descriptor set. Its modules are declared by `layout`, as files or inline.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{item, service_name_const};
use crate::emit::rust::{doc, ident, inner_doc};
use crate::model::Model;

/// Lints tonic's server traits trip when an RPC is named like a constructor or a
/// conversion (`New`, `IntoList`, `FromText`): the trait method keeps the RPC's name and
/// takes `&self`. Scoped to `proto`, where we cannot rename anything.
const PROTO_ALLOWS: &[&str] = &[
    "clippy::new_ret_no_self",
    "clippy::wrong_self_convention",
    // A oneof holding a large message inline: prost's data layout, not ours to change.
    // Boxing (prost's `boxed`) would make a variant's type depend on clippy's size
    // threshold, so adding a field to a message could change the API; see ARCHITECTURE.md.
    "clippy::large_enum_variant",
];

/// The crate-level doc. Only `lib.rs` has it: an `include!`d file or a macro's output
/// cannot start with inner attributes.
pub fn crate_doc(model: &Model) -> TokenStream {
    inner_doc(&format!(
        "The SDK of the `{}` module ({} {}).\n\n\
         Code against the API trait; get an implementation with `wire_client`, which returns\n\
         the in-process one when the module runs here and a gRPC client otherwise.",
        model.module.name, model.sdk.crate_name, model.module.version
    ))
}

/// The attributes on `mod proto`'s declaration.
pub fn proto_attrs() -> TokenStream {
    let allows: Vec<syn::Path> = PROTO_ALLOWS
        .iter()
        .map(|lint| syn::parse_str(lint).expect("lint paths are valid"))
        .collect();
    quote! { #[allow(#(#allows),*)] }
}

/// The root's own items, after its modules: re-exports, service names, descriptor set.
pub fn root_items(model: &Model) -> TokenStream {
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
        let text = doc(&format!(
            "The fully qualified gRPC name of `{}`.",
            service.proto_name
        ));
        quote! {
            #text
            pub const #name: &str = #full;
        }
    });
    // Bytes in the code rather than `include_bytes!("file")`: a relative path only
    // resolves from a file at the crate root, not inline in a macro or from `OUT_DIR`.
    let descriptor_set = Literal::byte_string(&model.protos.descriptor_set);
    quote! {
        pub use api::{ApiStream, #(#traits),*};
        pub use client::{#(#clients),*};
        pub use error::#error;
        pub use modgen_runtime::context::CallContext;
        pub use wiring::{#(#wiring),*};

        #(#constants)*

        /// The encoded `FileDescriptorSet` of the module's protos and their imports, for
        /// server reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] = #descriptor_set;
    }
}
