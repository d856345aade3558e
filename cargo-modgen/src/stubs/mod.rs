//! Stubs for new RPCs in the user's implementation (`generate`): for each service trait,
//! find the one `impl <Trait> for <Type>` in the module crate's `src/`, and insert a stub
//! for every method it lacks before its closing `}`. Pure: texts in, a [`StubPlan`] out;
//! the shell reads and writes the files.
//!
//! Only insertions, so every other byte of the file stays as it was. When that cannot be
//! done cleanly (no impl, several, a file that does not parse, a macro among the impl's
//! items, a `}` sharing its line…) nothing is edited and the stubs are handed back as text
//! to paste, with the reason. Methods whose RPC is gone are reported, never deleted.

mod find;
mod insert;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

use crate::emit::module::stub::{Qualified, render, stub};
use crate::model::{Model, Service};
use find::{ImplSite, ParsedFile};
use insert::insert_stubs;

/// One of the user's files: its path (as the shell shows and writes it, e.g.
/// `calc/src/service.rs`; messages and edits name it so) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// What `generate` does to the user's files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StubPlan {
    /// One per service trait, in model order.
    pub services: Vec<ServiceStubs>,
    /// The new text of every file edited (after all of its services' insertions), by path.
    pub edits: Vec<FileEdit>,
    /// Methods of an impl that no RPC of its trait has any more.
    pub removed: Vec<RemovedMethod>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceStubs {
    pub trait_name: String,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The impl has every method.
    Complete,
    /// Stubs for `added` (API method names, proto order) were inserted into `path`.
    Edited { path: PathBuf, added: Vec<String> },
    /// Nothing was edited for this trait; `stubs_text` holds the missing methods to paste
    /// (4-space indented, blank-line separated), `reason` says why.
    Printed {
        reason: String,
        methods: Vec<String>,
        stubs_text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    pub path: PathBuf,
    pub new_text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovedMethod {
    pub trait_name: String,
    pub method: String,
    /// The file and line of the impl that still has it (`src/service.rs:27:1`).
    pub at: String,
}

/// How the stubs reach the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Insert them where that is clean, print the rest.
    Edit,
    /// Print them all (`--no-edit`).
    Print,
}

/// The stubs `model`'s traits need in `sources` (the module crate's `src/**.rs`, without
/// the generator's `src/generated/`).
pub fn plan(model: &Model, sources: &[SourceFile], mode: Mode) -> StubPlan {
    let traits: Vec<&str> = model
        .services
        .iter()
        .map(|s| s.trait_name.as_str())
        .collect();
    let mut texts: BTreeMap<&Path, String> = sources
        .iter()
        .map(|file| (file.path.as_path(), file.text.clone()))
        .collect();
    // Each file is parsed once, and again only after an edit: a module with many services
    // would otherwise parse every file once per service.
    let mut scans: BTreeMap<&Path, FileScan> = texts
        .iter()
        .map(|(path, text)| (*path, FileScan::of(path, text, &traits)))
        .collect();
    let mut plan = StubPlan::default();
    for service in &model.services {
        let outcome = plan_service(model, service, &mut texts, &scans, mode, &mut plan.removed);
        if let Outcome::Edited { path, .. } = &outcome {
            let (path, text) = texts
                .get_key_value(path.as_path())
                .expect("an edited file is one of the sources");
            scans.insert(path, FileScan::of(path, text, &traits));
        }
        plan.services.push(ServiceStubs {
            trait_name: service.trait_name.clone(),
            outcome,
        });
    }
    plan.edits = sources
        .iter()
        .filter(|file| texts[file.path.as_path()] != file.text)
        .map(|file| FileEdit {
            path: file.path.clone(),
            new_text: texts[file.path.as_path()].clone(),
        })
        .collect();
    plan
}
/// One trait against the files as edited so far (two traits may share a file).
fn plan_service(
    model: &Model,
    service: &Service,
    texts: &mut BTreeMap<&Path, String>,
    scans: &BTreeMap<&Path, FileScan>,
    mode: Mode,
    removed: &mut Vec<RemovedMethod>,
) -> Outcome {
    let sites: Vec<&ImplSite> = scans
        .values()
        .flat_map(|scan| scan.sites_of(&service.trait_name))
        .collect();
    for site in &sites {
        removed.extend(removed_methods(service, site));
    }
    let all: Vec<&str> = service
        .methods
        .iter()
        .map(|m| m.api_name.as_str())
        .collect();
    let missing: Vec<&str> = all
        .iter()
        .copied()
        .filter(|name| {
            sites.is_empty()
                || sites
                    .iter()
                    .any(|site| !site.methods.iter().any(|m| m == name))
        })
        .collect();
    if missing.is_empty() {
        return Outcome::Complete;
    }
    let printed = |reason: String| printed(model, service, &missing, reason);
    let site = match sites.as_slice() {
        [site] => site,
        [] => return printed(not_found_reason(&service.trait_name, scans)),
        several => {
            let places: Vec<String> = several
                .iter()
                .map(|site| site.location.to_string())
                .collect();
            return printed(format!(
                "`{}` is implemented {} times ({}), so which one serves is not clear",
                service.trait_name,
                several.len(),
                places.join(", ")
            ));
        }
    };
    if mode == Mode::Print {
        return printed(format!(
            "--no-edit: paste them into the impl at {}",
            site.location
        ));
    }
    let text = &texts[site.path.as_path()];
    match edit(model, service, site, text, &missing) {
        Ok(edited) => {
            let path = site.path.clone();
            *texts.get_mut(path.as_path()).expect("a parsed file") = edited;
            Outcome::Edited {
                path,
                added: missing.iter().map(|name| name.to_string()).collect(),
            }
        }
        Err(why) => printed(format!(
            "the impl at {} was not edited: {why}",
            site.location
        )),
    }
}

/// One parse of a file: the impls of each of the model's traits in it, or why it does not
/// parse.
struct FileScan {
    sites: BTreeMap<String, Vec<ImplSite>>,
    failure: Option<find::ParseFailure>,
}

impl FileScan {
    fn of(path: &Path, text: &str, traits: &[&str]) -> Self {
        let parsed = ParsedFile::parse(path, text);
        let sites = traits
            .iter()
            .map(|name| (name.to_string(), parsed.impls_of(name)))
            .collect();
        FileScan {
            sites,
            failure: parsed.syntax.err(),
        }
    }

    fn sites_of(&self, trait_name: &str) -> &[ImplSite] {
        self.sites.get(trait_name).map_or(&[], Vec::as_slice)
    }
}

/// The edited text, checked: it parses and its one impl now has every method.
fn edit(
    model: &Model,
    service: &Service,
    site: &ImplSite,
    text: &str,
    missing: &[&str],
) -> Result<String, String> {
    if site.has_opaque_items {
        return Err("a macro among its items may define methods that cannot be seen".to_owned());
    }
    if !site.has_async_trait {
        return Err(
            "it has no #[async_trait] attribute, which the stubs' `async fn` need".to_owned(),
        );
    }
    let edited = insert_stubs(text, site, &stub_texts(model, service, missing))?;
    let check = ParsedFile::parse(&site.path, &edited);
    if let Err(failure) = &check.syntax {
        return Err(format!(
            "internal: the edit would not parse ({}: {})",
            failure.location, failure.message
        ));
    }
    match check.impls_of(&service.trait_name).as_slice() {
        [after]
            if missing
                .iter()
                .all(|name| after.methods.iter().any(|m| m == name)) =>
        {
            Ok(edited)
        }
        _ => Err("internal: the edited impl does not hold the new methods".to_owned()),
    }
}

fn printed(model: &Model, service: &Service, missing: &[&str], reason: String) -> Outcome {
    let stubs_text = stub_texts(model, service, missing)
        .iter()
        .map(|stub| {
            stub.lines()
                .map(|line| {
                    if line.is_empty() {
                        "\n".to_owned()
                    } else {
                        format!("    {line}\n")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n");
    Outcome::Printed {
        reason,
        methods: missing.iter().map(|name| name.to_string()).collect(),
        stubs_text,
    }
}

/// The stubs of `methods` (API names) in proto order, names fully qualified.
fn stub_texts(model: &Model, service: &Service, methods: &[&str]) -> Vec<String> {
    let spelling = Qualified::new(model);
    let tokens: Vec<TokenStream> = service
        .methods
        .iter()
        .filter(|method| methods.contains(&method.api_name.as_str()))
        .map(|method| stub(service, method, &spelling))
        .collect();
    render(&tokens)
}

fn removed_methods(service: &Service, site: &ImplSite) -> Vec<RemovedMethod> {
    site.methods
        .iter()
        .filter(|name| !service.methods.iter().any(|m| &m.api_name == *name))
        .map(|name| RemovedMethod {
            trait_name: service.trait_name.clone(),
            method: name.clone(),
            at: site.location.to_string(),
        })
        .collect()
}

fn not_found_reason(trait_name: &str, scans: &BTreeMap<&Path, FileScan>) -> String {
    let broken: Vec<String> = scans
        .values()
        .filter_map(|scan| scan.failure.as_ref())
        .map(|failure| format!("{}: {}", failure.location, failure.message))
        .collect();
    if broken.is_empty() {
        format!("no `impl {trait_name} for …` block in the module's sources")
    } else {
        format!(
            "no `impl {trait_name} for …` block found, and {} does not parse, so it could not be looked for there",
            broken.join("; ")
        )
    }
}
