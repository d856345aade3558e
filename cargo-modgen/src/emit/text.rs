//! The text files people read or edit, rendered from the askama templates in the
//! repository's top-level `templates/` (checked at compile time). Each struct here is the
//! data one template needs, already decided by the emitters: a template only lays it out.
//! Values that need quoting pass through the filters below, which use the TOML and JSON
//! libraries, never hand-written escaping.

use askama::Template;

use super::sdk::RuntimeDep;

/// Renders a template; the templates' filters cannot fail on the data they are given.
/// askama drops a template file's final newline (as Jinja does); every file written here
/// ends with one.
pub fn render(template: &impl Template) -> String {
    let mut text = template
        .render()
        .unwrap_or_else(|error| panic!("a template failed to render: {error}"));
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// How a `Cargo.toml` names `modgen-runtime`: `{ path = "…" }` or a version requirement.
pub fn runtime_toml(runtime: &RuntimeDep) -> toml::Value {
    match runtime {
        RuntimeDep::Path(path) => {
            let mut table = toml::Table::new();
            table.insert("path".into(), toml::Value::String(path.clone()));
            toml::Value::Table(table)
        }
        RuntimeDep::Version(version) => toml::Value::String(version.clone()),
    }
}

mod filters {
    use serde::Serialize;

    /// Any serializable value as a TOML value (strings quoted and escaped by `toml`).
    #[askama::filter_fn]
    pub fn toml<T: Serialize + ?Sized>(
        value: &T,
        _: &dyn askama::Values,
    ) -> askama::Result<String> {
        super::toml_value(value).map_err(askama::Error::custom)
    }

    /// The version requirement generated crates use for a dependency, as a TOML string.
    #[askama::filter_fn]
    pub fn version(name: &str, _: &dyn askama::Values) -> askama::Result<String> {
        super::toml_value(crate::emit::deps::version(name)).map_err(askama::Error::custom)
    }

    /// A YAML scalar: plain when YAML reads it back as the same string, else quoted.
    #[askama::filter_fn]
    pub fn yaml(text: &str, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::yaml::string(text))
    }
}

/// A value in TOML's inline syntax, as the `toml` crate writes it.
pub fn toml_value<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, toml::ser::Error> {
    toml::Value::try_from(value).map(|value| value.to_string())
}

/// YAML scalars written so that a YAML 1.1 or 1.2 reader gets the model's value back.
pub mod yaml {
    /// `text` as a YAML scalar: plain when a YAML reader resolves it to the same string
    /// (`127.0.0.1:0`, `target/debug/name`), else a double-quoted string.
    pub fn string(text: &str) -> String {
        let plain_reads_back = || match yaml_serde::from_str::<yaml_serde::Value>(text) {
            Ok(yaml_serde::Value::String(read)) => read == text,
            _ => false,
        };
        let plain_chars = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@".contains(c));
        if !text.is_empty()
            && plain_chars
            && !text.ends_with(':')
            && !yaml_1_1_resolves(text)
            && plain_reads_back()
        {
            text.to_string()
        } else {
            quoted(text)
        }
    }

    /// Plain scalars a YAML 1.1 reader takes for something else though a 1.2 reader (such
    /// as yaml_serde) reads a string: `yes`/`no`/`on`/`off`/`y`/`n`, `0b101`, `1_000`,
    /// `1:20` (sexagesimal). Any run of digits, `_`, `:` and at most one `.` is treated so.
    fn yaml_1_1_resolves(text: &str) -> bool {
        let word = text.to_ascii_lowercase();
        let unsigned = text.trim_start_matches(['-', '+']);
        ["y", "n", "yes", "no", "on", "off"].contains(&word.as_str())
            || word.starts_with("0b")
            || (unsigned.starts_with(|c: char| c.is_ascii_digit())
                && unsigned
                    .chars()
                    .all(|c| c.is_ascii_digit() || "_:.".contains(c))
                && unsigned.matches('.').count() <= 1)
    }

    /// A double-quoted YAML string. JSON's string syntax is YAML's, except that YAML
    /// readers refuse unescaped non-printable characters and YAML 1.1 ones fold NEL, LS and
    /// PS as line breaks: those are escaped too.
    pub fn quoted(text: &str) -> String {
        escape_unprintable(&serde_json::Value::String(text.to_string()).to_string())
    }

    /// JSON text (any value) as YAML flow syntax: the same, with unprintable characters
    /// escaped (they can only occur inside strings, where `\uXXXX` means the same).
    pub fn from_json(json: &serde_json::Value) -> String {
        escape_unprintable(&json.to_string())
    }

    fn escape_unprintable(json: &str) -> String {
        let mut out = String::with_capacity(json.len());
        for c in json.chars() {
            if is_printable(c) {
                out.push(c);
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        out
    }

    /// YAML's printable set (`c-printable`), less the characters YAML 1.1 reads as line
    /// breaks (NEL, LS, PS) and the byte-order mark.
    fn is_printable(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
            && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
    }

    /// A comment's text cut at every character a YAML reader takes for a line break, and
    /// with unprintable characters shown as escapes, so that it stays a comment.
    pub fn comment_lines(text: &str) -> Vec<String> {
        text.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
            .map(|line| {
                line.chars()
                    .map(|c| {
                        if is_printable(c) {
                            c.to_string()
                        } else {
                            format!("\\u{{{:x}}}", c as u32)
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// `Cargo.toml` of the SDK crate (generated; the header is added by the caller).
#[derive(Template)]
#[template(path = "sdk/Cargo.toml")]
pub struct SdkManifest<'a> {
    pub crate_name: &'a str,
    pub version: &'a str,
    pub description: String,
    pub streams: bool,
    pub uses_prost_types: bool,
    pub runtime: toml::Value,
    pub tonic_features: &'a [&'a str],
}

/// One row of the SDK README's service table.
pub struct SdkService<'a> {
    pub full_name: &'a str,
    pub trait_name: &'a str,
    pub client_name: &'a str,
    pub wire_client: String,
}

/// `README.md` of the SDK crate.
#[derive(Template)]
#[template(path = "sdk/README.md")]
pub struct SdkReadme<'a> {
    pub crate_name: &'a str,
    /// The SDK's library name, as code refers to it.
    pub krate: String,
    pub module_name: &'a str,
    pub error_type: &'a str,
    pub services: &'a [SdkService<'a>],
}

/// `<name>/Cargo.toml`, the module crate's (user-owned).
#[derive(Template)]
#[template(path = "module/Cargo.toml")]
pub struct ModuleManifest<'a> {
    pub package: &'a str,
    pub version: &'a str,
    pub description: String,
    pub streams: bool,
    pub well_known: bool,
    pub runtime: toml::Value,
    pub sdk_crate: &'a str,
    pub sdk_path: String,
    pub tokio_features: &'a [&'a str],
}

/// One config key of the example YAML (and of host.yaml's `config:`), line by line.
pub struct ConfigEntry {
    pub lines: Vec<String>,
}

/// `<name>/config/<name>.example.yaml` (generated; the header is added by the caller).
#[derive(Template)]
#[template(path = "module/config.example.yaml")]
pub struct ExampleYaml<'a> {
    pub module_name: &'a str,
    pub package: &'a str,
    pub entries: Vec<ConfigEntry>,
}

/// `<name>/src/lib.rs` (user-owned).
#[derive(Template)]
#[template(path = "module/lib.rs")]
pub struct LibRs<'a> {
    pub package: &'a str,
    pub config_struct: &'a str,
    pub service_struct: &'a str,
}

/// `<name>/src/main.rs` (user-owned).
#[derive(Template)]
#[template(path = "module/main.rs")]
pub struct MainRs<'a> {
    pub module_name: &'a str,
    pub lib: &'a str,
}

/// `<name>/tests/api_surface.rs` (user-owned).
#[derive(Template)]
#[template(path = "module/api_surface.rs")]
pub struct ApiSurfaceTest<'a> {
    pub sdk_lib: &'a str,
    /// An identifier-like name, so a plain string literal holds it.
    pub snapshot_name: &'a str,
}

/// The workspace's root `Cargo.toml` (user-owned).
#[derive(Template)]
#[template(path = "workspace/Cargo.toml")]
pub struct WorkspaceManifest<'a> {
    pub members: [&'a str; 3],
}

/// The workspace host crate's `Cargo.toml` (generated: the header is added over it).
#[derive(Template)]
#[template(path = "host/Cargo.toml")]
pub struct HostManifest<'a> {
    pub package: &'a str,
    pub description: &'a str,
    pub runtime: toml::Value,
    pub members: Vec<HostDependency>,
}

/// A module crate the host crate links: its package and its path from the host crate.
pub struct HostDependency {
    pub package: String,
    pub path: String,
}

/// The workspace's `.gitignore` (user-owned).
#[derive(Template)]
#[template(path = "workspace/gitignore", escape = "none")]
pub struct GitIgnore;

/// `host.yaml` (user-owned).
#[derive(Template)]
#[template(path = "workspace/host.yaml")]
pub struct HostYaml<'a> {
    pub module_name: &'a str,
    pub package: &'a str,
    pub executable_path: String,
    pub config: Vec<ConfigEntry>,
    pub directory_listen: &'a str,
    pub directory_ttl: String,
    pub max_restarts: u32,
    pub initial_backoff: String,
}

/// The workspace's `README.md` (user-owned).
#[derive(Template)]
#[template(path = "workspace/README.md")]
pub struct WorkspaceReadme<'a> {
    pub module_name: &'a str,
    pub package: &'a str,
    pub sdk_crate: &'a str,
    pub sdk_lib: String,
    pub example_call: String,
    /// The workspace is its own (`new`), with the host crate in `host/`; else the module
    /// is part of a larger one, whose root holds it.
    pub host_crate: bool,
}

/// `modgen.toml` as `new` writes it.
#[derive(Template)]
#[template(path = "new/modgen.toml")]
pub struct NewManifest<'a> {
    pub module_name: &'a str,
    pub services: &'a [String],
    /// Relative to the workspace root (`proto/…`).
    pub proto_files: Vec<String>,
    pub sample_config: bool,
}

/// The starter proto `new` writes when the user brings none.
#[derive(Template)]
#[template(path = "new/starter.proto")]
pub struct StarterProto<'a> {
    pub module_name: &'a str,
    pub package: &'a str,
    pub camel: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_keeps_its_last_newline() {
        assert_eq!(render(&GitIgnore), "/target\n");
    }

    #[test]
    fn yaml_strings_are_plain_only_when_they_read_back_as_themselves() {
        assert_eq!(yaml::string("target/debug/calc"), "target/debug/calc");
        assert_eq!(yaml::string("127.0.0.1:0"), "127.0.0.1:0");
        for other_type in [
            "true", "no", "On", "123", "1.5", "1_000", "1:20", "0b1", "null", "~", "",
        ] {
            assert!(yaml::string(other_type).starts_with('"'), "{other_type}");
        }
        assert_eq!(yaml::string("a: b # c"), r#""a: b # c""#);
        assert_eq!(yaml::string("x\u{85}y\u{7f}"), r#""x\u0085y\u007f""#);
    }

    #[test]
    fn yaml_comments_are_cut_at_every_yaml_line_break() {
        assert_eq!(
            yaml::comment_lines("a\rkey: 1\u{2028}b\u{1}"),
            ["a", "key: 1", "b\\u{1}"]
        );
    }

    #[test]
    fn toml_values_come_from_the_toml_crate() {
        assert_eq!(toml_value("a\"b").unwrap(), r#"'a"b'"#);
        // A newline makes it a multi-line string, which reads back the same.
        let multi_line = format!("key = {}", toml_value("line\nbreak").unwrap());
        let table: toml::Table = multi_line.parse().unwrap();
        assert_eq!(table["key"].as_str(), Some("line\nbreak"), "{multi_line}");
        assert_eq!(
            runtime_toml(&RuntimeDep::Path("../runtime-min".into())).to_string(),
            r#"{ path = "../runtime-min" }"#
        );
        assert_eq!(toml_value(&["a", "b"]).unwrap(), r#"["a", "b"]"#);
    }
}
