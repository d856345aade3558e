//! The macros' arguments: a manifest path, or `key = value` options.
//!
//! ```text
//! sdk!("modgen.toml")
//! sdk!(manifest = "modgen.toml")
//! sdk!(proto = "proto/calc.proto", includes = ["proto"], module = "calc",
//!      service = "calc.v1.Calc", trait = "Calc", client = "CalcClient", error = "CalcError")
//! module!("modgen.toml")
//! module!(manifest = "modgen.toml", sdk = crate::sdk)
//! ```

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token, bracketed};

use crate::error::{Error, ErrorKind, Errors, Location};
use crate::manifest::{Located, Manifest, ServiceSelection, closest};
use crate::model::Model;
use crate::{build_model, load_in, names, proto};

/// Options of `sdk!` without a manifest, in the order they are documented.
const SDK_OPTIONS: &[&str] = &[
    "manifest", "proto", "includes", "module", "service", "trait", "client", "error",
];
const MODULE_OPTIONS: &[&str] = &["manifest", "sdk"];

/// `sdk!`'s arguments, parsed.
pub struct SdkArgs {
    pub source: SdkSource,
}

/// Where the SDK comes from.
pub enum SdkSource {
    /// A `modgen.toml`, relative to the calling crate.
    Manifest(LitStr),
    /// Protos alone, with the few options a manifest would otherwise give.
    Protos(ProtoOptions),
}

#[derive(Default)]
pub struct ProtoOptions {
    pub files: Vec<LitStr>,
    pub includes: Vec<LitStr>,
    pub module: Option<LitStr>,
    pub service: Option<LitStr>,
    pub trait_name: Option<LitStr>,
    pub client: Option<LitStr>,
    pub error: Option<LitStr>,
}

/// `module!`'s arguments.
pub struct ModuleArgs {
    pub manifest: LitStr,
    /// The SDK's path from anywhere in the crate; the SDK crate when absent.
    pub sdk: Option<TokenStream>,
}

/// The file name errors give the manifest-less form's values: the option's name, so the
/// macro can point at that argument.
fn option_file(option: &str) -> String {
    format!("`{option}` option")
}

impl SdkArgs {
    /// Where errors about the inputs point: the manifest path, or the first proto.
    pub fn span(&self) -> Span {
        match &self.source {
            SdkSource::Manifest(path) => path.span(),
            SdkSource::Protos(options) => options.files[0].span(),
        }
    }

    /// The manifest's path, when there is one.
    pub fn manifest(&self) -> Option<PathBuf> {
        match &self.source {
            SdkSource::Manifest(path) => Some(PathBuf::from(path.value())),
            SdkSource::Protos(_) => None,
        }
    }

    /// Where `error` points: the option a manifest-less value came from (its made-up
    /// location then dropped), else the manifest or first proto argument.
    pub fn locate(&self, mut error: Error) -> (Span, Error) {
        if let SdkSource::Protos(options) = &self.source
            && let Some(at) = &error.location
            && let Some(option) = at
                .file
                .strip_prefix('`')
                .and_then(|f| f.strip_suffix("` option"))
        {
            let span = options
                .literal(option)
                .map_or_else(|| self.span(), LitStr::span);
            error.location = None;
            return (span, error);
        }
        (self.span(), error)
    }

    /// The checked model, every path relative to `root`.
    pub fn load(&self, root: &Path) -> Result<Model, Errors> {
        match &self.source {
            SdkSource::Manifest(path) => {
                load_in(root, Path::new(&path.value())).map(|(_, model)| model)
            }
            SdkSource::Protos(options) => options.load(root),
        }
    }
}

impl ProtoOptions {
    fn load(&self, root: &Path) -> Result<Model, Errors> {
        let files: Vec<String> = self.files.iter().map(LitStr::value).collect();
        let includes: Vec<String> = if self.includes.is_empty() {
            vec![".".to_string()]
        } else {
            self.includes.iter().map(LitStr::value).collect()
        };
        let compiled = proto::compile_in(root, &files, &includes)?;
        let located = |option: &str, value: String| Located {
            value,
            at: Location {
                file: option_file(option),
                line: 1,
                column: 1,
            },
        };
        let module = match &self.module {
            Some(module) => module.value(),
            None => default_module(&files[0]).map_err(|why| {
                Error::new(
                    ErrorKind::MacroArgument,
                    format!("`{}` gives no module name: {why}", files[0]),
                )
                .at(located("proto", String::new()).at)
                .with_help("name it: `module = \"my-module\"`")
            })?,
        };
        let mut manifest = Manifest::for_protos(
            "sdk! arguments",
            located("module", module),
            files.iter().map(|f| located("proto", f.clone())).collect(),
            includes
                .iter()
                .map(|i| located("includes", i.clone()))
                .collect(),
        );
        if let Some(error) = &self.error {
            manifest.error_type = error.value();
        }
        manifest.sdk_trait = self
            .trait_name
            .as_ref()
            .map(|t| located("trait", t.value()));
        if let Some(service) = &self.service {
            manifest.services.push(ServiceSelection {
                name: located("service", service.value()),
                trait_name: None,
                client_name: self.client.as_ref().map(|c| located("client", c.value())),
            });
        }
        build_model(&manifest, &compiled, "sdk!")
    }

    /// The literal an error about `option` points at.
    pub fn literal(&self, option: &str) -> Option<&LitStr> {
        match option {
            "module" => self.module.as_ref(),
            "service" => self.service.as_ref(),
            "trait" => self.trait_name.as_ref(),
            "client" => self.client.as_ref(),
            "error" => self.error.as_ref(),
            "includes" => self.includes.first(),
            _ => self.files.first(),
        }
    }
}

/// The first proto's file stem as a module name (`route_guide.proto` → `route_guide`),
/// when it is a valid one.
fn default_module(file: &str) -> Result<String, String> {
    let stem = Path::new(file)
        .file_stem()
        .map(|stem| stem.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    names::check_package_name(&stem).map(|()| stem)
}

impl Parse for SdkArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let path: LitStr = input.parse()?;
            input.parse::<Option<Token![,]>>()?;
            expect_end(input)?;
            return Ok(SdkArgs {
                source: SdkSource::Manifest(path),
            });
        }
        let mut manifest = None;
        let mut options = ProtoOptions::default();
        let mut first_key = None;
        while !input.is_empty() {
            let key = option_key(input, SDK_OPTIONS)?;
            first_key.get_or_insert_with(|| key.clone());
            match key.to_string().as_str() {
                "manifest" => manifest = Some(input.parse()?),
                "proto" => options.files = strings(input)?,
                "includes" => options.includes = strings(input)?,
                "module" => options.module = Some(name(input, names::check_package_name)?),
                "service" => options.service = Some(input.parse()?),
                "trait" => options.trait_name = Some(name(input, names::check_type_name)?),
                "client" => options.client = Some(name(input, names::check_type_name)?),
                "error" => options.error = Some(name(input, names::check_type_name)?),
                _ => unreachable!("option_key accepts only SDK_OPTIONS"),
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        match (manifest, options.files.is_empty()) {
            (Some(path), true) if first_key_is_only_manifest(&options) => Ok(SdkArgs {
                source: SdkSource::Manifest(path),
            }),
            (Some(path), _) => Err(syn::Error::new(
                path.span(),
                "`manifest` takes no other option: the manifest says everything else",
            )),
            (None, false) => Ok(SdkArgs {
                source: SdkSource::Protos(options),
            }),
            (None, true) => Err(syn::Error::new(
                first_key.map_or_else(Span::call_site, |k| k.span()),
                "expected a manifest path (`sdk!(\"modgen.toml\")`) or `proto = \"file.proto\"`",
            )),
        }
    }
}

fn first_key_is_only_manifest(options: &ProtoOptions) -> bool {
    options.includes.is_empty()
        && options.module.is_none()
        && options.service.is_none()
        && options.trait_name.is_none()
        && options.client.is_none()
        && options.error.is_none()
}

impl Parse for ModuleArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let manifest = input.parse()?;
            input.parse::<Option<Token![,]>>()?;
            expect_end(input)?;
            return Ok(ModuleArgs {
                manifest,
                sdk: None,
            });
        }
        let mut manifest = None;
        let mut sdk = None;
        while !input.is_empty() {
            let key = option_key(input, MODULE_OPTIONS)?;
            match key.to_string().as_str() {
                "manifest" => manifest = Some(input.parse()?),
                _ => {
                    let path: syn::Path = input.parse()?;
                    sdk = Some(quote::quote! { #path });
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let manifest = manifest.ok_or_else(|| {
            syn::Error::new(
                Span::call_site(),
                "expected a manifest path: `module!(\"modgen.toml\")`",
            )
        })?;
        Ok(ModuleArgs { manifest, sdk })
    }
}

/// `key =`, the key one of `known` (a misspelt key gets the closest as a suggestion).
fn option_key(input: ParseStream, known: &[&str]) -> syn::Result<Ident> {
    let key = Ident::parse_any(input)?;
    let text = key.to_string();
    if !known.contains(&text.as_str()) {
        let help = match closest(&text, known.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("expected one of: {}", known.join(", ")),
        };
        return Err(syn::Error::new(
            key.span(),
            format!("unknown option `{text}`; {help}"),
        ));
    }
    input.parse::<Token![=]>()?;
    Ok(key)
}

/// A string, or a bracketed list of strings.
fn strings(input: ParseStream) -> syn::Result<Vec<LitStr>> {
    if input.peek(LitStr) {
        return Ok(vec![input.parse()?]);
    }
    let content;
    bracketed!(content in input);
    let list = content.parse_terminated(<LitStr as Parse>::parse, Token![,])?;
    Ok(list.into_iter().collect())
}

/// A string that must pass `check` (a Rust type name, a package name).
fn name(input: ParseStream, check: fn(&str) -> Result<(), String>) -> syn::Result<LitStr> {
    let value: LitStr = input.parse()?;
    check(&value.value()).map_err(|why| {
        syn::Error::new(
            value.span(),
            format!("invalid name `{}`: {why}", value.value()),
        )
    })?;
    Ok(value)
}

fn expect_end(input: ParseStream) -> syn::Result<()> {
    if input.is_empty() {
        Ok(())
    } else {
        Err(input.error("expected only the manifest path; options go as `key = \"value\"`"))
    }
}
