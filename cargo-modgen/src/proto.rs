//! Compiles the manifest's proto files in-process with protox (no `protoc` anywhere).

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use prost::Message;
use prost_types::FileDescriptorSet;

use crate::error::{Error, ErrorKind, Errors, Location};
use crate::manifest::Manifest;

/// The compiled protos of one manifest.
pub struct Compiled {
    /// The files and all their imports, dependency order, with source info.
    pub descriptor_set: FileDescriptorSet,
    /// The names (relative to their include root) of the files the manifest lists.
    pub file_names: Vec<String>,
    /// Every file protox opened on disk, imports included.
    pub opened_paths: Vec<PathBuf>,
}

impl Compiled {
    pub fn encoded(&self) -> Vec<u8> {
        self.descriptor_set.encode_to_vec()
    }
}

/// Compiles the manifest's `[proto] files` against its `includes`, both relative to
/// `base_dir` (the manifest's directory). This and reading the manifest are the only
/// places the core reads input.
pub fn compile(manifest: &Manifest, base_dir: &Path) -> Result<Compiled, Errors> {
    let mut errors = Errors::new();
    let includes: Vec<(String, PathBuf)> = manifest
        .includes
        .iter()
        .map(|include| (include.value.clone(), base_dir.join(&include.value)))
        .collect();
    for (include, (_, path)) in manifest.includes.iter().zip(&includes) {
        if !path.is_dir() {
            errors.push(
                Error::new(
                    ErrorKind::ProtoNotFound,
                    format!("include directory `{}` not found", include.value),
                )
                .at(include.at.clone()),
            );
        }
    }
    for file in &manifest.proto_files {
        if !base_dir.join(&file.value).is_file() {
            errors.push(
                Error::new(
                    ErrorKind::ProtoNotFound,
                    format!("proto file `{}` not found", file.value),
                )
                .at(file.at.clone()),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut compiler = protox::Compiler::new(includes.iter().map(|(_, path)| path))
        .map_err(|e| proto_error(&e, &includes))?;
    compiler.include_source_info(true).include_imports(true);
    for file in &manifest.proto_files {
        if let Err(e) = compiler.open_file(base_dir.join(&file.value)) {
            let mut error = proto_error(&e, &includes);
            if error.location.is_none() && error.file.is_none() {
                error = error.at(file.at.clone());
            }
            return Err(error.into());
        }
    }
    let file_names = compiler
        .files()
        .filter(|f| !f.is_import())
        .map(|f| f.name().to_string())
        .collect();
    let opened_paths = compiler
        .files()
        .filter_map(|f| f.path().map(Path::to_path_buf))
        .collect();
    Ok(Compiled {
        descriptor_set: compiler.file_descriptor_set(),
        file_names,
        opened_paths,
    })
}

/// protox errors carry a miette span into the named file; render it as file:line:col with
/// the file shown as the user reaches it from the manifest (`proto/x/v1/x.proto`).
fn proto_error(error: &protox::Error, includes: &[(String, PathBuf)]) -> Error {
    let kind = if error.is_parse() {
        ErrorKind::ProtoSyntax
    } else if error.is_file_not_found() {
        ErrorKind::ProtoNotFound
    } else {
        ErrorKind::ProtoInvalid
    };
    let mut message = error.to_string();
    if let Some(help) = error.help() {
        message = format!("{message}; {help}");
    }
    // The label's span gives the position; its text ("found here") adds nothing on one line.
    let label = error.labels().and_then(|mut labels| labels.next());
    let out = Error::new(kind, message);
    let Some(name) = error.file() else {
        return out;
    };
    let shown = shown_path(name, includes);
    let position = label.and_then(|label| {
        let source = error.source_code()?;
        let contents = source.read_span(label.inner(), 0, 0).ok()?;
        Some((contents.line() + 1, contents.column() + 1))
    });
    match position {
        Some((line, column)) => out.at(Location {
            file: shown,
            line,
            column,
        }),
        None => out.in_file(shown),
    }
}

/// The file as the user reaches it: through the include root that holds it, from where
/// the manifest was named (`proto/x/v1/x.proto`, or `sub/proto/...` for `sub/modgen.toml`).
fn shown_path(name: &str, includes: &[(String, PathBuf)]) -> String {
    let Some((_, root)) = includes.iter().find(|(_, root)| root.join(name).is_file()) else {
        return name.to_string();
    };
    let path: PathBuf = root
        .join(name)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    path.display().to_string()
}
