//! The fields of a message present in both sets, matched by number (the wire's identity),
//! with a name that moved to another number reported as a number change.

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto};

use super::index::{Index, Item};
use super::location::MESSAGE_FIELD;
use super::{ChangeKind, Diff};
use crate::error::Location;

type Message<'a> = Item<'a, DescriptorProto>;

impl Diff<'_> {
    pub(super) fn fields(&mut self, message: &str, was: &Message<'_>, now: &Message<'_>) {
        for old_field in &was.proto.field {
            self.old_field(message, old_field, was, now);
        }
        for (i, field) in now.proto.field.iter().enumerate() {
            let known =
                |f: &FieldDescriptorProto| f.number() == field.number() || f.name() == field.name();
            if was.proto.field.iter().any(known) {
                continue; // compared from the baseline's side
            }
            let subject = format!("{message}.{}", field.name());
            let at = field_location(now, i);
            let reused = reserved_by(was.proto, field);
            if reused.is_empty() {
                self.push(
                    ChangeKind::FieldAdded,
                    &subject,
                    format!("field `{subject}` = {} added", field.number()),
                    at,
                );
            } else {
                self.push(
                    ChangeKind::FieldReusesReserved,
                    &subject,
                    format!(
                        "field `{subject}` uses {reused}, reserved in the baseline (old data and peers may still use it for the removed field)"
                    ),
                    at,
                );
            }
        }
    }

    /// One baseline field against the new message: same number (compare it), its name at
    /// another number (number changed), or gone (removed, reserved or not).
    fn old_field(
        &mut self,
        message: &str,
        field: &FieldDescriptorProto,
        was: &Message<'_>,
        now: &Message<'_>,
    ) {
        let subject = format!("{message}.{}", field.name());
        let by_number = find(now.proto, |f| f.number() == field.number());
        let by_name = find(now.proto, |f| f.name() == field.name());
        match (by_number, by_name) {
            (Some((i, same)), _) if same.name() == field.name() => {
                self.field_shape(&subject, (field, was), (same, now), field_location(now, i));
            }
            (taker, Some((i, moved))) => {
                let taken = taker
                    .map(|(_, t)| format!("; number {} is now `{}`", field.number(), t.name()))
                    .unwrap_or_default();
                self.push(
                    ChangeKind::FieldNumberChanged,
                    &subject,
                    format!(
                        "field `{subject}` number changed from {} to {} (wire){taken}",
                        field.number(),
                        moved.number()
                    ),
                    field_location(now, i),
                );
            }
            (Some((i, taker)), None) if has_field(was.proto, taker.name()) => {
                self.push(
                    ChangeKind::FieldRemoved,
                    &subject,
                    format!(
                        "field `{subject}` = {} removed and its number reused by `{}` (wire)",
                        field.number(),
                        taker.name()
                    ),
                    field_location(now, i),
                );
            }
            (Some((i, renamed)), None) => {
                let at = field_location(now, i);
                self.push(
                    ChangeKind::FieldRenamed,
                    &subject,
                    format!(
                        "field `{subject}` (number {}) renamed to `{}` (JSON)",
                        field.number(),
                        renamed.name()
                    ),
                    at.clone(),
                );
                self.field_shape(&subject, (field, was), (renamed, now), at);
            }
            (None, None) => self.removed_field(&subject, field, now),
        }
    }

    fn removed_field(&mut self, subject: &str, field: &FieldDescriptorProto, now: &Message<'_>) {
        let (number, name) = (field.number(), field.name());
        let number_kept = reserves_number(now.proto, number);
        let name_kept = now.proto.reserved_name.iter().any(|n| n == name);
        let (kind, message) = match (number_kept, name_kept) {
            (true, true) => (
                ChangeKind::FieldRemovedReserved,
                format!(
                    "field `{subject}` = {number} removed, its number and name reserved (wire and JSON compatible; the SDK type loses the field)"
                ),
            ),
            (false, false) => (
                ChangeKind::FieldRemoved,
                format!(
                    "field `{subject}` = {number} removed and number {number} and name `{name}` are not reserved (wire and JSON: a later field may reuse them)"
                ),
            ),
            (false, true) => (
                ChangeKind::FieldRemoved,
                format!(
                    "field `{subject}` = {number} removed and number {number} is not reserved (wire: a later field may reuse it)"
                ),
            ),
            (true, false) => (
                ChangeKind::FieldRemoved,
                format!(
                    "field `{subject}` = {number} removed and name `{name}` is not reserved (JSON: a later field may reuse it)"
                ),
            ),
        };
        self.push(kind, subject, message, now.location());
    }

    /// The same field (by number) in both sets: JSON name, cardinality, type, oneof.
    fn field_shape(
        &mut self,
        subject: &str,
        (field, was): (&FieldDescriptorProto, &Message<'_>),
        (same, now): (&FieldDescriptorProto, &Message<'_>),
        at: Option<Location>,
    ) {
        // protoc and protox always fill json_name; a set without it cannot tell.
        let both_named = field.json_name.is_some() && same.json_name.is_some();
        if field.name() == same.name() && both_named && field.json_name() != same.json_name() {
            self.push(
                ChangeKind::FieldJsonNameChanged,
                subject,
                format!(
                    "field `{subject}` JSON name changed from `{}` to `{}` (JSON)",
                    field.json_name(),
                    same.json_name()
                ),
                at.clone(),
            );
        }
        let before = Shape::of(self.old, was.proto, field);
        let after = Shape::of(self.new, now.proto, same);
        if before.cardinality != after.cardinality {
            let presence_only = [before.cardinality, after.cardinality]
                .iter()
                .all(|c| matches!(c, Cardinality::Singular | Cardinality::Optional));
            let breaks = if presence_only {
                "field presence"
            } else {
                "wire and JSON"
            };
            self.push(
                ChangeKind::FieldCardinalityChanged,
                subject,
                format!("field `{subject}` changed from `{before}` to `{after}` ({breaks})"),
                at.clone(),
            );
        } else if before.ty != after.ty {
            self.push(
                ChangeKind::FieldTypeChanged,
                subject,
                format!(
                    "field `{subject}` type changed from `{}` to `{}` (wire and JSON)",
                    before.ty, after.ty
                ),
                at.clone(),
            );
        }
        if before.oneof != after.oneof {
            let moved = match (&before.oneof, &after.oneof) {
                (None, Some(to)) => format!("moved into oneof `{to}`"),
                (Some(from), None) => format!("moved out of oneof `{from}`"),
                (from, to) => format!(
                    "moved from oneof `{}` to oneof `{}`",
                    from.as_deref().unwrap_or_default(),
                    to.as_deref().unwrap_or_default()
                ),
            };
            self.push(
                ChangeKind::FieldOneofChanged,
                subject,
                format!("field `{subject}` {moved} (wire: which fields a set clears changes)"),
                at,
            );
        }
    }
}

/// What a field declaration says besides its name and number.
struct Shape {
    cardinality: Cardinality,
    /// `int32`, `routeguide.Point`, `map<string, routeguide.Point>`.
    ty: String,
    /// The real (not proto3-`optional`) oneof the field belongs to.
    oneof: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cardinality {
    Singular,
    /// proto3 `optional`: explicit presence.
    Optional,
    Required,
    Repeated,
    Map,
}

impl Shape {
    fn of(index: &Index<'_>, message: &DescriptorProto, field: &FieldDescriptorProto) -> Shape {
        let map_entry = (field.label() == Label::Repeated && field.r#type() == Type::Message)
            .then(|| index.map_entry(field.type_name()))
            .flatten();
        let (cardinality, ty) = match map_entry {
            Some(entry) => {
                let part = |number| find(entry, |f| f.number() == number).map(|(_, f)| type_of(f));
                let key = part(1).unwrap_or_default();
                let value = part(2).unwrap_or_default();
                (Cardinality::Map, format!("map<{key}, {value}>"))
            }
            None => {
                let cardinality = match field.label() {
                    Label::Repeated => Cardinality::Repeated,
                    Label::Required => Cardinality::Required,
                    Label::Optional if field.proto3_optional() => Cardinality::Optional,
                    Label::Optional => Cardinality::Singular,
                };
                (cardinality, type_of(field))
            }
        };
        let oneof = field
            .oneof_index
            .filter(|_| !field.proto3_optional())
            .and_then(|i| message.oneof_decl.get(usize::try_from(i).ok()?))
            .map(|oneof| oneof.name().to_string());
        Shape {
            cardinality,
            ty,
            oneof,
        }
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = match self.cardinality {
            Cardinality::Singular | Cardinality::Map => "",
            Cardinality::Optional => "optional ",
            Cardinality::Required => "required ",
            Cardinality::Repeated => "repeated ",
        };
        write!(f, "{prefix}{}", self.ty)
    }
}

/// `int32`, `bytes`, or the full name of a message or enum type.
fn type_of(field: &FieldDescriptorProto) -> String {
    match field.r#type() {
        Type::Message | Type::Enum | Type::Group => {
            field.type_name().trim_start_matches('.').to_string()
        }
        scalar => scalar
            .as_str_name()
            .trim_start_matches("TYPE_")
            .to_lowercase(),
    }
}

fn find(
    message: &DescriptorProto,
    pick: impl Fn(&FieldDescriptorProto) -> bool,
) -> Option<(usize, &FieldDescriptorProto)> {
    message.field.iter().enumerate().find(|(_, f)| pick(f))
}

fn has_field(message: &DescriptorProto, name: &str) -> bool {
    message.field.iter().any(|f| f.name() == name)
}

fn field_location(message: &Message<'_>, index: usize) -> Option<Location> {
    let path = [message.path.as_slice(), &[MESSAGE_FIELD, index as i32]].concat();
    super::location::locate(message.file, &path)
}

fn reserves_number(message: &DescriptorProto, number: i32) -> bool {
    // Message reserved ranges are [start, end).
    message
        .reserved_range
        .iter()
        .any(|r| (r.start()..r.end()).contains(&number))
}

/// What of `field` (number, name) the baseline's `message` had reserved, as words; empty
/// when neither.
fn reserved_by(message: &DescriptorProto, field: &FieldDescriptorProto) -> String {
    let number =
        reserves_number(message, field.number()).then(|| format!("number {}", field.number()));
    let name = message
        .reserved_name
        .iter()
        .any(|n| n == field.name())
        .then(|| format!("name `{}`", field.name()));
    match (number, name) {
        (Some(number), Some(name)) => format!("{number} and {name}"),
        (one, other) => one.or(other).unwrap_or_default(),
    }
}
