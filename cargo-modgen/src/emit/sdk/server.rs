//! `server.rs`: adapters serving any implementation of an API trait as its tonic service.
//! The same adapter serves the module out of process and the `testing` helper in tests.

use proc_macro2::TokenStream;
use quote::quote;

use super::item;
use crate::emit::rust::{doc, ident, message_type};
use crate::model::{MessageRef, Method, Model, Service, Streaming};

pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let kinds: Vec<Streaming> = model
        .services
        .iter()
        .flat_map(|s| &s.methods)
        .map(|m| m.streaming)
        .collect();
    let server_streams = kinds.iter().any(|k| k.server_streams());
    let client_streams = kinds.iter().any(|k| k.client_streams());
    let adapters = model.services.iter().map(adapter);
    let traits = model.services.iter().map(|s| ident(&s.trait_name));
    let api_stream = client_streams.then(|| quote! { ApiStream, });
    let stream_ext =
        (server_streams || client_streams).then(|| quote! { use futures_util::StreamExt; });
    let pin = server_streams.then(|| quote! { use std::pin::Pin; });
    let stream = server_streams.then(|| quote! { use futures_core::Stream; });

    let status_stream = server_streams.then(|| {
        quote! {
            /// What tonic's server traits stream back.
            type StatusStream<T> = Pin<Box<dyn Stream<Item = Result<T, tonic::Status>> + Send + 'static>>;

            fn to_wire<T: Send + 'static>(
                ctx: &CallContext,
                result: Result<super::api::ApiStream<T>, #error>,
            ) -> Result<tonic::Response<StatusStream<T>>, tonic::Status> {
                reply(ctx, result.map(|stream| -> StatusStream<T> {
                    Box::pin(stream.map(|item| item.map_err(tonic::Status::from)))
                }))
            }
        }
    });
    let from_wire = client_streams.then(|| {
        quote! {
            fn from_wire<T: Send + 'static>(requests: tonic::Streaming<T>) -> ApiStream<T> {
                Box::pin(requests.map(|item| item.map_err(#error::from)))
            }
        }
    });
    quote! {
        //! Adapters from the API traits to tonic services: one implementation serves callers
        //! in this process and over gRPC alike.

        #pin
        use std::sync::Arc;

        #stream
        #stream_ext
        use modgen_runtime::context::CallContext;
        use tonic::service::Routes;

        use super::api::{#api_stream #(#traits),*};
        use super::error::#error;

        #(#adapters)*

        /// The response for `result`, echoing the caller's request id either way.
        fn reply<T>(ctx: &CallContext, result: Result<T, #error>) -> Result<tonic::Response<T>, tonic::Status> {
            match result {
                Ok(message) => Ok(ctx.to_response(message)),
                Err(error) => {
                    let mut status = tonic::Status::from(error);
                    ctx.echo_request_id(status.metadata_mut());
                    Err(status)
                }
            }
        }

        #status_stream
        #from_wire
    }
}

fn adapter(service: &Service) -> TokenStream {
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
    let methods = service.methods.iter().map(method);
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

fn method(method: &Method) -> TokenStream {
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
    let argument = match (method.streaming.client_streams(), &method.input) {
        (true, _) => quote! { , from_wire(request.into_inner()) },
        (false, MessageRef::Unit) => quote! {},
        (false, _) => quote! { , request.into_inner() },
    };
    let call = quote! {
        let ctx = CallContext::from_request(&request);
        #allow
        let result = self.api.#api_name(&ctx #argument).await;
    };
    if method.streaming.server_streams() {
        let stream = ident(&method.tonic_stream_type());
        quote! {
            type #stream = StatusStream<#output>;

            async fn #tonic_name(
                &self,
                request: tonic::Request<#wire_input>,
            ) -> Result<tonic::Response<Self::#stream>, tonic::Status> {
                #call
                to_wire(&ctx, result)
            }
        }
    } else {
        quote! {
            async fn #tonic_name(
                &self,
                request: tonic::Request<#wire_input>,
            ) -> Result<tonic::Response<#output>, tonic::Status> {
                #call
                reply(&ctx, result)
            }
        }
    }
}
