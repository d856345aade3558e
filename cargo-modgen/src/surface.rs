//! The API surface of an SDK as text: its services, and every message and enum their
//! RPCs reach, with field numbers, types and JSON names. What a caller sends and receives,
//! and nothing else (no comments, no Rust), so that a snapshot of it changes exactly when
//! the contract does and reads as a review of that change.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet,
    ServiceDescriptorProto,
};

use crate::error::{Error, ErrorKind};
use crate::model::Model;

/// The surface of the services `model` selected.
pub fn of_model(model: &Model) -> Result<String, Error> {
    let services: Vec<&str> = model
        .services
        .iter()
        .map(|s| s.full_name.as_str())
        .collect();
    render(&model.protos.descriptor_set, &services)
}

/// The surface of `services` (full names) in the encoded `descriptor_set`.
pub fn render(descriptor_set: &[u8], services: &[&str]) -> Result<String, Error> {
    let set = FileDescriptorSet::decode(descriptor_set).map_err(|e| {
        Error::new(
            ErrorKind::Codegen,
            format!("internal: bad descriptor set: {e}"),
        )
    })?;
    let index = Index::new(&set);
    let mut out = String::new();
    let mut roots = Vec::new();
    for name in services {
        let Some(service) = index.services.get(*name) else {
            return Err(Error::new(
                ErrorKind::Codegen,
                format!("internal: service `{name}` is not in the descriptor set"),
            ));
        };
        render_service(&mut out, name, service);
        for method in &service.method {
            roots.push(type_name(method.input_type()));
            roots.push(type_name(method.output_type()));
        }
    }
    for name in index.reachable(roots) {
        if let Some(message) = index.messages.get(&name) {
            render_message(&mut out, &name, message);
        } else if let Some(enumeration) = index.enums.get(&name) {
            render_enum(&mut out, &name, enumeration);
        }
    }
    Ok(out)
}

/// Every service, message and enum of the set by full name (no leading dot).
struct Index<'a> {
    services: BTreeMap<String, &'a ServiceDescriptorProto>,
    messages: BTreeMap<String, &'a DescriptorProto>,
    enums: BTreeMap<String, &'a EnumDescriptorProto>,
}

impl<'a> Index<'a> {
    fn new(set: &'a FileDescriptorSet) -> Self {
        let mut index = Index {
            services: BTreeMap::new(),
            messages: BTreeMap::new(),
            enums: BTreeMap::new(),
        };
        for file in &set.file {
            let package = file.package();
            for service in &file.service {
                index
                    .services
                    .insert(qualify(package, service.name()), service);
            }
            for message in &file.message_type {
                index.add_message(package, message);
            }
            for enumeration in &file.enum_type {
                index
                    .enums
                    .insert(qualify(package, enumeration.name()), enumeration);
            }
        }
        index
    }

    fn add_message(&mut self, scope: &str, message: &'a DescriptorProto) {
        let name = qualify(scope, message.name());
        for nested in &message.nested_type {
            self.add_message(&name, nested);
        }
        for enumeration in &message.enum_type {
            self.enums
                .insert(qualify(&name, enumeration.name()), enumeration);
        }
        self.messages.insert(name, message);
    }

    /// The messages and enums reachable from `roots` through fields, in name order.
    /// Map entries are rendered inside their field (`map<K, V>`), not on their own.
    fn reachable(&self, roots: Vec<String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut pending = roots;
        while let Some(name) = pending.pop() {
            let Some(message) = self.messages.get(&name) else {
                if self.enums.contains_key(&name) {
                    seen.insert(name);
                }
                continue;
            };
            let map_entry = message.options.as_ref().is_some_and(|o| o.map_entry());
            if !map_entry && !seen.insert(name.clone()) {
                continue;
            }
            for field in &message.field {
                if field.type_name.is_some() {
                    pending.push(type_name(field.type_name()));
                }
            }
        }
        seen
    }
}

fn render_service(out: &mut String, name: &str, service: &ServiceDescriptorProto) {
    let _ = writeln!(out, "service {name}");
    for method in &service.method {
        let stream = |streams: bool| if streams { "stream " } else { "" };
        let _ = writeln!(
            out,
            "  rpc {}({}{}) returns ({}{})",
            method.name(),
            stream(method.client_streaming()),
            type_name(method.input_type()),
            stream(method.server_streaming()),
            type_name(method.output_type()),
        );
    }
    out.push('\n');
}

fn render_message(out: &mut String, name: &str, message: &DescriptorProto) {
    let _ = writeln!(out, "message {name}");
    for field in &message.field {
        let oneof = field
            .oneof_index
            .filter(|_| !field.proto3_optional())
            .and_then(|i| message.oneof_decl.get(i as usize))
            .map(|oneof| format!("  (oneof {})", oneof.name()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {}: {}  json={}{oneof}",
            field.number(),
            field.name(),
            field_type(message, field),
            field.json_name(),
        );
    }
    for range in &message.reserved_range {
        let _ = writeln!(out, "  reserved {}..{}", range.start(), range.end() - 1);
    }
    for reserved in &message.reserved_name {
        let _ = writeln!(out, "  reserved \"{reserved}\"");
    }
    out.push('\n');
}

fn render_enum(out: &mut String, name: &str, enumeration: &EnumDescriptorProto) {
    let _ = writeln!(out, "enum {name}");
    for value in &enumeration.value {
        let _ = writeln!(out, "  {} {}", value.number(), value.name());
    }
    for range in &enumeration.reserved_range {
        let _ = writeln!(out, "  reserved {}..{}", range.start(), range.end());
    }
    for reserved in &enumeration.reserved_name {
        let _ = writeln!(out, "  reserved \"{reserved}\"");
    }
    out.push('\n');
}

/// `string`, `repeated int32`, `optional bytes`, `map<string, pkg.Msg>`, `pkg.Msg`.
fn field_type(message: &DescriptorProto, field: &FieldDescriptorProto) -> String {
    let nested_entry = message.nested_type.iter().find(|nested| {
        nested.options.as_ref().is_some_and(|o| o.map_entry())
            && field.type_name().ends_with(&format!(".{}", nested.name()))
    });
    if let (Some(entry), Label::Repeated) = (nested_entry, field.label()) {
        let key = entry.field.first().map(scalar_or_named).unwrap_or_default();
        let value = entry.field.get(1).map(scalar_or_named).unwrap_or_default();
        return format!("map<{key}, {value}>");
    }
    let label = match field.label() {
        Label::Repeated => "repeated ",
        Label::Required => "required ",
        Label::Optional if field.proto3_optional() => "optional ",
        Label::Optional => "",
    };
    format!("{label}{}", scalar_or_named(field))
}

fn scalar_or_named(field: &FieldDescriptorProto) -> String {
    let scalar = match field.r#type() {
        Type::Double => "double",
        Type::Float => "float",
        Type::Int64 => "int64",
        Type::Uint64 => "uint64",
        Type::Int32 => "int32",
        Type::Fixed64 => "fixed64",
        Type::Fixed32 => "fixed32",
        Type::Bool => "bool",
        Type::String => "string",
        Type::Bytes => "bytes",
        Type::Uint32 => "uint32",
        Type::Sfixed32 => "sfixed32",
        Type::Sfixed64 => "sfixed64",
        Type::Sint32 => "sint32",
        Type::Sint64 => "sint64",
        Type::Group | Type::Message | Type::Enum => return type_name(field.type_name()),
    };
    scalar.to_owned()
}

fn qualify(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

fn type_name(reference: &str) -> String {
    reference.trim_start_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(proto: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.proto"), proto).unwrap();
        let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
        compiler.include_imports(true);
        compiler.open_file("a.proto").unwrap();
        compiler.file_descriptor_set().encode_to_vec()
    }

    #[test]
    fn surface_lists_rpcs_and_the_types_they_reach_and_nothing_else() {
        let set = compile(
            r#"syntax = "proto3";
            package a.v1;
            service S {
              rpc Get(Req) returns (stream Reply);
            }
            message Req {
              string name = 1;
              map<string, Item> items = 2;
              oneof choice { int32 n = 3; Kind kind = 4; }
              optional bytes raw = 5;
              reserved 6 to 8;
              reserved "old";
            }
            message Item { repeated int64 ids = 1; }
            message Reply {}
            message Unused { string x = 1; }
            enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }
            "#,
        );
        let surface = render(&set, &["a.v1.S"]).unwrap();
        assert_eq!(
            surface,
            "service a.v1.S\n\
             \x20 rpc Get(a.v1.Req) returns (stream a.v1.Reply)\n\
             \n\
             message a.v1.Item\n\
             \x20 1 ids: repeated int64  json=ids\n\
             \n\
             enum a.v1.Kind\n\
             \x20 0 KIND_UNSPECIFIED\n\
             \x20 1 KIND_A\n\
             \n\
             message a.v1.Reply\n\
             \n\
             message a.v1.Req\n\
             \x20 1 name: string  json=name\n\
             \x20 2 items: map<string, a.v1.Item>  json=items\n\
             \x20 3 n: int32  json=n  (oneof choice)\n\
             \x20 4 kind: a.v1.Kind  json=kind  (oneof choice)\n\
             \x20 5 raw: optional bytes  json=raw\n\
             \x20 reserved 6..8\n\
             \x20 reserved \"old\"\n\
             \n"
        );
    }

    #[test]
    fn an_unknown_service_is_an_internal_error() {
        let set = compile("syntax = \"proto3\"; package a; message M {}");
        assert!(render(&set, &["a.S"]).is_err());
    }
}
