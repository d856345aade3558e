//! `api.rs`: one `#[async_trait]` trait per service, the contract consumers code against.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::rust::{doc, docs, ident, message_type};
use crate::model::{Method, Model, RequestParam, Service, Streaming};

pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let traits = model
        .services
        .iter()
        .map(|service| api_trait(service, &error));
    quote! {
        //! The API of the module: what consumers call, whether the implementation runs in
        //! this process or behind the generated client.

        use std::pin::Pin;

        use futures_core::Stream;
        use modgen_runtime::context::CallContext;

        use super::error::#error;

        /// A stream of messages, or of the error that ended it: the type of every streaming
        /// request and response.
        pub type ApiStream<T> = Pin<Box<dyn Stream<Item = Result<T, #error>> + Send + 'static>>;

        #(#traits)*
    }
}

fn api_trait(service: &Service, error: &proc_macro2::Ident) -> TokenStream {
    let name = ident(&service.trait_name);
    let mut service_docs = docs(&service.docs);
    if service.docs.is_empty() {
        service_docs = doc(&format!("The `{}` service.", service.full_name));
    }
    let methods = service
        .methods
        .iter()
        .map(|method| signature(method, error));
    // Not `#[deprecated]`: every SDK item naming the trait would warn. Said in the docs.
    let deprecated = service.deprecated.then(|| {
        let (blank, text) = (doc(""), doc("Deprecated in the proto."));
        quote! { #blank #text }
    });
    quote! {
        #service_docs
        #deprecated
        #[async_trait::async_trait]
        pub trait #name: Send + Sync + 'static {
            #(#methods)*
        }
    }
}

/// The trait method for one RPC (also reused, with a body, by the client).
pub fn signature(method: &Method, error: &proc_macro2::Ident) -> TokenStream {
    let name = ident(&method.api_name);
    let mut method_docs = docs(&method.docs);
    if method.docs.is_empty() {
        method_docs = doc(&format!("The `{}` RPC.", method.proto_name));
    }
    let deprecated = method.deprecated.then(|| quote! { #[deprecated] });
    let convention = convention_allow(method);
    let (params, output) = parts(method, error);
    quote! {
        #method_docs
        #deprecated
        #convention
        async fn #name(&self, ctx: &CallContext #params) -> #output;
    }
}

/// `#[allow(clippy::wrong_self_convention)]` for a method named `into_*`/`from_*`, on
/// every implementation of it too: the RPC's name wins over the convention (which expects
/// `self` / no receiver), since renaming would surprise everyone who knows the proto.
pub fn convention_allow(method: &Method) -> Option<TokenStream> {
    (method.api_name.starts_with("into_") || method.api_name.starts_with("from_"))
        .then(|| quote! { #[allow(clippy::wrong_self_convention)] })
}

/// `, request: T` (see [`RequestParam`]) and the return type.
pub fn parts(method: &Method, error: &proc_macro2::Ident) -> (TokenStream, TokenStream) {
    let input = message_type(&method.input);
    let output = message_type(&method.output);
    let params = match method.request_param() {
        RequestParam::Stream => quote! { , requests: ApiStream<#input> },
        RequestParam::Unit => quote! {},
        RequestParam::Message => quote! { , request: #input },
    };
    let output = match method.streaming {
        Streaming::Unary | Streaming::ClientStreaming => quote! { Result<#output, #error> },
        Streaming::ServerStreaming | Streaming::Bidi => {
            quote! { Result<ApiStream<#output>, #error> }
        }
    };
    (params, output)
}
