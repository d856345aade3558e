//! Slow (builds a generated SDK and a crate using it): every streaming kind, served with
//! the SDK's `testing` helper and called through its generated client, errors included.
//!
//! The route_guide SDK is generated into a temporary workspace next to `e2e`, a crate whose
//! tests (the `E2E_TESTS` text below) implement the trait and call it over the wire; this
//! test passes when `cargo test` passes there. Shares the target dir and `Cargo.lock`.

mod common;

use std::path::Path;
use std::process::Command;

use modgen::{Manifest, RuntimeDep, SdkOptions};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

const MANIFEST: &str = r#"
[module]
name = "route-guide"

[proto]
files = ["examples/route_guide.proto"]

[[errors.variant]]
name = "NotFound"
code = "NOT_FOUND"

[[errors.variant]]
name = "InvalidInput"
code = "INVALID_ARGUMENT"
"#;

const E2E_CARGO: &str = r#"[package]
name = "e2e"
version = "0.1.0"
edition = "2024"
publish = false

[dev-dependencies]
route-guide-sdk = { path = "../route-guide-sdk" }
modgen-runtime = { path = "RUNTIME" }
async-trait = "0.1"
futures-util = "0.3"
tokio = { version = "1.47", features = ["rt-multi-thread", "macros", "net", "signal", "time", "sync", "process", "io-util"] }
tonic = { version = "0.14.9", default-features = false, features = ["transport", "codegen", "router", "server", "channel"] }
"#;

const E2E_TESTS: &str = r#"
use std::sync::Arc;

use futures_util::StreamExt;
use modgen_runtime::directory::StaticResolver;
use modgen_runtime::hub::ClientHub;
use route_guide_sdk::proto::routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};
use route_guide_sdk::testing::serve_for_test;
use route_guide_sdk::{ApiStream, CallContext, RouteGuideApi, RouteGuideError};

struct Guide;

#[async_trait::async_trait]
impl RouteGuideApi for Guide {
    async fn get_feature(&self, ctx: &CallContext, point: Point) -> Result<Feature, RouteGuideError> {
        match point.latitude {
            0 => Err(RouteGuideError::NotFound(format!("nothing at {}", point.longitude))),
            1 => Err(RouteGuideError::InvalidInput("latitude 1 is reserved".into())),
            2 => Err(RouteGuideError::Other { code: tonic::Code::ResourceExhausted, message: "slow down".into() }),
            3 => Err(RouteGuideError::Internal("boom".into())),
            4 => Err(RouteGuideError::Unimplemented("not yet".into())),
            _ => Ok(Feature { name: ctx.request_id.clone(), location: Some(point) }),
        }
    }

    async fn list_features(&self, _ctx: &CallContext, area: Rectangle) -> Result<ApiStream<Feature>, RouteGuideError> {
        let lo = area.lo.unwrap_or_default();
        let mut items: Vec<Result<Feature, RouteGuideError>> = (0..3)
            .map(|i| Ok(Feature { name: format!("f{i}"), location: Some(Point { latitude: lo.latitude + i, longitude: 0 }) }))
            .collect();
        items.push(Err(RouteGuideError::NotFound("end of map".into())));
        Ok(Box::pin(futures_util::stream::iter(items)))
    }

    async fn record_route(&self, _ctx: &CallContext, mut points: ApiStream<Point>) -> Result<RouteSummary, RouteGuideError> {
        let mut point_count = 0;
        while let Some(point) = points.next().await {
            let point = point?;
            if point.latitude < 0 {
                return Err(RouteGuideError::InvalidInput(format!("negative latitude {}", point.latitude)));
            }
            point_count += 1;
        }
        Ok(RouteSummary { point_count, ..Default::default() })
    }

    async fn route_chat(&self, _ctx: &CallContext, notes: ApiStream<RouteNote>) -> Result<ApiStream<RouteNote>, RouteGuideError> {
        Ok(Box::pin(notes.map(|note| note.map(|n| RouteNote { message: format!("echo: {}", n.message), ..n }))))
    }
}

fn point(latitude: i32) -> Point {
    Point { latitude, longitude: 5 }
}

fn stream<T: Send + 'static>(items: Vec<Result<T, RouteGuideError>>) -> ApiStream<T> {
    Box::pin(futures_util::stream::iter(items))
}

#[tokio::test]
async fn unary_call_carries_the_context_to_the_server() {
    let (_server, client) = serve_for_test(Arc::new(Guide)).await;
    let ctx = CallContext::new().with_request_id("rid-42");
    let feature = client.get_feature(&ctx, point(10)).await.unwrap();
    assert_eq!(feature.name, "rid-42");
    assert_eq!(feature.location, Some(point(10)));
}

#[tokio::test]
async fn every_error_variant_survives_the_wire_with_its_message() {
    let (_server, client) = serve_for_test(Arc::new(Guide)).await;
    let ctx = CallContext::new();
    let expected = [
        RouteGuideError::NotFound("nothing at 5".into()),
        RouteGuideError::InvalidInput("latitude 1 is reserved".into()),
        RouteGuideError::Other { code: tonic::Code::ResourceExhausted, message: "slow down".into() },
        RouteGuideError::Internal("boom".into()),
        RouteGuideError::Unimplemented("not yet".into()),
    ];
    for (latitude, expected) in expected.into_iter().enumerate() {
        let error = client.get_feature(&ctx, point(latitude as i32)).await.unwrap_err();
        assert_eq!(error, expected);
    }
}

#[tokio::test]
async fn server_streaming_delivers_every_message_then_the_error() {
    let (_server, client) = serve_for_test(Arc::new(Guide)).await;
    let area = Rectangle { lo: Some(point(7)), hi: None };
    let items: Vec<_> = client.list_features(&CallContext::new(), area).await.unwrap().collect().await;
    let names: Vec<String> = items.iter().filter_map(|i| i.as_ref().ok()).map(|f| f.name.clone()).collect();
    assert_eq!(names, ["f0", "f1", "f2"]);
    assert_eq!(items.last().unwrap().as_ref().unwrap_err(), &RouteGuideError::NotFound("end of map".into()));
}

#[tokio::test]
async fn client_streaming_sends_every_message() {
    let (_server, client) = serve_for_test(Arc::new(Guide)).await;
    let points = stream((0..3).map(|i| Ok(point(i))).collect());
    let summary = client.record_route(&CallContext::new(), points).await.unwrap();
    assert_eq!(summary.point_count, 3);
}

#[tokio::test]
async fn client_streaming_returns_the_server_error() {
    let (_server, client) = serve_for_test(Arc::new(Guide)).await;
    let points = stream(vec![Ok(point(1)), Ok(point(-3))]);
    let error = client.record_route(&CallContext::new(), points).await.unwrap_err();
    assert_eq!(error, RouteGuideError::InvalidInput("negative latitude -3".into()));
}

#[tokio::test]
async fn an_error_in_the_request_stream_is_returned_by_the_call() {
    let (_server, client) = serve_for_test(Arc::new(Guide)).await;
    let points = stream(vec![Ok(point(1)), Err(RouteGuideError::Internal("sensor lost".into()))]);
    let error = client.record_route(&CallContext::new(), points).await.unwrap_err();
    assert_eq!(error, RouteGuideError::Internal("sensor lost".into()));
}

#[tokio::test]
async fn bidi_streaming_echoes_and_ends_with_the_request_stream_error() {
    let (_server, client) = serve_for_test(Arc::new(Guide)).await;
    let note = |m: &str| Ok(RouteNote { location: None, message: m.into() });
    let notes = stream(vec![note("a"), note("b"), Err(RouteGuideError::Internal("gone".into()))]);
    let replies: Vec<_> = client.route_chat(&CallContext::new(), notes).await.unwrap().collect().await;
    let messages: Vec<String> = replies.iter().filter_map(|r| r.as_ref().ok()).map(|n| n.message.clone()).collect();
    assert_eq!(messages, ["echo: a", "echo: b"]);
    assert_eq!(replies.last().unwrap().as_ref().unwrap_err(), &RouteGuideError::Internal("gone".into()));
}

#[tokio::test]
async fn wiring_prefers_the_local_implementation() {
    let hub = ClientHub::new();
    let local: Arc<dyn RouteGuideApi> = Arc::new(Guide);
    route_guide_sdk::register_local(&hub, local.clone());
    let wired = route_guide_sdk::wire_client(&hub, Arc::new(StaticResolver(vec![]))).await.unwrap();
    assert!(Arc::ptr_eq(&wired, &local));
}

#[tokio::test]
async fn wiring_falls_back_to_the_directory() {
    let (server, _client) = serve_for_test(Arc::new(Guide)).await;
    let directory = Arc::new(StaticResolver(vec![server.endpoint.clone()]));
    let api = route_guide_sdk::wire_client(&ClientHub::new(), directory).await.unwrap();
    let ctx = CallContext::new().with_request_id("remote");
    assert_eq!(api.get_feature(&ctx, point(9)).await.unwrap().name, "remote");
}

#[tokio::test]
async fn wiring_without_any_instance_fails_at_once() {
    let error = route_guide_sdk::wire_client(&ClientHub::new(), Arc::new(StaticResolver(vec![])))
        .await
        .err()
        .unwrap();
    assert_eq!(error.code(), tonic::Code::Unavailable);
}
"#;

#[test]
fn every_streaming_kind_round_trips_through_the_generated_sdk() {
    let workspace = tempfile::Builder::new()
        .prefix("modgen-e2e-")
        .tempdir()
        .unwrap();
    let runtime = Path::new(REPO).join("runtime-min").canonicalize().unwrap();
    let manifest = Manifest::parse(MANIFEST, "modgen.toml").unwrap();
    let model = modgen::load_manifest(
        &manifest,
        &Path::new(common::CORPUS).join("grpc"),
        "modgen.toml",
    )
    .unwrap();
    let options = SdkOptions {
        runtime: RuntimeDep::Path(runtime.display().to_string()),
    };
    let sdk = modgen::generate_sdk(&model, &options).unwrap();
    modgen::write_fileset(&workspace.path().join("route-guide-sdk"), &sdk).unwrap();

    let e2e = workspace.path().join("e2e");
    std::fs::create_dir_all(e2e.join("src")).unwrap();
    std::fs::create_dir_all(e2e.join("tests")).unwrap();
    let cargo = E2E_CARGO.replace("RUNTIME", &runtime.display().to_string());
    std::fs::write(e2e.join("Cargo.toml"), cargo).unwrap();
    std::fs::write(e2e.join("src/lib.rs"), "").unwrap();
    std::fs::write(e2e.join("tests/round_trip.rs"), E2E_TESTS).unwrap();
    std::fs::write(
        workspace.path().join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"route-guide-sdk\", \"e2e\"]\n",
    )
    .unwrap();
    std::fs::copy(
        Path::new(REPO).join("Cargo.lock"),
        workspace.path().join("Cargo.lock"),
    )
    .unwrap();

    let output = Command::new(env!("CARGO"))
        .args(["test", "--offline", "-p", "e2e"])
        .current_dir(workspace.path())
        .env("CARGO_TARGET_DIR", Path::new(REPO).join("target"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the round trip failed in {}:\n{stdout}\n{stderr}",
        workspace.keep().display()
    );
    assert!(stdout.contains("test result: ok. 10 passed"), "{stdout}");
}
