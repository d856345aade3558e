//! Manifest + compiled protos → [`Model`]. Services the manifest names are resolved here;
//! name collisions are left to `check`, which sees the finished model.

use std::collections::HashMap;

use prost_types::{DescriptorProto, FileDescriptorProto, FileDescriptorSet};

use super::docs::{FileDocs, path};
use super::errors;
use super::{ErrorVariant, MessageRef, Method, Model, Module, Protos, Sdk, Service, Streaming};
use crate::docs::{self, NoLinks, ProtoLinks, links};
use crate::error::{Error, ErrorKind, Errors};
use crate::manifest::{Manifest, ServiceSelection, closest};
use crate::names;
use crate::proto::Compiled;

const WELL_KNOWN_PACKAGE: &str = "google.protobuf";

/// Builds the model. `manifest_name` is how headers name the manifest (its file name).
pub fn build(
    manifest: &Manifest,
    compiled: &Compiled,
    manifest_name: &str,
) -> Result<Model, Errors> {
    let files = &compiled.descriptor_set.file;
    let types = index_types(files);
    let mut errors = Errors::new();

    // Every service that can be selected: the manifest's own files first, then imports.
    let mut available: Vec<(&FileDescriptorProto, usize)> = Vec::new();
    for own in [true, false] {
        for file in files {
            if compiled.file_names.iter().any(|n| n == file.name()) == own
                && file.package() != WELL_KNOWN_PACKAGE
            {
                available.extend((0..file.service.len()).map(|i| (file, i)));
            }
        }
    }
    let full_name = |(file, i): &(&FileDescriptorProto, usize)| {
        qualified(file.package(), file.service[*i].name())
    };

    let selected: Vec<(&FileDescriptorProto, usize, Option<&ServiceSelection>)> =
        if manifest.services.is_empty() {
            available
                .iter()
                .filter(|(file, _)| compiled.file_names.iter().any(|n| n == file.name()))
                .map(|(file, i)| (*file, *i, None))
                .collect()
        } else {
            manifest
                .services
                .iter()
                .filter_map(|selection| {
                    let wanted = selection.name.value.trim_start_matches('.');
                    let matches: Vec<_> = available
                        .iter()
                        .filter(|candidate| {
                            let full = full_name(candidate);
                            full == wanted
                                || (!wanted.contains('.')
                                    && candidate.0.service[candidate.1].name() == wanted)
                        })
                        .collect();
                    match matches.as_slice() {
                        [(file, i)] => Some((*file, *i, Some(selection))),
                        [] => {
                            let names: Vec<String> = available.iter().map(full_name).collect();
                            let mut error = Error::new(
                                ErrorKind::ServiceNotFound,
                                format!("no service `{wanted}` in the manifest's proto files"),
                            )
                            .at(selection.name.at.clone());
                            error.help = match closest(wanted, names.iter().map(String::as_str)) {
                                Some(near) => Some(format!("did you mean `{near}`?")),
                                None if names.is_empty() => {
                                    Some("the proto files define no service".to_string())
                                }
                                None => Some(format!("available: {}", names.join(", "))),
                            };
                            errors.push(error);
                            None
                        }
                        several => {
                            let names: Vec<String> = several.iter().map(|c| full_name(c)).collect();
                            errors.push(
                                Error::new(
                                    ErrorKind::ServiceNotFound,
                                    format!("service name `{wanted}` is ambiguous"),
                                )
                                .at(selection.name.at.clone())
                                .with_help(format!("write one of: {}", names.join(", "))),
                            );
                            None
                        }
                    }
                })
                .collect()
        };
    if selected.is_empty() && errors.is_empty() {
        errors.push(
            Error::new(
                ErrorKind::ServiceNotFound,
                "the manifest's proto files define no service",
            )
            .in_file(manifest.file.clone()),
        );
    }

    let several = selected.len() > 1;
    // One index per file: looking each item's comment up by a scan over all locations
    // was quadratic on large protos.
    let mut files: HashMap<&str, FileDocs> = HashMap::new();
    for (file, _, _) in &selected {
        files
            .entry(file.name())
            .or_insert_with(|| FileDocs::of(file));
    }
    let mut services: Vec<Service> = selected
        .iter()
        .map(|(file, index, selection)| {
            service(
                &files[file.name()],
                *index,
                *selection,
                manifest,
                several,
                &types,
                &mut errors,
            )
        })
        .collect();

    to_rustdoc(&mut services, &compiled.descriptor_set);
    let mut error_variants: Vec<ErrorVariant> = manifest
        .error_variants
        .iter()
        .map(|variant| ErrorVariant {
            docs: docs::rustdoc(&variant.docs, &NoLinks),
            ..variant.clone()
        })
        .collect();
    let package = services.first().map_or("", |s| s.package.as_str());
    errors::resolve_manifest_details(
        &mut error_variants,
        package,
        &compiled.descriptor_set.file,
        &types,
    );
    error_variants.extend(errors::from_proto(
        &compiled.declared_errors,
        &compiled.descriptor_set.file,
        &types,
    ));
    let error_domain = services
        .first()
        .map(|service| service.full_name.clone())
        .unwrap_or_default();

    let mut inputs = vec![manifest_name.to_string()];
    inputs.extend(compiled.file_names.iter().cloned());
    errors.finish(Model {
        module: Module {
            name: manifest.module_name.value.clone(),
            version: manifest.version.clone(),
            config: manifest.config.clone(),
            heartbeat_interval: manifest.heartbeat_interval,
        },
        sdk: Sdk {
            crate_name: manifest.sdk_crate.clone(),
            error_type: manifest.error_type.clone(),
            error_variants,
            error_domain,
        },
        services,
        protos: Protos {
            descriptor_set: compiled.encoded(),
            inputs,
            opened_paths: compiled.opened_paths.clone(),
        },
    })
}

/// The services' and methods' proto comments as rustdoc, links resolved from a
/// top-level module of the SDK (`api.rs`, `client.rs`), where their docs are emitted.
fn to_rustdoc(services: &mut [Service], set: &FileDescriptorSet) {
    let links = ProtoLinks::new(set, services);
    let top_level = [links::TOP_LEVEL.to_string()];
    let mut converted = Vec::new();
    for service in services.iter() {
        let scope = format!(".{}", service.full_name);
        let service_docs = docs::rustdoc(&service.docs, &links.at(&scope, &top_level));
        let method_docs: Vec<Vec<String>> = service
            .methods
            .iter()
            .map(|method| {
                let scope = format!("{scope}.{}", method.proto_name);
                docs::rustdoc(&method.docs, &links.at(&scope, &top_level))
            })
            .collect();
        converted.push((service_docs, method_docs));
    }
    for (service, (service_docs, method_docs)) in services.iter_mut().zip(converted) {
        service.docs = service_docs;
        for (method, docs) in service.methods.iter_mut().zip(method_docs) {
            method.docs = docs;
        }
    }
}

fn service(
    docs: &FileDocs,
    index: usize,
    selection: Option<&ServiceSelection>,
    manifest: &Manifest,
    several: bool,
    types: &HashMap<String, MessageRef>,
    errors: &mut Errors,
) -> Service {
    let file = docs.file;
    let proto = &file.service[index];
    let rust_name = names::to_upper_camel(proto.name());
    let stem = names::service_stem(&rust_name);
    let trait_name = selection
        .and_then(|s| s.trait_name.as_ref())
        .or(if several {
            None
        } else {
            manifest.sdk_trait.as_ref()
        })
        .map(|t| t.value.clone())
        .unwrap_or_else(|| format!("{stem}Api"));
    let client_name = selection
        .and_then(|s| s.client_name.as_ref())
        .map(|c| c.value.clone())
        .unwrap_or_else(|| format!("{stem}Client"));
    let service_path = [path::FILE_SERVICE, index as i32];
    let methods = proto
        .method
        .iter()
        .enumerate()
        .map(|(m, method)| {
            let method_path = [
                path::FILE_SERVICE,
                index as i32,
                path::SERVICE_METHOD,
                m as i32,
            ];
            Method {
                proto_name: method.name().to_string(),
                api_name: names::api_method_name(method.name()),
                tonic_name: names::to_snake(method.name()),
                input: message_ref(method.input_type(), types, errors),
                output: message_ref(method.output_type(), types, errors),
                streaming: Streaming::from_flags(
                    method.client_streaming(),
                    method.server_streaming(),
                ),
                docs: docs.lines(&method_path),
                deprecated: method.options.as_ref().is_some_and(|o| o.deprecated()),
            }
        })
        .collect();
    Service {
        proto_name: proto.name().to_string(),
        package: file.package().to_string(),
        full_name: qualified(file.package(), proto.name()),
        package_module: package_module(file.package()),
        tonic_server_module: format!("{}_server", names::tonic_snake(&rust_name)),
        rust_name,
        trait_name,
        client_name,
        adapter_name: format!("{stem}Adapter"),
        item_prefix: several.then(|| names::to_snake(&stem).trim_start_matches("r#").to_string()),
        docs: docs.lines(&service_path),
        deprecated: proto.options.as_ref().is_some_and(|o| o.deprecated()),
        methods,
    }
}

/// prost's `Module::from_protobuf_package_name`.
pub fn package_module(package: &str) -> Vec<String> {
    package
        .split('.')
        .filter(|part| !part.is_empty())
        .map(names::to_snake)
        .collect()
}

fn qualified(package: &str, name: &str) -> String {
    if package.is_empty() {
        name.to_string()
    } else {
        format!("{package}.{name}")
    }
}

/// A method's input or output type as Rust names it, following tonic's rules.
fn message_ref(
    type_name: &str,
    types: &HashMap<String, MessageRef>,
    errors: &mut Errors,
) -> MessageRef {
    if let Some(well_known) = type_name.strip_prefix(".google.protobuf.") {
        return match well_known {
            "Empty" => MessageRef::Unit,
            other => MessageRef::WellKnown(other.to_string()),
        };
    }
    types.get(type_name).cloned().unwrap_or_else(|| {
        // protox resolves every type before we get here; a miss is our bug, reported
        // rather than emitted as a wrong path.
        errors.push(Error::new(
            ErrorKind::Codegen,
            format!("internal: method type `{type_name}` is not in the descriptor set"),
        ));
        MessageRef::Unit
    })
}

/// Every message in the set by its fully qualified name (`.pkg.Outer.Inner`).
fn index_types(files: &[FileDescriptorProto]) -> HashMap<String, MessageRef> {
    fn walk(
        messages: &[DescriptorProto],
        prefix: &str,
        package_module: &[String],
        parents: &[String],
        out: &mut HashMap<String, MessageRef>,
    ) {
        for message in messages {
            let full = format!("{prefix}.{}", message.name());
            out.insert(
                full.clone(),
                MessageRef::Generated {
                    package_module: package_module.to_vec(),
                    parents: parents.to_vec(),
                    name: names::to_upper_camel(message.name()),
                },
            );
            let mut nested_parents = parents.to_vec();
            nested_parents.push(names::to_snake(message.name()));
            walk(
                &message.nested_type,
                &full,
                package_module,
                &nested_parents,
                out,
            );
        }
    }
    let mut out = HashMap::new();
    for file in files {
        let prefix = if file.package().is_empty() {
            String::new()
        } else {
            format!(".{}", file.package())
        };
        walk(
            &file.message_type,
            &prefix,
            &package_module(file.package()),
            &[],
            &mut out,
        );
    }
    out
}
