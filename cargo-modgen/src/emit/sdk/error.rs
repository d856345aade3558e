//! `error.rs`: the SDK's error enum, mapped both ways to `tonic::Status`.
//!
//! The manifest's variants and three built-ins each own one code; `Other` carries every
//! code nobody claimed, so neither the code nor the message is ever lost on the way
//! through, in either direction.

use heck::ToTitleCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::rust::{doc, docs, ident};
use crate::manifest::BUILTIN_VARIANTS;
use crate::model::{GrpcCode, Model};

struct Variant {
    name: String,
    code: GrpcCode,
    docs: TokenStream,
}

pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let mut variants: Vec<Variant> = model
        .sdk
        .error_variants
        .iter()
        .map(|v| Variant {
            name: v.name.clone(),
            code: v.code,
            docs: if v.docs.is_empty() {
                doc(&format!("The call failed with `{}`.", v.code.name()))
            } else {
                docs(&v.docs)
            },
        })
        .collect();
    for (name, code) in BUILTIN_VARIANTS {
        let text = match *code {
            GrpcCode::Unimplemented => "The service does not implement the call (`UNIMPLEMENTED`).",
            GrpcCode::Unavailable => {
                "No instance could be reached, or the connection failed (`UNAVAILABLE`)."
            }
            _ => "The service failed in a way the caller cannot fix (`INTERNAL`).",
        };
        variants.push(Variant {
            name: name.to_string(),
            code: *code,
            docs: doc(text),
        });
    }

    let definitions = variants.iter().map(|v| {
        let name = ident(&v.name);
        let display = format!("{}: {{0}}", v.name.to_title_case().to_lowercase());
        let docs = &v.docs;
        quote! {
            #docs
            #[error(#display)]
            #name(String),
        }
    });
    let from_status = variants.iter().map(|v| {
        let name = ident(&v.name);
        let code = ident(v.code.tonic_variant());
        quote! { tonic::Code::#code => Self::#name(message), }
    });
    let to_status = variants.iter().map(|v| {
        let name = ident(&v.name);
        let code = ident(v.code.tonic_variant());
        quote! { #error::#name(message) => tonic::Status::new(tonic::Code::#code, message), }
    });
    let codes = variants.iter().map(|v| {
        let name = ident(&v.name);
        let code = ident(v.code.tonic_variant());
        quote! { Self::#name(_) => tonic::Code::#code, }
    });
    let messages = variants.iter().map(|v| {
        let name = ident(&v.name);
        quote! { Self::#name(message) }
    });

    quote! {
        //! The error every call of this SDK returns.

        /// What went wrong in a call, by gRPC status code. The status message is kept as is.
        #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
        pub enum #error {
            #(#definitions)*
            /// Any other status code, kept with its message.
            #[error("{code:?}: {message}")]
            Other {
                code: tonic::Code,
                message: String,
            },
        }

        impl #error {
            /// The gRPC status code this error travels as.
            pub fn code(&self) -> tonic::Code {
                match self {
                    #(#codes)*
                    Self::Other { code, .. } => *code,
                }
            }

            /// The status message, without the code.
            pub fn message(&self) -> &str {
                match self {
                    #(#messages)|* | Self::Other { message, .. } => message,
                }
            }
        }

        impl From<tonic::Status> for #error {
            fn from(status: tonic::Status) -> Self {
                let message = status.message().to_string();
                match status.code() {
                    #(#from_status)*
                    code => Self::Other { code, message },
                }
            }
        }

        impl From<#error> for tonic::Status {
            fn from(error: #error) -> Self {
                match error {
                    #(#to_status)*
                    #error::Other { code, message } => tonic::Status::new(code, message),
                }
            }
        }
    }
}
