//! Messages: removed (with a rename hint), added, and the fields of the ones in both sets.

use std::collections::BTreeMap;

use prost_types::DescriptorProto;

use super::index::Item;
use super::{ChangeKind, Diff};

impl Diff<'_> {
    pub(super) fn messages(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, was) in &old.messages {
            let Some(now) = new.messages.get(name) else {
                let hint = renamed_to(was, &old.messages, &new.messages, same_fields);
                self.push(
                    ChangeKind::MessageRemoved,
                    name,
                    format!("message `{name}` removed{hint}"),
                    new.enclosing_location(name, was.file.name()),
                );
                continue;
            };
            self.fields(name, was, now);
        }
        for (name, now) in &new.messages {
            if !old.messages.contains_key(name) {
                self.push(
                    ChangeKind::MessageAdded,
                    name,
                    format!("message `{name}` added"),
                    now.location(),
                );
            }
        }
    }
}

/// `" (renamed to `X`?)"` when the set gained, in the very slot `removed` left (same file,
/// same source path), a declaration of the same shape; else `""`. A guess, so worded as one.
pub(super) fn renamed_to<T>(
    removed: &Item<'_, T>,
    old: &BTreeMap<String, Item<'_, T>>,
    new: &BTreeMap<String, Item<'_, T>>,
    same_shape: impl Fn(&T, &T) -> bool,
) -> String {
    new.iter()
        .find(|(name, added)| {
            !old.contains_key(*name)
                && added.same_position(removed)
                && same_shape(removed.proto, added.proto)
        })
        .map(|(name, _)| format!(" (renamed to `{name}`?)"))
        .unwrap_or_default()
}

/// The same field numbers with the same types and labels (names aside).
fn same_fields(a: &DescriptorProto, b: &DescriptorProto) -> bool {
    let shape = |m: &DescriptorProto| {
        let mut fields: Vec<_> = m
            .field
            .iter()
            .map(|f| (f.number(), f.r#type(), f.label()))
            .collect();
        fields.sort_by_key(|(number, _, _)| *number);
        fields
    };
    shape(a) == shape(b)
}
