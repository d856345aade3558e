//! The SDK's `Cargo.toml` and `README.md`, from `templates/sdk/`.

use super::SdkOptions;
use crate::emit::deps::TONIC_FEATURES;
use crate::emit::header::{Comment, with_header};
use crate::emit::text::{SdkManifest, SdkReadme, SdkService, render, runtime_toml};
use crate::model::{Model, Streaming};

pub fn manifest(model: &Model, options: &SdkOptions, uses_prost_types: bool) -> String {
    let text = render(&SdkManifest {
        crate_name: &model.sdk.crate_name,
        version: &model.module.version,
        description: format!(
            "SDK of the `{}` module: API trait, client, wiring and proto types.",
            model.module.name
        ),
        streams: model
            .services
            .iter()
            .flat_map(|s| &s.methods)
            .any(|m| m.streaming != Streaming::Unary),
        uses_prost_types,
        runtime: runtime_toml(&options.runtime),
        tonic_features: TONIC_FEATURES,
    });
    with_header(Comment::Hash, &model.protos.inputs, &text)
}

pub fn readme(model: &Model) -> String {
    let services: Vec<SdkService> = model
        .services
        .iter()
        .map(|service| SdkService {
            full_name: &service.full_name,
            trait_name: &service.trait_name,
            client_name: &service.client_name,
            wire_client: super::item(service, "wire_client").to_string(),
        })
        .collect();
    let text = render(&SdkReadme {
        crate_name: &model.sdk.crate_name,
        krate: crate::names::crate_ident(&model.sdk.crate_name),
        module_name: &model.module.name,
        error_type: &model.sdk.error_type,
        services: &services,
    });
    with_header(Comment::Html, &model.protos.inputs, &text)
}
