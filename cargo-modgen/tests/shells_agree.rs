//! One generator, three entry points: for every corpus proto (and the stress and legacy
//! protos), `cargo modgen generate --out`, the build-script helper and the `sdk!` macro's
//! expansion give token-identical SDK code. Headers aside: the CLI's `@generated` lines,
//! `#![cfg_attr(rustfmt, rustfmt::skip)]` and crate doc, and the macro's hidden
//! `include_bytes!` of its inputs (how it tells cargo what to watch).
//!
//! The CLI's files are put back together the way rustc reads them (`pub mod api;` →
//! `src/api.rs`, nested `proto/**`), so a file the CLI wrote and the inline layout did not
//! hold, or any token of difference, fails the comparison.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use quote::quote;
use syn::{AttrStyle, Attribute, Item};

#[test]
fn cli_build_script_and_macro_expand_to_the_same_sdk() {
    let mut opened = Vec::new();
    for case in common::CASES {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&case.base_dir(), dir.path());
        std::fs::write(dir.path().join("modgen.toml"), case.manifest).unwrap();

        let cli = cli_sdk(dir.path(), case.name);
        let build = build_script_sdk(dir.path());
        let expanded = macro_sdk(dir.path());

        assert_eq!(
            cli, build,
            "{}: the CLI and the build helper differ",
            case.name
        );
        assert_eq!(cli, expanded, "{}: the CLI and the macro differ", case.name);
        opened.extend(
            case.model()
                .protos
                .opened_paths
                .iter()
                .map(|p| p.canonicalize().unwrap()),
        );
    }
    // Every corpus proto was part of some case, so a new one cannot go unchecked.
    for proto in protos_under(Path::new(common::CORPUS)) {
        let proto = proto.canonicalize().unwrap();
        assert!(
            opened.contains(&proto),
            "no case compiles {}",
            proto.display()
        );
    }
}

/// `cargo modgen generate --out`, its files read back as one module tree.
fn cli_sdk(dir: &Path, name: &str) -> String {
    let out = dir.join("cli-out");
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .args(["generate", "--manifest", "modgen.toml", "--out"])
        .arg(&out)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let src = out.join("src");
    let mut lib = parse_file(&src.join("lib.rs"));
    // The crate doc lives in lib.rs only (a header, like the `@generated` lines).
    lib.attrs.clear();
    inline_modules(&mut lib.items, &src);
    canonical(lib.items)
}

/// The build-script helper, writing into a scratch `OUT_DIR`.
fn build_script_sdk(dir: &Path) -> String {
    let out_dir = dir.join("build-out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let generated = modgen::build::Builder::new()
        .root(dir)
        .manifest("modgen.toml")
        .out_dir(&out_dir)
        .print_rerun_if_changed(false)
        .generate()
        .unwrap();
    canonical(parse_file(&generated.path).items)
}

/// What `modgen_macros::sdk!("modgen.toml")` expands to in a crate at `dir`.
fn macro_sdk(dir: &Path) -> String {
    let tokens = modgen::expand::sdk(quote! { "modgen.toml" }, dir);
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as items");
    let mut items = file.items;
    let tracking = items.remove(0);
    assert!(
        quote! { #tracking }.to_string().contains("include_bytes !"),
        "the expansion starts with its rebuild tracking"
    );
    canonical(items)
}

/// Replaces every `mod name;` with the file rustc would read for it, recursively.
/// `dir` is where the children of the current file live.
fn inline_modules(items: &mut [Item], dir: &Path) {
    for item in items {
        let Item::Mod(module) = item else { continue };
        let name = module.ident.to_string();
        let name = name.trim_start_matches("r#");
        match &mut module.content {
            Some((_, children)) => inline_modules(children, &dir.join(name)),
            None => {
                let (path, children_dir) = if dir.join(name).join("mod.rs").is_file() {
                    (dir.join(name).join("mod.rs"), dir.join(name))
                } else {
                    (dir.join(format!("{name}.rs")), dir.join(name))
                };
                let mut file = parse_file(&path);
                inline_modules(&mut file.items, &children_dir);
                let inner: Vec<Attribute> = file
                    .attrs
                    .into_iter()
                    .filter(|attr| !is_rustfmt_skip(attr))
                    .collect();
                module.attrs.extend(inner);
                module.content = Some((Default::default(), file.items));
                module.semi = None;
            }
        }
    }
}

fn is_rustfmt_skip(attr: &Attribute) -> bool {
    matches!(attr.style, AttrStyle::Inner(_)) && attr.path().is_ident("cfg_attr")
}

fn parse_file(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The items printed by one printer: equal exactly when the token trees are, up to how a
/// literal is spelt (`r" doc"` and `" doc"` are the same string).
fn canonical(items: Vec<Item>) -> String {
    prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: Vec::new(),
        items,
    })
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn protos_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(protos_under(&path));
        } else if path.extension().is_some_and(|e| e == "proto") {
            found.push(path);
        }
    }
    found
}
