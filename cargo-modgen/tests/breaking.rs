//! The breaking-change report: each test compiles a baseline and an edited proto with protox
//! (source info on, as `generate` stores them) and reads the report like a user would.

use modgen::breaking::{ChangeKind, CompatReport, compare};
use modgen::{ErrorKind, SemverBump};

const FILE: &str = "greeter/v1/greeter.proto";

/// The baseline most tests edit: one of each thing the report knows about.
const GREETER: &str = r#"syntax = "proto3";

package greeter.v1;

// Says hello.
service Greeter {
  rpc SayHello(HelloRequest) returns (HelloReply);
  rpc SayHellos(HelloRequest) returns (stream HelloReply);
}

message HelloRequest {
  string name = 1;
  int32 times = 2;
  repeated string tags = 3;
  oneof greeting {
    string text = 4;
    Mood mood = 5;
  }
  optional string locale = 6;
  map<string, int32> counts = 7;
  string note = 8;

  message Detail {
    string key = 1;
  }
}

message HelloReply {
  string message = 1;
  reserved 9;
  reserved "legacy";
}

enum Mood {
  MOOD_UNSPECIFIED = 0;
  MOOD_HAPPY = 1;
  MOOD_SAD = 2;
  reserved 7;
}
"#;

/// The encoded descriptor set of `files` (name relative to the include root, text).
fn descriptors(files: &[(&str, &str)]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let mut compiler = protox::Compiler::new([dir.path()]).unwrap();
    compiler.include_source_info(true).include_imports(true);
    for (name, _) in files {
        if let Err(e) = compiler.open_file(dir.path().join(name)) {
            panic!("{name}: {e}");
        }
    }
    compiler.encode_file_descriptor_set()
}

/// The report of `new` against `old`, both the one file `greeter/v1/greeter.proto`.
fn report(old: &str, new: &str) -> CompatReport {
    compare(&descriptors(&[(FILE, old)]), &descriptors(&[(FILE, new)])).unwrap()
}

/// `GREETER` with `from` replaced by `to` (which must be there, so an edit cannot silently miss).
fn edited(from: &str, to: &str) -> String {
    assert!(GREETER.contains(from), "`{from}` is not in the baseline");
    GREETER.replacen(from, to, 1)
}

/// One line per change, without the semver line.
fn lines(report: &CompatReport) -> Vec<String> {
    report.changes.iter().map(ToString::to_string).collect()
}

/// `greeter/v1/greeter.proto:line:col` of the first `needle` in `proto`, 1-based.
fn at(proto: &str, needle: &str) -> String {
    let offset = proto
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the proto"));
    let before = &proto[..offset];
    let line = before.matches('\n').count() + 1;
    let column = offset - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{FILE}:{line}:{column}")
}

// ---- nothing, or nothing that matters -------------------------------------------------

#[test]
fn identical_protos_need_no_bump() {
    let report = report(GREETER, GREETER);
    assert!(report.changes.is_empty(), "{report}");
    assert_eq!(report.bump, SemverBump::None);
    assert_eq!(
        report.to_string(),
        "SDK semver: no bump needed (no API change)"
    );
}

#[test]
fn comments_whitespace_and_options_need_no_bump() {
    let new = edited("// Says hello.", "// Says hello, politely.\n// Twice.")
        .replace(
            "  string name = 1;",
            "  // Who to greet.\n  string   name=1;",
        )
        .replace(
            "package greeter.v1;",
            "package greeter.v1;\noption java_package = \"x.y\";",
        );
    let report = report(GREETER, &new);
    assert!(report.changes.is_empty(), "{report}");
    assert_eq!(report.bump, SemverBump::None);
}

#[test]
fn a_message_moved_to_another_file_of_its_package_is_no_change() {
    let reply =
        "message HelloReply {\n  string message = 1;\n  reserved 9;\n  reserved \"legacy\";\n}\n";
    let old = descriptors(&[(FILE, GREETER)]);
    let new = descriptors(&[
        (
            FILE,
            &GREETER.replace(reply, "").replace(
                "package greeter.v1;",
                "package greeter.v1;\nimport \"greeter/v1/reply.proto\";",
            ),
        ),
        (
            "greeter/v1/reply.proto",
            &format!("syntax = \"proto3\";\npackage greeter.v1;\n{reply}"),
        ),
    ]);
    let report = compare(&old, &new).unwrap();
    assert!(report.changes.is_empty(), "{report}");
    assert_eq!(report.bump, SemverBump::None);
}

#[test]
fn a_renamed_file_is_no_change() {
    let old = descriptors(&[(FILE, GREETER)]);
    let new = descriptors(&[("greeter/greeter_v1.proto", GREETER)]);
    let report = compare(&old, &new).unwrap();
    assert!(report.changes.is_empty(), "{report}");
}

// ---- fields ---------------------------------------------------------------------------

#[test]
fn a_field_number_change_is_breaking_at_the_field() {
    let new = edited("string message = 1;", "string message = 2;");
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [format!(
            "{}: breaking: field `greeter.v1.HelloReply.message` number changed from 1 to 2 (wire)",
            at(&new, "string message = 2;")
        )]
    );
    assert_eq!(report.bump, SemverBump::Major);
}

#[test]
fn the_location_is_one_based_line_and_column_of_the_new_declaration() {
    let new = edited("string message = 1;", "string message = 2;");
    let change = &report(GREETER, &new).changes[0];
    let location = change.location.as_ref().unwrap();
    assert_eq!(
        (location.file.as_str(), location.line, location.column),
        (FILE, 29, 3)
    );
}

#[test]
fn a_field_removed_without_reserving_is_breaking_at_its_message() {
    let new = edited("  string note = 8;\n", "");
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [format!(
            "{}: breaking: field `greeter.v1.HelloRequest.note` = 8 removed and number 8 and name `note` are not reserved (wire and JSON: a later field may reuse them)",
            at(&new, "message HelloRequest")
        )]
    );
}

#[test]
fn reserving_only_the_number_still_breaks_json() {
    let new = edited("  string note = 8;\n", "  reserved 8;\n");
    let report = report(GREETER, &new);
    assert_eq!(report.changes.len(), 1, "{report}");
    assert_eq!(report.changes[0].kind, ChangeKind::FieldRemoved);
    assert!(
        report.changes[0]
            .message
            .contains("name `note` is not reserved")
    );
    assert!(report.is_breaking());
}

#[test]
fn a_field_removed_with_number_and_name_reserved_is_compatible_but_major_for_the_sdk() {
    let new = edited(
        "  string note = 8;\n",
        "  reserved 8;\n  reserved \"note\";\n",
    );
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [format!(
            "{}: compatible: field `greeter.v1.HelloRequest.note` = 8 removed, its number and name reserved (wire and JSON compatible; the SDK type loses the field)",
            at(&new, "message HelloRequest")
        )]
    );
    assert!(!report.is_breaking());
    // The generated Rust struct loses a field: code that used it stops compiling.
    assert_eq!(report.bump, SemverBump::Major);
    assert!(
        report
            .to_string()
            .ends_with("SDK semver: major bump needed (reserved removals take 1 field or enum value out of the SDK's Rust types)")
    );
}

#[test]
fn a_field_renamed_at_the_same_number_breaks_json() {
    let new = edited("string name = 1;", "string who = 1;");
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [format!(
            "{}: breaking: field `greeter.v1.HelloRequest.name` (number 1) renamed to `who` (JSON)",
            at(&new, "string who = 1;")
        )]
    );
}

#[test]
fn a_number_taken_by_another_field_is_breaking() {
    let new = edited("  string note = 8;\n", "  string remark = 8;\n");
    let renamed = report(GREETER, &new);
    // Same number, same type, another name: on the wire the same field, in JSON not.
    assert_eq!(renamed.changes.len(), 1, "{renamed}");
    assert_eq!(renamed.changes[0].kind, ChangeKind::FieldRenamed);

    let new = edited(
        "  string name = 1;\n  int32 times = 2;\n",
        "  int32 times = 1;\n",
    );
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [
            format!(
                "{}: breaking: field `greeter.v1.HelloRequest.name` = 1 removed and its number reused by `times` (wire)",
                at(&new, "int32 times = 1;")
            ),
            format!(
                "{}: breaking: field `greeter.v1.HelloRequest.times` number changed from 2 to 1 (wire)",
                at(&new, "int32 times = 1;")
            ),
        ]
    );
}

#[test]
fn a_new_field_on_a_reserved_number_or_name_is_breaking() {
    let new = edited("  reserved 9;\n", "  reserved 9;\n  string extra = 9;\n");
    let new = new.replace("  reserved 9;\n  string", "  string");
    let by_number = report(GREETER, &new);
    assert_eq!(
        lines(&by_number),
        [format!(
            "{}: breaking: field `greeter.v1.HelloReply.extra` uses number 9, reserved in the baseline (old data and peers may still use it for the removed field)",
            at(&new, "string extra = 9;")
        )]
    );

    let new = edited(
        "string message = 1;",
        "string message = 1;\n  string legacy = 3;",
    );
    let report = report(GREETER, &new);
    assert_eq!(report.changes.len(), 1, "{report}");
    assert_eq!(report.changes[0].kind, ChangeKind::FieldReusesReserved);
    assert!(report.changes[0].message.contains("uses name `legacy`"));
}

#[test]
fn a_scalar_type_change_is_breaking_at_the_field() {
    let new = edited("int32 times = 2;", "int64 times = 2;");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: field `greeter.v1.HelloRequest.times` type changed from `int32` to `int64` (wire and JSON)",
            at(&new, "int64 times = 2;")
        )]
    );
}

#[test]
fn a_message_or_enum_type_name_change_is_breaking() {
    let new = edited("Mood mood = 5;", "HelloReply mood = 5;");
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [format!(
            "{}: breaking: field `greeter.v1.HelloRequest.mood` type changed from `greeter.v1.Mood` to `greeter.v1.HelloReply` (wire and JSON)",
            at(&new, "HelloReply mood = 5;")
        )]
    );
}

#[test]
fn singular_to_repeated_and_repeated_to_map_are_breaking() {
    let new = edited("int32 times = 2;", "repeated int32 times = 2;");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: field `greeter.v1.HelloRequest.times` changed from `int32` to `repeated int32` (wire and JSON)",
            at(&new, "repeated int32 times = 2;")
        )]
    );

    let new = edited(
        "map<string, int32> counts = 7;",
        "repeated int32 counts = 7;",
    );
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: field `greeter.v1.HelloRequest.counts` changed from `map<string, int32>` to `repeated int32` (wire and JSON)",
            at(&new, "repeated int32 counts = 7;")
        )]
    );
}

#[test]
fn a_map_value_type_change_is_a_type_change() {
    let new = edited(
        "map<string, int32> counts = 7;",
        "map<string, int64> counts = 7;",
    );
    let report = report(GREETER, &new);
    assert_eq!(report.changes.len(), 1, "{report}");
    assert_eq!(report.changes[0].kind, ChangeKind::FieldTypeChanged);
    assert!(
        report.changes[0]
            .message
            .contains("from `map<string, int32>` to `map<string, int64>`")
    );
}

#[test]
fn adding_or_dropping_proto3_optional_is_breaking() {
    let new = edited("optional string locale = 6;", "string locale = 6;");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: field `greeter.v1.HelloRequest.locale` changed from `optional string` to `string` (field presence)",
            at(&new, "string locale = 6;")
        )]
    );
    let new = edited("string note = 8;", "optional string note = 8;");
    let report = report(GREETER, &new);
    assert_eq!(report.changes.len(), 1, "{report}");
    assert_eq!(report.changes[0].kind, ChangeKind::FieldCardinalityChanged);
}

#[test]
fn moving_a_field_into_or_out_of_a_oneof_is_breaking() {
    let new = edited(
        "  oneof greeting {\n    string text = 4;\n    Mood mood = 5;\n  }\n",
        "  string text = 4;\n  oneof greeting {\n    Mood mood = 5;\n    string note = 8;\n  }\n",
    )
    .replace("  string note = 8;\n\n", "\n");
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [
            format!(
                "{}: breaking: field `greeter.v1.HelloRequest.text` moved out of oneof `greeting` (wire: which fields a set clears changes)",
                at(&new, "string text = 4;")
            ),
            format!(
                "{}: breaking: field `greeter.v1.HelloRequest.note` moved into oneof `greeting` (wire: which fields a set clears changes)",
                at(&new, "string note = 8;")
            ),
        ]
    );
}

#[test]
fn a_new_field_is_additive_and_a_minor_bump() {
    let new = edited(
        "string message = 1;",
        "string message = 1;\n  int64 sent_at = 2;",
    );
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [format!(
            "{}: additive: field `greeter.v1.HelloReply.sent_at` = 2 added",
            at(&new, "int64 sent_at = 2;")
        )]
    );
    assert!(!report.is_breaking());
    assert_eq!(report.bump, SemverBump::Minor);
    assert!(
        report
            .to_string()
            .ends_with("\nSDK semver: minor bump needed (1 addition)")
    );
}

// ---- enum values ----------------------------------------------------------------------

#[test]
fn an_enum_value_removed_without_reserving_is_breaking_at_its_enum() {
    let new = edited("  MOOD_SAD = 2;\n", "");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: enum value `greeter.v1.Mood.MOOD_SAD` = 2 removed without reserving its number and name (wire and JSON: old data may carry it)",
            at(&new, "enum Mood")
        )]
    );
}

#[test]
fn an_enum_value_removed_with_number_and_name_reserved_is_compatible() {
    let new = edited(
        "  MOOD_SAD = 2;\n",
        "  reserved 2;\n  reserved \"MOOD_SAD\";\n",
    );
    let report = report(GREETER, &new);
    assert_eq!(report.changes.len(), 1, "{report}");
    assert_eq!(report.changes[0].kind, ChangeKind::EnumValueRemovedReserved);
    assert!(!report.is_breaking());
    assert_eq!(report.bump, SemverBump::Major);
}

#[test]
fn an_enum_value_renumbered_or_renamed_is_breaking() {
    let new = edited("MOOD_SAD = 2;", "MOOD_SAD = 3;");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: enum value `greeter.v1.Mood.MOOD_SAD` renumbered from 2 to 3 (wire)",
            at(&new, "MOOD_SAD = 3;")
        )]
    );
    let new = edited("MOOD_SAD = 2;", "MOOD_GLUM = 2;");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: enum value `greeter.v1.Mood.MOOD_SAD` (number 2) renamed to `MOOD_GLUM` (JSON)",
            at(&new, "MOOD_GLUM = 2;")
        )]
    );
}

#[test]
fn a_new_enum_value_is_additive_unless_its_number_was_reserved() {
    let new = edited("MOOD_SAD = 2;", "MOOD_SAD = 2;\n  MOOD_CALM = 3;");
    let report_added = report(GREETER, &new);
    assert_eq!(
        lines(&report_added),
        [format!(
            "{}: additive: enum value `greeter.v1.Mood.MOOD_CALM` = 3 added",
            at(&new, "MOOD_CALM = 3;")
        )]
    );
    assert_eq!(report_added.bump, SemverBump::Minor);

    let new = edited(
        "MOOD_SAD = 2;\n  reserved 7;",
        "MOOD_SAD = 2;\n  MOOD_CALM = 7;",
    );
    let report = report(GREETER, &new);
    assert_eq!(report.changes.len(), 1, "{report}");
    assert_eq!(report.changes[0].kind, ChangeKind::EnumValueReusesReserved);
    assert!(report.is_breaking());
}

// ---- messages, enums, services, RPCs, package ----------------------------------------

#[test]
fn a_removed_message_is_breaking_and_a_same_shape_replacement_is_named() {
    let new = edited("message HelloReply {", "message Reply {")
        .replace("returns (HelloReply)", "returns (Reply)")
        .replace("returns (stream HelloReply)", "returns (stream Reply)");
    let report = report(GREETER, &new);
    let lines = lines(&report);
    assert!(
        lines.contains(&format!(
            "{}: breaking: message `greeter.v1.HelloReply` removed (renamed to `greeter.v1.Reply`?)",
            at(&new, "package greeter.v1;")
        )),
        "{lines:#?}"
    );
    assert!(lines.contains(&format!(
        "{}: additive: message `greeter.v1.Reply` added",
        at(&new, "message Reply")
    )));
    assert_eq!(
        report
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::RpcTypeChanged)
            .count(),
        2
    );
}

#[test]
fn a_removed_nested_message_is_reported_at_its_parent() {
    let new = edited("\n  message Detail {\n    string key = 1;\n  }\n", "");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: message `greeter.v1.HelloRequest.Detail` removed",
            at(&new, "message HelloRequest")
        )]
    );
}

#[test]
fn a_removed_enum_is_breaking() {
    let new = edited("Mood mood = 5;", "int32 mood = 5;").replace(
        "enum Mood {\n  MOOD_UNSPECIFIED = 0;\n  MOOD_HAPPY = 1;\n  MOOD_SAD = 2;\n  reserved 7;\n}\n",
        "",
    );
    let report = report(GREETER, &new);
    let kinds: Vec<_> = report.changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [ChangeKind::EnumRemoved, ChangeKind::FieldTypeChanged],
        "{report}"
    );
    assert_eq!(
        report.changes[0].to_string(),
        format!(
            "{}: breaking: enum `greeter.v1.Mood` removed",
            at(&new, "package greeter.v1;")
        )
    );
}

#[test]
fn a_removed_rpc_is_breaking_at_its_service_and_a_same_signature_replacement_is_named() {
    let new = edited(
        "rpc SayHello(HelloRequest) returns (HelloReply);",
        "rpc Greet(HelloRequest) returns (HelloReply);",
    );
    assert_eq!(
        lines(&report(GREETER, &new)),
        [
            format!(
                "{}: breaking: RPC `greeter.v1.Greeter.SayHello` removed (renamed to `Greet`?) (its callers fail with UNIMPLEMENTED)",
                at(&new, "service Greeter")
            ),
            format!(
                "{}: additive: RPC `greeter.v1.Greeter.Greet` added",
                at(&new, "rpc Greet")
            ),
        ]
    );
}

#[test]
fn a_removed_service_is_breaking() {
    let new = edited("service Greeter {", "service Welcomer {");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [
            format!(
                "{}: breaking: service `greeter.v1.Greeter` removed (renamed to `greeter.v1.Welcomer`?) (its clients fail with UNIMPLEMENTED)",
                at(&new, "package greeter.v1;")
            ),
            format!(
                "{}: additive: service `greeter.v1.Welcomer` added",
                at(&new, "service Welcomer")
            ),
        ]
    );
}

#[test]
fn an_rpc_request_or_response_type_change_is_breaking() {
    let new = edited(
        "rpc SayHello(HelloRequest) returns (HelloReply);",
        "rpc SayHello(HelloReply) returns (HelloRequest);",
    );
    let rpc = at(&new, "rpc SayHello");
    assert_eq!(
        lines(&report(GREETER, &new)),
        [
            format!(
                "{rpc}: breaking: RPC `greeter.v1.Greeter.SayHello` request type changed from `greeter.v1.HelloRequest` to `greeter.v1.HelloReply` (wire)"
            ),
            format!(
                "{rpc}: breaking: RPC `greeter.v1.Greeter.SayHello` response type changed from `greeter.v1.HelloReply` to `greeter.v1.HelloRequest` (wire)"
            ),
        ]
    );
}

#[test]
fn an_rpc_streaming_kind_change_is_breaking() {
    let new = edited(
        "rpc SayHellos(HelloRequest) returns (stream HelloReply);",
        "rpc SayHellos(stream HelloRequest) returns (stream HelloReply);",
    );
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: RPC `greeter.v1.Greeter.SayHellos` changed from server streaming to bidirectional streaming (wire)",
            at(&new, "rpc SayHellos")
        )]
    );
}

#[test]
fn new_messages_enums_services_and_rpcs_are_additive() {
    let new = format!(
        "{}\nmessage Farewell {{\n  string text = 1;\n}}\n\nenum Tone {{\n  TONE_UNSPECIFIED = 0;\n}}\n\nservice Parting {{\n  rpc Bye(Farewell) returns (Farewell);\n}}\n",
        edited(
            "rpc SayHello(HelloRequest) returns (HelloReply);",
            "rpc SayHello(HelloRequest) returns (HelloReply);\n  rpc Wave(HelloRequest) returns (HelloReply);",
        )
    );
    let report = report(GREETER, &new);
    let kinds: Vec<_> = report.changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::RpcAdded,
            ChangeKind::MessageAdded,
            ChangeKind::EnumAdded,
            ChangeKind::ServiceAdded
        ],
        "{report}"
    );
    assert!(!report.is_breaking());
    assert_eq!(report.breaking().count(), 0);
    assert_eq!(report.bump, SemverBump::Minor);
    assert!(
        report
            .to_string()
            .ends_with("\nSDK semver: minor bump needed (4 additions)")
    );
}

#[test]
fn importing_a_well_known_type_adds_only_what_the_module_declares() {
    let new = edited(
        "package greeter.v1;",
        "package greeter.v1;\nimport \"google/protobuf/empty.proto\";",
    )
    .replace(
        "rpc SayHello(",
        "rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty);\n  rpc SayHello(",
    );
    let report = report(GREETER, &new);
    assert_eq!(
        lines(&report),
        [format!(
            "{}: additive: RPC `greeter.v1.Greeter.Ping` added",
            at(&new, "rpc Ping")
        )]
    );
}

#[test]
fn a_package_change_is_breaking_at_the_package_statement() {
    let new = GREETER.replace("greeter.v1", "greeter.v2");
    let report = report(GREETER, &new);
    assert_eq!(
        report.changes[0].to_string(),
        format!(
            "{}: breaking: file `greeter/v1/greeter.proto` changed its package from `greeter.v1` to `greeter.v2`, so every type in it changed its full name",
            at(&new, "package greeter.v2;")
        )
    );
    // Every type is a removal (with its likely new name) and an addition.
    let removed_service = report
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::ServiceRemoved)
        .unwrap();
    assert!(
        removed_service
            .message
            .contains("renamed to `greeter.v2.Greeter`?"),
        "{report}"
    );
    assert_eq!(report.bump, SemverBump::Major);
}

// ---- the report as a whole ------------------------------------------------------------

#[test]
fn the_report_lists_changes_in_file_order_and_ends_with_the_bump() {
    let new = edited("string name = 1;", "string who = 1;")
        .replace("MOOD_SAD = 2;", "MOOD_SAD = 2;\n  MOOD_CALM = 3;");
    let text = report(GREETER, &new).to_string();
    assert_eq!(
        text,
        format!(
            "{}: breaking: field `greeter.v1.HelloRequest.name` (number 1) renamed to `who` (JSON)\n\
             {}: additive: enum value `greeter.v1.Mood.MOOD_CALM` = 3 added\n\
             SDK semver: major bump needed (1 breaking change)",
            at(&new, "string who"),
            at(&new, "MOOD_CALM")
        )
    );
}

#[test]
fn map_files_shows_locations_from_the_manifest() {
    let new = edited("string message = 1;", "string message = 2;");
    let report = report(GREETER, &new).map_files(|name| format!("proto/{name}"));
    assert!(
        report.changes[0]
            .to_string()
            .starts_with("proto/greeter/v1/greeter.proto:29:3: breaking:")
    );
}

#[test]
fn a_baseline_that_does_not_decode_is_an_error() {
    let error = compare(
        b"\xff\xff not a descriptor set",
        &descriptors(&[(FILE, GREETER)]),
    )
    .unwrap_err();
    assert_eq!(error.kind, ErrorKind::DescriptorSetInvalid);
    assert!(
        error
            .message
            .starts_with("the baseline descriptor set does not decode"),
        "{error}"
    );
}

// ---- the corpus -----------------------------------------------------------------------

const ROUTE_GUIDE: &str = include_str!("../../../shared/corpus/grpc/examples/route_guide.proto");

#[test]
fn route_guide_against_itself_needs_no_bump() {
    let set = descriptors(&[("route_guide.proto", ROUTE_GUIDE)]);
    let report = compare(&set, &set).unwrap();
    assert!(report.changes.is_empty(), "{report}");
    assert_eq!(report.bump, SemverBump::None);
}

#[test]
fn route_guide_edited_reports_each_edit_where_it_is() {
    let new = ROUTE_GUIDE
        .replacen("int32 latitude = 1;", "int64 latitude = 1;", 1)
        .replacen(
            "rpc RecordRoute(stream Point) returns (RouteSummary) {}",
            "rpc RecordRoute(Point) returns (RouteSummary) {}",
            1,
        )
        .replacen(
            "  int32 elapsed_time = 4;\n",
            "  int32 elapsed_time = 4;\n\n  // How many notes were sent.\n  int32 note_count = 5;\n",
            1,
        );
    assert_ne!(new, ROUTE_GUIDE);
    let report = compare(
        &descriptors(&[("route_guide.proto", ROUTE_GUIDE)]),
        &descriptors(&[("route_guide.proto", &new)]),
    )
    .unwrap();
    let located = |needle: &str| at(&new, needle).replacen(FILE, "route_guide.proto", 1);
    assert_eq!(
        lines(&report),
        [
            format!(
                "{}: breaking: RPC `routeguide.RouteGuide.RecordRoute` changed from client streaming to unary (wire)",
                located("rpc RecordRoute")
            ),
            format!(
                "{}: breaking: field `routeguide.Point.latitude` type changed from `int32` to `int64` (wire and JSON)",
                located("int64 latitude")
            ),
            format!(
                "{}: additive: field `routeguide.RouteSummary.note_count` = 5 added",
                located("int32 note_count")
            ),
        ]
    );
    assert_eq!(report.bump, SemverBump::Major);
}

#[test]
fn a_changed_json_name_breaks_json() {
    let new = edited(
        "string message = 1;",
        "string message = 1 [json_name = \"text\"];",
    );
    assert_eq!(
        lines(&report(GREETER, &new)),
        [format!(
            "{}: breaking: field `greeter.v1.HelloReply.message` JSON name changed from `message` to `text` (JSON)",
            at(&new, "string message = 1")
        )]
    );
}
