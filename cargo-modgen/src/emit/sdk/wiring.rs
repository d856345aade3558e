//! `wiring.rs`: how a consumer gets an implementation of an API trait: the module's
//! implementation through the hub when it runs in this process (wrapped so that the
//! callee's `ctx.caller` names the calling module), else a gRPC client.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::api;
use super::item;
use crate::emit::rust::{doc, ident};
use crate::model::{Method, Model, RequestParam, Service};

/// `InProcessCalculatorClient` for the trait `CalculatorClient`.
fn in_process_name(service: &Service) -> Ident {
    format_ident!("InProcess{}", service.trait_name)
}

pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let functions = model.services.iter().map(|service| {
        let api = ident(&service.trait_name);
        let client = ident(&service.client_name);
        let wire = item(service, "wire_client");
        let register = item(service, "register_local");
        let in_process = in_process_name(service);
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
                    let caller = directory.caller().map(|caller| caller.module.clone());
                    return Ok(Arc::new(#in_process { local, caller }));
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
    let in_process = model
        .services
        .iter()
        .map(|service| in_process_wrapper(service, &error));
    let streams = model
        .services
        .iter()
        .flat_map(|service| &service.methods)
        .any(|method| method.streaming.client_streams() || method.streaming.server_streams());
    let api_stream = streams.then(|| quote! { ApiStream, });
    let traits = model.services.iter().map(|s| ident(&s.trait_name));
    let clients = model.services.iter().map(|s| ident(&s.client_name));
    quote! {
        //! Wiring: one call gives a consumer the implementation to use, local or remote.

        use std::sync::Arc;

        use modgen_runtime::context::CallContext;
        use modgen_runtime::directory::Resolver;
        use modgen_runtime::hub::{ClientHub, in_process_context};

        use super::api::{#api_stream #(#traits),*};
        use super::client::{#(#clients),*};
        use super::error::#error;

        #(#functions)*
        #(#in_process)*
    }
}

/// The implementation from the hub, called with the calling module as `ctx.caller`.
fn in_process_wrapper(service: &Service, error: &Ident) -> TokenStream {
    let name = in_process_name(service);
    let api = ident(&service.trait_name);
    let wrapper_doc = doc(&format!(
        "[`{}`] through the hub: the in-process implementation, called with no wire and no\n\
         copy of the request, with the calling module (`None`: a client of no module) as\n\
         the callee's `ctx.caller`.",
        service.trait_name
    ));
    let methods = service.methods.iter().map(|method| forward(method, error));
    quote! {
        #wrapper_doc
        struct #name {
            local: Arc<dyn #api>,
            caller: Option<Arc<str>>,
        }

        #[async_trait::async_trait]
        #[allow(deprecated)]
        impl #api for #name {
            #(#methods)*
        }
    }
}

fn forward(method: &Method, error: &Ident) -> TokenStream {
    let name = ident(&method.api_name);
    let (params, output) = api::parts(method, error);
    let convention = api::convention_allow(method);
    let argument = match method.request_param() {
        RequestParam::Stream => quote! { , requests },
        RequestParam::Unit => quote! {},
        RequestParam::Message => quote! { , request },
    };
    quote! {
        #convention
        async fn #name(&self, ctx: &CallContext #params) -> #output {
            let ctx = in_process_context(ctx, self.caller.as_deref());
            self.local.#name(&ctx #argument).await
        }
    }
}
