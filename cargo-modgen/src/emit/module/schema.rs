//! `config/<name>.schema.json`: JSON Schema (draft 2020-12) of the module's config, for
//! editors and for checking host YAML before a deployment.
//!
//! Duration bounds have no JSON Schema keyword (durations are strings); they are in the
//! description, and `validate` enforces them at start.

use serde_json::{Map, Value, json};

use super::config_rs::shown;
use super::example_yaml::json_value;
use super::json::document_with_header;
use super::names::ModuleNames;
use crate::model::{ConfigField, ConfigType, Model};

pub fn emit(model: &Model, names: &ModuleNames) -> String {
    let fields = &model.module.config;
    let properties: Map<String, Value> = fields
        .iter()
        .map(|field| (field.name.clone(), Value::Object(property(field))))
        .collect();
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.as_str())
        .collect();
    let mut entries = Map::new();
    entries.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    entries.insert("title".into(), json!(names.config_struct));
    entries.insert(
        "description".into(),
        json!(format!(
            "Configuration of the `{}` module: the `--config` file, or `modules.{}.config` in host.yaml.",
            model.module.name, model.module.name
        )),
    );
    entries.insert("type".into(), json!("object"));
    entries.insert("additionalProperties".into(), json!(false));
    entries.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        entries.insert("required".into(), json!(required));
    }
    document_with_header(&model.protos.inputs, entries)
}

fn property(field: &ConfigField) -> Map<String, Value> {
    let mut description = field.docs.join("\n");
    let mut entries = Map::new();
    let mut keywords = type_keywords(&field.ty);
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
        // A manifest bound narrows the type's range: it replaces the value in place.
        if let Some(min) = &field.min {
            keywords.insert("minimum".into(), json_value(min));
        }
        if let Some(max) = &field.max {
            keywords.insert("maximum".into(), json_value(max));
        }
    }
    if field.required && matches!(field.ty, ConfigType::String) {
        keywords.insert("minLength".into(), json!(1));
    }
    if field.required && matches!(field.ty, ConfigType::List(_)) {
        keywords.insert("minItems".into(), json!(1));
    }
    if !description.is_empty() {
        entries.insert("description".into(), json!(description));
    }
    entries.append(&mut keywords);
    // JSON has no NaN or infinity: such a default is left to the example and the struct.
    let default = field.default.as_ref().filter(|_| !field.required);
    if let Some(default) = default.map(json_value).filter(|v| !v.is_null()) {
        entries.insert("default".into(), default);
    }
    entries
}

fn type_keywords(ty: &ConfigType) -> Map<String, Value> {
    let keywords = match ty {
        ConfigType::U32 | ConfigType::U64 | ConfigType::I32 | ConfigType::I64 => {
            let (lo, hi) = ty.integer_range().unwrap_or((i128::MIN, i128::MAX));
            json!({ "type": "integer", "minimum": integer(lo), "maximum": integer(hi) })
        }
        ConfigType::F64 => json!({ "type": "number" }),
        ConfigType::Bool => json!({ "type": "boolean" }),
        ConfigType::String => json!({ "type": "string" }),
        // The strings the runtime's duration parser reads (`250ms`, `5s`, `1m30s`).
        ConfigType::Duration => json!({
            "type": "string",
            "pattern": modgen_contract::duration::json_schema_pattern(),
        }),
        ConfigType::List(inner) => json!({
            "type": "array",
            "items": Value::Object(type_keywords(inner)),
        }),
    };
    match keywords {
        Value::Object(map) => map,
        _ => unreachable!("every arm above is an object"),
    }
}

/// The config types' ranges fit in `i64` or `u64`, which JSON numbers hold exactly.
fn integer(value: i128) -> Value {
    i64::try_from(value)
        .map(Value::from)
        .or_else(|_| u64::try_from(value).map(Value::from))
        .unwrap_or_else(|_| Value::from(value as f64))
}
