//! Dependency versions written into generated `Cargo.toml`s (SDK and module crates): the
//! same requirements as this workspace's, so a generated crate built next to it reuses the
//! same compiled crates. A unit test fails when the workspace moves and these do not.

/// `modgen-runtime`'s version (this workspace's version).
pub const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `(crate, version requirement)` as in the workspace's `[workspace.dependencies]`.
pub const WORKSPACE_VERSIONS: &[(&str, &str)] = &[
    ("async-trait", "0.1"),
    ("futures-core", "0.3"),
    ("futures-util", "0.3"),
    ("insta", "1.43"),
    ("prost", "0.14.1"),
    ("prost-types", "0.14.1"),
    ("serde", "1"),
    ("thiserror", "2"),
    ("tokio", "1.47"),
    ("tokio-stream", "0.1"),
    ("tonic", "0.14.9"),
    ("tonic-prost", "0.14.9"),
];

/// tonic features the generated code needs: `codegen` for the server stubs, `router` for
/// `Routes`, `server` for the adapter, `transport` + `channel` for the client's `Channel`.
#[cfg_attr(not(feature = "files"), allow(dead_code))]
pub const TONIC_FEATURES: &[&str] = &["channel", "codegen", "router", "server", "transport"];

/// The tokio features the runtime already enables, so the module adds none of its own.
#[cfg_attr(not(feature = "files"), allow(dead_code))]
pub const TOKIO_FEATURES: &[&str] = &["macros", "rt-multi-thread", "sync", "time"];

#[cfg_attr(not(feature = "files"), allow(dead_code))]
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

    fn workspace_dependencies() -> toml::Table {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let workspace: toml::Table = toml::from_str(&text).unwrap();
        workspace["workspace"]["dependencies"]
            .as_table()
            .unwrap()
            .clone()
    }

    fn features(deps: &toml::Table, name: &str) -> Vec<String> {
        deps[name]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn versions_match_the_workspace_manifest() {
        let deps = workspace_dependencies();
        for (name, ours) in WORKSPACE_VERSIONS {
            let theirs = match &deps[*name] {
                toml::Value::String(v) => v.clone(),
                table => table["version"].as_str().unwrap().to_string(),
            };
            assert_eq!(*ours, theirs, "version of {name}");
        }
    }

    #[test]
    fn features_are_ones_the_workspace_enables() {
        let deps = workspace_dependencies();
        let tonic = features(&deps, "tonic");
        for feature in TONIC_FEATURES {
            assert!(
                tonic.iter().any(|f| f == feature),
                "tonic feature {feature}"
            );
        }
        let tokio = features(&deps, "tokio");
        for feature in TOKIO_FEATURES {
            assert!(
                tokio.iter().any(|f| f == feature),
                "tokio feature {feature}"
            );
        }
    }
}
