//! What the generated text files say parses back to what the model says, for any string:
//! quotes, backslashes, newlines, `#`, unicode, control characters, leading and trailing
//! spaces. The config defaults and docs are read back from the example YAML, host.yaml and
//! the JSON Schema with the YAML and JSON libraries; the TOML `new` and the generators
//! write (manifest, Cargo.toml) with the TOML library.

mod common;

use std::sync::OnceLock;

use modgen::model::{ConfigField, ConfigValue};
use modgen::proto::Compiled;
use modgen::scaffold::ManifestText;
use modgen::{Manifest, Model, RuntimeDep, WorkspaceOptions};
use proptest::prelude::*;

/// Arbitrary strings, and strings made of the characters that break hand-written quoting.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a#:\"'\\\\\n\r\t{}\\[\\],&*!|>%@`\u{85}\u{2028}\u{2029}\u{feff}\u{7f}\u{1}é😀-]{0,16}",
        Just(" leading and trailing ".to_string()),
        Just("true".to_string()),
        Just("123".to_string()),
        Just("null".to_string()),
    ]
}

/// The stress proto, compiled once: only the manifest changes between cases.
fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        modgen::proto::compile_in(
            std::path::Path::new(common::TEST_PROTOS),
            &["stress/v1/stress.proto"],
            &["."],
        )
        .expect("the stress proto compiles")
    })
}

/// A manifest with config fields whose defaults and docs are the given strings, written
/// with the TOML library (so the manifest itself holds them exactly).
fn model_with(text: &str, doc: &str, words: &[String], ratio: f64) -> Model {
    let mut fields = toml::Table::new();
    let mut field = |name: &str, ty: &str, default: toml::Value| {
        let mut table = toml::Table::new();
        table.insert("type".into(), ty.into());
        table.insert("default".into(), default);
        table.insert("doc".into(), doc.into());
        fields.insert(name.into(), toml::Value::Table(table));
    };
    field("text", "string", text.into());
    field(
        "words",
        "list<string>",
        toml::Value::Array(words.iter().map(|w| w.as_str().into()).collect()),
    );
    field("ratio", "f64", ratio.into());
    let mut manifest: toml::Table = r#"
        [module]
        name = "stress"
        version = "0.1.0"

        [proto]
        files = ["stress/v1/stress.proto"]
        includes = ["."]
    "#
    .parse()
    .expect("the fixed part parses");
    let mut config = toml::Table::new();
    config.insert("fields".into(), toml::Value::Table(fields));
    manifest.insert("config".into(), toml::Value::Table(config));
    let text = toml::to_string(&manifest).expect("the manifest serializes");
    let manifest = Manifest::parse(&text, "modgen.toml").expect("the manifest parses");
    modgen::build_model(&manifest, compiled(), "modgen.toml").expect("the model builds")
}

fn file(files: &modgen::FileSet, path: &str) -> String {
    let file = files
        .get(path)
        .unwrap_or_else(|| panic!("{path} generated"));
    String::from_utf8(file.contents.as_bytes().to_vec()).expect("text")
}

fn as_json(value: &ConfigValue) -> serde_json::Value {
    match value {
        ConfigValue::String(s) => serde_json::Value::from(s.as_str()),
        ConfigValue::Float(x) => serde_json::Value::from(*x),
        ConfigValue::List(items) => items.iter().map(as_json).collect(),
        other => panic!("not used here: {other:?}"),
    }
}

/// The config keys of a YAML mapping, as JSON values (YAML's data model is JSON's here).
fn yaml_config(value: &yaml_serde::Value) -> serde_json::Value {
    serde_json::to_value(value).expect("YAML config as JSON")
}

/// What a comment line shows of a doc: cut at YAML line breaks, trailing spaces dropped.
fn comment_view(docs: &[String]) -> Vec<String> {
    docs.iter()
        .flat_map(|doc| {
            doc.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn check_config(model: &Model) {
    let files = modgen::generate_workspace(model, &WorkspaceOptions::default())
        .expect("the workspace generates");
    let fields: &[ConfigField] = &model.module.config;
    let expected: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|f| (f.name.clone(), as_json(f.default.as_ref().unwrap())))
        .collect();

    let example = file(&files, "stress/config/stress.example.yaml");
    let parsed: yaml_serde::Value = yaml_serde::from_str(&example)
        .unwrap_or_else(|e| panic!("example YAML parses: {e}\n{example}"));
    assert_eq!(
        yaml_config(&parsed),
        serde_json::Value::Object(expected.clone()),
        "{example}"
    );
    // Lines of characters YAML can hold are shown verbatim; others are shown escaped
    // (their safety is the key check above: no doc opens a key).
    let shown_verbatim = |line: &String| {
        line.chars().all(|c| {
            c == ' '
                || !(c.is_control()
                    || c.is_whitespace()
                    || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}'))
        })
    };
    for line in comment_view(&fields[0].docs)
        .iter()
        .filter(|l| shown_verbatim(l))
    {
        let comment = format!("# {line}");
        let comment = comment.trim_end();
        assert!(
            example.lines().any(|l| l.starts_with(comment)),
            "{comment:?} in\n{example}"
        );
    }

    let host = file(&files, "host.yaml");
    let parsed: yaml_serde::Value =
        yaml_serde::from_str(&host).unwrap_or_else(|e| panic!("host.yaml parses: {e}\n{host}"));
    let config = &parsed["modules"]["stress"]["config"];
    assert_eq!(
        yaml_config(config),
        serde_json::Value::Object(expected.clone()),
        "{host}"
    );

    let schema = file(&files, "stress/config/stress.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&schema).expect("the schema parses");
    for field in fields {
        let property = &schema["properties"][&field.name];
        assert_eq!(property["default"], expected[&field.name], "{property}");
        assert_eq!(
            property["description"].as_str().unwrap_or(""),
            field.docs.join("\n"),
            "{property}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn config_defaults_and_docs_read_back_from_yaml_and_json(
        text in hostile_string(),
        doc in hostile_string(),
        words in prop::collection::vec(hostile_string(), 0..3),
        ratio in any::<f64>().prop_filter("JSON numbers are finite", |x| x.is_finite()),
    ) {
        check_config(&model_with(&text, &doc, &words, ratio));
    }

    #[test]
    fn the_manifest_new_writes_reads_back(
        services in prop::collection::vec(hostile_string(), 0..3),
        files in prop::collection::vec(hostile_string(), 1..3),
    ) {
        let manifest = ManifestText {
            module_name: "hostile".into(),
            proto_files: files.clone(),
            services: services.clone(),
            sample_config: true,
        };
        let text = manifest.render();
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        let strings = |value: Option<&toml::Value>| -> Vec<String> {
            value
                .and_then(toml::Value::as_array)
                .map(|items| items.iter().map(|i| i.as_str().unwrap().to_string()).collect())
                .unwrap_or_default()
        };
        prop_assert_eq!(strings(table.get("services")), services);
        let proto_files: Vec<String> = files.iter().map(|f| format!("proto/{f}")).collect();
        prop_assert_eq!(strings(table["proto"].get("files")), proto_files);
    }

    #[test]
    fn generated_cargo_manifests_read_back(runtime_path in hostile_string(), version in hostile_string()) {
        let base = common::CASES.iter().find(|c| c.name == "stress").unwrap().model();
        let mut model = base;
        model.module.version = version.clone();
        let options = WorkspaceOptions {
            runtime: RuntimeDep::Path(runtime_path.clone()),
            ..WorkspaceOptions::default()
        };
        let files = modgen::generate_workspace(&model, &options).expect("generates");
        for path in ["stress/Cargo.toml", "stress-sdk/Cargo.toml"] {
            let text = file(&files, path);
            let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{path}: {e}\n{text}"));
            prop_assert_eq!(table["package"]["version"].as_str(), Some(version.as_str()));
            prop_assert_eq!(
                table["dependencies"]["modgen-runtime"]["path"].as_str(),
                Some(runtime_path.as_str())
            );
        }
    }
}
