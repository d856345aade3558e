//! `modgen::stubs::plan` over texts: which stubs a new RPC adds to the user's impl, where
//! and how they are inserted (only insertions: the rest of the file byte for byte), and
//! when the file is left alone and the stubs are printed instead.

use std::path::PathBuf;

use modgen::stubs::{self, Mode, Outcome, RemovedMethod, SourceFile, StubPlan};
use modgen::{Contents, Manifest, Model, RuntimeDep};

/// The `calc` module with these RPCs in its service `Calc` (trait `CalcApi`).
fn model(rpcs: &str) -> Model {
    model_of_services(&format!("service Calc {{\n{rpcs}\n}}"))
}

/// The `calc` module with these service definitions (messages `Ask` and `Answer`).
fn model_of_services(services: &str) -> Model {
    let dir = tempfile::tempdir().unwrap();
    let proto = format!(
        r#"syntax = "proto3";
package calc.v1;
{services}
message Ask {{ string name = 1; }}
message Answer {{ string text = 1; }}
"#
    );
    std::fs::write(dir.path().join("calc.proto"), proto).unwrap();
    let manifest = Manifest::parse(
        "[module]\nname = \"calc\"\n\n[proto]\nfiles = [\"calc.proto\"]\n",
        "modgen.toml",
    )
    .unwrap();
    modgen::load_manifest(&manifest, dir.path(), "modgen.toml").unwrap()
}

const TWO_RPCS: &str =
    "  rpc Greet(Ask) returns (Answer);\n  rpc Count(Ask) returns (stream Answer);";
const THREE_RPCS: &str = "  rpc Greet(Ask) returns (Answer);\n  rpc Farewell(Ask) returns (Answer);\n  rpc Count(Ask) returns (stream Answer);";

/// The `service.rs` that `new` writes for `rpcs`.
fn service_rs_of(rpcs: &str) -> String {
    service_rs_for(&model(rpcs))
}

fn service_rs_for(model: &Model) -> String {
    let files = modgen::generate_module(model, &RuntimeDep::Version("0.1.0".into())).unwrap();
    match &files.get("src/service.rs").unwrap().contents {
        Contents::Text(text) => text.clone(),
        _ => unreachable!("service.rs is text"),
    }
}

fn source(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: PathBuf::from(path),
        text: text.to_owned(),
    }
}

/// What `after` adds to `before`, when that is a single insertion (the rest identical).
fn insertion(before: &str, after: &str) -> String {
    let prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = before[prefix..]
        .bytes()
        .rev()
        .zip(after[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    assert_eq!(
        prefix + suffix,
        before.len(),
        "not a pure insertion:\n--- before\n{before}\n--- after\n{after}"
    );
    after[prefix..after.len() - suffix].to_owned()
}

fn only_edit(plan: &StubPlan) -> (&str, &str) {
    assert_eq!(plan.edits.len(), 1, "{plan:#?}");
    (
        plan.edits[0].path.to_str().unwrap(),
        plan.edits[0].new_text.as_str(),
    )
}

fn printed(plan: &StubPlan) -> (&str, &[String], &str) {
    match &plan.services[0].outcome {
        Outcome::Printed {
            reason,
            methods,
            stubs_text,
        } => (reason, methods, stubs_text),
        other => panic!("expected printed stubs, got {other:?}"),
    }
}

const FAREWELL_STUB: &str = "    async fn farewell(
        &self,
        _ctx: &::calc_sdk::CallContext,
        _request: ::calc_sdk::proto::calc::v1::Ask,
    ) -> ::std::result::Result<
        ::calc_sdk::proto::calc::v1::Answer,
        ::calc_sdk::CalcError,
    > {
        ::std::result::Result::Err(
            ::calc_sdk::CalcError::Unimplemented(
                \"/calc.v1.Calc/Farewell is not implemented yet\".to_owned(),
            ),
        )
    }
";

#[test]
fn a_new_rpc_adds_exactly_one_stub_at_the_end_of_the_impl_and_nothing_else() {
    let before = service_rs_of(TWO_RPCS);
    let plan = stubs::plan(
        &model(THREE_RPCS),
        &[source("src/service.rs", &before)],
        Mode::Edit,
    );

    let (path, after) = only_edit(&plan);
    assert_eq!(path, "src/service.rs");
    assert_eq!(insertion(&before, after), format!("\n{FAREWELL_STUB}"));
    assert!(
        after.ends_with(&format!("\n{FAREWELL_STUB}}}\n")),
        "{after}"
    );
    assert_eq!(
        plan.services[0].outcome,
        Outcome::Edited {
            path: "src/service.rs".into(),
            added: vec!["farewell".into()]
        }
    );
    assert!(plan.removed.is_empty());
}

#[test]
fn an_impl_with_every_method_is_not_edited() {
    let text = service_rs_of(TWO_RPCS);
    let plan = stubs::plan(
        &model(TWO_RPCS),
        &[source("src/service.rs", &text)],
        Mode::Edit,
    );

    assert!(plan.edits.is_empty());
    assert_eq!(plan.services[0].outcome, Outcome::Complete);
}

#[test]
fn methods_of_removed_rpcs_are_reported_and_kept() {
    let text = service_rs_of(THREE_RPCS);
    let plan = stubs::plan(
        &model(TWO_RPCS),
        &[source("src/service.rs", &text)],
        Mode::Edit,
    );

    assert!(plan.edits.is_empty());
    assert_eq!(
        plan.removed,
        [RemovedMethod {
            trait_name: "CalcApi".into(),
            method: "farewell".into(),
            at: "src/service.rs:28:1".into(),
        }]
    );
}

/// The user moved the impl to a module of their own, named the trait by its path, and
/// put it in an inline module: it is found there, and indented like its methods.
#[test]
fn an_impl_moved_into_another_file_and_an_inline_module_is_edited_there() {
    let lib = "pub mod api;\npub mod service;\n";
    let service = "pub struct Calc;\n";
    let api = "pub mod calc {
    use crate::service::Calc;

    #[async_trait::async_trait]
    impl calc_sdk::CalcApi for Calc {
        async fn greet(&self, _: &calc_sdk::CallContext, r: calc_sdk::proto::calc::v1::Ask) -> Result<calc_sdk::proto::calc::v1::Answer, calc_sdk::CalcError> { todo!() }

        async fn count(&self, _: &calc_sdk::CallContext, r: calc_sdk::proto::calc::v1::Ask) -> Result<calc_sdk::ApiStream<calc_sdk::proto::calc::v1::Answer>, calc_sdk::CalcError> { todo!() }
    }
}
";
    let plan = stubs::plan(
        &model(THREE_RPCS),
        &[
            source("src/lib.rs", lib),
            source("src/service.rs", service),
            source("src/api.rs", api),
        ],
        Mode::Edit,
    );

    let (path, after) = only_edit(&plan);
    assert_eq!(path, "src/api.rs");
    let indented: String = FAREWELL_STUB
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect();
    assert_eq!(insertion(api, after), format!("\n{indented}"));
    assert!(
        after.ends_with(&format!("{indented}    }}\n}}\n")),
        "{after}"
    );
}

#[test]
fn a_trait_imported_under_an_alias_is_recognised() {
    let text = "use calc_sdk::{CalcApi as Api, CallContext};

pub struct Calc;

#[async_trait::async_trait]
impl Api for Calc {
    async fn greet(&self, _: &CallContext, _: calc_sdk::proto::calc::v1::Ask) -> Result<calc_sdk::proto::calc::v1::Answer, calc_sdk::CalcError> { todo!() }
}
";
    let plan = stubs::plan(
        &model(TWO_RPCS),
        &[source("src/service.rs", text)],
        Mode::Edit,
    );

    let (_, after) = only_edit(&plan);
    assert!(
        insertion(text, after).starts_with("\n    async fn count("),
        "{after}"
    );
}

/// Tabs, the impl's `{` on a line of its own, comments in the body and after the `}`,
/// Windows line endings: the stub follows the file's ways.
#[test]
fn unusual_formatting_is_followed_not_rewritten() {
    let text = "use calc_sdk::*;\r
\r
#[async_trait::async_trait]\r
impl CalcApi for Calc\r
{\r
\t// Greets. Ask Ann before changing this.\r
\tasync fn greet(&self, _: &CallContext, _: proto::calc::v1::Ask) -> Result<proto::calc::v1::Answer, CalcError>\r
\t{\r
\t\ttodo!()\r
\t}\r
\t// more to come\r
} // impl CalcApi\r
";
    let plan = stubs::plan(
        &model(TWO_RPCS),
        &[source("src/service.rs", text)],
        Mode::Edit,
    );

    let (_, after) = only_edit(&plan);
    let expected = "\r
\tasync fn count(\r
\t\t&self,\r
\t\t_ctx: &::calc_sdk::CallContext,\r
\t\t_request: ::calc_sdk::proto::calc::v1::Ask,\r
\t) -> ::std::result::Result<\r
\t\t::calc_sdk::ApiStream<::calc_sdk::proto::calc::v1::Answer>,\r
\t\t::calc_sdk::CalcError,\r
\t> {\r
\t\t::std::result::Result::Err(\r
\t\t\t::calc_sdk::CalcError::Unimplemented(\r
\t\t\t\t\"/calc.v1.Calc/Count is not implemented yet\".to_owned(),\r
\t\t\t),\r
\t\t)\r
\t}\r
";
    assert_eq!(insertion(text, after), expected);
    assert!(after.ends_with("\t}\r\n} // impl CalcApi\r\n"), "{after}");
}

#[test]
fn an_empty_impl_gets_its_stubs_without_a_leading_blank_line() {
    let text = "#[async_trait::async_trait]\nimpl CalcApi for Calc {\n}\n";
    let plan = stubs::plan(
        &model(THREE_RPCS),
        &[source("src/service.rs", text)],
        Mode::Edit,
    );

    let (_, after) = only_edit(&plan);
    let added = insertion(text, after);
    assert!(added.starts_with("    async fn greet(\n"), "{added}");
    assert!(
        added.contains("    }\n\n    async fn farewell(\n"),
        "{added}"
    );
    assert!(added.contains("    }\n\n    async fn count(\n"), "{added}");
    assert!(added.ends_with("    }\n"), "{added}");
}

#[test]
fn a_file_that_does_not_parse_is_untouched_and_the_stubs_are_printed() {
    let text = service_rs_of(TWO_RPCS).replace("pub struct Calc {", "pub struct Calc {{");
    let plan = stubs::plan(
        &model(THREE_RPCS),
        &[source("src/service.rs", &text)],
        Mode::Edit,
    );

    assert!(plan.edits.is_empty());
    let (reason, methods, stubs_text) = printed(&plan);
    assert!(reason.contains("src/service.rs:"), "{reason}");
    assert!(reason.contains("does not parse"), "{reason}");
    // Which methods the impl has cannot be known: all of them are printed.
    assert_eq!(methods, ["greet", "farewell", "count"]);
    assert!(stubs_text.contains(FAREWELL_STUB), "{stubs_text}");
}

#[test]
fn two_impls_of_the_trait_are_not_edited() {
    let text = service_rs_of(TWO_RPCS);
    let mock = "struct Mock;\n\n#[async_trait::async_trait]\nimpl calc_sdk::CalcApi for Mock {}\n";
    let plan = stubs::plan(
        &model(THREE_RPCS),
        &[source("src/service.rs", &text), source("src/mock.rs", mock)],
        Mode::Edit,
    );

    assert!(plan.edits.is_empty());
    let (reason, methods, _) = printed(&plan);
    assert!(reason.contains("src/service.rs:"), "{reason}");
    assert!(reason.contains("src/mock.rs:4:1"), "{reason}");
    // Missing from either: the mock lacks all three.
    assert_eq!(methods, ["greet", "farewell", "count"]);
}

#[test]
fn no_impl_at_all_prints_every_stub() {
    let plan = stubs::plan(
        &model(TWO_RPCS),
        &[source("src/service.rs", "pub struct Calc;\n")],
        Mode::Edit,
    );

    assert!(plan.edits.is_empty());
    let (reason, methods, _) = printed(&plan);
    assert!(reason.contains("no `impl CalcApi for"), "{reason}");
    assert_eq!(methods, ["greet", "count"]);
}

fn printed_reason_for(text: &str) -> String {
    let plan = stubs::plan(
        &model(TWO_RPCS),
        &[source("src/service.rs", text)],
        Mode::Edit,
    );
    assert!(plan.edits.is_empty(), "{plan:#?}");
    printed(&plan).0.to_owned()
}

#[test]
fn impls_that_cannot_be_edited_cleanly_are_left_alone_with_the_reason() {
    let one_line =
        "#[async_trait::async_trait]\nimpl CalcApi for Calc { async fn greet(&self) {} }\n";
    assert!(
        printed_reason_for(one_line).contains("shares line 2 with other code"),
        "{}",
        printed_reason_for(one_line)
    );

    let with_macro =
        "#[async_trait::async_trait]\nimpl CalcApi for Calc {\n    my_methods!();\n}\n";
    assert!(printed_reason_for(with_macro).contains("macro"));

    let mixed = "#[async_trait::async_trait]\r\nimpl CalcApi for Calc {\n}\n";
    assert!(printed_reason_for(mixed).contains("mixes CRLF and LF"));

    let not_async_trait = "impl CalcApi for Calc {\n}\n";
    assert!(printed_reason_for(not_async_trait).contains("#[async_trait]"));
}

#[test]
fn no_edit_mode_prints_and_edits_nothing() {
    let before = service_rs_of(TWO_RPCS);
    let plan = stubs::plan(
        &model(THREE_RPCS),
        &[source("src/service.rs", &before)],
        Mode::Print,
    );

    assert!(plan.edits.is_empty());
    let (reason, methods, stubs_text) = printed(&plan);
    assert!(reason.contains("src/service.rs:28:1"), "{reason}");
    assert_eq!(methods, ["farewell"]);
    assert_eq!(stubs_text, FAREWELL_STUB);
}

#[test]
fn two_traits_implemented_in_one_file_both_get_their_stubs_in_one_edit() {
    let before = service_rs_for(&model_of_services(
        "service Calc { rpc Greet(Ask) returns (Answer); }\nservice Admin { rpc Reset(Ask) returns (Answer); }",
    ));
    let plan = stubs::plan(
        &model_of_services(
            "service Calc { rpc Greet(Ask) returns (Answer); rpc Farewell(Ask) returns (Answer); }\n\
             service Admin { rpc Reset(Ask) returns (Answer); rpc Stop(Ask) returns (Answer); }",
        ),
        &[source("src/service.rs", &before)],
        Mode::Edit,
    );

    let (_, after) = only_edit(&plan);
    let outcomes: Vec<(&str, &Outcome)> = plan
        .services
        .iter()
        .map(|s| (s.trait_name.as_str(), &s.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            (
                "CalcApi",
                &Outcome::Edited {
                    path: "src/service.rs".into(),
                    added: vec!["farewell".into()]
                }
            ),
            (
                "AdminApi",
                &Outcome::Edited {
                    path: "src/service.rs".into(),
                    added: vec!["stop".into()]
                }
            ),
        ]
    );
    let farewell = after.find("async fn farewell(").unwrap();
    let admin_impl = after.find("impl AdminApi for Calc").unwrap();
    let stop = after.find("async fn stop(").unwrap();
    assert!(farewell < admin_impl && admin_impl < stop, "{after}");
    // Two insertions, nothing else: removing them gives the file back.
    let without: String = remove_between(
        &remove_between(after, "\n    async fn farewell(", "    }\n"),
        "\n    async fn stop(",
        "    }\n",
    );
    assert_eq!(without, before);
}

/// `text` without the first span that starts with `start` and ends with the first `end`
/// after it.
fn remove_between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).unwrap();
    let to = from + text[from..].find(end).unwrap() + end.len();
    format!("{}{}", &text[..from], &text[to..])
}

/// Offsets count bytes: a byte order mark and non-ASCII text before the impl do not shift
/// the insertion.
#[test]
fn a_byte_order_mark_and_non_ascii_text_do_not_shift_the_insertion() {
    let text = "\u{feff}// Grüße, Zoë — 挨拶\n#[async_trait::async_trait]\nimpl CalcApi for Calc {\n    // «greet» comes later\n}\n";
    let plan = stubs::plan(
        &model(TWO_RPCS),
        &[source("src/service.rs", text)],
        Mode::Edit,
    );

    let (_, after) = only_edit(&plan);
    let added = insertion(text, after);
    assert!(added.starts_with("\n    async fn greet(\n"), "{added}");
    assert!(after.ends_with("    }\n}\n"), "{after}");
}
