//! One RPC's stub method, the single emitter of it: `new` writes one per RPC into
//! `service.rs` (names as that file imports them), `generate` inserts one per new RPC into
//! the user's impl (names by full path, see [`Qualified`]). Stubs answer `Unimplemented`,
//! never panic: a half-written module keeps serving its other calls.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::emit::rust::ident;
use crate::model::{MessageRef, Method, Model, RequestParam, Service};

/// How a stub spells the names it uses.
pub trait Spelling {
    /// A request or response type.
    fn message(&self, message: &MessageRef) -> TokenStream;
    fn call_context(&self) -> TokenStream;
    fn api_stream(&self) -> TokenStream;
    /// The SDK's error enum.
    fn error(&self) -> TokenStream;
    fn result(&self) -> TokenStream;
    /// `Result::Err`, the constructor.
    fn err(&self) -> TokenStream;
}

/// `async fn <method>(&self, _ctx, _request) -> Result<…> { Err(<Error>::Unimplemented(…)) }`.
pub fn stub(service: &Service, method: &Method, spelling: &impl Spelling) -> TokenStream {
    let name = ident(&method.api_name);
    let input = spelling.message(&method.input);
    let output = spelling.message(&method.output);
    let api_stream = spelling.api_stream();
    let params = match method.request_param() {
        RequestParam::Stream => quote! { , _requests: #api_stream<#input> },
        RequestParam::Unit => quote! {},
        RequestParam::Message => quote! { , _request: #input },
    };
    let result = spelling.result();
    let error = spelling.error();
    let output = if method.streaming.server_streams() {
        quote! { #result<#api_stream<#output>, #error> }
    } else {
        quote! { #result<#output, #error> }
    };
    let call_context = spelling.call_context();
    let err = spelling.err();
    let message = format!("{} is not implemented yet", method.grpc_path(service));
    quote! {
        async fn #name(&self, _ctx: &#call_context #params) -> #output {
            #err(#error::Unimplemented(#message.to_owned()))
        }
    }
}

/// Every name by its full path from a crate root (`::calc_sdk::proto::calc::v1::Msg`,
/// `::std::result::Result`), so a stub inserted into the user's file compiles whatever
/// that file imports, renames or defines (a local `type Result<T>` is common).
pub struct Qualified {
    sdk: Ident,
    error: Ident,
}

impl Qualified {
    pub fn new(model: &Model) -> Self {
        Qualified {
            sdk: ident(&crate::names::crate_ident(&model.sdk.crate_name)),
            error: ident(&model.sdk.error_type),
        }
    }
}

impl Spelling for Qualified {
    fn message(&self, message: &MessageRef) -> TokenStream {
        match message {
            MessageRef::Unit => quote! { () },
            MessageRef::WellKnown(name) if name == "StringValue" => {
                quote! { ::std::string::String }
            }
            MessageRef::WellKnown(name) => {
                let name = ident(name);
                quote! { ::prost_types::#name }
            }
            MessageRef::Generated {
                package_module,
                parents,
                name,
            } => {
                let sdk = &self.sdk;
                let segments = package_module.iter().chain(parents).map(|m| ident(m));
                let name = ident(name);
                quote! { ::#sdk::proto:: #(#segments::)* #name }
            }
        }
    }

    fn call_context(&self) -> TokenStream {
        let sdk = &self.sdk;
        quote! { ::#sdk::CallContext }
    }

    fn api_stream(&self) -> TokenStream {
        let sdk = &self.sdk;
        quote! { ::#sdk::ApiStream }
    }

    fn error(&self) -> TokenStream {
        let (sdk, error) = (&self.sdk, &self.error);
        quote! { ::#sdk::#error }
    }

    fn result(&self) -> TokenStream {
        quote! { ::std::result::Result }
    }

    fn err(&self) -> TokenStream {
        quote! { ::std::result::Result::Err }
    }
}

/// Stub methods printed as text: prettyplease's layout (what `new` writes, before
/// rustfmt), each method's lines at indent 0 with 4 spaces per nesting level.
pub fn render(methods: &[TokenStream]) -> Vec<String> {
    methods
        .iter()
        .map(|method| {
            // prettyplease prints files; an impl around the method gives it its context.
            let file: syn::File = syn::parse_quote! {
                impl Stub for Stub { #method }
            };
            let printed = prettyplease::unparse(&file);
            let lines: Vec<&str> = printed.lines().collect();
            let body = &lines[1..lines.len() - 1];
            body.iter()
                .map(|line| line.strip_prefix("    ").unwrap_or(line))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}
