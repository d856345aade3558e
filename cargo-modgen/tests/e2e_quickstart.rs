//! The README's quickstart, for real: `cargo modgen new` from a corpus proto, an
//! implementation written into the user-owned file, `cargo modgen run` (build, host,
//! directory, the module out of process), `cargo modgen call`, a call through the
//! generated SDK client, then SIGTERM: the module deregisters and everything exits 0;
//! then the same module as `type: local`, inside the workspace's host binary.
//!
//! Slow (it builds the generated workspace; the dependencies come from the shared target
//! directory), so it runs the whole story once per proto rather than once per assertion.

mod common;

use common::CORPUS;
use common::running::{
    Running, cargo_with_env, json, modgen, modgen_ok, share_lockfile, stderr, stdout,
};

#[test]
fn calculator_from_the_corpus_proto_runs_out_of_process_and_answers() {
    let temp = tempfile::tempdir().unwrap();
    let workspace = temp.path().join("calculator");
    let proto = format!("{CORPUS}/hyperspot/oop/calculator/v1/accum.proto");
    let include = format!("{CORPUS}/hyperspot");
    modgen_ok(
        temp.path(),
        &[
            "new",
            "calculator",
            "--proto",
            &proto,
            "--include",
            &include,
        ],
    );
    std::fs::write(
        workspace.join("calculator/src/service.rs"),
        CALCULATOR_IMPLEMENTATION,
    )
    .unwrap();
    std::fs::create_dir_all(workspace.join("calculator/examples")).unwrap();
    std::fs::write(
        workspace.join("calculator/examples/sdk_client.rs"),
        CALCULATOR_SDK_CLIENT,
    )
    .unwrap();
    share_lockfile(&workspace);

    let mut run = Running::start(&workspace);
    let directory = run.wait_for_directory();
    run.wait_for_line("[calculator] modgen: listening on ");

    let sum = modgen_ok(
        &workspace,
        &[
            "call",
            "oop.calculator.v1.CalculatorService/Add",
            r#"{"a": 40, "b": 2}"#,
        ],
    );
    assert_eq!(json(&sum)["sum"], "42", "{sum}");

    let overflow = modgen(
        &workspace,
        &[
            "call",
            "oop.calculator.v1.CalculatorService/Add",
            &format!(r#"{{"a": "{}", "b": "1"}}"#, i64::MAX),
        ],
    );
    assert!(!overflow.status.success());
    assert_eq!(
        stderr(&overflow).trim(),
        "error: INVALID_ARGUMENT (3): 9223372036854775807 + 1 overflows i64"
    );

    // The one live service ending with `CalculatorService`, found through the directory.
    let short_name = modgen_ok(
        &workspace,
        &["call", "CalculatorService/Add", r#"{"a": 1, "b": 1}"#],
    );
    assert_eq!(json(&short_name)["sum"], "2", "{short_name}");

    // A program outside the host calls as the host's operator, with the credential
    // only this user can read.
    let operator = modgen_runtime::identity::run_dir::operator_credential(&directory);
    let from_sdk = cargo_with_env(
        &workspace,
        &[
            "run",
            "--quiet",
            "-p",
            "calculator",
            "--example",
            "sdk_client",
            "--",
            &directory,
        ],
        &[(
            modgen_contract::env::IDENTITY_CREDENTIAL_FILE,
            operator.as_os_str(),
        )],
    );
    assert!(from_sdk.status.success(), "{}", stderr(&from_sdk));
    assert_eq!(stdout(&from_sdk).trim(), "sum=7 overflow=InvalidArgument");

    let (status, output) = run.terminate();
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(
        output.contains("[calculator] ") && output.contains("deregistered from the directory"),
        "{output}"
    );

    // The same module inside the workspace's host binary: one word of host.yaml changed,
    // no code, and `run` builds and runs `host/`.
    let host_yaml = workspace.join("host.yaml");
    let yaml = std::fs::read_to_string(&host_yaml).unwrap();
    assert!(yaml.contains("      type: oop\n"), "{yaml}");
    std::fs::write(
        &host_yaml,
        yaml.replace("      type: oop\n", "      type: local\n"),
    )
    .unwrap();
    let mut run = Running::start(&workspace);
    let directory = run.wait_for_directory();
    run.wait_for_line("modgen-host: local module 'calculator' serving on ");
    let sum = modgen_ok(
        &workspace,
        &[
            "call",
            "--directory",
            &directory,
            "oop.calculator.v1.CalculatorService/Add",
            r#"{"a": 40, "b": 2}"#,
        ],
    );
    assert_eq!(json(&sum)["sum"], "42", "{sum}");
    let (status, output) = run.terminate();
    assert_eq!(status.code(), Some(0), "{output}");
}

#[test]
fn route_guide_from_the_corpus_proto_streams_through_call() {
    let temp = tempfile::tempdir().unwrap();
    let workspace = temp.path().join("routeguide");
    let proto = format!("{CORPUS}/grpc/examples/route_guide.proto");
    let include = format!("{CORPUS}/grpc");
    modgen_ok(
        temp.path(),
        &[
            "new",
            "routeguide",
            "--proto",
            &proto,
            "--include",
            &include,
        ],
    );
    std::fs::write(
        workspace.join("routeguide/src/service.rs"),
        ROUTE_GUIDE_IMPLEMENTATION,
    )
    .unwrap();
    share_lockfile(&workspace);

    let mut run = Running::start(&workspace);
    run.wait_for_directory();
    run.wait_for_line("[routeguide] modgen: listening on ");

    let feature = modgen_ok(
        &workspace,
        &[
            "call",
            "routeguide.RouteGuide/GetFeature",
            r#"{"latitude": 2, "longitude": 3}"#,
        ],
    );
    assert_eq!(json(&feature)["name"], "feature at 2,3", "{feature}");

    let listed = modgen_ok(
        &workspace,
        &[
            "call",
            "routeguide.RouteGuide/ListFeatures",
            r#"{"lo": {"latitude": 0, "longitude": 0}, "hi": {"latitude": 1, "longitude": 2}}"#,
        ],
    );
    let names: Vec<String> = serde_json::Deserializer::from_str(&listed)
        .into_iter::<serde_json::Value>()
        .map(|value| value.unwrap()["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "feature at 0,0",
            "feature at 0,1",
            "feature at 0,2",
            "feature at 1,0",
            "feature at 1,1",
            "feature at 1,2"
        ]
    );

    let summary = modgen_ok(
        &workspace,
        &[
            "call",
            "routeguide.RouteGuide/RecordRoute",
            r#"[{"latitude": 1, "longitude": 1}, {"latitude": 5, "longitude": 5}]"#,
        ],
    );
    assert_eq!(json(&summary)["pointCount"], 2, "{summary}");

    // The implementation echoes the request stream, so each note comes back in order.
    let chat = modgen_ok(
        &workspace,
        &[
            "call",
            "routeguide.RouteGuide/RouteChat",
            r#"[{"message": "first"}, {"message": "second"}]"#,
        ],
    );
    let messages: Vec<String> = serde_json::Deserializer::from_str(&chat)
        .into_iter::<serde_json::Value>()
        .map(|value| value.unwrap()["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(messages, ["first", "second"]);

    let (status, output) = run.terminate();
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(
        output.contains("deregistered from the directory"),
        "{output}"
    );
}

const CALCULATOR_IMPLEMENTATION: &str = r#"
use async_trait::async_trait;
use calculator_sdk::proto::oop::calculator::v1::{AddRequest, AddResponse};
use calculator_sdk::{CalculatorApi, CalculatorError, CallContext};

use crate::generated::CalculatorConfig;

pub struct Calculator;

impl Calculator {
    pub fn new(_config: CalculatorConfig) -> Self {
        Calculator
    }
}

#[async_trait]
impl CalculatorApi for Calculator {
    async fn add(&self, _ctx: &CallContext, request: AddRequest) -> Result<AddResponse, CalculatorError> {
        let sum = request.a.checked_add(request.b).ok_or_else(|| {
            CalculatorError::InvalidArgument(format!("{} + {} overflows i64", request.a, request.b))
        })?;
        Ok(AddResponse { sum })
    }
}
"#;

const CALCULATOR_SDK_CLIENT: &str = r#"
use std::sync::Arc;

use calculator_sdk::proto::oop::calculator::v1::AddRequest;
use calculator_sdk::{CalculatorError, CallContext, wire_client};
use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::hub::ClientHub;

#[tokio::main]
async fn main() {
    let directory = std::env::args().nth(1).expect("directory endpoint");
    let directory = DirectoryClient::connect(&directory).await.expect("directory");
    let calculator = wire_client(&ClientHub::new(), Arc::new(directory)).await.expect("wired");
    let ctx = CallContext::new().with_caller("sdk_client");
    let sum = calculator.add(&ctx, AddRequest { a: 3, b: 4 }).await.expect("add").sum;
    let overflow = match calculator.add(&ctx, AddRequest { a: i64::MAX, b: 1 }).await {
        Err(CalculatorError::InvalidArgument(_)) => "InvalidArgument",
        other => panic!("expected InvalidArgument, got {other:?}"),
    };
    println!("sum={sum} overflow={overflow}");
}
"#;

const ROUTE_GUIDE_IMPLEMENTATION: &str = r#"
use async_trait::async_trait;
use futures_util::StreamExt;
use routeguide_sdk::proto::routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};
use routeguide_sdk::{ApiStream, CallContext, RouteGuideApi, RouteguideError};

use crate::generated::RouteguideConfig;

pub struct Routeguide;

impl Routeguide {
    pub fn new(_config: RouteguideConfig) -> Self {
        Routeguide
    }
}

fn feature_at(point: Point) -> Feature {
    Feature {
        name: format!("feature at {},{}", point.latitude, point.longitude),
        location: Some(point),
    }
}

#[async_trait]
impl RouteGuideApi for Routeguide {
    async fn get_feature(&self, _ctx: &CallContext, request: Point) -> Result<Feature, RouteguideError> {
        Ok(feature_at(request))
    }

    async fn list_features(
        &self,
        _ctx: &CallContext,
        request: Rectangle,
    ) -> Result<ApiStream<Feature>, RouteguideError> {
        let (lo, hi) = (request.lo.unwrap_or_default(), request.hi.unwrap_or_default());
        let mut features = Vec::new();
        for latitude in lo.latitude..=hi.latitude {
            for longitude in lo.longitude..=hi.longitude {
                features.push(Ok(feature_at(Point { latitude, longitude })));
            }
        }
        Ok(Box::pin(futures_util::stream::iter(features)))
    }

    async fn record_route(
        &self,
        _ctx: &CallContext,
        mut requests: ApiStream<Point>,
    ) -> Result<RouteSummary, RouteguideError> {
        let mut summary = RouteSummary::default();
        while let Some(point) = requests.next().await {
            point?;
            summary.point_count += 1;
        }
        Ok(summary)
    }

    async fn route_chat(
        &self,
        _ctx: &CallContext,
        requests: ApiStream<RouteNote>,
    ) -> Result<ApiStream<RouteNote>, RouteguideError> {
        Ok(requests)
    }
}
"#;
