//! The SDK's Rust before it is printed: the root's items and its modules. One value, two
//! layouts: files (the CLI: `lib.rs` declares each module, each lives in its own file) or
//! one token stream (the proc-macro and build scripts: each module inline). The code in
//! both is the same tokens; only where a module's body sits differs.
//!
//! Emitted paths are relative to the SDK root (`super::proto::…` from a module), never
//! `crate::`, so the same tokens work as a crate, inline in a module, or `include!`d.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

use super::{api, client, error, lib_rs, server, testing, wiring};
use crate::emit::proto_types::{self, ProtoTree};
use crate::emit::rust::{self, ident};
use crate::error::{Error, Errors};
use crate::model::Model;

/// The SDK's code, every emitter run once.
pub struct SdkCode {
    crate_doc: TokenStream,
    /// Our modules in declaration order, each body starting with its `//!` doc.
    modules: Vec<(&'static str, TokenStream)>,
    proto: ProtoTree,
    root_items: TokenStream,
}

/// Where `proto` is declared among the other modules (alphabetical, as `lib.rs` lists them).
const PROTO_POSITION: usize = 3;

impl SdkCode {
    pub fn new(model: &Model) -> Result<SdkCode, Errors> {
        let proto = proto_types::emit(model)?;
        let testing = testing::emit(model)?;
        Ok(SdkCode {
            crate_doc: lib_rs::crate_doc(model),
            modules: vec![
                ("api", api::emit(model)),
                ("client", client::emit(model)),
                ("error", error::emit(model)),
                ("server", server::emit(model)),
                ("testing", testing),
                ("wiring", wiring::emit(model)),
            ],
            proto,
            root_items: lib_rs::root_items(model),
        })
    }

    pub fn uses_prost_types(&self) -> bool {
        self.proto.uses_prost_types
    }

    /// The CLI's layout: `src/lib.rs`, one file per module, the proto tree's files; each
    /// a generator-owned file with its header. Paths relative to the crate root.
    pub fn files(&self, model: &Model) -> Result<Vec<(PathBuf, String)>, Errors> {
        let mut errors = Errors::new();
        let mut files = Vec::new();
        let crate_doc = &self.crate_doc;
        let declarations = self.declarations(|name| {
            let name = ident(name);
            quote! { #name; }
        });
        let root_items = &self.root_items;
        let lib_rs = quote! { #crate_doc #(#declarations)* #root_items };
        let ours = std::iter::once(("lib", lib_rs)).chain(
            self.modules
                .iter()
                .map(|(name, body)| (*name, body.clone())),
        );
        for (name, tokens) in ours {
            match rust::file(model, tokens) {
                Ok(text) => files.push((PathBuf::from(format!("src/{name}.rs")), text)),
                Err(e) => errors.push(e),
            }
        }
        for (path, text) in self.proto.files(model) {
            files.push((PathBuf::from("src").join(path), text));
        }
        errors.finish(files)
    }

    /// The inline layout: the root's items with every module as `pub mod name { … }`. No
    /// inner attribute at the top, so it can be a macro's output or an `include!`d file.
    pub fn tokens(&self) -> Result<TokenStream, Error> {
        let proto = self.proto.tokens()?;
        let declarations = self.declarations(|name| {
            let body = match name {
                "proto" => &proto,
                _ => {
                    let (_, body) = self
                        .modules
                        .iter()
                        .find(|(module, _)| *module == name)
                        .expect("declarations name our modules");
                    body
                }
            };
            let name = ident(name);
            quote! { #name { #body } }
        });
        let root_items = &self.root_items;
        Ok(quote! { #(#declarations)* #root_items })
    }

    /// `pub mod <name><rest>` for every module in order, `rest` being `;` or a body.
    fn declarations(&self, rest: impl Fn(&str) -> TokenStream) -> Vec<TokenStream> {
        let mut names: Vec<&str> = self.modules.iter().map(|(name, _)| *name).collect();
        names.insert(PROTO_POSITION, "proto");
        names
            .into_iter()
            .map(|name| {
                let attrs = (name == "proto").then(lib_rs::proto_attrs);
                let rest = rest(name);
                quote! { #attrs pub mod #rest }
            })
            .collect()
    }
}
