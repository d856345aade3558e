//! `config/<name>.example.yaml` (`templates/module/config.example.yaml`): every config key
//! with its documentation and default, a file to copy and edit. Values are written in
//! YAML's flow syntax (JSON's, through serde_json), which needs no quoting rules of its own.

use super::config_rs::duration_text;
use super::names::ModuleNames;
use crate::emit::header::{Comment, with_header};
use crate::emit::text::{ConfigEntry, ExampleYaml, render, yaml};
use crate::model::{ConfigField, ConfigType, ConfigValue, Model};

pub fn emit(model: &Model, names: &ModuleNames) -> String {
    let text = render(&ExampleYaml {
        module_name: &model.module.name,
        package: &names.package,
        entries: entries(&model.module.config),
    });
    with_header(Comment::Hash, &model.protos.inputs, &text)
}

/// Every key of the config, as the example file and host.yaml's `config:` show them.
pub fn entries(fields: &[ConfigField]) -> Vec<ConfigEntry> {
    fields.iter().map(entry).collect()
}

/// One key: its docs as comments, then `key: default` (or a commented placeholder for a
/// required key, so that the file does not pass for a complete config).
fn entry(field: &ConfigField) -> ConfigEntry {
    let mut lines: Vec<String> = field
        .docs
        .iter()
        .flat_map(|doc| yaml::comment_lines(doc))
        .map(|line| format!("# {line}").trim_end().to_string())
        .collect();
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
    lines.push(format!("# ({})", facts.join(", ")));
    lines.push(match (&field.default, field.required) {
        (_, true) => format!("# {}: {}", field.name, placeholder(&field.ty)),
        (Some(default), false) => format!("{}: {}", field.name, yaml_value(default)),
        (None, false) => format!("{}: {}", field.name, placeholder(&field.ty)),
    });
    ConfigEntry { lines }
}

/// A value in YAML flow syntax (JSON's, with YAML's names for the floats JSON lacks).
pub fn yaml_value(value: &ConfigValue) -> String {
    match value {
        ConfigValue::Float(x) if x.is_nan() => ".nan".into(),
        ConfigValue::Float(x) if x.is_infinite() => if *x > 0.0 { ".inf" } else { "-.inf" }.into(),
        ConfigValue::List(items) => {
            let items: Vec<String> = items.iter().map(yaml_value).collect();
            format!("[{}]", items.join(", "))
        }
        _ => yaml::from_json(&json_value(value)),
    }
}

/// The value as JSON: what the schema's `default` holds and the YAML files spell.
pub fn json_value(value: &ConfigValue) -> serde_json::Value {
    match value {
        ConfigValue::Integer(i) => serde_json::Value::from(*i),
        ConfigValue::Float(x) => serde_json::Value::from(*x),
        ConfigValue::Bool(b) => serde_json::Value::Bool(*b),
        ConfigValue::String(s) => serde_json::Value::String(s.clone()),
        ConfigValue::Duration(d) => serde_json::Value::String(duration_text(*d)),
        ConfigValue::List(items) => items.iter().map(json_value).collect(),
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
