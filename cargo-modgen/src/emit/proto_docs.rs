//! Docs on prost's and tonic's items, converted like ours (see [`crate::docs`]).
//!
//! prost-build has no hook for doc text, and its per-path `type_attribute` /
//! `field_attribute` match path *prefixes* (an attribute for `.pkg.Msg` also lands on
//! `.pkg.Msg.Inner` and on every field of `Msg`), so docs cannot be attached that way.
//! Instead, before codegen, each commented location's text is swapped for a marker
//! (`modgen-doc-17`), which prost and tonic place on the right item as they would the
//! comment; afterwards each marker line is replaced by the converted comment. prost stays
//! the authority on where a doc goes, and we never re-derive its item names to find them.

use prost_types::source_code_info::Location;
use prost_types::{DescriptorProto, FileDescriptorProto, FileDescriptorSet};

use crate::docs::{self, ProtoLinks};

const MARKER: &str = "modgen-doc-";

/// The comments taken out of a descriptor set, in marker order.
pub struct MarkedComments {
    comments: Vec<Marked>,
}

struct Marked {
    lines: Vec<String>,
    /// Full proto name of the commented element, the scope its references resolve in.
    scope: String,
}

/// Replaces the comment of every proto element in `set` with a marker.
pub fn mark(set: &mut FileDescriptorSet) -> MarkedComments {
    let mut comments = Vec::new();
    for file in &mut set.file {
        let Some(mut info) = file.source_code_info.take() else {
            continue;
        };
        for location in &mut info.location {
            let Some(scope) = element_name(file, &location.path) else {
                continue;
            };
            let lines = comment(location);
            location.leading_detached_comments.clear();
            location.trailing_comments = None;
            location.leading_comments =
                (!lines.is_empty()).then(|| format!(" {MARKER}{}", comments.len()));
            if !lines.is_empty() {
                comments.push(Marked { lines, scope });
            }
        }
        file.source_code_info = Some(info);
    }
    MarkedComments { comments }
}

/// Leading comment, then trailing, a blank line between: what prost would show.
fn comment(location: &Location) -> Vec<String> {
    let leading = docs::comment_lines(location.leading_comments.as_deref().unwrap_or(""));
    let trailing = docs::comment_lines(location.trailing_comments.as_deref().unwrap_or(""));
    let mut lines = leading;
    if !lines.is_empty() && !trailing.is_empty() {
        lines.push(String::new());
    }
    lines.extend(trailing);
    lines
}

impl MarkedComments {
    /// `code` (one package's prettyplease output, the module `module` of the SDK) with
    /// each marker line replaced by its converted comment, links relative to the module
    /// the line is in.
    pub fn fill(&self, code: &str, module: &[String], links: &ProtoLinks) -> String {
        let mut out = String::with_capacity(code.len() + code.len() / 4);
        let mut modules = module.to_vec();
        // Indents of the `pub mod x {` lines that are open.
        let mut open: Vec<usize> = Vec::new();
        for line in code.lines() {
            let body = line.trim_start();
            let indent = line.len() - body.len();
            if let Some(name) = body
                .strip_prefix("pub mod ")
                .and_then(|r| r.strip_suffix(" {"))
            {
                modules.push(name.to_string());
                open.push(indent);
            } else if body == "}" && open.last() == Some(&indent) {
                modules.pop();
                open.pop();
            }
            let marked = body
                .strip_prefix("/// ")
                .and_then(|r| r.strip_prefix(MARKER))
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| self.comments.get(n));
            let Some(marked) = marked else {
                out.push_str(line);
                out.push('\n');
                continue;
            };
            let resolver = links.at(&marked.scope, &modules);
            for doc in docs::rustdoc(&marked.lines, &resolver) {
                out.push_str(&line[..indent]);
                out.push_str("///");
                if !doc.is_empty() {
                    out.push(' ');
                    out.push_str(&doc);
                }
                out.push('\n');
            }
        }
        out
    }
}

/// Source-info path fields (descriptor.proto) of the elements prost and tonic document.
mod path {
    pub const FILE_MESSAGE: i32 = 4;
    pub const FILE_ENUM: i32 = 5;
    pub const FILE_SERVICE: i32 = 6;
    pub const MESSAGE_FIELD: i32 = 2;
    pub const MESSAGE_NESTED: i32 = 3;
    pub const MESSAGE_ENUM: i32 = 4;
    pub const MESSAGE_ONEOF: i32 = 8;
    pub const ENUM_VALUE: i32 = 2;
    pub const SERVICE_METHOD: i32 = 2;
}

/// The full proto name (`.pkg.Msg.field`) of the element at a source-info path, or
/// `None` for paths that are not elements (options, reserved ranges, …).
fn element_name(file: &FileDescriptorProto, location: &[i32]) -> Option<String> {
    let package = if file.package().is_empty() {
        String::new()
    } else {
        format!(".{}", file.package())
    };
    let at = |list_len: usize, i: i32| (i >= 0 && (i as usize) < list_len).then_some(i as usize);
    match location {
        [path::FILE_MESSAGE, i, rest @ ..] => message_element(
            &file.message_type[at(file.message_type.len(), *i)?],
            &package,
            rest,
        ),
        [path::FILE_ENUM, i, rest @ ..] => {
            let e = &file.enum_type[at(file.enum_type.len(), *i)?];
            let full = format!("{package}.{}", e.name());
            match rest {
                [] => Some(full),
                [path::ENUM_VALUE, v] => {
                    Some(format!("{full}.{}", e.value.get(*v as usize)?.name()))
                }
                _ => None,
            }
        }
        [path::FILE_SERVICE, i, rest @ ..] => {
            let s = &file.service[at(file.service.len(), *i)?];
            let full = format!("{package}.{}", s.name());
            match rest {
                [] => Some(full),
                [path::SERVICE_METHOD, m] => {
                    Some(format!("{full}.{}", s.method.get(*m as usize)?.name()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn message_element(message: &DescriptorProto, prefix: &str, rest: &[i32]) -> Option<String> {
    let full = format!("{prefix}.{}", message.name());
    let name_of = |name: Option<&str>| name.map(|n| format!("{full}.{n}"));
    match rest {
        [] => Some(full),
        [path::MESSAGE_FIELD, f] => name_of(message.field.get(*f as usize).map(|f| f.name())),
        [path::MESSAGE_ONEOF, o] => name_of(message.oneof_decl.get(*o as usize).map(|o| o.name())),
        [path::MESSAGE_NESTED, n, rest @ ..] => {
            message_element(message.nested_type.get(*n as usize)?, &full, rest)
        }
        [path::MESSAGE_ENUM, e, rest @ ..] => {
            let e = message.enum_type.get(*e as usize)?;
            let enum_full = format!("{full}.{}", e.name());
            match rest {
                [] => Some(enum_full),
                [path::ENUM_VALUE, v] => {
                    Some(format!("{enum_full}.{}", e.value.get(*v as usize)?.name()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}
