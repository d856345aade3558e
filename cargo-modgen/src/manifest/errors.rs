//! `[[errors.variant]]` → the SDK error enum's variants: names and codes checked. Several
//! variants may share a code (the `ErrorInfo` reason tells them apart); the built-ins'
//! codes stay theirs.

use std::ops::Range;

use super::raw::RawVariant;
use super::{BUILTIN_VARIANTS, closest};
use crate::error::{Error, ErrorKind, Errors, Location};
use crate::model::{ErrorVariant, GrpcCode, ProtoDeclaration, parse_duration};
use crate::names;

pub fn variants(
    raw: &[RawVariant],
    errors: &mut Errors,
    at: &impl Fn(Range<usize>) -> Location,
) -> Vec<ErrorVariant> {
    let mut variants: Vec<ErrorVariant> = Vec::new();
    for variant in raw {
        let name = variant.name.get_ref();
        let name_at = at(variant.name.span());
        if let Err(why) = names::check_type_name(name) {
            errors.push(
                Error::new(
                    ErrorKind::ManifestValue,
                    format!("invalid variant name `{name}`: {why}"),
                )
                .at(name_at.clone()),
            );
        }
        if BUILTIN_VARIANTS.iter().any(|(builtin, _)| builtin == name) || name == "Other" {
            errors.push(
                Error::new(
                    ErrorKind::ManifestValue,
                    format!("variant `{name}` is built into every SDK error type"),
                )
                .at(name_at.clone()),
            );
        } else if variants.iter().any(|v| &v.name == name) {
            errors.push(
                Error::new(
                    ErrorKind::ManifestValue,
                    format!("duplicate error variant `{name}`"),
                )
                .at(name_at.clone()),
            );
        }
        let code_text = variant.code.get_ref();
        let code_at = at(variant.code.span());
        let Some(code) = GrpcCode::from_name(code_text) else {
            let mut error = Error::new(
                ErrorKind::ManifestValue,
                format!("unknown gRPC code `{code_text}`"),
            )
            .at(code_at);
            let upper = code_text.to_uppercase();
            if let Some(near) = closest(&upper, GrpcCode::names()) {
                error = error.with_help(format!("did you mean `{near}`?"));
            }
            errors.push(error);
            continue;
        };
        if code == GrpcCode::Ok {
            errors.push(
                Error::new(ErrorKind::ManifestValue, "`OK` is not an error code").at(code_at),
            );
            continue;
        }
        if let Some((builtin, _)) = BUILTIN_VARIANTS.iter().find(|(_, c)| *c == code) {
            errors.push(
                Error::new(
                    ErrorKind::ManifestValue,
                    format!(
                        "code `{code_text}` is already mapped to the built-in variant `{builtin}`"
                    ),
                )
                .at(code_at),
            );
            continue;
        }
        let docs = variant
            .doc
            .iter()
            .flat_map(|d| d.lines())
            .map(str::to_string)
            .collect();
        let mut built = ErrorVariant::from_manifest(name.clone(), code, docs);
        if let Some(delay) = &variant.retry_delay {
            match parse_duration(delay.get_ref()) {
                Ok(delay) => built.retry_delay_ms = Some(delay.as_millis() as u64),
                Err(why) => errors.push(
                    Error::new(
                        ErrorKind::ManifestValue,
                        format!("invalid retry_delay `{}`: {why}", delay.get_ref()),
                    )
                    .at(at(delay.span())),
                ),
            }
        }
        if let Some(detail) = &variant.detail {
            // Resolved against the protos when the model is built; `check` reports a miss here.
            built.declared = Some(ProtoDeclaration {
                at: at(detail.span()),
                enum_name: String::new(),
                code: code_text.clone(),
                detail: detail.get_ref().clone(),
                retry_delay: String::new(),
            });
        }
        variants.push(built);
    }
    variants
}
