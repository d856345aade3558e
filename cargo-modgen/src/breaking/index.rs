//! One descriptor set flattened: files by name, and every message, enum and service by
//! full name with the file and source-info path it was declared at.

use std::collections::{BTreeMap, HashMap};

use prost_types::{
    DescriptorProto, EnumDescriptorProto, FileDescriptorProto, FileDescriptorSet,
    ServiceDescriptorProto,
};

use super::location::{self, FILE_ENUM, FILE_MESSAGE, FILE_SERVICE, MESSAGE_ENUM, MESSAGE_NESTED};
use crate::error::Location;

/// A declaration and where it is.
pub(super) struct Item<'a, T> {
    pub proto: &'a T,
    pub file: &'a FileDescriptorProto,
    /// The source-info path of the declaration in `file`.
    pub path: Vec<i32>,
}

impl<T> Item<'_, T> {
    pub fn location(&self) -> Option<Location> {
        location::locate(self.file, &self.path)
    }

    /// The same declaration slot (file name and path) as `other`, for rename hints.
    pub fn same_position<U>(&self, other: &Item<'_, U>) -> bool {
        self.file.name() == other.file.name() && self.path == other.path
    }
}

pub(super) struct Index<'a> {
    files: Vec<&'a FileDescriptorProto>,
    /// Without map entries: a map is a field's shape, not a message of its own.
    pub messages: BTreeMap<String, Item<'a, DescriptorProto>>,
    pub enums: BTreeMap<String, Item<'a, EnumDescriptorProto>>,
    pub services: BTreeMap<String, Item<'a, ServiceDescriptorProto>>,
    map_entries: HashMap<String, &'a DescriptorProto>,
}

impl<'a> Index<'a> {
    /// Every file of `set` but the well-known `google/protobuf/*` ones.
    pub fn of(set: &'a FileDescriptorSet) -> Self {
        let mut index = Index {
            files: Vec::new(),
            messages: BTreeMap::new(),
            enums: BTreeMap::new(),
            services: BTreeMap::new(),
            map_entries: HashMap::new(),
        };
        for file in set.file.iter().filter(|f| !is_well_known(f)) {
            index.files.push(file);
            let scope = file.package();
            for (i, message) in file.message_type.iter().enumerate() {
                index.add_message(file, scope, message, vec![FILE_MESSAGE, i as i32]);
            }
            for (i, en) in file.enum_type.iter().enumerate() {
                index.add_enum(file, scope, en, vec![FILE_ENUM, i as i32]);
            }
            for (i, service) in file.service.iter().enumerate() {
                let item = Item {
                    proto: service,
                    file,
                    path: vec![FILE_SERVICE, i as i32],
                };
                index
                    .services
                    .insert(full_name(scope, service.name()), item);
            }
        }
        index
    }

    fn add_message(
        &mut self,
        file: &'a FileDescriptorProto,
        scope: &str,
        message: &'a DescriptorProto,
        path: Vec<i32>,
    ) {
        let name = full_name(scope, message.name());
        if message.options.as_ref().is_some_and(|o| o.map_entry()) {
            self.map_entries.insert(name, message);
            return;
        }
        for (i, nested) in message.nested_type.iter().enumerate() {
            let nested_path = [path.as_slice(), &[MESSAGE_NESTED, i as i32]].concat();
            self.add_message(file, &name, nested, nested_path);
        }
        for (i, en) in message.enum_type.iter().enumerate() {
            let enum_path = [path.as_slice(), &[MESSAGE_ENUM, i as i32]].concat();
            self.add_enum(file, &name, en, enum_path);
        }
        let item = Item {
            proto: message,
            file,
            path,
        };
        self.messages.insert(name, item);
    }

    fn add_enum(
        &mut self,
        file: &'a FileDescriptorProto,
        scope: &str,
        en: &'a EnumDescriptorProto,
        path: Vec<i32>,
    ) {
        let item = Item {
            proto: en,
            file,
            path,
        };
        self.enums.insert(full_name(scope, en.name()), item);
    }

    pub fn files(&self) -> impl Iterator<Item = &'a FileDescriptorProto> + '_ {
        self.files.iter().copied()
    }

    pub fn file(&self, name: &str) -> Option<&'a FileDescriptorProto> {
        self.files().find(|f| f.name() == name)
    }

    /// The map entry message a field's `type_name` (`.pkg.Msg.FieldEntry`) refers to.
    pub fn map_entry(&self, type_name: &str) -> Option<&'a DescriptorProto> {
        self.map_entries
            .get(type_name.trim_start_matches('.'))
            .copied()
    }

    /// Where a removal of the element `removed` (full name, declared in the baseline's
    /// `old_file`) is reported in this set: the message that enclosed it, when it still
    /// exists, else the file of the same name's package statement.
    pub fn enclosing_location(&self, removed: &str, old_file: &str) -> Option<Location> {
        let parent = removed.rsplit_once('.').map(|(parent, _)| parent);
        if let Some(message) = parent.and_then(|p| self.messages.get(p)) {
            return message.location();
        }
        self.file(old_file).and_then(location::file_level)
    }
}

/// `scope.name`, or `name` in a file without a package.
pub(super) fn full_name(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

fn is_well_known(file: &FileDescriptorProto) -> bool {
    file.name().starts_with("google/protobuf/")
}
