//! The error enum's variants, all declarations together: each proto declaration names a
//! valid code, a detail message that exists and holds only scalars, a delay that parses,
//! and a variant name free of built-ins and keywords; reasons and names are unique.

use std::collections::HashMap;

use crate::error::{Error, ErrorKind, Errors, Location};
use crate::manifest::{BUILTIN_VARIANTS, closest};
use crate::model::{ErrorVariant, GrpcCode, Model, ProtoDeclaration, parse_duration};
use crate::names;

/// The built-in variant names, `Other` included.
fn is_builtin(name: &str) -> bool {
    name == "Other" || BUILTIN_VARIANTS.iter().any(|(builtin, _)| *builtin == name)
}

pub fn check(model: &Model, errors: &mut Errors) {
    let mut reasons: HashMap<&str, &ErrorVariant> = HashMap::new();
    let mut names: HashMap<&str, &ErrorVariant> = HashMap::new();
    for variant in &model.sdk.error_variants {
        // Manifest variants were checked where the manifest names them.
        let Some(declared) = &variant.declared else {
            reasons.insert(&variant.reason, variant);
            names.insert(&variant.name, variant);
            continue;
        };
        let error = |message: String| {
            Error::new(ErrorKind::ErrorDeclaration, message).at(declared.at.clone())
        };
        if let Some(first) = reasons.insert(&variant.reason, variant) {
            errors.push(error(format!(
                "duplicate error reason `{}` (also declared {})",
                variant.reason,
                where_declared(first)
            )));
        }
        check_name(variant, declared, errors);
        if let Some(first) = names.insert(&variant.name, variant)
            && first.reason != variant.reason
        {
            errors.push(error(format!(
                "error `{}` becomes the variant `{}`, which error `{}` already is",
                variant.reason, variant.name, first.reason
            )));
        }
        check_code(declared, errors);
        check_detail(variant, declared, errors);
        if !declared.retry_delay.is_empty()
            && let Err(why) = parse_duration(&declared.retry_delay)
        {
            errors.push(error(format!(
                "invalid retry_delay `{}` of error `{}`: {why}",
                declared.retry_delay, variant.reason
            )));
        }
    }
}

fn where_declared(variant: &ErrorVariant) -> String {
    match &variant.declared {
        Some(declared) => format!("at {}", location(&declared.at)),
        None => format!("by the manifest's variant `{}`", variant.name),
    }
}

fn location(at: &Location) -> String {
    format!("{}:{}:{}", at.file, at.line, at.column)
}

fn check_name(variant: &ErrorVariant, declared: &ProtoDeclaration, errors: &mut Errors) {
    let name = &variant.name;
    let problem = if is_builtin(name) {
        Some("is built into every SDK error type".to_string())
    } else {
        names::check_type_name(name).err()
    };
    if let Some(why) = problem {
        errors.push(
            Error::new(
                ErrorKind::ErrorDeclaration,
                format!(
                    "error `{}` would be the variant `{name}`, which {why}",
                    variant.reason
                ),
            )
            .at(declared.at.clone())
            .with_help("rename the value, or give the variant a name with `name: \"...\"`"),
        );
    }
}

fn check_code(declared: &ProtoDeclaration, errors: &mut Errors) {
    let code = declared.code.as_str();
    let message = match GrpcCode::from_name(code) {
        Some(GrpcCode::Ok) => "`OK` is not an error code".to_string(),
        Some(_) => return,
        None if code.is_empty() => "the error option names no `code`".to_string(),
        None => format!("unknown gRPC code `{code}`"),
    };
    let mut error = Error::new(ErrorKind::ErrorDeclaration, message).at(declared.at.clone());
    if let Some(near) = closest(&code.to_uppercase(), GrpcCode::names()) {
        error = error.with_help(format!("did you mean `{near}`?"));
    }
    errors.push(error);
}

fn check_detail(variant: &ErrorVariant, declared: &ProtoDeclaration, errors: &mut Errors) {
    let error =
        |message: String| Error::new(ErrorKind::ErrorDeclaration, message).at(declared.at.clone());
    if declared.detail.is_empty() {
        return;
    }
    let Some(detail) = &variant.detail else {
        errors.push(
            error(format!(
                "detail message `{}` of error `{}` not found",
                declared.detail, variant.reason
            ))
            .with_help(
                "name a message by its full name (`pkg.Msg`) or relative to the package of \
                 the enum (of the first service, for a manifest variant)",
            ),
        );
        return;
    };
    for field in &detail.fields {
        if field.scalar.is_none() {
            errors.push(error(format!(
                "field `{}` of detail message `{}` is not a plain scalar (bool, integer, float or string)",
                field.proto_name, detail.full_name
            )));
        }
        if field.rust_name == "message" {
            errors.push(error(format!(
                "field `message` of detail message `{}` clashes with the variant's status message",
                detail.full_name
            )));
        }
    }
}
