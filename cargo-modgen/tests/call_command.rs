//! `cargo modgen call` with a shortened service name, resolved through a directory this
//! test starts in-process. The echo fixture (`echo.v1.Echo`, with server reflection)
//! answers behind the instances registered straight into the directory's registry; the
//! other instances are registrations only, never called.
#![cfg(feature = "cli")]

use std::process::Output;

use modgen_echo_module::{descriptor, echo};
use modgen_runtime::directory::config::DEFAULT_BIND;
use modgen_runtime::directory::{AuthMode, DirectoryConfig, Registration, RunningDirectory, serve};
use modgen_runtime::testing::{LoopbackServer, serve_loopback, serve_unix_socket};
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

/// An endpoint nothing listens on: a registration that must never be called.
const NOWHERE: &str = "http://127.0.0.1:9";

async fn directory(cancel: &CancellationToken) -> RunningDirectory {
    serve(
        DirectoryConfig::new(AuthMode::Disabled),
        DEFAULT_BIND,
        cancel.clone(),
    )
    .await
    .expect("directory binds")
}

/// The echo service plus server reflection over its descriptors, as a module serves them.
fn echo_routes(service: echo::EchoService) -> Routes {
    let descriptors = descriptor::file_descriptor_set();
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(&descriptors)
        .build_v1()
        .expect("reflection builds");
    Routes::new(service).add_service(reflection)
}

async fn echo_module(service: echo::EchoService) -> LoopbackServer {
    serve_loopback(echo_routes(service))
        .await
        .expect("echo serves")
}

async fn register(directory: &RunningDirectory, module: &str, service: &str, endpoint: &str) {
    let registration =
        Registration::new(module, format!("{module}-1"), "0.1.0").with_service(service, endpoint);
    directory
        .registry
        .register(&registration)
        .await
        .expect("registered");
}

async fn modgen_call(directory: &RunningDirectory, target: &str) -> Output {
    modgen_call_via(target, "--directory", &directory.endpoint).await
}

/// `cargo modgen call <target> {"message": "hi"} <how> <where>`.
async fn modgen_call_via(target: &str, how: &str, at: &str) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .args(["modgen", "call", target, r#"{"message": "hi"}"#, how, at])
        .output()
        .await
        .expect("cargo-modgen runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_unique_short_name_is_resolved_through_the_directory_and_called() {
    let cancel = CancellationToken::new();
    let directory = directory(&cancel).await;
    let service = echo::EchoService::new("the-echo");
    let module = echo_module(service.clone()).await;
    register(&directory, "echo", "echo.v1.Echo", &module.endpoint).await;
    register(&directory, "calc", "calc.v1.Calculator", NOWHERE).await;

    let short = modgen_call(&directory, "Echo/Echo").await;
    let segments = modgen_call(&directory, "v1.Echo/Echo").await;
    let unknown = modgen_call(&directory, "Nothing/Echo").await;

    assert!(short.status.success(), "{}", text(&short.stderr));
    let reply: serde_json::Value = serde_json::from_slice(&short.stdout).expect("JSON reply");
    assert_eq!(reply["message"], "hi");
    assert_eq!(reply["servedBy"], "the-echo");
    assert!(segments.status.success(), "{}", text(&segments.stderr));
    assert_eq!(service.calls(), 2);
    assert!(!unknown.status.success());
    let unknown_error = text(&unknown.stderr);
    assert!(
        unknown_error.contains("Nothing")
            && unknown_error.contains("calc.v1.Calculator, echo.v1.Echo"),
        "{unknown_error}"
    );
    cancel.cancel();
}

#[tokio::test]
async fn an_ambiguous_short_name_lists_the_candidates_and_calls_nothing() {
    let cancel = CancellationToken::new();
    let directory = directory(&cancel).await;
    let service = echo::EchoService::new("a");
    let module = echo_module(service.clone()).await;
    register(&directory, "a-echo", "a.v1.Echo", &module.endpoint).await;
    register(&directory, "b-echo", "b.v1.Echo", NOWHERE).await;

    let ambiguous = modgen_call(&directory, "Echo/Echo").await;

    assert!(!ambiguous.status.success());
    let error = text(&ambiguous.stderr);
    assert!(error.contains("'Echo' matches 2 live services"), "{error}");
    assert!(error.contains("a.v1.Echo (module a-echo)"), "{error}");
    assert!(error.contains("b.v1.Echo (module b-echo)"), "{error}");
    assert_eq!(service.calls(), 0);

    // Named in full, the registered name wins even though the module's proto calls the
    // service `echo.v1.Echo` (as ModKit's calculator registers a name unlike its proto's).
    let full = modgen_call(&directory, "a.v1.Echo/Echo").await;
    assert!(full.status.success(), "{}", text(&full.stderr));
    assert_eq!(service.calls(), 1);
    cancel.cancel();
}

#[tokio::test]
async fn a_module_on_a_unix_socket_is_called_through_its_unix_endpoint() {
    let cancel = CancellationToken::new();
    let directory = directory(&cancel).await;
    let service = echo::EchoService::new("on-a-socket");
    let sockets = tempfile::tempdir().expect("tempdir");
    let module = serve_unix_socket(echo_routes(service.clone()), &sockets.path().join("e.sock"))
        .await
        .expect("echo serves on a socket");
    assert!(module.endpoint.starts_with("unix:/"), "{}", module.endpoint);
    register(&directory, "echo", "echo.v1.Echo", &module.endpoint).await;

    let resolved = modgen_call(&directory, "Echo/Echo").await;
    let direct = modgen_call_via("echo.v1.Echo/Echo", "--endpoint", &module.endpoint).await;

    assert!(resolved.status.success(), "{}", text(&resolved.stderr));
    let reply: serde_json::Value = serde_json::from_slice(&resolved.stdout).expect("JSON reply");
    assert_eq!(reply["servedBy"], "on-a-socket");
    assert!(direct.status.success(), "{}", text(&direct.stderr));
    assert_eq!(service.calls(), 2);

    // A socket that is gone is a connection failure naming the endpoint, not a hang.
    let gone = format!("unix:{}", sockets.path().join("gone.sock").display());
    let refused = modgen_call_via("echo.v1.Echo/Echo", "--endpoint", &gone).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains(&gone),
        "{}",
        text(&refused.stderr)
    );
    cancel.cancel();
}
