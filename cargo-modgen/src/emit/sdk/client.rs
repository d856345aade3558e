//! `client.rs`: a gRPC client per service, implementing its API trait over
//! `modgen_runtime::client` (resolution, instance choice, timeouts, retry of unary calls).
//!
//! Calls go through `tonic::client::Grpc` directly rather than tonic's generated client,
//! whose inherent methods collide with RPCs named `New` or `Connect` (see `proto_types`).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::api::parts;
use super::service_name_const;
use crate::emit::rust::{doc, ident};
use crate::model::{MessageRef, Method, Model, Service, Streaming};

pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let kinds: Vec<Streaming> = model
        .services
        .iter()
        .flat_map(|s| &s.methods)
        .map(|m| m.streaming)
        .collect();
    let uses = |kind: Streaming| kinds.contains(&kind);
    let clients = model.services.iter().map(|s| client(s, &error));
    let traits = model.services.iter().map(|s| ident(&s.trait_name));

    let stream_imports = (uses(Streaming::ClientStreaming) || uses(Streaming::Bidi))
        .then(|| quote! { use std::sync::Mutex; use futures_core::Stream; });
    let stream_ext = kinds
        .iter()
        .any(|k| *k != Streaming::Unary)
        .then(|| quote! { use futures_util::StreamExt; });
    let call_once = kinds
        .iter()
        .any(|k| *k != Streaming::Unary)
        .then(|| quote! { call_once, });
    let call_unary = uses(Streaming::Unary).then(|| quote! { call_unary, });
    let api_stream = kinds
        .iter()
        .any(|k| *k != Streaming::Unary)
        .then(|| quote! { ApiStream, });

    let helpers = helpers(&error, &uses);
    quote! {
        //! gRPC clients implementing the API traits: the context travels as metadata, each
        //! call picks a live instance, unary calls retry on `UNAVAILABLE` with backoff.

        use std::sync::Arc;
        #stream_imports

        #stream_ext
        use modgen_runtime::client::{#call_once #call_unary ClientOptions, ServiceChannels};
        use modgen_runtime::context::CallContext;
        use modgen_runtime::directory::Resolver;
        use tonic::codegen::http::uri::PathAndQuery;
        use tonic::transport::Channel;

        use super::api::{#api_stream #(#traits),*};
        use super::error::#error;

        #(#clients)*

        #helpers
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
    let path = method.grpc_path(service);
    let request = match (method.streaming, &method.input) {
        (Streaming::Unary | Streaming::ServerStreaming, MessageRef::Unit) => quote! { () },
        (Streaming::Unary | Streaming::ServerStreaming, _) => quote! { request },
        _ => quote! { requests },
    };
    let body = match method.streaming {
        Streaming::Unary => quote! {
            call_unary(&self.channels, ctx, #request, |channel, request| {
                unary(channel, request, #path)
            })
            .await
            .map_err(#error::from)
        },
        Streaming::ServerStreaming => quote! {
            let responses = call_once(&self.channels, ctx, #request, |channel, request| {
                server_streaming(channel, request, #path)
            })
            .await?;
            Ok(from_wire(responses))
        },
        Streaming::ClientStreaming => quote! {
            let (requests, failure) = outbound(requests);
            let response = call_once(&self.channels, ctx, requests, |channel, request| {
                client_streaming(channel, request, #path)
            })
            .await;
            match failure.take() {
                Some(error) => Err(error),
                None => response.map_err(#error::from),
            }
        },
        Streaming::Bidi => quote! {
            let (requests, failure) = outbound(requests);
            let responses = call_once(&self.channels, ctx, requests, |channel, request| {
                bidi(channel, request, #path)
            })
            .await?;
            Ok(then_failure(from_wire(responses), failure))
        },
    };
    quote! {
        async fn #name(&self, ctx: &CallContext #params) -> #output {
            #body
        }
    }
}

/// The private transport helpers, only those some method uses (no dead code).
fn helpers(error: &Ident, uses: &dyn Fn(Streaming) -> bool) -> TokenStream {
    let mut out = quote! {
        /// A `Grpc` over `channel`, once the channel can take a request.
        async fn ready(channel: Channel) -> Result<tonic::client::Grpc<Channel>, tonic::Status> {
            let mut grpc = tonic::client::Grpc::new(channel);
            grpc.ready()
                .await
                .map_err(|e| tonic::Status::unavailable(format!("service was not ready: {e}")))?;
            Ok(grpc)
        }
    };
    if uses(Streaming::Unary) {
        out.extend(quote! {
            async fn unary<Req, Resp>(
                channel: Channel,
                request: tonic::Request<Req>,
                path: &'static str,
            ) -> Result<tonic::Response<Resp>, tonic::Status>
            where
                Req: prost::Message + Send + Sync + 'static,
                Resp: prost::Message + Default + Send + Sync + 'static,
            {
                let codec = tonic_prost::ProstCodec::default();
                ready(channel).await?.unary(request, PathAndQuery::from_static(path), codec).await
            }
        });
    }
    if uses(Streaming::ServerStreaming) {
        out.extend(quote! {
            async fn server_streaming<Req, Resp>(
                channel: Channel,
                request: tonic::Request<Req>,
                path: &'static str,
            ) -> Result<tonic::Response<tonic::Streaming<Resp>>, tonic::Status>
            where
                Req: prost::Message + Send + Sync + 'static,
                Resp: prost::Message + Default + Send + Sync + 'static,
            {
                let codec = tonic_prost::ProstCodec::default();
                ready(channel)
                    .await?
                    .server_streaming(request, PathAndQuery::from_static(path), codec)
                    .await
            }
        });
    }
    if uses(Streaming::ClientStreaming) {
        out.extend(quote! {
            async fn client_streaming<Req, Resp>(
                channel: Channel,
                request: tonic::Request<impl Stream<Item = Req> + Send + 'static>,
                path: &'static str,
            ) -> Result<tonic::Response<Resp>, tonic::Status>
            where
                Req: prost::Message + Send + Sync + 'static,
                Resp: prost::Message + Default + Send + Sync + 'static,
            {
                let codec = tonic_prost::ProstCodec::default();
                ready(channel)
                    .await?
                    .client_streaming(request, PathAndQuery::from_static(path), codec)
                    .await
            }
        });
    }
    if uses(Streaming::Bidi) {
        out.extend(quote! {
            async fn bidi<Req, Resp>(
                channel: Channel,
                request: tonic::Request<impl Stream<Item = Req> + Send + 'static>,
                path: &'static str,
            ) -> Result<tonic::Response<tonic::Streaming<Resp>>, tonic::Status>
            where
                Req: prost::Message + Send + Sync + 'static,
                Resp: prost::Message + Default + Send + Sync + 'static,
            {
                let codec = tonic_prost::ProstCodec::default();
                ready(channel)
                    .await?
                    .streaming(request, PathAndQuery::from_static(path), codec)
                    .await
            }

            /// `responses`, then the request stream's error if it ended with one.
            fn then_failure<T: Send + 'static>(responses: ApiStream<T>, failure: Failure) -> ApiStream<T> {
                let tail = futures_util::stream::once(async move { failure.take() })
                    .filter_map(|error| std::future::ready(error.map(Err)));
                Box::pin(responses.chain(tail))
            }
        });
    }
    if uses(Streaming::ServerStreaming) || uses(Streaming::Bidi) {
        out.extend(quote! {
            fn from_wire<T: Send + 'static>(responses: tonic::Streaming<T>) -> ApiStream<T> {
                Box::pin(responses.map(|item| item.map_err(#error::from)))
            }
        });
    }
    if uses(Streaming::ClientStreaming) || uses(Streaming::Bidi) {
        out.extend(quote! {
            /// The first error of a request stream. gRPC cannot carry an error from client to
            /// server, so the request stream ends there and the call returns this error.
            #[derive(Clone, Default)]
            struct Failure(Arc<Mutex<Option<#error>>>);

            impl Failure {
                fn take(&self) -> Option<#error> {
                    self.0.lock().ok().and_then(|mut slot| slot.take())
                }
            }

            /// The messages of `requests` up to its first error, which `Failure` keeps.
            fn outbound<T: Send + 'static>(
                requests: ApiStream<T>,
            ) -> (impl Stream<Item = T> + Send + 'static, Failure) {
                let failure = Failure::default();
                let slot = failure.clone();
                let messages = requests.scan((), move |_, item| {
                    std::future::ready(match item {
                        Ok(message) => Some(message),
                        Err(error) => {
                            if let Ok(mut first) = slot.0.lock() {
                                *first = Some(error);
                            }
                            None
                        }
                    })
                });
                (messages, failure)
            }
        });
    }
    out
}
