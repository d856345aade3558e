//! `error.rs`: the SDK's error enum, mapped both ways to `tonic::Status` in gRPC's richer
//! error model.
//!
//! Declared variants (manifest and proto) travel with a `google.rpc.Status` whose
//! `ErrorInfo` names the reason and the domain, its metadata and the typed detail message
//! holding the fields; the wire work is `modgen_runtime::errors`. On the way back a known
//! reason (and code) picks the variant; a status with no reason picks the one variant that
//! alone carries its code; anything else is `Other`, with code, message and details, so
//! nothing is lost in either direction.

use std::collections::HashMap;

use heck::ToTitleCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::rust::{doc, docs, ident, message_type};
use crate::manifest::BUILTIN_VARIANTS;
use crate::model::{ErrorDetail, GrpcCode, Model, Scalar};

/// One variant as the emitter sees it: declared (with a reason) or built in.
struct Variant<'a> {
    name: String,
    code: GrpcCode,
    docs: TokenStream,
    /// `None` for built-ins, which travel as plain statuses.
    reason: Option<&'a str>,
    detail: Option<&'a ErrorDetail>,
    retry_delay_ms: Option<u64>,
}

impl Variant<'_> {
    fn ident(&self) -> proc_macro2::Ident {
        ident(&self.name)
    }

    fn code(&self) -> proc_macro2::Ident {
        ident(self.code.tonic_variant())
    }

    fn field_idents(&self) -> Vec<proc_macro2::Ident> {
        self.detail
            .iter()
            .flat_map(|d| &d.fields)
            .map(|f| ident(&f.rust_name))
            .collect()
    }

    /// The pattern binding `message` and every field.
    fn pattern(&self, error: &proc_macro2::Ident) -> TokenStream {
        let name = self.ident();
        let fields = self.field_idents();
        match self.detail {
            Some(_) => quote! { #error::#name { message, #(#fields),* } },
            None => quote! { #error::#name(message) },
        }
    }
}

fn variants(model: &Model) -> Vec<Variant<'_>> {
    let mut variants: Vec<Variant> = model
        .sdk
        .error_variants
        .iter()
        .map(|v| Variant {
            name: v.name.clone(),
            code: v.code,
            docs: if v.docs.is_empty() {
                doc(&format!(
                    "The call failed with `{}` (reason `{}`).",
                    v.code.name(),
                    v.reason
                ))
            } else {
                docs(&v.docs)
            },
            reason: Some(&v.reason),
            detail: v.detail.as_ref(),
            retry_delay_ms: v.retry_delay_ms,
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
            reason: None,
            detail: None,
            retry_delay_ms: None,
        });
    }
    variants
}

pub fn emit(model: &Model) -> TokenStream {
    let error = ident(&model.sdk.error_type);
    let variants = variants(model);
    let domain = &model.sdk.error_domain;
    let definitions = variants.iter().map(definition);
    let codes = variants.iter().map(|v| {
        let name = v.ident();
        let code = v.code();
        match v.detail {
            Some(_) => quote! { Self::#name { .. } => tonic::Code::#code, },
            None => quote! { Self::#name(_) => tonic::Code::#code, },
        }
    });
    let messages = variants.iter().map(|v| {
        let name = v.ident();
        match v.detail {
            Some(_) => quote! { Self::#name { message, .. } },
            None => quote! { Self::#name(message) },
        }
    });
    let any_float = variants
        .iter()
        .flat_map(|v| v.detail)
        .flat_map(|d| &d.fields)
        .any(|f| matches!(f.scalar, Some(Scalar::F32 | Scalar::F64)));
    let eq = (!any_float).then(|| quote! { Eq, });
    let from_status = from_status(&error, &variants);
    let to_status = to_status(&error, &variants);

    quote! {
        //! The error every call of this SDK returns.

        /// `ErrorInfo.domain` of this SDK's declared errors: the reasons below are this
        /// domain's.
        pub const ERROR_DOMAIN: &str = #domain;

        /// What went wrong in a call: a declared error (with its fields), a built-in, or
        /// `Other`. The status message is kept as is.
        #[derive(Clone, Debug, PartialEq, #eq thiserror::Error)]
        pub enum #error {
            #(#definitions)*
            /// Any other status: a code no variant claims, or a reason this SDK does not
            /// know (a newer server's), kept with its message and details.
            #[error("{code:?}: {message}")]
            Other {
                code: tonic::Code,
                message: String,
                details: Box<modgen_runtime::errors::ErrorDetails>,
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

        #from_status

        #to_status
    }
}

fn definition(v: &Variant) -> TokenStream {
    let name = v.ident();
    let title = v.name.to_title_case().to_lowercase();
    let docs = &v.docs;
    match v.detail {
        None => {
            let display = format!("{title}: {{0}}");
            quote! {
                #docs
                #[error(#display)]
                #name(String),
            }
        }
        Some(detail) => {
            let display = format!("{title}: {{message}}");
            let fields = detail.fields.iter().map(|f| {
                let field = ident(&f.rust_name);
                let ty: TokenStream = f
                    .scalar
                    .map_or("String", Scalar::rust_type)
                    .parse()
                    .expect("a Rust type");
                let text = format!(" `{}` of `{}`.", f.proto_name, detail.full_name);
                quote! { #[doc = #text] #field: #ty, }
            });
            quote! {
                #docs
                #[error(#display)]
                #name {
                    /// The status message.
                    message: String,
                    #(#fields)*
                },
            }
        }
    }
}

/// Status → error: by reason in this domain, else (no reason at all) by a code one
/// variant alone carries, else `Other`.
fn from_status(error: &proc_macro2::Ident, variants: &[Variant]) -> TokenStream {
    let mut by_code: HashMap<GrpcCode, Vec<&Variant>> = HashMap::new();
    for v in variants {
        by_code.entry(v.code).or_default().push(v);
    }
    let plain = variants.iter().filter_map(|v| {
        // A built-in wins its code; a declared variant needs the code to itself and no
        // fields (a plain status has none to give).
        let alone = by_code[&v.code].len() == 1;
        let builtin_code = variants
            .iter()
            .any(|o| o.reason.is_none() && o.code == v.code);
        let eligible = match v.reason {
            None => true,
            Some(_) => alone && !builtin_code && v.detail.is_none(),
        };
        eligible.then(|| {
            let name = v.ident();
            let code = v.code();
            quote! { tonic::Code::#code => Self::#name(message), }
        })
    });
    let reasons: Vec<TokenStream> = variants
        .iter()
        .filter_map(|v| {
            let reason = v.reason?;
            let code = v.code();
            let body = decode_variant(v);
            Some(quote! { if reason == #reason && code == tonic::Code::#code { #body } })
        })
        .collect();
    // With no declared variant there is no reason to look up.
    let by_reason = (!reasons.is_empty()).then(|| {
        quote! {
            // An if-chain, not a match: one declared variant would be `clippy::single_match`.
            if details.domain == ERROR_DOMAIN {
                let reason = details.reason.as_str();
                #(#reasons)*
            }
        }
    });
    quote! {
        impl From<tonic::Status> for #error {
            fn from(status: tonic::Status) -> Self {
                let code = status.code();
                let message = status.message().to_string();
                let details = modgen_runtime::errors::ErrorDetails::from_status(&status);
                if details.is_empty() {
                    return match code {
                        #(#plain)*
                        code => Self::Other { code, message, details: Box::new(details) },
                    };
                }
                #by_reason
                Self::Other { code, message, details: Box::new(details) }
            }
        }
    }
}

/// One reason's arm: the variant from the typed detail, else from the metadata; when
/// neither holds every field, the arm falls through to `Other`.
fn decode_variant(v: &Variant) -> TokenStream {
    let name = v.ident();
    let Some(detail) = v.detail else {
        return quote! { return Self::#name(message); };
    };
    if detail.fields.is_empty() {
        return quote! { return Self::#name { message }; };
    }
    let rust_type = message_type(&detail.rust_type);
    let full_name = &detail.full_name;
    let fields = v.field_idents();
    let keys = detail.fields.iter().map(|f| &f.proto_name);
    let somes = fields.iter().map(|f| quote! { Some(#f) });
    quote! {
        if let Some(detail) = details.message::<#rust_type>(#full_name) {
            return Self::#name { message, #(#fields: detail.#fields),* };
        }
        if let (#(#somes,)*) = (#(details.field(#keys),)*) {
            return Self::#name { message, #(#fields),* };
        }
    }
}

/// Error → status: declared variants with their `ErrorInfo`, detail and `RetryInfo`;
/// built-ins plain; `Other` as it came.
fn to_status(error: &proc_macro2::Ident, variants: &[Variant]) -> TokenStream {
    let arms = variants.iter().map(|v| {
        let pattern = v.pattern(error);
        let code = v.code();
        let Some(reason) = v.reason else {
            return quote! { #pattern => tonic::Status::new(tonic::Code::#code, message), };
        };
        let retry = v.retry_delay_ms.map(|ms| {
            let ms = proc_macro2::Literal::u64_unsuffixed(ms);
            quote! { .with_retry_delay(std::time::Duration::from_millis(#ms)) }
        });
        let Some(detail) = v.detail else {
            return quote! {
                #pattern => modgen_runtime::errors::ErrorDetails::new(ERROR_DOMAIN, #reason) #retry
                    .into_status(tonic::Code::#code, message),
            };
        };
        let rust_type = message_type(&detail.rust_type);
        let full_name = &detail.full_name;
        let fields = v.field_idents();
        let keys = detail.fields.iter().map(|f| &f.proto_name);
        // Strings are lent (the detail message takes them next); the rest are `Copy`.
        let values = detail.fields.iter().map(|f| {
            let field = ident(&f.rust_name);
            match f.scalar {
                Some(Scalar::String) | None => quote! { &#field },
                Some(_) => quote! { #field },
            }
        });
        quote! {
            #pattern => {
                let details = modgen_runtime::errors::ErrorDetails::new(ERROR_DOMAIN, #reason)
                    #(.with_field(#keys, #values))* #retry;
                let detail = #rust_type { #(#fields),* };
                details
                    .with_message(#full_name, &detail)
                    .into_status(tonic::Code::#code, message)
            }
        }
    });
    quote! {
        impl From<#error> for tonic::Status {
            fn from(error: #error) -> Self {
                match error {
                    #(#arms)*
                    #error::Other { code, message, details } => details.into_status(code, message),
                }
            }
        }
    }
}
