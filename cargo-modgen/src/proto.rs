//! Compiles the manifest's proto files in-process with protox (no `protoc` anywhere).

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use prost::Message;
use prost_types::FileDescriptorSet;
use protox::file::{ChainFileResolver, GoogleFileResolver, IncludeFileResolver};

use crate::error::{Error, ErrorKind, Errors, Location};
use crate::manifest::Manifest;
use crate::proto_errors::{self, DeclaredError, OptionsResolver};

/// The compiled protos of one manifest.
pub struct Compiled {
    /// The files and all their imports, dependency order, with source info.
    pub descriptor_set: FileDescriptorSet,
    /// The names (relative to their include root) of the files the manifest lists.
    pub file_names: Vec<String>,
    /// Every file protox opened on disk, imports included.
    pub opened_paths: Vec<PathBuf>,
    /// Errors declared with `(modgen.options.v1.error)`, as written (checked later).
    pub declared_errors: Vec<DeclaredError>,
}

impl Compiled {
    pub fn encoded(&self) -> Vec<u8> {
        self.descriptor_set.encode_to_vec()
    }
}

/// Compiles `files` against the include roots `includes`: plain paths, relative to the
/// current directory or absolute, shown as given in messages. Every file must lie under
/// one of the include roots (its name there is its import name).
pub fn compile<F: AsRef<Path>, I: AsRef<Path>>(
    files: &[F],
    includes: &[I],
) -> Result<Compiled, Errors> {
    compile_in(Path::new(""), files, includes)
}

/// [`compile`] with `files` and `includes` relative to `root` (a proc-macro's
/// `CARGO_MANIFEST_DIR`, which is not the compiler's working directory); messages show
/// them relative to `root` as well.
pub fn compile_in<F: AsRef<Path>, I: AsRef<Path>>(
    root: &Path,
    files: &[F],
    includes: &[I],
) -> Result<Compiled, Errors> {
    let plain = |path: &Path| Input {
        path: path.to_path_buf(),
        written: path.display().to_string(),
        at: None,
    };
    let files: Vec<Input> = files.iter().map(|f| plain(f.as_ref())).collect();
    let includes: Vec<Input> = includes.iter().map(|i| plain(i.as_ref())).collect();
    compile_located(root, &files, &includes)
}

/// The manifest's `[proto] files` against its `includes`, both relative to `manifest_dir`
/// (the manifest's directory, itself relative to `root`). A missing file or include
/// directory is reported where the manifest names it.
pub fn compile_manifest(
    manifest: &Manifest,
    root: &Path,
    manifest_dir: &Path,
) -> Result<Compiled, Errors> {
    let located = |values: &[crate::manifest::Located<String>]| -> Vec<_> {
        values
            .iter()
            .map(|value| Input {
                path: manifest_dir.join(&value.value),
                written: value.value.clone(),
                at: Some(value.at.clone()),
            })
            .collect()
    };
    compile_located(
        root,
        &located(&manifest.proto_files),
        &located(&manifest.includes),
    )
}

/// A path to compile: where it is relative to the root, how the user wrote it, and where
/// (when it comes from a manifest).
struct Input {
    path: PathBuf,
    written: String,
    at: Option<Location>,
}

/// Checks that every input exists (reporting all that do not), then compiles. Paths are
/// as shown to the user; `root.join(path)` is where they are on disk.
fn compile_located(root: &Path, files: &[Input], includes: &[Input]) -> Result<Compiled, Errors> {
    let mut errors = Errors::new();
    let missing = |what: &str, input: &Input| {
        let error = Error::new(
            ErrorKind::ProtoNotFound,
            format!("{what} `{}` not found", input.written),
        );
        match &input.at {
            Some(at) => error.at(at.clone()),
            None => error,
        }
    };
    for include in includes {
        if !root.join(&include.path).is_dir() {
            errors.push(missing("include directory", include));
        }
    }
    for file in files {
        if !root.join(&file.path).is_file() {
            errors.push(missing("proto file", file));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let includes: Vec<(PathBuf, PathBuf)> = includes
        .iter()
        .map(|include| (include.path.clone(), root.join(&include.path)))
        .collect();
    let mut compiler = protox::Compiler::with_file_resolver(resolver(&includes));
    compiler.include_source_info(true).include_imports(true);
    for file in files {
        if let Err(e) = compiler.open_file(root.join(&file.path)) {
            let mut error = proto_error(&e, &includes);
            if error.location.is_none() && error.file.is_none() {
                error = match &file.at {
                    Some(at) => error.at(at.clone()),
                    None => error.in_file(&file.written),
                };
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
    let show = |name: &str| shown_path(name, &includes);
    Ok(Compiled {
        descriptor_set: compiler.file_descriptor_set(),
        file_names,
        opened_paths,
        declared_errors: proto_errors::declared(&compiler.descriptor_pool(), &show),
    })
}

/// The include roots in order, then modgen's options proto, then the well-known types:
/// `import "modgen/options/v1/errors.proto"` needs no setup, and a file of that name
/// under an include root still wins.
fn resolver(includes: &[(PathBuf, PathBuf)]) -> ChainFileResolver {
    let mut resolver = ChainFileResolver::new();
    for (_, root) in includes {
        resolver.add(IncludeFileResolver::new(root.clone()));
    }
    resolver.add(OptionsResolver);
    resolver.add(GoogleFileResolver::new());
    resolver
}

/// protox errors carry a miette span into the named file; render it as file:line:col with
/// the file shown as the user reaches it from the manifest (`proto/x/v1/x.proto`).
fn proto_error(error: &protox::Error, includes: &[(PathBuf, PathBuf)]) -> Error {
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

/// The file as the user reaches it: through the include root that holds it, as that root
/// is shown (`proto/x/v1/x.proto`, or `sub/proto/...` for `sub/modgen.toml`).
fn shown_path(name: &str, includes: &[(PathBuf, PathBuf)]) -> String {
    let Some((shown, _)) = includes.iter().find(|(_, root)| root.join(name).is_file()) else {
        return name.to_string();
    };
    let path: PathBuf = shown
        .join(name)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    path.display().to_string()
}
