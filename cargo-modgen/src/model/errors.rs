//! The SDK error enum's variants: the manifest's `[[errors.variant]]`s and the proto's
//! declared errors (`(modgen.options.v1.error)`), with the detail message each proto
//! variant carries resolved to its fields. Unknown codes, missing messages and bad names
//! are kept as written in [`ProtoDeclaration`] for `check` to report with their location.

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorProto};

use super::{GrpcCode, MessageRef, parse_duration};
use crate::docs::{self, NoLinks};
use crate::error::Location;
use crate::names;
use crate::proto_errors::DeclaredError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorVariant {
    /// The Rust variant name (`OutOfStock`).
    pub name: String,
    /// The gRPC code it travels with (`Unknown` when a proto declaration names no valid
    /// code, which `check` refuses).
    pub code: GrpcCode,
    /// rustdoc lines (the manifest's `doc` or the enum value's comment, converted).
    pub docs: Vec<String>,
    /// `ErrorInfo.reason` on the wire (`OUT_OF_STOCK`).
    pub reason: String,
    /// The typed detail message whose fields the variant carries.
    pub detail: Option<ErrorDetail>,
    /// Milliseconds a client should wait before retrying (`RetryInfo`); `None`: not retryable.
    pub retry_delay_ms: Option<u64>,
    /// Set for variants declared in a proto: the option as written, and where.
    pub declared: Option<ProtoDeclaration>,
}

impl ErrorVariant {
    /// A manifest variant: the status message only, reason from its name.
    pub fn from_manifest(name: String, code: GrpcCode, docs: Vec<String>) -> Self {
        Self {
            reason: name.to_shouty_snake_case(),
            name,
            code,
            docs,
            detail: None,
            retry_delay_ms: None,
            declared: None,
        }
    }
}

/// The option's text, for `check`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtoDeclaration {
    pub at: Location,
    pub enum_name: String,
    pub code: String,
    pub detail: String,
    pub retry_delay: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDetail {
    /// The message's proto full name (`shop.v1.OutOfStock`), the type URL's last part.
    pub full_name: String,
    /// Its prost type in the SDK.
    pub rust_type: MessageRef,
    pub fields: Vec<ErrorField>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorField {
    /// As in the proto: the `ErrorInfo.metadata` key.
    pub proto_name: String,
    /// prost's field name, also the variant's (`sku`, `r#type`).
    pub rust_name: String,
    /// `None` for a type a variant field cannot hold (message, bytes, enum, repeated, map,
    /// optional, oneof member); `check` refuses it.
    pub scalar: Option<Scalar>,
}

/// The proto scalars a variant field holds, shown in metadata with `to_string`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    String,
}

impl Scalar {
    pub fn rust_type(self) -> &'static str {
        match self {
            Scalar::Bool => "bool",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
            Scalar::String => "String",
        }
    }

    fn of(field: &FieldDescriptorProto) -> Option<Scalar> {
        if field.label() == Label::Repeated
            || field.proto3_optional()
            || field.oneof_index.is_some()
        {
            return None;
        }
        Some(match field.r#type() {
            Type::Bool => Scalar::Bool,
            Type::Int32 | Type::Sint32 | Type::Sfixed32 => Scalar::I32,
            Type::Int64 | Type::Sint64 | Type::Sfixed64 => Scalar::I64,
            Type::Uint32 | Type::Fixed32 => Scalar::U32,
            Type::Uint64 | Type::Fixed64 => Scalar::U64,
            Type::Float => Scalar::F32,
            Type::Double => Scalar::F64,
            Type::String => Scalar::String,
            _ => return None,
        })
    }
}

/// The proto's declared errors as variants. `types` maps `.pkg.Msg` to its Rust type.
pub fn from_proto(
    declared: &[DeclaredError],
    files: &[FileDescriptorProto],
    types: &std::collections::HashMap<String, MessageRef>,
) -> Vec<ErrorVariant> {
    declared
        .iter()
        .map(|d| {
            let detail = (!d.detail.is_empty())
                .then(|| resolve_detail(&d.detail, &d.package, files, types))
                .flatten();
            ErrorVariant {
                name: if d.name.is_empty() {
                    d.reason.to_upper_camel_case()
                } else {
                    d.name.clone()
                },
                code: GrpcCode::from_name(&d.code).unwrap_or(GrpcCode::Unknown),
                docs: docs::rustdoc(&d.comment, &NoLinks),
                reason: d.reason.clone(),
                detail,
                retry_delay_ms: parse_duration(&d.retry_delay)
                    .ok()
                    .map(|delay| delay.as_millis() as u64),
                declared: Some(ProtoDeclaration {
                    at: d.at.clone(),
                    enum_name: d.enum_name.clone(),
                    code: d.code.clone(),
                    detail: d.detail.clone(),
                    retry_delay: d.retry_delay.clone(),
                }),
            }
        })
        .collect()
}

/// The detail messages manifest variants name (`detail = "..."`), resolved relative to
/// `package` (the first service's).
pub fn resolve_manifest_details(
    variants: &mut [ErrorVariant],
    package: &str,
    files: &[FileDescriptorProto],
    types: &std::collections::HashMap<String, MessageRef>,
) {
    for variant in variants {
        if let Some(declared) = &variant.declared {
            variant.detail = resolve_detail(&declared.detail, package, files, types);
        }
    }
}

/// `name` as protoc resolves a type: a leading `.` is absolute; otherwise tried in the
/// package, then its parents, then at the root.
fn resolve_detail(
    name: &str,
    package: &str,
    files: &[FileDescriptorProto],
    types: &std::collections::HashMap<String, MessageRef>,
) -> Option<ErrorDetail> {
    let candidates: Vec<String> = match name.strip_prefix('.') {
        Some(absolute) => vec![absolute.to_string()],
        None => {
            let mut scope: Vec<&str> = package.split('.').filter(|s| !s.is_empty()).collect();
            let mut out = Vec::new();
            loop {
                let prefix = scope.join(".");
                out.push(if prefix.is_empty() {
                    name.to_string()
                } else {
                    format!("{prefix}.{name}")
                });
                if scope.pop().is_none() {
                    break out;
                }
            }
        }
    };
    candidates.into_iter().find_map(|full_name| {
        let message = find_message(files, &full_name)?;
        let rust_type = types.get(&format!(".{full_name}"))?.clone();
        let fields = message
            .field
            .iter()
            .map(|field| ErrorField {
                proto_name: field.name().to_string(),
                rust_name: names::to_snake(field.name()),
                scalar: Scalar::of(field),
            })
            .collect();
        Some(ErrorDetail {
            full_name,
            rust_type,
            fields,
        })
    })
}

fn find_message<'a>(
    files: &'a [FileDescriptorProto],
    full_name: &str,
) -> Option<&'a DescriptorProto> {
    files.iter().find_map(|file| {
        let rest = if file.package().is_empty() {
            full_name
        } else {
            full_name.strip_prefix(file.package())?.strip_prefix('.')?
        };
        let mut segments = rest.split('.');
        let first = segments.next()?;
        let mut message = file.message_type.iter().find(|m| m.name() == first)?;
        for segment in segments {
            message = message.nested_type.iter().find(|m| m.name() == segment)?;
        }
        Some(message)
    })
}
