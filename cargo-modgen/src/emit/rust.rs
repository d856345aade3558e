//! Shared pieces for emitting Rust with `quote` + `prettyplease` (the syn 2 pair prost and
//! tonic use, so all generated code is formatted by one printer).

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::header::{Comment, with_header};
use crate::error::{Error, ErrorKind};
use crate::model::{MessageRef, Model};

/// An identifier from a name the model made safe (`r#type` becomes a raw identifier).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc]` attributes for rustdoc lines the model already converted
/// ([`crate::docs::rustdoc`]); one attribute per line.
pub fn docs(lines: &[String]) -> TokenStream {
    let attrs = lines.iter().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    quote! { #(#[doc = #attrs])* }
}

/// Plain doc text (ours, not the proto's), re-wrapped so names of any length keep the
/// lines under [`DOC_WIDTH`]; one attribute per line.
pub fn doc(text: &str) -> TokenStream {
    let lines = wrap(text).into_iter().map(|line| {
        if line.is_empty() {
            line
        } else {
            format!(" {line}")
        }
    });
    quote! { #(#[doc = #lines])* }
}

/// Columns of doc text, so `/// ` plus the text stays within 100 at one indent level.
pub const DOC_WIDTH: usize = 88;

/// Paragraphs (blank-line separated) re-flowed to [`DOC_WIDTH`]; headings (`# `) stay
/// on their own line.
fn wrap(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, paragraph) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        if paragraph.starts_with("# ") {
            out.extend(paragraph.lines().map(str::to_string));
            continue;
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > DOC_WIDTH {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out
}

/// Inner (`//!`) doc text, wrapped like [`doc`].
pub fn inner_doc(text: &str) -> TokenStream {
    let lines = wrap(text).into_iter().map(|line| {
        if line.is_empty() {
            line
        } else {
            format!(" {line}")
        }
    });
    quote! { #(#![doc = #lines])* }
}

/// The Rust type of a request or response, as seen from inside the SDK crate.
pub fn message_type(message: &MessageRef) -> TokenStream {
    match message {
        MessageRef::Unit => quote! { () },
        MessageRef::WellKnown(name) if name == "StringValue" => quote! { String },
        MessageRef::WellKnown(name) => {
            let name = ident(name);
            quote! { ::prost_types::#name }
        }
        MessageRef::Generated {
            package_module,
            parents,
            name,
        } => {
            let segments = package_module.iter().chain(parents).map(|m| ident(m));
            let name = ident(name);
            quote! { super::proto:: #(#segments::)* #name }
        }
    }
}

/// Opens every generator-owned Rust file, right after the header. prettyplease and rustfmt
/// disagree on line breaks, so `cargo fmt` in a user's workspace (or this repository)
/// would rewrite generated files, which then fail their header hash and look hand edited.
/// `cfg_attr` keeps it stable-compatible: the `rustfmt` cfg is never set when compiling, so
/// the compiler drops the attribute before checking it, while rustfmt reads it and skips
/// the file. It is an inner attribute, so it must come before any item; `//!` docs are
/// inner attributes too and may follow it.
pub const RUSTFMT_SKIP: &str = "#![cfg_attr(rustfmt, rustfmt::skip)]\n";

/// Pretty-prints `tokens` as a generator-owned file: the header, [`RUSTFMT_SKIP`], the code.
pub fn file(model: &Model, tokens: TokenStream) -> Result<String, Error> {
    Ok(generated_file(&model.protos.inputs, &print(tokens)?))
}

/// Rust already printed (prost's and tonic's output) as a generator-owned file, framed
/// like [`file`]'s.
pub fn generated_file(inputs: &[String], body: &str) -> String {
    with_header(Comment::Slashes, inputs, &format!("{RUSTFMT_SKIP}{body}"))
}

/// Pretty-prints `tokens` as a user-owned file: no header (once written the file is the
/// user's, and `check` must not flag its edits) and no [`RUSTFMT_SKIP`] (the user formats
/// it; `new` runs rustfmt over it when it can).
#[cfg_attr(not(feature = "files"), allow(dead_code))]
pub fn user_file(tokens: TokenStream) -> Result<String, Error> {
    print(tokens)
}

/// `tokens` as formatted Rust, with no header.
pub(crate) fn print(tokens: TokenStream) -> Result<String, Error> {
    let parsed: syn::File = syn::parse2(tokens).map_err(|e| {
        Error::new(
            ErrorKind::Codegen,
            format!("internal: generated Rust does not parse: {e}"),
        )
    })?;
    Ok(spaced(&prettyplease::unparse(&parsed)))
}

/// prettyplease prints items back to back; a blank line between top-level items (and
/// before each documented item in an impl or trait) reads like rustfmt'd code.
fn spaced(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 16);
    let mut previous = "";
    for line in body.lines() {
        // prettyplease puts a multi-line signature's `where` at column 0; it continues
        // the item above, it does not start one.
        let continues_item = line == "where" || line.starts_with("where ");
        let top_level_start = (line.starts_with(|c: char| c.is_ascii_alphabetic())
            && !continues_item)
            || line.starts_with("#[")
            || line.starts_with("///");
        let after_open = previous.ends_with('{') || previous.is_empty();
        let after_attr = previous.trim_start().starts_with("#[")
            || previous.trim_start().starts_with("///")
            || previous.trim_start() == ")]";
        let same_use_group =
            use_group(previous).is_some() && use_group(previous) == use_group(line);
        let prev_is_mod = previous.starts_with("pub mod ") && previous.ends_with(';');
        let is_mod = line.starts_with("pub mod ") && line.ends_with(';');
        if !out.is_empty()
            && (top_level_start || is_member_start(line))
            && !after_open
            && !after_attr
            && !same_use_group
            && !(prev_is_mod && (is_mod || line.starts_with("#[")))
        {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// `use` lines group as rustfmt users write them: std, then other crates, then `crate::`.
fn use_group(line: &str) -> Option<u8> {
    let path = line
        .strip_prefix("pub use ")
        .or_else(|| line.strip_prefix("use "))?;
    Some(if path.starts_with("std::") || path.starts_with("core::") {
        0
    } else if path.starts_with("crate::") || path.starts_with("super::") {
        2
    } else {
        1
    })
}

/// The first line of a documented or attributed member of a trait/impl (4-space indent).
fn is_member_start(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("    ") else {
        return false;
    };
    !rest.starts_with(' ')
        && (rest.starts_with("///")
            || rest.starts_with("#[")
            || rest.starts_with("fn ")
            || rest.starts_with("pub fn ")
            || rest.starts_with("async fn ")
            || rest.starts_with("pub async fn ")
            || rest.starts_with("type "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::header::{HeaderState, verify};

    #[test]
    fn a_where_clause_at_column_zero_stays_with_its_signature() {
        let tokens = quote! {
            fn call<Req, Resp>(request: Req) -> Resp
            where
                Req: Into<Resp>,
            {
                request.into()
            }
            fn next() {}
        };
        assert_eq!(
            user_file(tokens).unwrap(),
            "fn call<Req, Resp>(request: Req) -> Resp\n\
             where\n    \
             Req: Into<Resp>,\n\
             {\n    \
             request.into()\n\
             }\n\
             \n\
             fn next() {}\n"
        );
    }

    #[test]
    fn generated_files_keep_rustfmt_off_before_their_docs() {
        let text = generated_file(&["a.proto".to_string()], "//! Docs.\npub struct A;\n");
        let mut lines = text.lines().skip(2);
        assert_eq!(lines.next(), Some("#![cfg_attr(rustfmt, rustfmt::skip)]"));
        assert_eq!(lines.next(), Some("//! Docs."));
        assert_eq!(verify(&text), HeaderState::Intact);
    }
}
