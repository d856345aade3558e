//! Versions the module crate's `Cargo.toml` asks for, beyond the SDK's (`emit::sdk::deps`):
//! the workspace's own requirements, so a module built next to this checkout reuses its
//! compiled crates. A unit test fails when the workspace moves and these do not.

/// `(crate, version requirement)` as in the workspace's `[workspace.dependencies]`.
pub const MODULE_VERSIONS: &[(&str, &str)] = &[
    ("async-trait", "0.1"),
    ("futures-util", "0.3"),
    ("prost-types", "0.14.1"),
    ("serde", "1"),
    ("tokio", "1.47"),
    ("tokio-stream", "0.1"),
];

/// The tokio features the runtime already enables, so the module adds none of its own.
pub const TOKIO_FEATURES: &[&str] = &["macros", "rt-multi-thread", "sync", "time"];

pub fn version(name: &str) -> &'static str {
    MODULE_VERSIONS
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
        for (name, ours) in MODULE_VERSIONS {
            let theirs = match &deps[*name] {
                toml::Value::String(v) => v.clone(),
                table => table["version"].as_str().unwrap().to_string(),
            };
            assert_eq!(*ours, theirs, "version of {name}");
        }
        let tokio: Vec<&str> = deps["tokio"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        for feature in TOKIO_FEATURES {
            assert!(tokio.contains(feature), "tokio feature {feature}");
        }
    }
}
