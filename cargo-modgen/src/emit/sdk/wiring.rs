//! `wiring.rs`: how a consumer gets an implementation of an API trait.

use proc_macro2::TokenStream;
use quote::quote;

use super::item;
use crate::emit::rust::{doc, ident};
use crate::model::Model;

pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let functions = model.services.iter().map(|service| {
        let api = ident(&service.trait_name);
        let client = ident(&service.client_name);
        let wire = item(service, "wire_client");
        let register = item(service, "register_local");
        let wire_doc = doc(&format!(
            "The `{}` implementation for this process: the one registered in `hub` when the\n\
             module runs here, else a client for the instances `directory` knows.\n\n\
             Fails with `Transport` when neither exists, so a missing dependency shows at\n\
             startup rather than at the first call.",
            service.full_name
        ));
        let register_doc = doc(&format!(
            "Registers an in-process implementation of [`{}`], which [`{}`] then returns.",
            service.trait_name, wire
        ));
        quote! {
            #wire_doc
            pub async fn #wire(
                hub: &ClientHub,
                directory: Arc<dyn Resolver>,
            ) -> Result<Arc<dyn #api>, #error> {
                if let Some(local) = hub.get::<dyn #api>() {
                    return Ok(local);
                }
                let client = #client::with_resolver(directory);
                client.channels().pick().await?;
                Ok(Arc::new(client))
            }

            #register_doc
            pub fn #register(hub: &ClientHub, api: Arc<dyn #api>) {
                hub.register::<dyn #api>(api);
            }
        }
    });
    let traits = model.services.iter().map(|s| ident(&s.trait_name));
    let clients = model.services.iter().map(|s| ident(&s.client_name));
    quote! {
        //! Wiring: one call gives a consumer the implementation to use, local or remote.

        use std::sync::Arc;

        use modgen_runtime::directory::Resolver;
        use modgen_runtime::hub::ClientHub;

        use super::api::{#(#traits),*};
        use super::client::{#(#clients),*};
        use super::error::#error;

        #(#functions)*
    }
}
