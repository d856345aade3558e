//! Every Rust name the generators produce is made here, so the rules live in one place.
//!
//! Type and method names must match what prost and tonic generate for the same proto
//! (the SDK refers to their items), so the conversions below mirror
//! `prost_build::ident` and tonic-build's `naive_snake_case` exactly; their unit tests pin
//! the behaviour down.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// Keywords that work as raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct",
    "trait", "true", "type", "unsafe", "use", "where", "while", "dyn", "abstract", "become", "box",
    "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "async",
    "await", "try", "gen",
];

/// Keywords that cannot be raw identifiers; prost suffixes them with `_`.
const SUFFIXED_KEYWORDS: &[&str] = &["_", "super", "self", "Self", "extern", "crate"];

/// Whether `word` is a Rust keyword (strict or reserved, edition 2024).
pub fn is_keyword(word: &str) -> bool {
    RAW_KEYWORDS.contains(&word) || SUFFIXED_KEYWORDS.contains(&word)
}

/// prost's `sanitize_identifier`: raw identifier, `_` suffix, or `_` prefix before a digit.
pub fn sanitize(ident: &str) -> String {
    if RAW_KEYWORDS.contains(&ident) {
        format!("r#{ident}")
    } else if SUFFIXED_KEYWORDS.contains(&ident) {
        format!("{ident}_")
    } else if ident.starts_with(|c: char| c.is_numeric()) {
        format!("_{ident}")
    } else {
        ident.to_string()
    }
}

/// prost's `to_snake`: field, module and (through tonic) method names.
pub fn to_snake(name: &str) -> String {
    sanitize(&name.to_snake_case())
}

/// prost's `to_upper_camel`: message, enum and service names.
pub fn to_upper_camel(name: &str) -> String {
    sanitize(&name.to_upper_camel_case())
}

/// prost's enum variant name: the value's UpperCamel name without the enum's name in
/// front (`Kind::KIND_SELF` → `Self_`), kept whole when what is left would not start a
/// word (`prost_build::ident::strip_enum_prefix`). `enum_rust_name` is [`to_upper_camel`]'s.
pub fn enum_variant(enum_rust_name: &str, value_name: &str) -> String {
    let variant = to_upper_camel(value_name);
    let stripped = variant.strip_prefix(enum_rust_name).unwrap_or(&variant);
    if stripped.starts_with(char::is_uppercase) {
        sanitize(stripped)
    } else {
        sanitize(&variant)
    }
}

/// tonic-build's `naive_snake_case`, used for the `<service>_server` module name. It differs
/// from heck on acronyms (`HTTPProxy` → `h_t_t_p_proxy`), so it is copied, not approximated.
pub fn tonic_snake(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c.to_ascii_lowercase());
        if chars.peek().is_some_and(|next| next.is_uppercase()) {
            out.push('_');
        }
    }
    out
}

/// `SCREAMING_SNAKE` for constants.
pub fn to_shouty(name: &str) -> String {
    name.trim_start_matches("r#")
        .trim_end_matches('_')
        .to_shouty_snake_case()
}

/// The identifier without its `r#` prefix, for building other names from it.
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// The stem the SDK names a service by: the Rust service name without a trailing
/// `Service` (`CalculatorService` → `Calculator`), unless nothing would be left.
pub fn service_stem(rust_service_name: &str) -> String {
    let name = bare(rust_service_name).trim_end_matches('_');
    match name.strip_suffix("Service") {
        Some(stem) if !stem.is_empty() => stem.to_string(),
        _ => name.to_string(),
    }
}

/// Method names the SDK cannot give an RPC: the generated client's own constructors and
/// accessors, and methods of prelude traits the client implements (`Clone`, `Into`, ...).
/// A trait method with one of these names would be ambiguous at every call site
/// (`client.clone()`), or trips clippy's `new_ret_no_self`.
pub const RESERVED_METHOD_NAMES: &[&str] = &[
    "new",
    "clone",
    "clone_from",
    "clone_into",
    "connect",
    "from_channel",
    "with_resolver",
    "with_options",
    "channels",
    "into",
    "try_into",
    "to_owned",
    "fmt",
];

/// The API trait / client method name for an RPC: tonic's snake name, with `_` appended
/// when that name is reserved (see [`RESERVED_METHOD_NAMES`]).
pub fn api_method_name(proto_method_name: &str) -> String {
    let snake = to_snake(proto_method_name);
    if RESERVED_METHOD_NAMES.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// Converts `my-module` / `my_module` into `MyModule`.
pub fn module_camel(module_name: &str) -> String {
    module_name.to_upper_camel_case()
}

/// The Rust library name cargo derives from a package name.
pub fn crate_ident(package_name: &str) -> String {
    package_name.replace('-', "_")
}

/// A valid cargo package name that we also accept as a module name:
/// `[a-z][a-z0-9_-]*`, no trailing separator, not a Rust keyword.
pub fn check_package_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err("must not be empty".into()),
        Some(c) if !c.is_ascii_lowercase() => {
            return Err("must start with a lowercase ASCII letter".into());
        }
        Some(_) => {}
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "may only contain lowercase letters, digits, `-` and `_` (found `{bad}`)"
        ));
    }
    if name.ends_with(['-', '_']) {
        return Err("must not end with `-` or `_`".into());
    }
    if is_keyword(&crate_ident(name)) {
        return Err("is a Rust keyword".into());
    }
    Ok(())
}

/// An `UpperCamel` Rust type name chosen by the user (trait, client, error type).
pub fn check_type_name(name: &str) -> Result<(), String> {
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Err("must start with an uppercase ASCII letter".into());
    }
    if let Some(bad) = name.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(format!(
            "may only contain ASCII letters and digits (found `{bad}`)"
        ));
    }
    if is_keyword(name) {
        return Err("is a Rust keyword".into());
    }
    Ok(())
}

/// A `snake_case` Rust field name chosen by the user (config fields).
pub fn check_field_name(name: &str) -> Result<(), String> {
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("must start with a lowercase ASCII letter".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(format!(
            "may only contain lowercase letters, digits and `_` (found `{bad}`)"
        ));
    }
    if is_keyword(name) {
        return Err("is a Rust keyword".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_identifiers_like_prost() {
        assert_eq!(to_snake("type"), "r#type");
        assert_eq!(to_snake("Match"), "r#match");
        assert_eq!(to_snake("Async"), "r#async");
        assert_eq!(to_snake("gen"), "r#gen");
    }

    #[test]
    fn keywords_that_cannot_be_raw_get_an_underscore_suffix() {
        assert_eq!(to_snake("self"), "self_");
        assert_eq!(to_snake("Self"), "self_");
        assert_eq!(to_upper_camel("self"), "Self_");
        assert_eq!(to_snake("super"), "super_");
        assert_eq!(to_snake("crate"), "crate_");
    }

    #[test]
    fn prelude_names_are_left_alone_because_proto_types_live_in_their_own_module() {
        assert_eq!(to_upper_camel("Result"), "Result");
        assert_eq!(to_upper_camel("option"), "Option");
        assert_eq!(to_upper_camel("box"), "Box");
    }

    #[test]
    fn enum_variants_drop_the_enum_name_like_prost() {
        assert_eq!(enum_variant("Kind", "KIND_SELF"), "Self_");
        assert_eq!(enum_variant("Kind", "KIND_TYPE"), "Type");
        assert_eq!(enum_variant("ServingStatus", "SERVING"), "Serving");
        // "Foo" is not a word prefix of "Foobar".
        assert_eq!(enum_variant("Foo", "FOOBAR"), "Foobar");
        assert_eq!(enum_variant("Color", "COLOR_2D"), "Color2d");
    }

    #[test]
    fn method_names_follow_tonic_snake_case() {
        assert_eq!(to_snake("GetFeature"), "get_feature");
        assert_eq!(to_snake("ServerReflectionInfo"), "server_reflection_info");
        assert_eq!(to_snake("HTTPGet"), "http_get");
    }

    #[test]
    fn rpc_named_like_a_client_method_gets_a_suffix() {
        assert_eq!(api_method_name("New"), "new_");
        assert_eq!(api_method_name("Clone"), "clone_");
        assert_eq!(api_method_name("Connect"), "connect_");
        assert_eq!(api_method_name("WithOptions"), "with_options_");
        assert_eq!(api_method_name("Type"), "r#type");
        assert_eq!(api_method_name("Self"), "self_");
        assert_eq!(api_method_name("Add"), "add");
    }

    #[test]
    fn server_module_uses_tonic_naive_snake_case() {
        assert_eq!(tonic_snake("RouteGuide"), "route_guide");
        assert_eq!(tonic_snake("HTTPProxy"), "h_t_t_p_proxy");
    }

    #[test]
    fn service_stem_drops_a_trailing_service() {
        assert_eq!(service_stem("CalculatorService"), "Calculator");
        assert_eq!(service_stem("Greeter"), "Greeter");
        assert_eq!(service_stem("Service"), "Service");
        assert_eq!(service_stem("Client"), "Client");
    }

    #[test]
    fn package_names_follow_cargo_rules_and_avoid_keywords() {
        assert!(check_package_name("calculator").is_ok());
        assert!(check_package_name("route-guide_2").is_ok());
        assert!(check_package_name("Calculator").is_err());
        assert!(check_package_name("9lives").is_err());
        assert!(check_package_name("calc-").is_err());
        assert!(check_package_name("my calc").is_err());
        assert!(check_package_name("type").is_err());
        assert!(check_package_name("self").is_err());
    }

    #[test]
    fn constants_are_shouty() {
        assert_eq!(to_shouty("RouteGuide"), "ROUTE_GUIDE");
        assert_eq!(to_shouty("r#Type"), "TYPE");
    }
}
