//! Enums: removed (with a rename hint), added, and the values of the ones in both sets,
//! matched by name (JSON's identity), a number left under a new name being a rename.

use prost_types::{EnumDescriptorProto, EnumValueDescriptorProto};

use super::index::Item;
use super::location::ENUM_VALUE;
use super::messages::renamed_to;
use super::{ChangeKind, Diff};
use crate::error::Location;

type Enum<'a> = Item<'a, EnumDescriptorProto>;

impl Diff<'_> {
    pub(super) fn enums(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, was) in &old.enums {
            let Some(now) = new.enums.get(name) else {
                let hint = renamed_to(was, &old.enums, &new.enums, same_numbers);
                self.push(
                    ChangeKind::EnumRemoved,
                    name,
                    format!("enum `{name}` removed{hint}"),
                    new.enclosing_location(name, was.file.name()),
                );
                continue;
            };
            self.values(name, was, now);
        }
        for (name, now) in &new.enums {
            if !old.enums.contains_key(name) {
                self.push(
                    ChangeKind::EnumAdded,
                    name,
                    format!("enum `{name}` added"),
                    now.location(),
                );
            }
        }
    }

    fn values(&mut self, en: &str, was: &Enum<'_>, now: &Enum<'_>) {
        for value in &was.proto.value {
            let subject = format!("{en}.{}", value.name());
            if let Some((i, same)) = find(now.proto, |v| v.name() == value.name()) {
                if same.number() != value.number() {
                    self.push(
                        ChangeKind::EnumValueRenumbered,
                        &subject,
                        format!(
                            "enum value `{subject}` renumbered from {} to {} (wire)",
                            value.number(),
                            same.number()
                        ),
                        value_location(now, i),
                    );
                }
            } else if let Some((i, renamed)) = renamed_value(was.proto, now.proto, value) {
                self.push(
                    ChangeKind::EnumValueRenamed,
                    &subject,
                    format!(
                        "enum value `{subject}` (number {}) renamed to `{}` (JSON)",
                        value.number(),
                        renamed.name()
                    ),
                    value_location(now, i),
                );
            } else {
                self.removed_value(&subject, value, now);
            }
        }
        for (i, value) in now.proto.value.iter().enumerate() {
            let renamed = was.proto.value.iter().any(|old| {
                renamed_value(was.proto, now.proto, old).is_some_and(|(target, _)| target == i)
            });
            if has_value(was.proto, value.name()) || renamed {
                continue; // compared from the baseline's side
            }
            let subject = format!("{en}.{}", value.name());
            let (kind, message) = if reserves(was.proto, value) {
                (
                    ChangeKind::EnumValueReusesReserved,
                    format!(
                        "enum value `{subject}` = {} uses a number or name reserved in the baseline (old data and peers may still use it for the removed value)",
                        value.number()
                    ),
                )
            } else {
                (
                    ChangeKind::EnumValueAdded,
                    format!("enum value `{subject}` = {} added", value.number()),
                )
            };
            self.push(kind, &subject, message, value_location(now, i));
        }
    }

    fn removed_value(&mut self, subject: &str, value: &EnumValueDescriptorProto, now: &Enum<'_>) {
        let number_kept = reserves_number(now.proto, value.number());
        let name_kept = now.proto.reserved_name.iter().any(|n| n == value.name());
        let (kind, message) = if number_kept && name_kept {
            (
                ChangeKind::EnumValueRemovedReserved,
                format!(
                    "enum value `{subject}` = {} removed, its number and name reserved (wire and JSON compatible; the SDK enum loses the variant)",
                    value.number()
                ),
            )
        } else {
            (
                ChangeKind::EnumValueRemoved,
                format!(
                    "enum value `{subject}` = {} removed without reserving its number and name (wire and JSON: old data may carry it)",
                    value.number()
                ),
            )
        };
        self.push(kind, subject, message, now.location());
    }
}

/// The value that took over `value`'s number under a name the baseline did not have.
fn renamed_value<'a>(
    was: &EnumDescriptorProto,
    now: &'a EnumDescriptorProto,
    value: &EnumValueDescriptorProto,
) -> Option<(usize, &'a EnumValueDescriptorProto)> {
    if has_value(now, value.name()) {
        return None;
    }
    find(now, |v| {
        v.number() == value.number() && !has_value(was, v.name())
    })
}

fn same_numbers(a: &EnumDescriptorProto, b: &EnumDescriptorProto) -> bool {
    let numbers = |e: &EnumDescriptorProto| {
        let mut numbers: Vec<i32> = e.value.iter().map(|v| v.number()).collect();
        numbers.sort_unstable();
        numbers
    };
    numbers(a) == numbers(b)
}

fn find(
    en: &EnumDescriptorProto,
    pick: impl Fn(&EnumValueDescriptorProto) -> bool,
) -> Option<(usize, &EnumValueDescriptorProto)> {
    en.value.iter().enumerate().find(|(_, v)| pick(v))
}

fn has_value(en: &EnumDescriptorProto, name: &str) -> bool {
    en.value.iter().any(|v| v.name() == name)
}

fn reserves_number(en: &EnumDescriptorProto, number: i32) -> bool {
    // Enum reserved ranges, unlike message ones, include their end.
    en.reserved_range
        .iter()
        .any(|r| (r.start()..=r.end()).contains(&number))
}

fn reserves(en: &EnumDescriptorProto, value: &EnumValueDescriptorProto) -> bool {
    reserves_number(en, value.number()) || en.reserved_name.iter().any(|n| n == value.name())
}

fn value_location(en: &Enum<'_>, index: usize) -> Option<Location> {
    let path = [en.path.as_slice(), &[ENUM_VALUE, index as i32]].concat();
    super::location::locate(en.file, &path)
}
