//! The fakes in `testing.rs`: per service, a struct implementing the API trait whose
//! answers a test sets per RPC, recording the calls it receives (the machinery is
//! `modgen_runtime::fake`). A module's unit tests then need no server at all.
//!
//! Paths stay relative to the SDK root (`super::`), never `crate::`: the same tokens are
//! expanded inline by `sdk!`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::api;
use crate::emit::rust::{doc, ident, message_type};
use crate::model::{Method, Model, RequestParam, Service};

/// `FakeCalculatorClient` for the trait `CalculatorClient`.
pub fn fake_name(service: &Service) -> Ident {
    format_ident!("Fake{}", service.trait_name)
}

/// The imports the fakes need and every service's fake.
pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let methods = || model.services.iter().flat_map(|service| &service.methods);
    let client_streams = methods().any(|method| method.streaming.client_streams());
    let server_streams = methods().any(|method| method.streaming.server_streams());
    let api_stream =
        (client_streams || server_streams).then(|| quote! { use super::api::ApiStream; });
    let collect = client_streams.then(|| quote! { use modgen_runtime::fake::collect; });
    let into_stream = server_streams.then(|| quote! { use modgen_runtime::fake::into_stream; });
    let fakes = model.services.iter().map(|service| fake(service, &error));
    quote! {
        use modgen_runtime::context::CallContext;
        pub use modgen_runtime::fake::{FakeCall, FakeMethod};
        #api_stream
        #collect
        #into_stream
        use super::error::#error;

        #(#fakes)*
    }
}

fn fake(service: &Service, error: &Ident) -> TokenStream {
    let name = fake_name(service);
    let api = ident(&service.trait_name);
    let fields = service.methods.iter().map(|method| {
        let field = ident(&method.api_name);
        let (request, response) = answer_types(method, error);
        let field_doc = doc(&format!(
            "`{}`: answers and recorded calls.{}",
            method.proto_name,
            stream_note(method)
        ));
        quote! { #field_doc pub #field: FakeMethod<#request, #response, #error>, }
    });
    let inits = service.methods.iter().map(|method| {
        let field = ident(&method.api_name);
        let label = format!("{}::{}", service.trait_name, method.api_name);
        quote! { #field: FakeMethod::new(#label), }
    });
    let methods = service
        .methods
        .iter()
        .map(|method| fake_method(method, error));
    let struct_doc = doc(&format!(
        "A fake [`{trait_name}`] for unit tests, with no server: set each RPC's answers on\n\
         its field (`returns`, `fails`, `answers_with`), hand the code under test an\n\
         `Arc<{name}>` as its `Arc<dyn {trait_name}>`, then read what it sent (`requests`,\n\
         `calls`, `call_count`). An RPC with no answer set fails with `UNIMPLEMENTED`\n\
         naming it.",
        trait_name = service.trait_name,
    ));
    quote! {
        #struct_doc
        #[derive(Debug)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// A fake with no answers set and no calls recorded.
            pub fn new() -> Self {
                Self { #(#inits)* }
            }
        }

        impl Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }

        #[async_trait::async_trait]
        impl super::api::#api for #name {
            #(#methods)*
        }
    }
}

/// What the fake of one RPC records and answers: a client stream is recorded as the
/// list of messages sent, a server stream answered as the list of items to yield.
fn answer_types(method: &Method, error: &Ident) -> (TokenStream, TokenStream) {
    let input = message_type(&method.input);
    let output = message_type(&method.output);
    let request = if method.streaming.client_streams() {
        quote! { Vec<#input> }
    } else {
        input
    };
    let response = if method.streaming.server_streams() {
        quote! { Vec<Result<#output, #error>> }
    } else {
        output
    };
    (request, response)
}

fn stream_note(method: &Method) -> &'static str {
    match (
        method.streaming.client_streams(),
        method.streaming.server_streams(),
    ) {
        (false, false) => "",
        (true, false) => " The request is every message the caller sent, once its stream ended.",
        (false, true) => " An answer is the items the stream yields, each `Ok` or `Err`.",
        (true, true) => {
            " The request is every message the caller sent, once its stream ended; an \
             answer is the items the response stream yields."
        }
    }
}

fn fake_method(method: &Method, error: &Ident) -> TokenStream {
    let name = ident(&method.api_name);
    let (params, output) = api::parts(method, error);
    let convention = api::convention_allow(method);
    let request = match method.request_param() {
        RequestParam::Stream => quote! { collect(requests).await? },
        RequestParam::Unit => quote! { () },
        RequestParam::Message => quote! { request },
    };
    let answer = quote! { self.#name.answer(ctx, #request) };
    let body = if method.streaming.server_streams() {
        quote! { #answer.map(into_stream) }
    } else {
        answer
    };
    quote! {
        #convention
        async fn #name(&self, ctx: &CallContext #params) -> #output {
            #body
        }
    }
}
