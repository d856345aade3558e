//! What the proc-macros (`modgen-macros`) do, kept in the core so tests call the very
//! function the macros call: arguments → model → tokens, every problem a `compile_error!`
//! at the argument it concerns. The macro crate only converts `proc_macro` tokens and
//! supplies the calling crate's directory.

mod args;

use std::path::Path;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

pub use args::{ModuleArgs, SdkArgs, SdkSource};

use crate::error::{Error, Errors};
use crate::model::Model;
use crate::{load_in, module_tokens, sdk_tokens};

/// `sdk!(…)`: the SDK, inline. `root` is the calling crate's directory; every path in the
/// arguments is relative to it.
pub fn sdk(input: TokenStream, root: &Path) -> TokenStream {
    let args = match syn::parse2::<SdkArgs>(input) {
        Ok(args) => args,
        Err(e) => return e.to_compile_error(),
    };
    match args
        .load(root)
        .and_then(|model| sdk_tokens(&model).map(|code| (model, code)))
    {
        Ok((model, code)) => {
            let tracking = rebuild_tracking(&model, args.manifest().as_deref(), root);
            quote! { #tracking #code }
        }
        Err(errors) => compile_errors(errors, |error| args.locate(error)),
    }
}

/// `module!(…)`: the module crate's generated part (config type, `SPEC`, `routes`, `run`).
pub fn module(input: TokenStream, root: &Path) -> TokenStream {
    let args = match syn::parse2::<ModuleArgs>(input) {
        Ok(args) => args,
        Err(e) => return e.to_compile_error(),
    };
    let span = args.manifest.span();
    let manifest = args.manifest.value();
    let result = load_in(root, Path::new(&manifest))
        .map(|(_, model)| model)
        .and_then(|model| module_tokens(&model, args.sdk.clone()).map(|code| (model, code)));
    match result {
        Ok((model, code)) => {
            let tracking = rebuild_tracking(&model, Some(Path::new(&manifest)), root);
            quote! { #tracking #code }
        }
        Err(errors) => compile_errors(errors, |error| (span, error)),
    }
}

/// One hidden `include_bytes!` of every input (the manifest, each proto protox opened), so
/// rustc lists them as dependencies of the calling crate and cargo recompiles it when
/// one changes, and only then (stable Rust has no other way for a proc-macro to say so).
/// An unnamed constant nothing uses: it costs no code.
fn rebuild_tracking(model: &Model, manifest: Option<&Path>, root: &Path) -> TokenStream {
    let inputs = manifest
        .map(|m| root.join(m))
        .into_iter()
        .chain(model.protos.opened_paths.iter().cloned())
        .map(|path| path.display().to_string());
    quote! {
        const _: &[&[u8]] = &[#(include_bytes!(#inputs)),*];
    }
}

/// Every error as its own `compile_error!` at the argument `locate` picks for it. Each
/// message is the CLI's line: `file:line:col: message; help`.
fn compile_errors(errors: Errors, locate: impl Fn(Error) -> (Span, Error)) -> TokenStream {
    let errors = errors.into_iter().map(|error| {
        let (span, error) = locate(error);
        let message = error.to_string();
        quote_spanned! {span=> ::core::compile_error!(#message); }
    });
    quote! { #(#errors)* }
}
