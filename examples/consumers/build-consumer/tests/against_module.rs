//! The build-script SDK against the calculator module, over gRPC: the module's own
//! implementation and routes (from its checked-in SDK) serve a loopback port, and this
//! crate's client, generated from the same manifest by build.rs, calls it.

use std::sync::Arc;

use build_consumer::calculator_sdk::{CalculatorError, CalculatorGrpcClient};
use calculator::{Calculator, CalculatorConfig};
use modgen_runtime::testing::{LoopbackServer, serve_loopback};

async fn running_calculator() -> LoopbackServer {
    let module = Arc::new(Calculator::new(CalculatorConfig::default()));
    serve_loopback(calculator::generated::routes(module))
        .await
        .expect("bind a loopback port")
}

#[tokio::test]
async fn the_build_script_sdk_client_adds_through_the_running_module() {
    let module = running_calculator().await;
    let client = CalculatorGrpcClient::connect(&module.endpoint)
        .await
        .unwrap();
    assert_eq!(
        build_consumer::total(&client, &[40, 1, 1]).await.unwrap(),
        42
    );
}

#[tokio::test]
async fn the_modules_error_arrives_as_the_build_script_sdks_variant() {
    let module = running_calculator().await;
    let client = CalculatorGrpcClient::connect(&module.endpoint)
        .await
        .unwrap();
    let error = build_consumer::total(&client, &[i64::MAX, 1])
        .await
        .unwrap_err();
    assert!(
        matches!(error, CalculatorError::Overflow { .. }),
        "{error:?}"
    );
}
