//! `module!` gives a module crate its generated part (config type, `SPEC`, `routes`,
//! `run`) with no `src/generated/` checked in; here over the SDK `sdk!` expanded.

use std::sync::Arc;

use async_trait::async_trait;
use macro_consumer::calculator_sdk::proto::oop::calculator::v1::{AddRequest, AddResponse};
use macro_consumer::calculator_sdk::{
    CalculatorClient, CalculatorError, CalculatorGrpcClient, CallContext, SERVICE_NAME,
};

mod generated {
    modgen_macros::module!(
        manifest = "../../calculator/modgen.toml",
        sdk = macro_consumer::calculator_sdk,
    );
}

/// A calculator that doubles its sum, to tell it from the example's.
struct Doubling;

#[async_trait]
impl CalculatorClient for Doubling {
    async fn add(&self, _: &CallContext, r: AddRequest) -> Result<AddResponse, CalculatorError> {
        Ok(AddResponse {
            sum: 2 * (r.a + r.b),
        })
    }
}

#[test]
fn the_module_spec_names_the_manifests_module_and_service() {
    assert_eq!(generated::SPEC.name, "calculator");
    assert_eq!(generated::SPEC.service_names, &[SERVICE_NAME]);
    assert_eq!(
        generated::CalculatorConfig::default(),
        generated::CalculatorConfig {}
    );
}

#[tokio::test]
async fn the_macro_modules_routes_serve_the_implementation() {
    let server = modgen_runtime::testing::serve_loopback(generated::routes(Arc::new(Doubling)))
        .await
        .unwrap();
    let client = CalculatorGrpcClient::connect(&server.endpoint)
        .await
        .unwrap();
    assert_eq!(macro_consumer::total(&client, &[1, 2]).await.unwrap(), 8);
}
