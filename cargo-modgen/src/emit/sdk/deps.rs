//! Dependency versions written into generated `Cargo.toml`s: the same requirements as this
//! workspace's, so a generated crate built next to it reuses the same compiled crates.
//! A unit test fails when the workspace moves and these do not.

/// `modgen-runtime`'s version (this workspace's version).
pub const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `(crate, version requirement)` as in the workspace's `[workspace.dependencies]`.
pub const WORKSPACE_VERSIONS: &[(&str, &str)] = &[
    ("async-trait", "0.1"),
    ("futures-core", "0.3"),
    ("futures-util", "0.3"),
    ("prost", "0.14.1"),
    ("prost-types", "0.14.1"),
    ("thiserror", "2"),
    ("tonic", "0.14.9"),
    ("tonic-prost", "0.14.9"),
];

/// tonic features the generated code needs: `codegen` for the server stubs, `router` for
/// `Routes`, `server` for the adapter, `transport` + `channel` for the client's `Channel`.
pub const TONIC_FEATURES: &[&str] = &["channel", "codegen", "router", "server", "transport"];

pub fn version(name: &str) -> &'static str {
    WORKSPACE_VERSIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or("*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_the_workspace_manifest() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let workspace: toml::Table = toml::from_str(&text).unwrap();
        let deps = workspace["workspace"]["dependencies"].as_table().unwrap();
        for (name, ours) in WORKSPACE_VERSIONS {
            let theirs = match &deps[*name] {
                toml::Value::String(v) => v.clone(),
                table => table["version"].as_str().unwrap().to_string(),
            };
            assert_eq!(*ours, theirs, "version of {name}");
        }
        let tonic_features: Vec<&str> = deps["tonic"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        for feature in TONIC_FEATURES {
            assert!(tonic_features.contains(feature), "tonic feature {feature}");
        }
    }
}
