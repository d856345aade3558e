//! The names of the module crate's items, derived once from the model.

use crate::model::Model;
use crate::names::{crate_ident, module_camel};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleNames {
    /// Cargo package and binary name (`route-guide`), also the crate's directory.
    pub package: String,
    /// The library's Rust name (`route_guide`).
    pub lib: String,
    /// The implementation struct (`RouteGuide`).
    pub service_struct: String,
    /// The config struct (`RouteGuideConfig`).
    pub config_struct: String,
    /// The SDK library's Rust name (`route_guide_sdk`).
    pub sdk_lib: String,
}

impl ModuleNames {
    pub fn of(model: &Model) -> Self {
        let camel = module_camel(&model.module.name);
        ModuleNames {
            package: model.module.name.clone(),
            lib: crate_ident(&model.module.name),
            config_struct: format!("{camel}Config"),
            service_struct: camel,
            sdk_lib: crate_ident(&model.sdk.crate_name),
        }
    }
}
