//! Proto comments → doc lines, read from a file's source info.

use prost_types::FileDescriptorProto;

/// The leading (or, failing that, trailing) comment at `path` in `file`, one entry per line,
/// with the single space after `//` removed. Empty when the item has no comment.
pub fn comment_lines(file: &FileDescriptorProto, path: &[i32]) -> Vec<String> {
    let Some(info) = &file.source_code_info else {
        return Vec::new();
    };
    let Some(location) = info.location.iter().find(|l| l.path == path) else {
        return Vec::new();
    };
    let text = location
        .leading_comments
        .as_deref()
        .or(location.trailing_comments.as_deref())
        .unwrap_or("");
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            line.strip_prefix(' ')
                .unwrap_or(line)
                .trim_end()
                .to_string()
        })
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    while lines.first().is_some_and(|l| l.is_empty()) {
        lines.remove(0);
    }
    lines
}

/// Descriptor field numbers for source-info paths (descriptor.proto).
pub mod path {
    pub const FILE_SERVICE: i32 = 6;
    pub const SERVICE_METHOD: i32 = 2;
}
