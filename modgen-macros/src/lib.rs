//! modgen at compile time: the SDK of a module, expanded inline from its `modgen.toml` (or
//! from protos alone), and the generated part of a module crate. The same generator, and
//! the same code, as `cargo modgen generate` and the build-script helper
//! (`modgen::build::Builder`).
//!
//! ```ignore
//! // The SDK: API trait, types, error, client, server adapter, wiring, testing helpers.
//! pub mod calculator_sdk {
//!     modgen_macros::sdk!("../calculator/modgen.toml");
//! }
//!
//! // Without a manifest: the protos and the few options that matter.
//! pub mod greeter {
//!     modgen_macros::sdk!(
//!         proto = "proto/helloworld.proto",
//!         includes = ["proto"],
//!         module = "greeter",     // default: the first proto's file stem
//!         service = "helloworld.Greeter",
//!         trait = "Greeter",      // the API trait (default: `<Service>Api`)
//!         client = "GreeterClient",
//!         error = "GreeterError", // default: `<Module>Error`
//!     );
//! }
//!
//! // A module crate's generated part (config type, SPEC, routes, run), in place of a
//! // checked-in `src/generated/`. `sdk` is the SDK's path (default: the SDK crate).
//! pub mod generated {
//!     modgen_macros::module!(manifest = "../modgen.toml", sdk = crate::calculator_sdk);
//! }
//! ```
//!
//! Paths are relative to the calling crate's directory (`CARGO_MANIFEST_DIR`). The crate
//! depends on what the code uses: `modgen-runtime`, `tonic`, `tonic-prost`, `prost`,
//! `async-trait`, `thiserror`, `futures-core` (plus `futures-util` when an RPC streams,
//! `prost-types` for well-known types; `serde` for `module!`). It is recompiled when the
//! manifest or any proto it imports changes, and not for other files: the expansion holds
//! a hidden `include_bytes!` of each input. A problem is a `compile_error!` at the
//! argument, with the CLI's `file:line:col: message; help`.

use std::path::PathBuf;

use proc_macro::TokenStream;

/// The SDK of a module, inline: `sdk!("modgen.toml")`, or `sdk!(proto = "…", …)`.
#[proc_macro]
pub fn sdk(input: TokenStream) -> TokenStream {
    modgen::expand::sdk(input.into(), &crate_dir()).into()
}

/// A module crate's generated part, inline: `module!("modgen.toml")`, or
/// `module!(manifest = "modgen.toml", sdk = crate::sdk)` when the SDK is expanded in the
/// same crate.
#[proc_macro]
pub fn module(input: TokenStream) -> TokenStream {
    modgen::expand::module(input.into(), &crate_dir()).into()
}

/// The calling crate's directory. `MODGEN_MACROS_TEST_ROOT` replaces it for this crate's
/// own UI tests, whose crates trybuild builds under the target directory, away from
/// their fixtures.
fn crate_dir() -> PathBuf {
    std::env::var_os("MODGEN_MACROS_TEST_ROOT")
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(PathBuf::from)
        .unwrap_or_default()
}
