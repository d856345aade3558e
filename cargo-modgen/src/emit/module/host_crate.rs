//! The workspace's host crate (`host/`, generated): a binary that links every module
//! crate of the workspace and runs `modgen_runtime::host::main` with each module's
//! `generated::local(<lib>::build)`. The host YAML then chooses per module: `type: local`
//! runs it inside this binary, `type: oop` as its own process. The crate is a function of
//! the workspace's module list, so `generate` rewrites it when a module is added.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;

use super::names::ModuleNames;
use crate::emit::header::{Comment, with_header};
use crate::emit::rust::{self, ident};
use crate::emit::sdk::RuntimeDep;
use crate::emit::text::{HostDependency, HostManifest, render, runtime_toml};
use crate::error::Error;
use crate::fileset::FileSet;
use crate::model::Model;

/// The host crate's directory under the workspace root.
pub const HOST_DIR: &str = "host";

/// One module of the workspace, as the host crate links it.
#[derive(Clone, Copy, Debug)]
pub struct HostMember<'a> {
    /// The directory of the module's `modgen.toml`, relative to the workspace root: empty
    /// for the module `new` made the workspace with, `<name>` for one added to it.
    pub dir: &'a Path,
    pub model: &'a Model,
}

/// The host crate's package name: the workspace's first module's, with `-host`.
fn host_package(members: &[HostMember<'_>]) -> String {
    host_package_of(members.first().map(|m| m.model.module.name.as_str()))
}

/// The host package's name from the name of the workspace's first module alone (`run` reads
/// only the manifests).
pub fn host_package_of(first_module: Option<&str>) -> String {
    format!("{}-host", first_module.unwrap_or("modgen"))
}

/// `host/Cargo.toml` and `host/src/main.rs`, paths relative to the workspace root.
/// `runtime` is how the crate depends on `modgen-runtime`, relative to `host/` (which sits
/// one level below the root, as the first module's crates do). `members` in the order the
/// host lists them (the first one names the crate).
pub fn generate_host(members: &[HostMember<'_>], runtime: &RuntimeDep) -> Result<FileSet, Error> {
    let inputs: Vec<String> = members.iter().map(|m| manifest_path(m.dir)).collect();
    let package = host_package(members);
    let manifest = render(&HostManifest {
        package: &package,
        description: "The workspace's host: runs host.yaml with the workspace's modules linked \
                      in, for `type: local`.",
        runtime: runtime_toml(runtime),
        members: members
            .iter()
            .map(|m| HostDependency {
                package: ModuleNames::of(m.model).package,
                path: format!("../{}", module_crate_dir(m).display()),
            })
            .collect(),
    });
    let main = rust::print(main_rs(members))?;
    let mut files = FileSet::new();
    files.text(
        format!("{HOST_DIR}/Cargo.toml"),
        with_header(Comment::Hash, &inputs, &manifest),
    );
    files.text(
        format!("{HOST_DIR}/src/main.rs"),
        rust::generated_file(&inputs, &main),
    );
    Ok(files)
}

/// `modgen.toml` or `<dir>/modgen.toml`, with `/` whatever the platform.
fn manifest_path(dir: &Path) -> String {
    let parts: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .chain(std::iter::once("modgen.toml".to_owned()))
        .collect();
    parts.join("/")
}

/// The module crate's directory relative to the workspace root: `<dir>/<package>`.
fn module_crate_dir(member: &HostMember<'_>) -> PathBuf {
    member.dir.join(ModuleNames::of(member.model).package)
}

fn main_rs(members: &[HostMember<'_>]) -> TokenStream {
    let locals = members.iter().map(|m| {
        let lib = ident(&ModuleNames::of(m.model).lib);
        quote! { #lib::generated::local(#lib::build) }
    });
    let names = members
        .iter()
        .map(|m| format!("`{}`", m.model.module.name))
        .collect::<Vec<_>>()
        .join(", ");
    let doc = rust::inner_doc(&format!(
        "The workspace's host: the directory and the modules of a host YAML (`--config`, \
         default `host.yaml`), with the workspace's modules ({names}) linked in. Those the \
         YAML marks `type: local` run inside this process and call each other through its \
         client hub; the others run as their own processes, as under `modgen-host`. Each \
         module's `build` is the one its own `main` runs."
    ));
    quote! {
        #doc

        use std::process::ExitCode;

        fn main() -> ExitCode {
            modgen_runtime::host::main(vec![#(#locals),*])
        }
    }
}
