//! Source-info paths → file:line:col in the new protos.

use prost_types::FileDescriptorProto;

use crate::error::Location;

// Field numbers in descriptor.proto, the steps of a source-info path.
pub(super) const FILE_PACKAGE: i32 = 2;
pub(super) const FILE_MESSAGE: i32 = 4;
pub(super) const FILE_ENUM: i32 = 5;
pub(super) const FILE_SERVICE: i32 = 6;
pub(super) const FILE_SYNTAX: i32 = 12;
pub(super) const MESSAGE_FIELD: i32 = 2;
pub(super) const MESSAGE_NESTED: i32 = 3;
pub(super) const MESSAGE_ENUM: i32 = 4;
pub(super) const ENUM_VALUE: i32 = 2;
pub(super) const SERVICE_METHOD: i32 = 2;

/// Where the element at `path` starts in `file`, 1-based, the file named as its descriptor
/// names it; `None` when the file carries no source info for it.
pub(super) fn locate(file: &FileDescriptorProto, path: &[i32]) -> Option<Location> {
    let found = file
        .source_code_info
        .as_ref()?
        .location
        .iter()
        .find(|location| location.path == path)?;
    // span is [start line, start column, (end line,) end column], all 0-based.
    let (&line, &column) = (found.span.first()?, found.span.get(1)?);
    Some(Location {
        file: file.name().to_string(),
        line: usize::try_from(line).ok()? + 1,
        column: usize::try_from(column).ok()? + 1,
    })
}

/// Where a removal is reported when the removed element had no parent element: the
/// file's `package` statement, or its `syntax` one.
pub(super) fn file_level(file: &FileDescriptorProto) -> Option<Location> {
    locate(file, &[FILE_PACKAGE]).or_else(|| locate(file, &[FILE_SYNTAX]))
}
