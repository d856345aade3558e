//! The module crate's user-owned `src/lib.rs` and `src/main.rs`: written once by `new`,
//! a few lines each, so that the user can add modules and start-up code where they expect.

use super::names::ModuleNames;
use crate::emit::text::{ApiSurfaceTest, LibRs, MainRs, render};
use crate::error::Error;
use crate::model::Model;

pub fn lib_rs(names: &ModuleNames) -> String {
    render(&LibRs {
        package: &names.package,
        config_struct: &names.config_struct,
        service_struct: &names.service_struct,
    })
}

pub fn main_rs(model: &Model, names: &ModuleNames) -> String {
    render(&MainRs {
        module_name: &model.module.name,
        lib: &names.lib,
    })
}

/// The user's API snapshot test: its file, and the name of the one snapshot it takes.
pub const API_SURFACE_TEST: &str = "tests/api_surface.rs";
const API_SURFACE_SNAPSHOT: &str = "api_surface";

/// Where insta keeps that snapshot: `<test file stem>__<snapshot name>.snap`.
pub const API_SURFACE_SNAPSHOT_FILE: &str = "tests/snapshots/api_surface__api_surface.snap";

/// The snapshot file `new` writes with the test, so a new workspace's tests pass at once;
/// insta's format: a metadata block, then the contents.
pub fn api_surface_snapshot(model: &Model, package: &str) -> Result<String, Error> {
    let surface = crate::surface::of_model(model)?;
    let sdk = crate::names::crate_ident(&model.sdk.crate_name);
    Ok(format!(
        "---\nsource: {package}/{API_SURFACE_TEST}\nexpression: \"{sdk}::testing::API_SURFACE\"\n---\n{surface}"
    ))
}

/// `tests/api_surface.rs`: the user's snapshot of the SDK's wire contract, so that a proto
/// change shows up as a reviewable diff (see `API_SURFACE` in the SDK's `testing`).
pub fn api_surface_test(model: &Model) -> String {
    render(&ApiSurfaceTest {
        sdk_lib: &crate::names::crate_ident(&model.sdk.crate_name),
        snapshot_name: API_SURFACE_SNAPSHOT,
    })
}
