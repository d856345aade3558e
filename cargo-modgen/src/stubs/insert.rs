//! Inserting stub methods before an impl's closing `}`: pure insertion, every other byte
//! of the file stays as it was. Whatever would need more than that is refused with the
//! reason, and the caller prints the stubs instead.

use super::find::{ImplSite, line_start};

/// `text` with `stubs` (rendered at indent 0, 4 spaces per nesting level, `\n` between
/// lines) added at the end of the impl at `site`: indented like its existing members,
/// a blank line before each, the file's own line ending. `Err` says why that would not
/// be a clean edit.
pub fn insert_stubs(text: &str, site: &ImplSite, stubs: &[String]) -> Result<String, String> {
    let newline = line_ending(text)?;
    let close = site.close_brace;
    if text.as_bytes().get(close) != Some(&b'}') {
        // Spans without positions (proc-macro2 without `span-locations`, or inside a
        // proc macro): nothing can be located.
        return Err("internal: the impl's closing brace could not be located".to_owned());
    }
    let insert_at = line_start(text, close);
    if !is_blank(&text[insert_at..close]) {
        return Err(format!(
            "its closing `}}` shares line {} with other code",
            text[..close].matches('\n').count() + 1
        ));
    }
    let indent = site
        .member_indent
        .clone()
        .unwrap_or_else(|| format!("{}{}", site.impl_indent, unit_for(&site.impl_indent)));
    let unit = unit_for(&indent);

    let body_so_far = &text[site.open_brace + 1..insert_at];
    // A blank line separates each stub from what precedes it, unless the body is empty
    // or already ends with one.
    let needs_separator = !body_so_far.trim().is_empty() && !ends_with_blank_line(body_so_far);
    let mut addition = String::new();
    for (i, stub) in stubs.iter().enumerate() {
        if i > 0 || needs_separator {
            addition.push_str(newline);
        }
        for line in stub.lines() {
            if !line.is_empty() {
                addition.push_str(&indent);
                addition.push_str(&reindent(line, unit));
            }
            addition.push_str(newline);
        }
    }
    let mut edited = String::with_capacity(text.len() + addition.len());
    edited.push_str(&text[..insert_at]);
    edited.push_str(&addition);
    edited.push_str(&text[insert_at..]);
    Ok(edited)
}

/// `\r\n` when every line ends so, `\n` when none does; a mixture is not edited.
fn line_ending(text: &str) -> Result<&'static str, String> {
    let crlf = text.matches("\r\n").count();
    match crlf {
        0 => Ok("\n"),
        n if n == text.matches('\n').count() => Ok("\r\n"),
        _ => Err("it mixes CRLF and LF line endings".to_owned()),
    }
}

/// `text` ends with a line ending, and the line before it holds only whitespace.
fn ends_with_blank_line(text: &str) -> bool {
    let Some(rest) = text.strip_suffix('\n') else {
        return false;
    };
    rest.rsplit('\n').next().is_some_and(is_blank)
}

fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c == ' ' || c == '\t' || c == '\r')
}

/// One nesting level in a file indented with `indent`: a tab if it uses tabs.
fn unit_for(indent: &str) -> &'static str {
    if indent.contains('\t') { "\t" } else { "    " }
}

/// A rendered line's 4-space levels in the file's own unit; odd spaces (continuations)
/// are kept.
fn reindent(line: &str, unit: &str) -> String {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    format!(
        "{}{}{}",
        unit.repeat(spaces / 4),
        " ".repeat(spaces % 4),
        &line[spaces..]
    )
}
