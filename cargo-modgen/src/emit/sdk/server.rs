//! `server.rs`: adapters serving any implementation of an API trait as its tonic service.
//! The same adapter serves the module out of process and the `testing` helper in tests.
//! What is the same for every SDK lives in `modgen_runtime::server::generated`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::item;
use crate::emit::rust::{doc, ident, message_type};
use crate::model::{Method, Model, RequestParam, Service};

pub fn emit(model: &Model) -> TokenStream {
    let methods = || model.services.iter().flat_map(|s| &s.methods);
    let server_streams = methods().any(|m| m.streaming.server_streams());
    let error = ident(&model.sdk.error_type);
    let adapters = model.services.iter().map(|s| adapter(s, &error));
    let traits = model.services.iter().map(|s| ident(&s.trait_name));
    // A streamed response's type names the SDK's error: its errors become statuses as
    // they pass (`StatusStream<T, E>`), with no second box.
    let (helpers, error_import) = if server_streams {
        (
            quote! { use modgen_runtime::server::generated::{self, StatusStream}; },
            quote! { use super::error::#error; },
        )
    } else {
        (quote! { use modgen_runtime::server::generated; }, quote! {})
    };
    quote! {
        //! Adapters from the API traits to tonic services: one implementation serves callers
        //! in this process and over gRPC alike.

        use std::sync::Arc;

        use modgen_runtime::context::CallContext;
        #helpers
        use tonic::service::Routes;

        use super::api::{#(#traits),*};
        #error_import

        #(#adapters)*
    }
}

fn adapter(service: &Service, error: &Ident) -> TokenStream {
    let name = ident(&service.adapter_name);
    let api = ident(&service.trait_name);
    let module = service.package_module.iter().map(|m| ident(m));
    let server_mod = ident(&service.tonic_server_module);
    let tonic_trait = ident(&service.rust_name);
    let tonic_server = ident(&format!("{}Server", crate::names::bare(&service.rust_name)));
    let module: Vec<_> = module.collect();
    let server_path = quote! { super::proto:: #(#module::)* #server_mod };
    let routes = item(service, "routes");
    let struct_doc = doc(&format!(
        "Serves any [`{}`] as the gRPC service `{}`.",
        service.trait_name, service.full_name
    ));
    let routes_doc = doc(&format!(
        "The routes of `{}`, served by `api`, for `Server::add_routes` or\n`modgen_runtime::testing::serve_loopback`.",
        service.full_name
    ));
    let methods = service.methods.iter().map(|m| method(m, error));
    quote! {
        #struct_doc
        #[derive(Clone)]
        pub struct #name {
            api: Arc<dyn #api>,
        }

        impl #name {
            /// An adapter serving `api`.
            pub fn new(api: Arc<dyn #api>) -> Self {
                Self { api }
            }

            /// The tonic service, to add to a `tonic::transport::Server`.
            pub fn into_service(self) -> #server_path::#tonic_server<Self> {
                #server_path::#tonic_server::new(self)
            }
        }

        #routes_doc
        pub fn #routes(api: Arc<dyn #api>) -> Routes {
            Routes::new(#name::new(api).into_service())
        }

        #[async_trait::async_trait]
        impl #server_path::#tonic_trait for #name {
            #(#methods)*
        }
    }
}

fn method(method: &Method, error: &Ident) -> TokenStream {
    let tonic_name = ident(&method.tonic_name);
    let api_name = ident(&method.api_name);
    let input = message_type(&method.input);
    let output = message_type(&method.output);
    let allow = method.deprecated.then(|| quote! { #[allow(deprecated)] });
    let wire_input = if method.streaming.client_streams() {
        quote! { tonic::Streaming<#input> }
    } else {
        quote! { #input }
    };
    let argument = match method.request_param() {
        RequestParam::Stream => quote! { , generated::requests(request.into_inner()) },
        RequestParam::Unit => quote! {},
        RequestParam::Message => quote! { , request.into_inner() },
    };
    let call = quote! {
        let ctx = CallContext::from_request(&request);
        #allow
        let result = self.api.#api_name(&ctx #argument).await;
    };
    if method.streaming.server_streams() {
        let stream = ident(&method.tonic_stream_type());
        quote! {
            type #stream = StatusStream<#output, #error>;

            async fn #tonic_name(
                &self,
                request: tonic::Request<#wire_input>,
            ) -> Result<tonic::Response<Self::#stream>, tonic::Status> {
                #call
                generated::reply_stream(&ctx, result)
            }
        }
    } else {
        quote! {
            async fn #tonic_name(
                &self,
                request: tonic::Request<#wire_input>,
            ) -> Result<tonic::Response<#output>, tonic::Status> {
                #call
                generated::reply(&ctx, result)
            }
        }
    }
}
