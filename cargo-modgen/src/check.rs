//! Validates the finished model in one pass, collecting every problem, so the emitters
//! can assume unique, valid names and stay simple.

mod errors;

use std::collections::HashMap;

use crate::error::{Error, ErrorKind, Errors, Location};
use crate::manifest::Manifest;
use crate::model::Model;

/// Items every SDK defines at its root; a user-chosen name must not take them.
const SDK_ROOT_ITEMS: &[&str] = &["ApiStream", "CallContext"];

pub fn check(model: &Model, manifest: &Manifest) -> Result<(), Errors> {
    let mut errors = Errors::new();
    let manifest_file = || Error::new(ErrorKind::NameCollision, "").in_file(manifest.file.clone());

    if let (Some(sdk_trait), true) = (&manifest.sdk_trait, model.services.len() > 1) {
        errors.push(
            Error::new(
                ErrorKind::ManifestValue,
                "`[sdk] trait` names one trait, but several services are generated",
            )
            .at(sdk_trait.at.clone())
            .with_help("set `trait` on each `[[services]]` entry instead"),
        );
    }

    let mut method_errors = Errors::new();
    // Root items: name → what claimed it first.
    let mut taken: HashMap<String, String> = SDK_ROOT_ITEMS
        .iter()
        .map(|item| (item.to_string(), "an item every SDK defines".to_string()))
        .collect();
    let mut claim = |name: &str, owner: String, at: Option<Location>| {
        if let Some(first) = taken.get(name) {
            let mut error = manifest_file();
            error.message = format!("{owner} would be named `{name}`, which is already {first}");
            error.help = Some(
                "choose other names with `trait` / `client` in `[[services]]` or `[sdk] error`"
                    .to_string(),
            );
            if let Some(at) = at {
                error = error.at(at);
            }
            errors.push(error);
        } else {
            taken.insert(name.to_string(), owner);
        }
    };
    claim(&model.sdk.error_type, "the error type".to_string(), None);
    for service in &model.services {
        let selection = manifest.services.iter().find(|s| {
            let wanted = s.name.value.trim_start_matches('.');
            wanted == service.full_name || wanted == service.proto_name
        });
        let trait_at = selection
            .and_then(|s| s.trait_name.as_ref().map(|t| t.at.clone()))
            .or_else(|| selection.map(|s| s.name.at.clone()));
        let client_at = selection
            .and_then(|s| s.client_name.as_ref().map(|c| c.at.clone()))
            .or_else(|| selection.map(|s| s.name.at.clone()));
        let who = &service.full_name;
        claim(
            &service.trait_name,
            format!("the API trait of `{who}`"),
            trait_at,
        );
        claim(
            &service.client_name,
            format!("the client of `{who}`"),
            client_at,
        );
        claim(
            &service.adapter_name,
            format!("the server adapter of `{who}`"),
            None,
        );

        let mut methods: HashMap<&str, &str> = HashMap::new();
        for method in &service.methods {
            if let Some(first) = methods.insert(&method.api_name, &method.proto_name) {
                let mut error = manifest_file();
                error.message = format!(
                    "RPCs `{first}` and `{}` of `{who}` both become the Rust method `{}`",
                    method.proto_name, method.api_name
                );
                method_errors.push(error);
            }
        }
    }
    errors.extend(method_errors);
    errors::check(model, &mut errors);
    errors.finish(())
}
