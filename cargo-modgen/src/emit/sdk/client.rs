//! `client.rs`: a gRPC client per service, implementing its API trait over
//! `modgen_runtime::client` (resolution, instance choice, timeouts, retry of unary calls).
//!
//! Everything that is the same for every SDK lives in `modgen_runtime::client::generated`,
//! generic over the SDK's error type; each method here is one call naming its `Rpc`.
//! Calls go through `tonic::client::Grpc` rather than tonic's generated client, whose
//! inherent methods collide with RPCs named `New` or `Connect` (see `proto_types`).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::api::parts;
use super::service_name_const;
use crate::emit::rust::{doc, ident};
use crate::model::{Method, Model, RequestParam, Service, Streaming};

pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let clients = model.services.iter().map(|s| client(s, &error));
    let traits = model.services.iter().map(|s| ident(&s.trait_name));
    let streams = model
        .services
        .iter()
        .flat_map(|s| &s.methods)
        .any(|m| m.streaming != Streaming::Unary);
    let api_stream = streams.then(|| quote! { ApiStream, });
    quote! {
        //! gRPC clients implementing the API traits: the context travels as metadata, each
        //! call picks a live instance, unary calls retry on `UNAVAILABLE` with backoff.

        use std::sync::Arc;

        use modgen_runtime::client::generated::{self, Rpc};
        use modgen_runtime::client::{ClientOptions, ServiceChannels};
        use modgen_runtime::context::CallContext;
        use modgen_runtime::directory::Resolver;
        use tonic::transport::Channel;

        use super::api::{#api_stream #(#traits),*};
        use super::error::#error;

        #(#clients)*
    }
}

fn client(service: &Service, error: &Ident) -> TokenStream {
    let name = ident(&service.client_name);
    let api = ident(&service.trait_name);
    let service_name = service_name_const(service);
    let struct_doc = doc(&format!(
        "Calls `{}` over gRPC; implements [`{}`].",
        service.full_name, service.trait_name
    ));
    let methods = service.methods.iter().map(|m| method(service, m, error));
    quote! {
        #struct_doc
        #[derive(Clone)]
        pub struct #name {
            channels: ServiceChannels,
        }

        impl #name {
            /// A client over `channels`, which carry the resolver and the client options.
            pub fn new(channels: ServiceChannels) -> Self {
                Self { channels }
            }

            /// A client over one channel (tests, fixed endpoints), with default options.
            pub fn from_channel(channel: Channel) -> Self {
                Self::new(ServiceChannels::from_channel(
                    super::#service_name,
                    channel,
                    ClientOptions::default(),
                ))
            }

            /// Connects to one endpoint (`http://host:port`), retrying within the connect
            /// timeout.
            pub async fn connect(endpoint: &str) -> Result<Self, #error> {
                let channel = modgen_runtime::client::connect(endpoint, &ClientOptions::default())
                    .await
                    .map_err(|e| #error::from(tonic::Status::from(e)))?;
                Ok(Self::from_channel(channel))
            }

            /// A client that finds live instances through `resolver` (the directory).
            pub fn with_resolver(resolver: Arc<dyn Resolver>) -> Self {
                Self::new(ServiceChannels::new(
                    super::#service_name,
                    resolver,
                    ClientOptions::default(),
                ))
            }

            /// The channels behind this client.
            pub fn channels(&self) -> &ServiceChannels {
                &self.channels
            }
        }

        #[async_trait::async_trait]
        impl #api for #name {
            #(#methods)*
        }
    }
}

fn method(service: &Service, method: &Method, error: &Ident) -> TokenStream {
    let name = ident(&method.api_name);
    let (params, output) = parts(method, error);
    let service_name = &service.full_name;
    let proto_name = &method.proto_name;
    let path = method.grpc_path(service);
    let call = ident(match method.streaming {
        Streaming::Unary => "unary",
        Streaming::ServerStreaming => "server_streaming",
        Streaming::ClientStreaming => "client_streaming",
        Streaming::Bidi => "bidi",
    });
    let request = match method.request_param() {
        RequestParam::Unit => quote! { () },
        RequestParam::Message => quote! { request },
        RequestParam::Stream => quote! { requests },
    };
    quote! {
        async fn #name(&self, ctx: &CallContext #params) -> #output {
            let rpc = Rpc::new(#service_name, #proto_name, #path);
            generated::#call(&self.channels, ctx, rpc, #request).await
        }
    }
}
