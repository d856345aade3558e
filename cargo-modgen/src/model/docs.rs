//! Proto comments → doc lines, read from a file's source info.

use std::collections::HashMap;

use prost_types::FileDescriptorProto;
use prost_types::source_code_info::Location;

/// A proto file with its source locations indexed by path, built once per file.
pub struct FileDocs<'a> {
    pub file: &'a FileDescriptorProto,
    by_path: HashMap<&'a [i32], &'a Location>,
}

impl<'a> FileDocs<'a> {
    pub fn of(file: &'a FileDescriptorProto) -> Self {
        let mut by_path = HashMap::new();
        for location in file.source_code_info.iter().flat_map(|info| &info.location) {
            // A path can repeat; the first location is the one that carries the comments.
            by_path.entry(location.path.as_slice()).or_insert(location);
        }
        FileDocs { file, by_path }
    }

    /// The leading (or, failing that, trailing) comment at `path`, one entry per line,
    /// with the single space after `//` removed. Empty when the item has no comment.
    pub fn lines(&self, path: &[i32]) -> Vec<String> {
        self.by_path
            .get(path)
            .map(|location| comment_lines(location))
            .unwrap_or_default()
    }
}

fn comment_lines(location: &Location) -> Vec<String> {
    let text = location
        .leading_comments
        .as_deref()
        .or(location.trailing_comments.as_deref())
        .unwrap_or("");
    crate::docs::comment_lines(text)
}

/// Descriptor field numbers for source-info paths (descriptor.proto).
pub mod path {
    pub const FILE_SERVICE: i32 = 6;
    pub const SERVICE_METHOD: i32 = 2;
}
