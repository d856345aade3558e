//! `config/<name>.schema.json`: JSON Schema (draft 2020-12) of the module's config, for
//! editors and for checking host YAML before a deployment.
//!
//! Duration bounds have no JSON Schema keyword (durations are strings); they are in the
//! description, and `validate` enforces them at start.

use super::config_rs::{duration_text, shown};
use super::json::{Json, document_with_header};
use super::names::ModuleNames;
use crate::model::{ConfigField, ConfigType, ConfigValue, Model};

pub fn emit(model: &Model, names: &ModuleNames) -> String {
    let fields = &model.module.config;
    let properties = fields
        .iter()
        .map(|field| (field.name.clone(), property(field)))
        .collect();
    let required: Vec<Json> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| Json::str(&f.name))
        .collect();
    let mut entries = vec![
        (
            "$schema".to_string(),
            Json::str("https://json-schema.org/draft/2020-12/schema"),
        ),
        ("title".to_string(), Json::str(&names.config_struct)),
        (
            "description".to_string(),
            Json::str(format!(
                "Configuration of the `{}` module: the `--config` file, or `modules.{}.config` in host.yaml.",
                model.module.name, model.module.name
            )),
        ),
        ("type".to_string(), Json::str("object")),
        ("additionalProperties".to_string(), Json::Bool(false)),
        ("properties".to_string(), Json::Object(properties)),
    ];
    if !required.is_empty() {
        entries.push(("required".to_string(), Json::Array(required)));
    }
    document_with_header(&model.protos.inputs, entries)
}

fn property(field: &ConfigField) -> Json {
    let mut entries = type_entries(&field.ty);
    let mut description = field.docs.join("\n");
    if field.ty == ConfigType::Duration {
        let bounds = match (&field.min, &field.max) {
            (Some(min), Some(max)) => Some(format!("From {} to {}.", shown(min), shown(max))),
            (Some(min), None) => Some(format!("At least {}.", shown(min))),
            (None, Some(max)) => Some(format!("At most {}.", shown(max))),
            (None, None) => None,
        };
        if let Some(bounds) = bounds {
            if !description.is_empty() {
                description.push(' ');
            }
            description.push_str(&bounds);
        }
    } else {
        if let Some(min) = field.min.as_ref().map(json_value) {
            set(&mut entries, "minimum", min);
        }
        if let Some(max) = field.max.as_ref().map(json_value) {
            set(&mut entries, "maximum", max);
        }
    }
    if field.required && matches!(field.ty, ConfigType::String) {
        entries.push(("minLength".into(), Json::Integer(1)));
    }
    if field.required && matches!(field.ty, ConfigType::List(_)) {
        entries.push(("minItems".into(), Json::Integer(1)));
    }
    if !description.is_empty() {
        entries.insert(0, ("description".into(), Json::str(description)));
    }
    if let Some(default) = field.default.as_ref().filter(|_| !field.required) {
        entries.push(("default".into(), json_value(default)));
    }
    Json::Object(entries)
}

fn type_entries(ty: &ConfigType) -> Vec<(String, Json)> {
    let integer = |min: i128, max: i128| {
        vec![
            ("type".to_string(), Json::str("integer")),
            ("minimum".to_string(), Json::Integer(min)),
            ("maximum".to_string(), Json::Integer(max)),
        ]
    };
    match ty {
        ConfigType::U32 | ConfigType::U64 | ConfigType::I32 | ConfigType::I64 => {
            let (lo, hi) = ty.integer_range().unwrap_or((i128::MIN, i128::MAX));
            integer(lo, hi)
        }
        ConfigType::F64 => vec![("type".into(), Json::str("number"))],
        ConfigType::Bool => vec![("type".into(), Json::str("boolean"))],
        ConfigType::String => vec![("type".into(), Json::str("string"))],
        ConfigType::Duration => vec![
            ("type".into(), Json::str("string")),
            // The strings the runtime's duration parser reads (`250ms`, `5s`, `1m30s`).
            (
                "pattern".into(),
                Json::str(modgen_contract::duration::json_schema_pattern()),
            ),
        ],
        ConfigType::List(inner) => vec![
            ("type".into(), Json::str("array")),
            ("items".into(), Json::Object(type_entries(inner))),
        ],
    }
}

fn json_value(value: &ConfigValue) -> Json {
    match value {
        ConfigValue::Integer(i) => Json::Integer(i128::from(*i)),
        ConfigValue::Float(x) => Json::Float(*x),
        ConfigValue::Bool(b) => Json::Bool(*b),
        ConfigValue::String(s) => Json::str(s),
        ConfigValue::Duration(d) => Json::str(duration_text(*d)),
        ConfigValue::List(items) => Json::Array(items.iter().map(json_value).collect()),
    }
}

/// Replaces `key`'s value (a manifest bound narrows the type's range) or appends it.
fn set(entries: &mut Vec<(String, Json)>, key: &str, value: Json) {
    match entries.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key.to_string(), value)),
    }
}
