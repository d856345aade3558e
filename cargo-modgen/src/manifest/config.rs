//! `[config.fields.<name>]` → typed config fields, with types, defaults and bounds checked.

use std::ops::Range;

use toml::Spanned;

use super::closest;
use super::raw::{RawConfig, RawField};
use crate::error::{Error, ErrorKind, Errors, Location};
use crate::model::{ConfigField, ConfigType, ConfigValue, parse_duration};
use crate::names;

/// The fields in the order the manifest lists them (generated structs read like the file).
pub fn fields(
    raw: &RawConfig,
    errors: &mut Errors,
    at: &impl Fn(Range<usize>) -> Location,
) -> Vec<ConfigField> {
    let mut entries: Vec<(&Spanned<String>, &RawField)> = raw.fields.iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    entries
        .into_iter()
        .filter_map(|(name, field)| field_of(name, field, errors, at))
        .collect()
}

fn field_of(
    name: &Spanned<String>,
    raw: &RawField,
    errors: &mut Errors,
    at: &impl Fn(Range<usize>) -> Location,
) -> Option<ConfigField> {
    let mut fail = |span: Range<usize>, message: String, help: Option<String>| {
        let mut error = Error::new(ErrorKind::ManifestValue, message).at(at(span));
        error.help = help;
        errors.push(error);
    };
    let field = name.get_ref();
    if let Err(why) = names::check_field_name(field) {
        fail(
            name.span(),
            format!("invalid config field name `{field}`: {why}"),
            None,
        );
    }
    let Some(ty) = ConfigType::parse(raw.ty.get_ref()) else {
        let near = closest(raw.ty.get_ref(), ConfigType::NAMES.iter().copied());
        fail(
            raw.ty.span(),
            format!("unknown config type `{}`", raw.ty.get_ref()),
            Some(match near {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("expected one of {}", ConfigType::NAMES.join(", ")),
            }),
        );
        return None;
    };

    let mut value = |slot: &Option<Spanned<toml::Value>>, what: &str| -> Option<ConfigValue> {
        let spanned = slot.as_ref()?;
        match convert(&ty, spanned.get_ref()) {
            Ok(value) => Some(value),
            Err(why) => {
                fail(spanned.span(), format!("`{field}.{what}`: {why}"), None);
                None
            }
        }
    };
    let default = value(&raw.default, "default");
    let min = value(&raw.min, "min");
    let max = value(&raw.max, "max");

    for (slot, what) in [(&raw.min, "min"), (&raw.max, "max")] {
        if let Some(spanned) = slot
            && !ty.is_ordered()
        {
            fail(
                spanned.span(),
                format!("`{field}.{what}`: a {ty} has no bounds"),
                None,
            );
        }
    }
    let number = |v: &Option<ConfigValue>| v.as_ref().and_then(ConfigValue::as_f64);
    if let (Some(lo), Some(hi), Some(span)) = (
        number(&min),
        number(&max),
        raw.max.as_ref().map(Spanned::span),
    ) && lo > hi
    {
        fail(span, format!("`{field}`: max is below min"), None);
    }
    if let (Some(d), Some(span)) = (number(&default), raw.default.as_ref().map(Spanned::span)) {
        if number(&min).is_some_and(|lo| d < lo) {
            fail(
                span.clone(),
                format!("`{field}.default` is below its min"),
                None,
            );
        }
        if number(&max).is_some_and(|hi| d > hi) {
            fail(span, format!("`{field}.default` is above its max"), None);
        }
    }
    if raw.required
        && let Some(default) = &raw.default
    {
        fail(
            default.span(),
            format!("`{field}` is required, so a default would never apply"),
            Some("drop `default` or `required`".into()),
        );
    }

    Some(ConfigField {
        name: field.clone(),
        ty,
        default,
        min,
        max,
        docs: raw
            .doc
            .iter()
            .flat_map(|d| d.lines())
            .map(str::to_string)
            .collect(),
        required: raw.required,
    })
}

/// A TOML value as a value of `ty`, or why it is not one.
fn convert(ty: &ConfigType, value: &toml::Value) -> Result<ConfigValue, String> {
    match (ty, value) {
        (ConfigType::F64, toml::Value::Float(x)) => Ok(ConfigValue::Float(*x)),
        (ConfigType::F64, toml::Value::Integer(i)) => Ok(ConfigValue::Float(*i as f64)),
        (ConfigType::Bool, toml::Value::Boolean(b)) => Ok(ConfigValue::Bool(*b)),
        (ConfigType::String, toml::Value::String(s)) => Ok(ConfigValue::String(s.clone())),
        (ConfigType::Duration, toml::Value::String(s)) => {
            parse_duration(s).map(ConfigValue::Duration)
        }
        (ConfigType::List(inner), toml::Value::Array(items)) => items
            .iter()
            .map(|item| convert(inner, item))
            .collect::<Result<_, _>>()
            .map(ConfigValue::List),
        (ty, toml::Value::Integer(i)) if ty.integer_range().is_some() => {
            let (lo, hi) = ty.integer_range().unwrap_or_default();
            if (lo..=hi).contains(&i128::from(*i)) {
                Ok(ConfigValue::Integer(*i))
            } else {
                Err(format!("{i} does not fit in a {ty}"))
            }
        }
        (ty, other) => Err(format!("expected a {ty}, found {}", other.type_str())),
    }
}
