//! Each comment shape that broke clippy or rustdoc: proto comment in, rustdoc lines out.

use super::*;

/// Knows `pkg.Msg` (also as `Msg`, `.pkg.Msg`) → `Msg` and `pkg.Msg.id` → `Msg::id`.
struct Known;

impl ResolveLink for Known {
    fn link(&self, reference: &str) -> Option<String> {
        match reference.trim_start_matches('.') {
            "pkg.Msg" | "Msg" => Some("Msg".into()),
            "pkg.Msg.id" | "Msg.id" => Some("Msg::id".into()),
            "pkg.Other" | "Other" => Some("super::other::Other".into()),
            _ => None,
        }
    }
}

fn convert(comment: &str) -> Vec<String> {
    let lines: Vec<String> = comment.lines().map(str::to_string).collect();
    rustdoc(&lines, &Known)
}

fn lines(expected: &str) -> Vec<String> {
    expected.lines().map(str::to_string).collect()
}

#[test]
fn a_resolvable_proto_reference_becomes_an_intra_doc_link() {
    assert_eq!(
        convert("See [pkg.Other][] and [the id][pkg.Msg.id]."),
        lines("See [pkg.Other](super::other::Other) and [the id](Msg::id).")
    );
}

#[test]
fn a_reference_whose_text_is_its_path_stays_a_short_link() {
    // `[Msg](Msg)` trips rustdoc's `redundant_explicit_links`.
    assert_eq!(convert("Returns a [Msg][]."), lines("Returns a [Msg]."));
    assert_eq!(convert("Returns a [`Msg`]."), lines("Returns a [`Msg`]."));
}

#[test]
fn an_unresolvable_reference_stays_text_with_its_brackets_escaped() {
    assert_eq!(
        convert("Uses [google.api.HttpRule][] and [Seek][]."),
        lines(r"Uses \[google.api.HttpRule\]\[\] and \[Seek\]\[\].")
    );
    assert_eq!(
        convert("See [the rule][google.api.HttpRule]."),
        lines(r"See \[the rule\]\[google.api.HttpRule\].")
    );
}

#[test]
fn regex_classes_and_indexes_are_not_links() {
    assert_eq!(
        convert("Must match `[a-z]+` and [a-zA-Z0-9_]{1,63}; items[0] is first."),
        lines(r"Must match `[a-z]+` and \[a-zA-Z0-9_\]{1,63}; items\[0\] is first.")
    );
}

#[test]
fn markdown_links_and_link_definitions_are_kept() {
    assert_eq!(
        convert(
            "Read [the guide](https://example.com/guide) and [AIP-132].\n\n[AIP-132]: https://google.aip.dev/132"
        ),
        lines(
            "Read [the guide](https://example.com/guide) and [AIP-132].\n\n[AIP-132]: https://google.aip.dev/132"
        )
    );
}

#[test]
fn prose_that_looks_like_a_link_definition_is_text() {
    assert_eq!(
        convert("[DEPRECATED]: use Other instead."),
        lines(r"\[DEPRECATED\]: use Other instead.")
    );
    assert_eq!(
        convert("Range [key, range_end) and [^1].\n\n[^1]: A footnote."),
        lines("Range \\[key, range_end) and [^1].\n\n[^1]: A footnote.")
    );
}

#[test]
fn an_inline_link_to_a_path_rustdoc_cannot_resolve_is_text() {
    assert_eq!(convert("[x](optional)"), lines(r"\[x\](optional)"));
    assert_eq!(convert("[the id](Msg.id)"), lines("[the id](Msg::id)"));
}

#[test]
fn bare_urls_become_autolinks_without_trailing_punctuation() {
    assert_eq!(
        convert("See https://example.com/a_(b). Or (http://x.org/y), or <https://kept.org>."),
        lines("See <https://example.com/a_(b)>. Or (<http://x.org/y>), or <https://kept.org>.")
    );
}

#[test]
fn angle_bracket_placeholders_are_escaped_not_html() {
    assert_eq!(
        convert("Format: `projects/<id>` or projects/<project>/items/<item>; map<string, Msg>."),
        lines(r"Format: `projects/<id>` or projects/\<project>/items/\<item>; map\<string, Msg>.")
    );
}

#[test]
fn an_indented_block_is_fenced_as_text() {
    assert_eq!(
        convert("Example:\n\n    message Foo {\n      int32 x = 1;\n    }\n\nAfter."),
        lines("Example:\n\n```text\nmessage Foo {\n  int32 x = 1;\n}\n```\n\nAfter.")
    );
}

#[test]
fn an_example_indented_right_under_a_sentence_is_a_block_too() {
    assert_eq!(
        convert("For example:\n    GET /v1/items/1\n    GET /v1/items/2"),
        lines("For example:\n```text\nGET /v1/items/1\nGET /v1/items/2\n```")
    );
}

#[test]
fn lines_indented_by_two_under_a_sentence_are_a_block() {
    assert_eq!(
        convert(
            "For example, a file like:\n  message Foo {\n    string foo = 1;\n  }\nThen more text."
        ),
        lines(
            "For example, a file like:\n```text\nmessage Foo {\n  string foo = 1;\n}\n```\nThen more text."
        )
    );
}

#[test]
fn an_indented_list_under_a_sentence_stays_a_list() {
    assert_eq!(
        convert("Rules:\n  * one\n  * two"),
        lines("Rules:\n* one\n* two")
    );
}

#[test]
fn an_indented_code_span_under_a_sentence_stays_text() {
    assert_eq!(
        convert("The name. Format:\n  `projects/{project}/items/{item}`."),
        lines("The name. Format:\n`projects/{project}/items/{item}`.")
    );
}

#[test]
fn fences_without_a_language_or_with_a_rust_one_become_text() {
    assert_eq!(
        convert("```\nfoo [bar] <baz>\n```\n```rust\nlet x = 1;\n```\n```json\n{}\n```"),
        lines("```text\nfoo [bar] <baz>\n```\n```text\nlet x = 1;\n```\n```json\n{}\n```")
    );
}

#[test]
fn an_unclosed_fence_is_closed() {
    assert_eq!(convert("```\ncode"), lines("```text\ncode\n```"));
}

#[test]
fn lazy_list_continuations_are_indented_to_the_item() {
    assert_eq!(
        convert("* first item\ncontinues here\n* 10. second\nand here"),
        lines("* first item\n  continues here\n* 10. second\n  and here")
    );
    assert_eq!(
        convert("1. one\nmore\n10. ten\nmore"),
        lines("1. one\n   more\n10. ten\n    more")
    );
}

#[test]
fn over_indented_continuations_and_nested_items_move_to_the_content_column() {
    assert_eq!(
        convert("- top item\n      continues\n    - nested item\n         continues\n- next"),
        lines("- top item\n  continues\n  - nested item\n    continues\n- next")
    );
    assert_eq!(
        convert("Fields:\n\n   * `a`: the a\n   * `b`: the b"),
        lines("Fields:\n\n* `a`: the a\n* `b`: the b")
    );
}

#[test]
fn a_paragraph_after_a_list_leaves_it() {
    assert_eq!(
        convert("- item\n\nAfter the list [Msg]."),
        lines("- item\n\nAfter the list [Msg].")
    );
}

#[test]
fn a_lazy_quote_continuation_keeps_its_quote() {
    assert_eq!(convert("> quoted\nlazy"), lines("> quoted\n> lazy"));
}

#[test]
fn tabs_invisible_characters_and_a_shared_indent_are_normalized() {
    assert_eq!(
        convert("Text\u{200B} here.\n-\tone"),
        lines("Text here.\n-   one")
    );
    assert_eq!(convert("   Indented\n   alike"), lines("Indented\nalike"));
}

#[test]
fn a_code_span_is_verbatim_even_across_lines() {
    assert_eq!(
        convert("Call `Get(\n[x]) <y>` then [z]."),
        lines("Call `Get(\n[x]) <y>` then \\[z\\].")
    );
}

#[test]
fn an_empty_comment_has_no_lines() {
    assert!(convert("\n\n").is_empty());
}
