//! Adding a module to an existing module workspace: the edits to the workspace's own
//! files that `cargo modgen new` makes when it runs inside one. Text in, text out; the
//! CLI reads and writes.
//!
//! `Cargo.toml` is edited with `toml_edit`, so the user's formatting and comments stay.
//! `host.yaml` has no comment-keeping editor in Rust, and re-serialising would drop the
//! comments that explain it, so the new module's entry is inserted as text at the end of
//! the `modules:` block, after a check that the name is not taken.

/// Adds `members` (paths relative to the workspace root) to `[workspace].members`, keeping
/// everything else as written. Members already listed are not added twice.
pub fn add_cargo_members(
    cargo_toml: &str,
    file: &str,
    members: &[String],
) -> Result<String, String> {
    let mut document: toml_edit::DocumentMut =
        cargo_toml.parse().map_err(|error: toml_edit::TomlError| {
            format!("{file}: {}", error.to_string().trim_end())
        })?;
    let workspace = document
        .get_mut("workspace")
        .and_then(toml_edit::Item::as_table_like_mut)
        .ok_or_else(|| format!("{file}: no [workspace] table: not a workspace root"))?;
    let listed = workspace
        .entry("members")
        .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .ok_or_else(|| format!("{file}: `workspace.members` is not an array"))?;
    for member in members {
        if !listed
            .iter()
            .any(|existing| existing.as_str() == Some(member))
        {
            listed.push(member.as_str());
        }
    }
    Ok(document.to_string())
}

/// The module entries of a host YAML written by the generator: the lines under
/// `modules:`, up to the next top-level key. Each `executable_path` is rebased with
/// `rebase`, since the entry moves to a file in another directory.
pub fn module_entries(host_yaml: &str, rebase: impl Fn(&str) -> String) -> Result<String, String> {
    let lines: Vec<&str> = host_yaml.lines().collect();
    let (start, end) =
        modules_block(&lines).ok_or("the module's host.yaml has no `modules:` block")?;
    let mut out = String::new();
    for line in &lines[start + 1..end] {
        match line.split_once("executable_path: ") {
            Some((indent, path)) if indent.trim().is_empty() => {
                out.push_str(&format!(
                    "{indent}executable_path: {}\n",
                    rebase(path.trim())
                ));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    // The blank line before the next section stays with the file it is inserted into.
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

/// Inserts `entries` (lines indented under `modules:`) at the end of the `modules:`
/// block of `host_yaml`. Refuses a module name the file already has.
pub fn add_host_modules(
    host_yaml: &str,
    file: &str,
    module: &str,
    entries: &str,
) -> Result<String, String> {
    let lines: Vec<&str> = host_yaml.lines().collect();
    let (start, end) = modules_block(&lines)
        .ok_or_else(|| format!("{file}: no top-level `modules:` block to add `{module}` to"))?;
    // `modules: {}` would need rewriting; the generator never writes it, so say so.
    if lines[start].trim_end() != "modules:" {
        return Err(format!(
            "{file}:{}: `modules:` must be a block (one module per indented entry) to add `{module}`",
            start + 1
        ));
    }
    let taken = format!("  {module}:");
    if let Some(line) = lines[start + 1..end]
        .iter()
        .position(|line| line.trim_end() == taken)
    {
        return Err(format!(
            "{file}:{}: a module named `{module}` is already there",
            start + 2 + line
        ));
    }
    // The block ends at its last indented line; blank lines and comments after it
    // belong to the next section.
    let last = lines[start + 1..end]
        .iter()
        .rposition(|line| line.starts_with(' ') && !line.trim().is_empty())
        .map_or(start, |offset| start + 1 + offset);
    let mut out = String::new();
    for line in &lines[..=last] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(entries);
    for line in &lines[last + 1..] {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// `(index of the modules: line, index of the first line after its block)`.
fn modules_block(lines: &[&str]) -> Option<(usize, usize)> {
    let start = lines.iter().position(|line| line.starts_with("modules:"))?;
    let end = lines[start + 1..]
        .iter()
        .position(|line| {
            !line.starts_with(' ') && !line.starts_with('#') && !line.trim().is_empty()
        })
        .map_or(lines.len(), |offset| start + 1 + offset);
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_added_and_the_users_comments_and_layout_stay() {
        let before = "# my workspace\n[workspace]\nresolver = \"3\"\nmembers = [\"calc-sdk\", \"calc\"] # both crates\n\n[profile.dev]\ndebug = \"line-tables-only\"\n";
        let after = add_cargo_members(
            before,
            "Cargo.toml",
            &["greeter/greeter-sdk".into(), "calc".into()],
        )
        .unwrap();
        assert_eq!(
            after,
            "# my workspace\n[workspace]\nresolver = \"3\"\nmembers = [\"calc-sdk\", \"calc\", \"greeter/greeter-sdk\"] # both crates\n\n[profile.dev]\ndebug = \"line-tables-only\"\n"
        );
    }

    #[test]
    fn a_manifest_without_a_workspace_table_is_refused() {
        let error =
            add_cargo_members("[package]\nname = \"x\"\n", "/w/Cargo.toml", &[]).unwrap_err();
        assert_eq!(
            error,
            "/w/Cargo.toml: no [workspace] table: not a workspace root"
        );
    }

    const ROOT: &str = "# Runs calc.\nmodules:\n  calc:\n    runtime:\n      type: oop\n    config: {}\n\n# The directory.\ndirectory:\n  ttl: 15s\n";

    #[test]
    fn a_module_entry_goes_at_the_end_of_the_modules_block() {
        let module = "# Runs greeter.\nmodules:\n  greeter:\n    runtime:\n      execution:\n        executable_path: ../target/debug/greeter\n\nrestart:\n  max_restarts: 5\n";
        let entries = module_entries(module, |path| path.replacen("../", "", 1)).unwrap();
        assert_eq!(
            entries,
            "  greeter:\n    runtime:\n      execution:\n        executable_path: target/debug/greeter\n"
        );
        let after = add_host_modules(ROOT, "host.yaml", "greeter", &entries).unwrap();
        assert_eq!(
            after,
            "# Runs calc.\nmodules:\n  calc:\n    runtime:\n      type: oop\n    config: {}\n  greeter:\n    runtime:\n      execution:\n        executable_path: target/debug/greeter\n\n# The directory.\ndirectory:\n  ttl: 15s\n"
        );
    }

    #[test]
    fn a_taken_module_name_is_refused_with_its_line() {
        let error = add_host_modules(ROOT, "host.yaml", "calc", "  calc:\n").unwrap_err();
        assert_eq!(error, "host.yaml:3: a module named `calc` is already there");
    }
}
