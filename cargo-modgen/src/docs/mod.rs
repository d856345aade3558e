//! Proto comments → rustdoc Markdown: the one converter every generated doc goes through
//! (our own items in `api.rs`/`client.rs`, and prost's and tonic's items in `proto/**`).
//!
//! Proto comments are loose Markdown at best. Written as they are into `///` lines they
//! trip rustdoc (unresolved `[links]`, `<placeholders>` taken as HTML, bare URLs, indented
//! examples compiled as doctests) and clippy (lazy or over-indented list continuations,
//! tabs). The converter keeps what the author wrote and makes it render as written:
//!
//! - a proto reference (`[pkg.Msg][]`, `[text][pkg.Msg]`, `[Msg.field]`) becomes an
//!   intra-doc link when the [`ResolveLink`] knows the name, plain text otherwise;
//! - any other `[`/`]` that does not make a Markdown link, and `<` outside an autolink,
//!   is escaped; bare URLs become autolinks;
//! - indented code blocks, and fences without a language or with a Rust one, are fenced as
//!   `text` (rustdoc would compile them as doctests);
//! - list items and their continuation lines are re-indented to the item's content
//!   column, which changes no rendering but is what clippy asks for;
//! - tabs become spaces, invisible characters are dropped, a common indent is removed.
//!
//! `blocks` handles the line structure, `inline` the text of each paragraph, `links`
//! what a proto name resolves to.

mod blocks;
mod inline;
pub mod links;

pub use links::{ProtoLinks, RustItem};

/// Maps a proto reference (`pkg.Msg`, `Msg.field`, `.pkg.Svc.Method`) to the path of an
/// intra-doc link, valid where the doc is emitted; `None` when it names nothing generated.
pub trait ResolveLink {
    fn link(&self, reference: &str) -> Option<String>;
}

/// A resolver that knows no names: every reference stays text.
pub struct NoLinks;

impl ResolveLink for NoLinks {
    fn link(&self, _reference: &str) -> Option<String> {
        None
    }
}

/// The rustdoc lines for a proto comment (one entry per line, as written after `//`,
/// without the `///` and without the leading space rustdoc lines carry). Empty when the
/// comment has no text.
pub fn rustdoc(comment: &[String], links: &dyn ResolveLink) -> Vec<String> {
    let lines = normalized(comment);
    let mut out = blocks::convert(&lines, links);
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// The text of a proto comment as protoc records it (`leading_comments`), one entry per
/// line, with the one space after `//` removed and blank lines at either end dropped.
pub fn comment_lines(text: &str) -> Vec<String> {
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
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    lines.drain(..first);
    lines
}

/// Tabs expanded to 4-column stops (clippy's `tabs_in_doc_comments`), invisible
/// characters dropped (`invisible_characters`), trailing space trimmed, the indent every
/// line shares removed (a comment written `//   text` is not a code block), blank lines at
/// either end dropped.
fn normalized(comment: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = comment
        .iter()
        .map(|line| expand_tabs(line).trim_end().to_string())
        .collect();
    let common = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| indent_of(l))
        .min()
        .unwrap_or(0);
    for line in &mut lines {
        if !line.is_empty() {
            line.drain(..common);
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    lines.drain(..first);
    lines
}

const INVISIBLE: &[char] = &[
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{AD}',
];

fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        match c {
            '\t' => {
                let width = 4 - column % 4;
                out.extend(std::iter::repeat_n(' ', width));
                column += width;
            }
            c if INVISIBLE.contains(&c) => {}
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// Leading spaces of a line.
fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

#[cfg(test)]
mod tests;
