//! What a proto name in a comment links to: every generated item by its full proto name,
//! and the path to it from the module a doc is emitted in.

use std::collections::HashMap;

use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorSet};

use super::ResolveLink;
use crate::model::{Service, package_module};
use crate::names;

/// The module the SDK's own items (`api.rs`, `client.rs`) are documented from: any
/// top-level module of the SDK. The name matches no real module, so every link from
/// there starts with `super::`, and the same doc text is valid in each of those files
/// (`client.rs` repeats the API trait's method docs).
pub const TOP_LEVEL: &str = "<top-level>";

/// Where the SDK's message types live, relative to its root.
pub const PROTO_MODULE: &str = "proto";
/// Where the API traits live, relative to the SDK's root.
const API_MODULE: &str = "api";
/// Packages prost does not generate (it maps them to `prost_types`).
const EXTERN_PACKAGE: &str = "google.protobuf";

/// A generated Rust item: the module it is in (from the SDK's root) and its path there
/// (`["Outer", "field"]` for a field, `["Kind", "Text"]` for a variant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustItem {
    pub module: Vec<String>,
    pub path: Vec<String>,
}

/// Every proto element the SDK generates an item for, by full name (`.pkg.Outer.Inner`).
#[derive(Default)]
pub struct ProtoLinks {
    items: HashMap<String, RustItem>,
}

impl ProtoLinks {
    /// The items prost and tonic generate for `set`, with the selected `services` (and
    /// their methods) pointing at the SDK's API traits rather than tonic's server traits.
    pub fn new(set: &FileDescriptorSet, services: &[Service]) -> Self {
        let mut links = ProtoLinks::default();
        for file in set.file.iter().filter(|f| f.package() != EXTERN_PACKAGE) {
            let prefix = if file.package().is_empty() {
                String::new()
            } else {
                format!(".{}", file.package())
            };
            let mut module = vec![PROTO_MODULE.to_string()];
            module.extend(package_module(file.package()));
            for message in &file.message_type {
                links.message(&prefix, &module, message);
            }
            for enumeration in &file.enum_type {
                links.enumeration(&prefix, &module, enumeration);
            }
            for service in &file.service {
                let full = format!("{prefix}.{}", service.name());
                let rust = names::to_upper_camel(service.name());
                let mut server = module.clone();
                server.push(format!("{}_server", names::tonic_snake(&rust)));
                links.insert(&full, &server, [rust.clone()]);
                for method in &service.method {
                    let name = names::to_snake(method.name());
                    links.insert(
                        &format!("{full}.{}", method.name()),
                        &server,
                        [rust.clone(), name],
                    );
                }
            }
        }
        let api = vec![API_MODULE.to_string()];
        for service in services {
            let full = format!(".{}", service.full_name);
            links.insert(&full, &api, [service.trait_name.clone()]);
            for method in &service.methods {
                links.insert(
                    &format!("{full}.{}", method.proto_name),
                    &api,
                    [service.trait_name.clone(), method.api_name.clone()],
                );
            }
        }
        links
    }

    fn insert<const N: usize>(&mut self, full_name: &str, module: &[String], path: [String; N]) {
        self.items.insert(
            full_name.to_string(),
            RustItem {
                module: module.to_vec(),
                path: path.to_vec(),
            },
        );
    }

    /// prost's layout: the struct in `module`, its nested types, oneof enums in a module
    /// named after it; a oneof member is a variant of its oneof's enum.
    fn message(&mut self, prefix: &str, module: &[String], message: &DescriptorProto) {
        if message.options.as_ref().is_some_and(|o| o.map_entry()) {
            return;
        }
        let full = format!("{prefix}.{}", message.name());
        let rust = names::to_upper_camel(message.name());
        let mut nested = module.to_vec();
        nested.push(names::to_snake(message.name()));
        self.insert(&full, module, [rust.clone()]);
        // proto3 `optional` fields sit in a synthetic oneof that prost turns into `Option`.
        let real_oneof = |index: Option<i32>| {
            index.and_then(|i| {
                let synthetic = message
                    .field
                    .iter()
                    .any(|f| f.oneof_index == Some(i) && f.proto3_optional());
                (!synthetic).then(|| &message.oneof_decl[i as usize])
            })
        };
        for field in &message.field {
            let name = format!("{full}.{}", field.name());
            match real_oneof(field.oneof_index) {
                Some(oneof) => self.insert(
                    &name,
                    &nested,
                    [
                        names::to_upper_camel(oneof.name()),
                        names::to_upper_camel(field.name()),
                    ],
                ),
                None => self.insert(&name, module, [rust.clone(), names::to_snake(field.name())]),
            }
        }
        for (i, oneof) in message.oneof_decl.iter().enumerate() {
            if real_oneof(Some(i as i32)).is_some() {
                let name = format!("{full}.{}", oneof.name());
                self.insert(&name, module, [rust.clone(), names::to_snake(oneof.name())]);
            }
        }
        for inner in &message.nested_type {
            self.message(&full, &nested, inner);
        }
        for enumeration in &message.enum_type {
            self.enumeration(&full, &nested, enumeration);
        }
    }

    /// An enum and its values, each value also under the enum's parent scope (protobuf
    /// puts values beside their enum, C++ style) unless something there has that name.
    fn enumeration(&mut self, prefix: &str, module: &[String], enumeration: &EnumDescriptorProto) {
        let full = format!("{prefix}.{}", enumeration.name());
        let rust = names::to_upper_camel(enumeration.name());
        self.insert(&full, module, [rust.clone()]);
        let mut numbers = Vec::new();
        for value in &enumeration.value {
            // prost generates one variant per number; an alias (`allow_alias`) has none.
            if numbers.contains(&value.number()) {
                continue;
            }
            numbers.push(value.number());
            let variant = names::enum_variant(&rust, value.name());
            self.insert(
                &format!("{full}.{}", value.name()),
                module,
                [rust.clone(), variant.clone()],
            );
            let sibling = format!("{prefix}.{}", value.name());
            self.items.entry(sibling).or_insert_with(|| RustItem {
                module: module.to_vec(),
                path: vec![rust.clone(), variant],
            });
        }
    }

    /// The item `reference` names as seen from the proto element `scope` (`.pkg.Msg`):
    /// absolute when it starts with `.`, else looked up in `scope`, then in each
    /// enclosing scope out to the root, as protoc resolves type names.
    pub fn resolve(&self, reference: &str, scope: &str) -> Option<&RustItem> {
        if !is_proto_name(reference) {
            return None;
        }
        if reference.starts_with('.') {
            return self.items.get(reference);
        }
        let mut scope = scope;
        loop {
            if let Some(item) = self.items.get(&format!("{scope}.{reference}")) {
                return Some(item);
            }
            match scope.rfind('.') {
                Some(dot) => scope = &scope[..dot],
                None if scope.is_empty() => return None,
                None => scope = "",
            }
        }
    }

    /// A resolver for docs of the proto element `scope` emitted in Rust module `module`.
    pub fn at<'a>(&'a self, scope: &'a str, module: &'a [String]) -> Scoped<'a> {
        Scoped {
            links: self,
            scope,
            module,
        }
    }
}

/// [`ProtoLinks`] from one place: a proto scope and the Rust module the doc is in.
pub struct Scoped<'a> {
    links: &'a ProtoLinks,
    scope: &'a str,
    module: &'a [String],
}

impl ResolveLink for Scoped<'_> {
    fn link(&self, reference: &str) -> Option<String> {
        let item = self.links.resolve(reference, self.scope)?;
        Some(relative_path(self.module, item))
    }
}

/// The intra-doc path to `item` from module `from` (both from the SDK's root): `super::`
/// up to the modules they share, then down. Never `crate::`, so the links hold wherever
/// the SDK's modules are mounted. Segments go without `r#`: rustdoc resolves link paths
/// by name and does not accept raw identifiers (`Item::type`, not `Item::r#type`).
pub fn relative_path(from: &[String], item: &RustItem) -> String {
    let shared = from
        .iter()
        .zip(&item.module)
        .take_while(|(a, b)| a == b)
        .count();
    let ups = std::iter::repeat_n("super", from.len() - shared);
    ups.chain(item.module[shared..].iter().map(|s| names::bare(s)))
        .chain(item.path.iter().map(|s| names::bare(s)))
        .collect::<Vec<_>>()
        .join("::")
}

/// `pkg.Msg`, `.pkg.Msg.field`, `Msg`: dot-separated identifiers, optionally absolute.
fn is_proto_name(reference: &str) -> bool {
    let name = reference.strip_prefix('.').unwrap_or(reference);
    !name.is_empty()
        && name.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn a_path_goes_up_to_the_shared_module_then_down() {
        let item = RustItem {
            module: strings(&["proto", "pkg", "outer"]),
            path: strings(&["Inner", "r#type"]),
        };
        assert_eq!(
            relative_path(&strings(&["proto", "pkg", "outer"]), &item),
            "Inner::type"
        );
        assert_eq!(
            relative_path(&strings(&["proto", "pkg", "svc_server"]), &item),
            "super::outer::Inner::type"
        );
        assert_eq!(
            relative_path(&strings(&[TOP_LEVEL]), &item),
            "super::proto::pkg::outer::Inner::type"
        );
    }

    #[test]
    fn names_resolve_from_the_innermost_scope_outwards() {
        let mut links = ProtoLinks::default();
        let at = |module: &[&str], path: &[&str]| RustItem {
            module: strings(module),
            path: strings(path),
        };
        links
            .items
            .insert(".pkg.Msg".into(), at(&["proto", "pkg"], &["Msg"]));
        links.items.insert(
            ".pkg.Outer.Msg".into(),
            at(&["proto", "pkg", "outer"], &["Msg"]),
        );
        let outer_msg = links.resolve("Msg", ".pkg.Outer.field");
        assert_eq!(
            outer_msg.unwrap().module,
            strings(&["proto", "pkg", "outer"])
        );
        assert_eq!(
            links.resolve("Msg", ".pkg.Other").unwrap().module,
            strings(&["proto", "pkg"])
        );
        assert_eq!(
            links.resolve(".pkg.Msg", ".pkg.Outer").unwrap().module,
            strings(&["proto", "pkg"])
        );
        assert_eq!(
            links.resolve("pkg.Msg", ".pkg.Outer").unwrap().path,
            strings(&["Msg"])
        );
        assert!(links.resolve("Missing", ".pkg.Outer").is_none());
        assert!(links.resolve("a-z", ".pkg").is_none());
    }
}
