//! `config/<name>.example.yaml`: every config key with its documentation and default, a
//! file to copy and edit. YAML values are written in JSON syntax (YAML reads it), which
//! needs no quoting rules of its own.

use std::fmt::Write;

use super::config_rs::duration_text;
use super::json::quote;
use super::names::ModuleNames;
use crate::emit::header::{Comment, with_header};
use crate::model::{ConfigField, ConfigType, ConfigValue, Model};

pub fn emit(model: &Model, names: &ModuleNames) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Example configuration of the `{}` module.",
        model.module.name
    );
    let _ = writeln!(
        out,
        "# Pass this file to the module with `--config`, or put these keys under\n# `modules.{}.config` in host.yaml. Schema: {}.schema.json, next to this file.",
        model.module.name, names.package
    );
    if model.module.config.is_empty() {
        let _ = writeln!(
            out,
            "# The module has no configuration keys (`[config.fields]` in modgen.toml)."
        );
        let _ = writeln!(out, "{{}}");
    }
    for field in &model.module.config {
        out.push('\n');
        entry(&mut out, field);
    }
    with_header(Comment::Hash, &model.protos.inputs, &out)
}

/// One key: its docs as comments, then `key: default` (or a commented placeholder for a
/// required key, so that the file does not pass for a complete config).
pub fn entry(out: &mut String, field: &ConfigField) {
    for line in &field.docs {
        let _ = writeln!(out, "{}", format!("# {line}").trim_end());
    }
    let mut facts = vec![field.ty.to_string()];
    if let Some(min) = &field.min {
        facts.push(format!(">= {}", yaml_value(min)));
    }
    if let Some(max) = &field.max {
        facts.push(format!("<= {}", yaml_value(max)));
    }
    if field.required {
        facts.push("required".into());
    }
    let _ = writeln!(out, "# ({})", facts.join(", "));
    match (&field.default, field.required) {
        (_, true) => {
            let _ = writeln!(out, "# {}: {}", field.name, placeholder(&field.ty));
        }
        (Some(default), false) => {
            let _ = writeln!(out, "{}: {}", field.name, yaml_value(default));
        }
        (None, false) => {
            let _ = writeln!(out, "{}: {}", field.name, placeholder(&field.ty));
        }
    }
}

/// A value in YAML flow syntax (JSON's).
pub fn yaml_value(value: &ConfigValue) -> String {
    match value {
        ConfigValue::Integer(i) => i.to_string(),
        ConfigValue::Float(x) => format!("{x:?}"),
        ConfigValue::Bool(b) => b.to_string(),
        ConfigValue::String(s) => quote(s),
        ConfigValue::Duration(d) => quote(&duration_text(*d)),
        ConfigValue::List(items) => {
            format!(
                "[{}]",
                items.iter().map(yaml_value).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

/// The type's zero value: what the field holds when the manifest gives no default.
fn placeholder(ty: &ConfigType) -> String {
    match ty {
        ConfigType::F64 => "0.0".into(),
        ConfigType::Bool => "false".into(),
        ConfigType::String => "\"\"".into(),
        ConfigType::Duration => "\"0s\"".into(),
        ConfigType::List(_) => "[]".into(),
        _ => "0".into(),
    }
}
