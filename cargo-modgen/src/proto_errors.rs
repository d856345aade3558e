//! Errors declared in the proto: the options proto that ships with modgen (resolved by
//! protox with no include path), and the declarations read from enum values that carry
//! `(modgen.options.v1.error)`. Read as written, unchecked: `check` validates them.

use prost_reflect::{DescriptorPool, EnumValueDescriptor, Value};
use protox::file::{File, FileResolver};

use crate::error::Location;

/// The import name of modgen's options proto.
pub const OPTIONS_PROTO: &str = "modgen/options/v1/errors.proto";
const OPTIONS_SOURCE: &str = include_str!("../../proto/modgen/options/v1/errors.proto");
const ERROR_EXTENSION: &str = "modgen.options.v1.error";

/// Serves [`OPTIONS_PROTO`] from the text built into modgen.
pub struct OptionsResolver;

impl FileResolver for OptionsResolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        if name == OPTIONS_PROTO {
            File::from_source(name, OPTIONS_SOURCE)
        } else {
            Err(protox::Error::file_not_found(name))
        }
    }
}

/// One enum value with the `error` option, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredError {
    /// The enum value's name: the `ErrorInfo.reason` (`OUT_OF_STOCK`).
    pub reason: String,
    /// The enum's full name (`shop.v1.ShopErrorReason`).
    pub enum_name: String,
    /// The enum's proto package, against which a relative `detail` is resolved.
    pub package: String,
    pub code: String,
    pub detail: String,
    pub retry_delay: String,
    pub name: String,
    /// The value's leading comment, one entry per line.
    pub comment: Vec<String>,
    /// Where the value is declared, the file as `shown` names it.
    pub at: Location,
}

/// Every declared error in `pool`, in file then declaration order. `show` turns a proto
/// name into the path the user sees.
pub fn declared(pool: &DescriptorPool, show: &dyn Fn(&str) -> String) -> Vec<DeclaredError> {
    let Some(extension) = pool.get_extension_by_name(ERROR_EXTENSION) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for enumeration in pool.all_enums() {
        for value in enumeration.values() {
            let options = value.options();
            if !options.has_extension(&extension) {
                continue;
            }
            let option = options.get_extension(&extension);
            let text = |field: &str| match &*option {
                Value::Message(message) => message
                    .get_field_by_name(field)
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let (at, comment) = source_of(&value, show);
            found.push(DeclaredError {
                reason: value.name().to_string(),
                enum_name: enumeration.full_name().to_string(),
                package: enumeration.package_name().to_string(),
                code: text("code"),
                detail: text("detail"),
                retry_delay: text("retry_delay"),
                name: text("name"),
                comment,
                at,
            });
        }
    }
    found
}

/// The value's position (1-based) and leading comment from the file's source info.
fn source_of(
    value: &EnumValueDescriptor,
    show: &dyn Fn(&str) -> String,
) -> (Location, Vec<String>) {
    let file = value.parent_file();
    let path = value.path();
    let location = file
        .file_descriptor_proto()
        .source_code_info
        .as_ref()
        .and_then(|info| info.location.iter().find(|l| l.path == path));
    let at = Location {
        file: show(file.name()),
        line: location.map_or(1, |l| l.span[0] as usize + 1),
        column: location.map_or(1, |l| l.span[1] as usize + 1),
    };
    let comment = location
        .and_then(|l| l.leading_comments.as_deref())
        .map(|c| {
            c.lines()
                .map(|line| line.strip_prefix(' ').unwrap_or(line).to_string())
                .collect()
        })
        .unwrap_or_default();
    (at, comment)
}
