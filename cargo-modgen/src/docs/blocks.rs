//! The line structure of a comment: code blocks, fences, lists, quotes, headings,
//! link definitions and paragraphs, following CommonMark's block rules closely enough to
//! re-indent and fence without changing what renders.

use super::inline::{self, LinkDefinitions};
use super::{ResolveLink, indent_of};

/// One output line before inline conversion.
enum Line {
    /// Written as is (code, fences, blank lines, link definitions, thematic breaks).
    Verbatim(String),
    /// Paragraph or heading text after `prefix` (indent, list marker, `> `). `starts` marks
    /// the first line of a paragraph: inline conversion runs over each paragraph at once,
    /// so a code span or link may cross lines.
    Text {
        prefix: String,
        text: String,
        starts: bool,
    },
}

/// Where the block scan is: the open list items (innermost last), whether the previous
/// line was paragraph text (and in a quote), and the open fence.
#[derive(Default)]
struct State {
    lists: Vec<Item>,
    in_paragraph: bool,
    in_quote: bool,
    /// Indent, in the comment, of the first line of the paragraph being read.
    paragraph_indent: usize,
    fence: Option<Fence>,
}

/// An open list item's content column in the comment (`source`, which decides what
/// belongs to it) and in the output (`column`, where its lines are written).
struct Item {
    source: usize,
    column: usize,
}

struct Fence {
    marker: char,
    length: usize,
}

pub fn convert(lines: &[String], links: &dyn ResolveLink) -> Vec<String> {
    let definitions = LinkDefinitions::scan(lines);
    let mut state = State::default();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        i = state.line(lines, i, &mut out);
    }
    if state.fence.is_some() {
        // An unclosed fence runs to the end of the comment; say so explicitly, so the
        // doc of the next item cannot be swallowed by it.
        let fence = state.fence.take().unwrap();
        out.push(Line::Verbatim(
            fence.marker.to_string().repeat(fence.length),
        ));
    }
    render(out, &definitions, links)
}

impl State {
    /// The output column paragraphs and code blocks are written at: the innermost list
    /// item's.
    fn base(&self) -> usize {
        self.lists.last().map_or(0, |item| item.column)
    }

    /// The same column in the comment as written.
    fn source_base(&self) -> usize {
        self.lists.last().map_or(0, |item| item.source)
    }

    /// Handles the line at `i` (and, for an indented code block, the lines after it);
    /// returns the index of the next unhandled line.
    fn line(&mut self, lines: &[String], i: usize, out: &mut Vec<Line>) -> usize {
        let line = &lines[i];
        if self.fence.is_some() {
            self.fenced_line(line, out);
            return i + 1;
        }
        if line.is_empty() {
            self.in_paragraph = false;
            self.in_quote = false;
            out.push(Line::Verbatim(String::new()));
            return i + 1;
        }
        let indent = indent_of(line);
        if !self.in_paragraph {
            // After a blank line (or a block), a line less indented than an item's content
            // is outside that item.
            self.close_lists_beyond(indent);
        }
        let code_indent = self.source_base() + 4;
        if !self.in_paragraph && indent >= code_indent {
            return self.code_block(lines, i, code_indent, true, out);
        }
        let rest = &line[indent..];
        if let Some(marker) = list_marker(rest, self.in_paragraph && self.lists.is_empty()) {
            self.list_item(line, indent, marker, out);
            return i + 1;
        }
        if fence_open(rest).is_none()
            && let Some(end) = self.example_under_sentence(lines, i, out)
        {
            return end;
        }
        if !self.leaf_block(indent, rest, out) {
            self.text(indent, rest, out);
        }
        i + 1
    }

    /// A line inside a fence: as written; the fence closes on a run of its marker at
    /// least as long as the one that opened it.
    fn fenced_line(&mut self, line: &str, out: &mut Vec<Line>) {
        let fence = self.fence.as_ref().expect("called inside a fence");
        let rest = line.trim_start();
        let closes = indent_of(line) < 4
            && rest.chars().take_while(|&c| c == fence.marker).count() >= fence.length
            && rest.trim_start_matches(fence.marker).trim().is_empty();
        if closes {
            self.fence = None;
        }
        out.push(Line::Verbatim(line.to_string()));
    }

    /// A fence opener, thematic break, link definition or heading: written at once (a
    /// heading's text still gets inline conversion). `false` when `rest` is none of them.
    fn leaf_block(&mut self, indent: usize, rest: &str, out: &mut Vec<Line>) -> bool {
        let fence = fence_open(rest);
        let heading = is_heading(rest);
        let thematic_break = is_thematic_break(rest);
        let definition = !self.in_paragraph && LinkDefinitions::is_definition(rest);
        if !(fence.is_some() || heading || thematic_break || definition) {
            return false;
        }
        if fence.is_some() || heading || thematic_break {
            // These end a paragraph, and any list item they are not indented into: they
            // are never lazy continuations.
            self.close_lists_beyond(indent);
        }
        let column = " ".repeat(self.base());
        if let Some(fence) = fence {
            // At its own indent: moving it would shift the code lines under it.
            let opener = fence_with_language(rest, &fence);
            out.push(Line::Verbatim(format!("{}{opener}", " ".repeat(indent))));
            self.fence = Some(fence);
        } else if heading {
            out.push(Line::Text {
                prefix: column,
                text: rest.to_string(),
                starts: true,
            });
        } else {
            out.push(Line::Verbatim(format!("{column}{rest}")));
        }
        self.in_paragraph = false;
        self.in_quote = false;
        true
    }

    /// Paragraph or quote text. A continuation line goes to the column of the paragraph it
    /// continues (a lazy continuation in a quote gets its `>`), as clippy's
    /// `doc_lazy_continuation` and `doc_overindented_list_items` ask.
    fn text(&mut self, indent: usize, rest: &str, out: &mut Vec<Line>) {
        if !self.in_paragraph {
            self.paragraph_indent = indent;
        }
        let column = " ".repeat(self.base());
        let continues_quote = self.in_paragraph && self.in_quote;
        let (prefix, text, quote) = match rest.strip_prefix('>') {
            Some(quoted) => (
                format!("{column}> "),
                quoted.strip_prefix(' ').unwrap_or(quoted),
                true,
            ),
            None if continues_quote => (format!("{column}> "), rest, true),
            None => (column, rest, false),
        };
        let starts = if quote {
            !continues_quote
        } else {
            !self.in_paragraph
        };
        out.push(Line::Text {
            prefix,
            text: text.to_string(),
            starts,
        });
        self.in_paragraph = true;
        self.in_quote = quote;
    }

    fn close_lists_beyond(&mut self, indent: usize) {
        while self.lists.last().is_some_and(|item| item.source > indent) {
            self.lists.pop();
        }
    }

    /// A list item: nested under the innermost item whose content column it reaches, put
    /// exactly at that column (or at 0 for a top-level item).
    fn list_item(&mut self, line: &str, indent: usize, marker: Marker, out: &mut Vec<Line>) {
        self.close_lists_beyond(indent);
        let column = self.base();
        let after_marker = &line[indent + marker.width..];
        let spaces = indent_of(after_marker);
        let text = after_marker.trim_start();
        // CommonMark: 1–4 spaces after the marker set the content column; more means the
        // content is an indented code block after one space, which we do not keep.
        let gap = if (1..=4).contains(&spaces) { spaces } else { 1 };
        self.lists.push(Item {
            source: indent + marker.width + gap,
            column: column + marker.width + gap,
        });
        out.push(Line::Text {
            prefix: format!(
                "{}{}{}",
                " ".repeat(column),
                &line[indent..indent + marker.width],
                " ".repeat(gap)
            ),
            text: text.to_string(),
            starts: true,
        });
        self.in_paragraph = true;
        self.in_quote = false;
    }

    /// A paragraph continues through any indentation in CommonMark, but proto authors
    /// who indent lines under a sentence (`Example:`, `For instance, this path:`) mean
    /// them as written, so outside lists and quotes such a run is a block. Not when each
    /// line is just a code span: `Format:` then an indented `` `projects/{p}` `` reads
    /// fine as text. Returns the index after the block.
    fn example_under_sentence(
        &mut self,
        lines: &[String],
        i: usize,
        out: &mut Vec<Line>,
    ) -> Option<usize> {
        if !self.in_paragraph || !self.lists.is_empty() || self.in_quote {
            return None;
        }
        let min_indent = self.paragraph_indent + 2;
        let run = lines[i..]
            .iter()
            .take_while(|l| !l.is_empty() && indent_of(l) >= min_indent);
        let mut run = run.peekable();
        run.peek()?;
        if run.all(|l| is_code_span_line(l.trim())) {
            return None;
        }
        let strip = lines[i..]
            .iter()
            .take_while(|l| !l.is_empty() && indent_of(l) >= min_indent)
            .map(|l| indent_of(l))
            .min()?;
        Some(self.code_block(lines, i, strip, false, out))
    }

    /// The lines from `start` indented at least `min_indent` (and blank lines between
    /// them when `through_blanks`, as in an indented code block), fenced as `text` at the
    /// current column with `min_indent` columns removed. Returns the index after them.
    fn code_block(
        &mut self,
        lines: &[String],
        start: usize,
        min_indent: usize,
        through_blanks: bool,
        out: &mut Vec<Line>,
    ) -> usize {
        let mut end = start;
        while end < lines.len()
            && ((through_blanks && lines[end].is_empty())
                || (!lines[end].is_empty() && indent_of(&lines[end]) >= min_indent))
        {
            end += 1;
        }
        while end > start && lines[end - 1].is_empty() {
            end -= 1;
        }
        let column = " ".repeat(self.base());
        out.push(Line::Verbatim(format!("{column}```text")));
        for line in &lines[start..end] {
            out.push(Line::Verbatim(if line.is_empty() {
                String::new()
            } else {
                format!("{column}{}", &line[min_indent..])
            }));
        }
        out.push(Line::Verbatim(format!("{column}```")));
        self.in_paragraph = false;
        self.in_quote = false;
        end
    }
}

/// `` `text` `` alone on its line, perhaps with closing punctuation.
fn is_code_span_line(line: &str) -> bool {
    let line = line.trim_end_matches(['.', ',', ';', ':']);
    line.len() >= 2
        && line.starts_with('`')
        && line.ends_with('`')
        && !line[1..line.len() - 1].contains('`')
}

/// A list marker (`-`, `*`, `+`, `1.`, `1)`) followed by a space or the line's end.
struct Marker {
    width: usize,
}

/// The list marker `rest` starts with. `interrupts_paragraph`: CommonMark lets only a
/// bullet or an item numbered 1 with text start a list in the middle of a paragraph.
fn list_marker(rest: &str, interrupts_paragraph: bool) -> Option<Marker> {
    let bytes = rest.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let width = match bytes.first()? {
        b'-' | b'*' | b'+' => 1,
        _ if (1..=9).contains(&digits) && matches!(bytes.get(digits), Some(b'.' | b')')) => {
            if interrupts_paragraph && &rest[..digits] != "1" {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    match bytes.get(width) {
        Some(b' ') => Some(Marker { width }),
        None if !interrupts_paragraph => Some(Marker { width }),
        _ => None,
    }
}

fn is_heading(rest: &str) -> bool {
    let hashes = rest.chars().take_while(|&c| c == '#').count();
    (1..=6).contains(&hashes) && matches!(rest[hashes..].chars().next(), None | Some(' '))
}

fn is_thematic_break(rest: &str) -> bool {
    let Some(marker) = rest.chars().next().filter(|c| matches!(c, '-' | '*' | '_')) else {
        return false;
    };
    rest.chars().all(|c| c == marker || c == ' ')
        && rest.chars().filter(|&c| c == marker).count() >= 3
}

/// A fence opener: three or more backticks (no backtick in the info string) or tildes.
fn fence_open(rest: &str) -> Option<Fence> {
    let marker = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let length = rest.chars().take_while(|&c| c == marker).count();
    let info = &rest[length..];
    (length >= 3 && !(marker == '`' && info.contains('`'))).then_some(Fence { marker, length })
}

/// The fence line with its info string kept when it names a language rustdoc will not
/// compile (`json`, `proto`, `sh`), else `text`: an empty info string, `rust`, or a
/// doctest attribute (`ignore`, `no_run`, `edition2021`) would make it a doctest.
fn fence_with_language(rest: &str, fence: &Fence) -> String {
    let markers = fence.marker.to_string().repeat(fence.length);
    let info = rest[fence.length..].trim();
    let language = info.split([',', ' ']).next().unwrap_or("");
    let plain_word = language
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '.'))
        && language.starts_with(|c: char| c.is_ascii_alphabetic());
    let rustdoc_word = language == "rust"
        || language == "ignore"
        || language.starts_with("edition")
        || (language.starts_with('E') && language[1..].chars().all(|c| c.is_ascii_digit()));
    if plain_word && !rustdoc_word {
        format!("{markers}{language}")
    } else {
        format!("{markers}text")
    }
}

/// Runs inline conversion over each paragraph and joins prefixes back on.
fn render(lines: Vec<Line>, definitions: &LinkDefinitions, links: &dyn ResolveLink) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    let mut paragraph: Vec<(String, String)> = Vec::new();
    let flush = |paragraph: &mut Vec<(String, String)>, out: &mut Vec<String>| {
        if paragraph.is_empty() {
            return;
        }
        let text: Vec<&str> = paragraph.iter().map(|(_, t)| t.as_str()).collect();
        let converted = inline::convert(&text.join("\n"), definitions, links);
        for ((prefix, _), line) in paragraph.drain(..).zip(converted.split('\n')) {
            out.push(format!("{prefix}{line}").trim_end().to_string());
        }
    };
    for line in lines {
        match line {
            Line::Verbatim(text) => {
                flush(&mut paragraph, &mut out);
                out.push(text);
            }
            Line::Text {
                prefix,
                text,
                starts,
            } => {
                if starts {
                    flush(&mut paragraph, &mut out);
                }
                paragraph.push((prefix, text));
            }
        }
    }
    flush(&mut paragraph, &mut out);
    out
}
