//! The few TOML value forms the generated manifests need, written one way everywhere.

use super::RuntimeDep;

/// A TOML basic string.
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A one-line array of basic strings.
pub fn string_array(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|item| quoted(item)).collect();
    format!("[{}]", items.join(", "))
}

/// The value of a `modgen-runtime = …` dependency line.
pub fn runtime_dependency(runtime: &RuntimeDep) -> String {
    match runtime {
        RuntimeDep::Path(path) => format!("{{ path = {} }}", quoted(path)),
        RuntimeDep::Version(version) => quoted(version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_quotes_and_backslashes() {
        assert_eq!(quoted(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }

    #[test]
    fn runtime_dependency_is_a_path_table_or_a_version() {
        assert_eq!(
            runtime_dependency(&RuntimeDep::Path("../runtime-min".into())),
            r#"{ path = "../runtime-min" }"#
        );
        assert_eq!(
            runtime_dependency(&RuntimeDep::Version("0.1".into())),
            r#""0.1""#
        );
        assert_eq!(string_array(&["a", "b"]), r#"["a", "b"]"#);
    }
}
