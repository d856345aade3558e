//! Finding `impl <Trait> for <Type>` blocks in the user's files with syn, as byte offsets
//! into the text (proc-macro2's `span-locations`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::Span;
use quote::ToTokens;

use crate::error::Location;

/// A user file as syn sees it.
pub struct ParsedFile<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub syntax: Result<syn::File, ParseFailure>,
}

/// Where and why a file does not parse.
#[derive(Clone, Debug)]
pub struct ParseFailure {
    pub location: Location,
    pub message: String,
}

/// One impl of the trait, located in its file.
#[derive(Clone, Debug)]
pub struct ImplSite {
    pub path: PathBuf,
    /// Where the impl starts, for messages.
    pub location: Location,
    /// Byte offsets of the body's `{` and `}`.
    pub open_brace: usize,
    pub close_brace: usize,
    /// The methods it defines, as written (`r#type` for a raw identifier).
    pub methods: Vec<String>,
    /// A macro call (or anything syn cannot read) among its items: the methods it
    /// defines cannot be known.
    pub has_opaque_items: bool,
    /// `#[async_trait]` (any path ending in `async_trait`) is on the impl.
    pub has_async_trait: bool,
    /// The whitespace before its first item, when that item starts its own line.
    pub member_indent: Option<String>,
    /// The whitespace before the line where the impl starts.
    pub impl_indent: String,
}

impl<'a> ParsedFile<'a> {
    pub fn parse(path: &'a Path, text: &'a str) -> Self {
        // syn skips a BOM itself but its spans would then not count it; parse after it
        // and shift every offset instead (see `offset`).
        let syntax = syn::parse_str::<syn::File>(text.strip_prefix('\u{feff}').unwrap_or(text))
            .map_err(|error| ParseFailure {
                location: Location::from_offset(
                    path.display().to_string(),
                    text,
                    bom_len(text) + error.span().byte_range().start,
                ),
                message: error.to_string(),
            });
        ParsedFile { path, text, syntax }
    }

    /// Every impl of `trait_name` in this file, inline modules included. The trait may be
    /// named by any path ending in it, or by an alias a `use … as` in this file gives it.
    pub fn impls_of(&self, trait_name: &str) -> Vec<ImplSite> {
        let Ok(syntax) = &self.syntax else {
            return Vec::new();
        };
        let mut names = BTreeSet::from([trait_name.to_owned()]);
        collect_aliases(&syntax.items, trait_name, &mut names);
        let mut sites = Vec::new();
        self.collect_impls(&syntax.items, &names, &mut sites);
        sites
    }

    fn collect_impls(
        &self,
        items: &[syn::Item],
        names: &BTreeSet<String>,
        out: &mut Vec<ImplSite>,
    ) {
        for item in items {
            match item {
                syn::Item::Impl(item) if implements(item, names) => out.push(self.site(item)),
                syn::Item::Mod(syn::ItemMod {
                    content: Some((_, items)),
                    ..
                }) => self.collect_impls(items, names, out),
                _ => {}
            }
        }
    }

    fn site(&self, item: &syn::ItemImpl) -> ImplSite {
        let start = self.offset(item.impl_token.span);
        let methods = item
            .items
            .iter()
            .filter_map(|member| match member {
                syn::ImplItem::Fn(function) => Some(function.sig.ident.to_string()),
                _ => None,
            })
            .collect();
        let has_opaque_items = item
            .items
            .iter()
            .any(|member| matches!(member, syn::ImplItem::Macro(_) | syn::ImplItem::Verbatim(_)));
        let has_async_trait = item.attrs.iter().any(|attr| {
            attr.path()
                .segments
                .last()
                .is_some_and(|segment| segment.ident == "async_trait")
        });
        let member_indent = item.items.first().and_then(|member| {
            let first = member.to_token_stream().into_iter().next()?;
            self.indent_before(self.offset(first.span()))
        });
        ImplSite {
            path: self.path.to_path_buf(),
            location: Location::from_offset(self.path.display().to_string(), self.text, start),
            open_brace: self.offset(item.brace_token.span.open()),
            close_brace: self.offset(item.brace_token.span.close()),
            methods,
            has_opaque_items,
            has_async_trait,
            member_indent,
            impl_indent: leading_whitespace(&self.text[line_start(self.text, start)..]).to_owned(),
        }
    }

    /// The byte offset in the text of where `span` starts.
    fn offset(&self, span: Span) -> usize {
        bom_len(self.text) + span.byte_range().start
    }

    /// The text between the start of the line and `offset`, when it is all whitespace.
    fn indent_before(&self, offset: usize) -> Option<String> {
        let before = &self.text[line_start(self.text, offset)..offset];
        before
            .chars()
            .all(|c| c == ' ' || c == '\t')
            .then(|| before.to_owned())
    }
}

fn implements(item: &syn::ItemImpl, names: &BTreeSet<String>) -> bool {
    match &item.trait_ {
        Some((None, path, _)) => path
            .segments
            .last()
            .is_some_and(|segment| names.contains(&segment.ident.to_string())),
        _ => false,
    }
}

/// `use some::path::Trait as Alias;` anywhere in the file adds `Alias`. Scopes are not
/// tracked: a file that gives two traits of this name aliases is not worth the bookkeeping.
fn collect_aliases(items: &[syn::Item], trait_name: &str, out: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Use(item) => aliases_in(&item.tree, trait_name, out),
            syn::Item::Mod(syn::ItemMod {
                content: Some((_, items)),
                ..
            }) => collect_aliases(items, trait_name, out),
            _ => {}
        }
    }
}

fn aliases_in(tree: &syn::UseTree, trait_name: &str, out: &mut BTreeSet<String>) {
    match tree {
        syn::UseTree::Path(path) => aliases_in(&path.tree, trait_name, out),
        syn::UseTree::Rename(rename) if rename.ident == trait_name => {
            out.insert(rename.rename.to_string());
        }
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                aliases_in(tree, trait_name, out);
            }
        }
        _ => {}
    }
}

fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

/// The offset of the first byte of the line holding `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |newline| newline + 1)
}

fn leading_whitespace(line: &str) -> &str {
    let end = line
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(line.len());
    &line[..end]
}
