//! The text of one paragraph: code spans kept, proto references linked, stray brackets and
//! `<` escaped, bare URLs made autolinks. Never adds or removes a line break, so the
//! caller can split the result back into its lines.

use std::collections::HashSet;

use super::ResolveLink;

/// Labels of the comment's own link reference definitions (`[spec]: https://…`): a
/// `[spec]` using one is a Markdown link and stays as written.
pub struct LinkDefinitions(HashSet<String>);

impl LinkDefinitions {
    pub fn scan(lines: &[String]) -> Self {
        LinkDefinitions(
            lines
                .iter()
                .filter_map(|line| Self::label(line.trim_start()))
                .map(normalized_label)
                .collect(),
        )
    }

    /// `[label]: destination` (the line, without its indent).
    pub fn is_definition(rest: &str) -> bool {
        Self::label(rest).is_some()
    }

    /// The label of `[label]: destination "title"` (or of a footnote, `[^1]: text`). The
    /// destination must look like a URL: `[DEPRECATED]: use Foo` is prose, and rustdoc
    /// would try `use` as an intra-doc path.
    fn label(rest: &str) -> Option<&str> {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        let label = &inner[..close];
        let after = inner[close + 1..].strip_prefix(':')?.trim();
        if label.is_empty() || label.contains('[') || after.is_empty() {
            return None;
        }
        if label.starts_with('^') {
            return Some(label);
        }
        let mut words = after.splitn(2, char::is_whitespace);
        let destination = words.next()?;
        let title = words.next().map(str::trim_start);
        let url_like = destination.contains(['/', ':', '.', '#']) || destination.starts_with('<');
        let titled = title.is_none_or(|t| t.starts_with(['"', '\'', '(']));
        (url_like && titled).then_some(label)
    }

    fn contains(&self, label: &str) -> bool {
        self.0.contains(&normalized_label(label))
    }
}

fn normalized_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

pub fn convert(text: &str, definitions: &LinkDefinitions, links: &dyn ResolveLink) -> String {
    Inline {
        text,
        definitions,
        links,
    }
    .convert()
}

struct Inline<'a> {
    text: &'a str,
    definitions: &'a LinkDefinitions,
    links: &'a dyn ResolveLink,
}

impl Inline<'_> {
    fn convert(&self) -> String {
        let text = self.text;
        let mut out = String::with_capacity(text.len() + 16);
        let mut i = 0;
        while i < text.len() {
            let rest = &text[i..];
            let c = rest.chars().next().expect("i is on a char boundary");
            let consumed = match c {
                '\\' => escape_len(rest),
                '`' => code_span_len(rest),
                '<' => match autolink_len(rest) {
                    Some(len) => len,
                    None => {
                        out.push_str("\\<");
                        i += 1;
                        continue;
                    }
                },
                '[' => match self.link(i) {
                    Some((len, link)) => {
                        out.push_str(&link);
                        i += len;
                        continue;
                    }
                    None => {
                        out.push_str("\\[");
                        i += 1;
                        continue;
                    }
                },
                ']' => {
                    out.push_str("\\]");
                    i += 1;
                    continue;
                }
                'h' if starts_word(text, i) => match url_len(rest) {
                    Some(len) => {
                        out.push('<');
                        out.push_str(&rest[..len]);
                        out.push('>');
                        i += len;
                        continue;
                    }
                    None => 1,
                },
                c => c.len_utf8(),
            };
            out.push_str(&rest[..consumed]);
            i += consumed;
        }
        out
    }

    /// A Markdown link starting at the `[` at `start`: its length in the source and what
    /// to write for it, or `None` when the brackets are to be escaped.
    fn link(&self, start: usize) -> Option<(usize, String)> {
        let text = self.text;
        let close = start + matching_bracket(&text[start..])?;
        let label = &text[start + 1..close];
        let after = &text[close + 1..];
        if after.starts_with('(') {
            let dest_len = matching_paren(after)?;
            let destination = after[1..dest_len].trim();
            let end = close + 1 + dest_len + 1;
            let shown = self.nested(label);
            if let Some(path) = self.links.link(destination) {
                return Some((end - start, link_to(&shown, label, &path)));
            }
            // A URL, a relative file, an anchor: rustdoc does not resolve these. A bare
            // word it would try as a path, and warn about.
            return (!is_path_like(destination))
                .then(|| (end - start, format!("[{shown}]({destination})")));
        }
        if let Some(reference) = after.strip_prefix('[') {
            let ref_close = reference.find(']')?;
            let target = &reference[..ref_close];
            let end = close + 1 + 1 + ref_close + 1;
            let target = if target.is_empty() { label } else { target };
            if self.definitions.contains(target) {
                return Some((end - start, text[start..end].to_string()));
            }
            let path = self.links.link(strip_code(target))?;
            return Some((end - start, link_to(&self.nested(label), label, &path)));
        }
        if self.definitions.contains(label) {
            return Some((close + 1 - start, text[start..=close].to_string()));
        }
        let path = self.links.link(strip_code(label))?;
        Some((
            close + 1 - start,
            link_to(&self.nested(label), label, &path),
        ))
    }

    /// Link text, itself converted (a link cannot hold a link: inner brackets are escaped).
    fn nested(&self, label: &str) -> String {
        Inline {
            text: label,
            definitions: self.definitions,
            links: &super::NoLinks,
        }
        .convert()
    }
}

/// `[shown](path)`, or `[shown]` when the text already is the path (rustdoc's
/// `redundant_explicit_links` warns about `[Msg](Msg)`).
fn link_to(shown: &str, label: &str, path: &str) -> String {
    if strip_code(label) == path {
        format!("[{shown}]")
    } else {
        format!("[{shown}]({path})")
    }
}

fn strip_code(label: &str) -> &str {
    label
        .strip_prefix('`')
        .and_then(|l| l.strip_suffix('`'))
        .unwrap_or(label)
}

/// Whether rustdoc would take a link destination as an intra-doc path (and warn when it
/// does not resolve) rather than as a URL: only path characters.
fn is_path_like(destination: &str) -> bool {
    !destination.is_empty()
        && destination.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(
                    c,
                    ':' | '_' | '<' | '>' | ',' | ' ' | '!' | '*' | '&' | ';' | '@' | '(' | ')'
                )
        })
}

/// `\` and the ASCII punctuation it escapes, or `\` alone.
fn escape_len(rest: &str) -> usize {
    match rest.as_bytes().get(1) {
        Some(b) if b.is_ascii_punctuation() => 2,
        _ => 1,
    }
}

/// A code span (a run of backticks up to the next run of the same length), or just the
/// run when nothing closes it.
fn code_span_len(rest: &str) -> usize {
    let run = rest.bytes().take_while(|&b| b == b'`').count();
    let mut j = run;
    let bytes = rest.as_bytes();
    while j < bytes.len() {
        if bytes[j] == b'`' {
            let close = bytes[j..].iter().take_while(|&&b| b == b'`').count();
            if close == run {
                return j + close;
            }
            j += close;
        } else {
            j += 1;
        }
    }
    run
}

/// `<scheme:…>` or `<user@host>`: CommonMark autolinks, which rustdoc renders as links.
fn autolink_len(rest: &str) -> Option<usize> {
    let close = rest.find('>')?;
    let inner = &rest[1..close];
    if inner.is_empty() || inner.contains(|c: char| c.is_whitespace() || c == '<') {
        return None;
    }
    let uri = inner.split_once(':').is_some_and(|(scheme, _)| {
        (2..=32).contains(&scheme.len())
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    });
    let email = inner
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
    (uri || email).then_some(close + 1)
}

/// A bare `http://` or `https://` URL, without trailing punctuation that ends the
/// sentence around it or a `)` it does not open.
fn url_len(rest: &str) -> Option<usize> {
    let scheme = if rest.starts_with("https://") {
        8
    } else if rest.starts_with("http://") {
        7
    } else {
        return None;
    };
    let mut len = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | '[' | ']'))
        .unwrap_or(rest.len());
    loop {
        let url = &rest[..len];
        let last = url.chars().last()?;
        let unbalanced_paren = last == ')' && url.matches('(').count() < url.matches(')').count();
        if matches!(last, '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '*' | '_') || unbalanced_paren
        {
            len -= last.len_utf8();
        } else {
            break;
        }
    }
    (len > scheme).then_some(len)
}

/// Whether position `i` starts a word (a URL inside a word is not a bare URL).
fn starts_word(text: &str, i: usize) -> bool {
    text[..i]
        .chars()
        .last()
        .is_none_or(|c| !c.is_alphanumeric() && c != '/')
}

/// Offset of the `]` closing the `[` that `text` starts with, skipping escapes and code
/// spans and counting nested brackets.
fn matching_bracket(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = 0;
    while j < text.len() {
        let rest = &text[j..];
        match rest.as_bytes()[0] {
            b'\\' => j += escape_len(rest),
            b'`' => j += code_span_len(rest),
            b'[' => {
                depth += 1;
                j += 1;
            }
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
                j += 1;
            }
            _ => j += rest.chars().next()?.len_utf8(),
        }
    }
    None
}

/// Offset of the `)` closing the `(` that `text` starts with (nested parentheses count).
fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (j, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            '\n' => return None,
            _ => {}
        }
    }
    None
}
