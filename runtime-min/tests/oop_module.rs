//! The echo fixture, started as a real child process through `oop::main`: it registers
//! with a directory, serves health and reflection, and on SIGTERM deregisters before it
//! stops serving and exits 0.

mod oop_fixture;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::sync::Arc;
use std::time::Duration;

use echo::EchoRequest;
use modgen_runtime::client::{ClientOptions, ServiceChannels, call_unary};
use modgen_runtime::context::CallContext;
use modgen_runtime::directory::{
    AuthMode, DirectoryClient, DirectoryConfig, RunningDirectory, serve,
};
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

const TOKEN: &str = "test-run-token";
const INSTANCE: &str = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b";

async fn directory(cancel: &CancellationToken) -> RunningDirectory {
    let config = DirectoryConfig::new(AuthMode::Token(TOKEN.to_owned()));
    serve(config, "127.0.0.1:0".parse().unwrap(), cancel.clone())
        .await
        .unwrap()
}

fn registered_module(directory: &RunningDirectory) -> tokio::process::Command {
    let mut command = oop_fixture::command();
    command
        .env("MODGEN_DIRECTORY_ENDPOINT", &directory.endpoint)
        .env("MODGEN_DIRECTORY_TOKEN", TOKEN)
        .env("MODGEN_INSTANCE_ID", INSTANCE)
        .env(
            "MODGEN_MODULE_CONFIG",
            r#"{"config": {"label": "from-env"}}"#,
        );
    command
}

async fn connect(endpoint: &str) -> Channel {
    Channel::from_shared(endpoint.to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_module_registers_its_bound_endpoint_and_serves_calls_resolved_through_the_directory() {
    let cancel = CancellationToken::new();
    let directory = directory(&cancel).await;
    let module = oop_fixture::start(registered_module(&directory)).await;
    let client = DirectoryClient::connect(&directory.endpoint).await.unwrap();

    assert_eq!(
        client.resolve(echo::SERVICE_NAME).await.unwrap(),
        module.endpoint
    );
    let instances = client.list_instances("echo").await.unwrap();
    assert_eq!(instances.len(), 1, "{instances:?}");
    assert_eq!(instances[0].instance_id, INSTANCE);

    let channels = ServiceChannels::new(
        echo::SERVICE_NAME,
        Arc::new(client),
        ClientOptions::default(),
    );
    let request = EchoRequest {
        message: "through the directory".into(),
        ..Default::default()
    };
    let reply = call_unary(&channels, &CallContext::new(), request, echo::echo)
        .await
        .unwrap();
    assert_eq!(
        reply.served_by, "from-env",
        "config from MODGEN_MODULE_CONFIG"
    );
    assert_eq!(reply.message, "through the directory");

    module.signal(libc::SIGTERM);
    let (status, _) = module.wait(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn on_sigterm_the_module_deregisters_before_it_stops_serving_then_exits_0() {
    let cancel = CancellationToken::new();
    let directory = directory(&cancel).await;
    let mut module = oop_fixture::start(registered_module(&directory)).await;
    let client = DirectoryClient::connect(&directory.endpoint).await.unwrap();
    assert_eq!(
        client.resolve(echo::SERVICE_NAME).await.unwrap(),
        module.endpoint
    );

    // A call in flight across the signal: it must be allowed to finish.
    let slow = tokio::spawn(echo::echo(
        connect(&module.endpoint).await,
        tonic::Request::new(EchoRequest {
            message: "slow".into(),
            delay_ms: 1_500,
            fail_code: 0,
            ..Default::default()
        }),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    module.signal(libc::SIGTERM);

    // While that call drains, the process is still up but no longer resolvable.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        module.child.try_wait().unwrap().is_none(),
        "still draining the slow call"
    );
    let resolved = client.resolve(echo::SERVICE_NAME).await;
    assert!(
        resolved.is_err(),
        "still resolvable while shutting down: {resolved:?}"
    );

    let reply = slow.await.unwrap().expect("the in-flight call finishes");
    assert_eq!(reply.into_inner().message, "slow");
    let (status, stderr) = module.wait(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    assert!(client.list_instances("echo").await.unwrap().is_empty());
    assert_eq!(
        client.resolve(echo::SERVICE_NAME).await.unwrap_err().code(),
        Code::NotFound
    );
    assert!(
        stderr.contains("deregistered from the directory"),
        "stderr:\n{stderr}"
    );
}

#[tokio::test]
async fn without_a_directory_the_module_serves_health_and_reflection_standalone() {
    let module = oop_fixture::start(oop_fixture::command()).await;
    let channel = connect(&module.endpoint).await;

    let mut health = HealthClient::new(channel.clone());
    for service in [echo::SERVICE_NAME, ""] {
        let status = health
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(
            status,
            ServingStatus::Serving as i32,
            "health of {service:?}"
        );
    }

    let mut reflection = ServerReflectionClient::new(channel);
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol(echo::SERVICE_NAME.to_owned()),
    ]
    .map(|message| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(message),
    });
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    let Some(MessageResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("expected a service list");
    };
    let names: Vec<_> = list
        .service
        .iter()
        .map(|service| service.name.as_str())
        .collect();
    assert!(names.contains(&echo::SERVICE_NAME), "{names:?}");
    let Some(MessageResponse::FileDescriptorResponse(file)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("expected the file that defines {}", echo::SERVICE_NAME);
    };
    assert_eq!(file.file_descriptor_proto.len(), 1);

    module.signal(libc::SIGINT);
    let (status, stderr) = module.wait(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    assert!(
        stderr.contains("serving standalone, not registered"),
        "stderr:\n{stderr}"
    );
    assert!(
        stderr
            .lines()
            .filter(|line| !line.trim().is_empty())
            .all(|line| line.starts_with("[echo] ")),
        "every log line names the module:\n{stderr}"
    );
}

/// An Echo call from Python's grpcio, which knows nothing of modgen: raw request bytes
/// in, raw reply bytes out on stdout.
const GRPCIO_ECHO: &str = "
import grpc, sys
channel = grpc.insecure_channel(sys.argv[1])
echo = channel.unary_unary('/echo.v1.Echo/Echo')
sys.stdout.buffer.write(echo(bytes.fromhex(sys.argv[2]), timeout=10))
";

/// Whether python3 has grpcio; under CI it must.
fn grpcio_ready() -> bool {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import grpc"])
        .output();
    let ready = probe.is_ok_and(|out| out.status.success());
    if !ready {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with grpcio is required under CI (pip install grpcio)"
        );
        eprintln!("skipped: python3 with grpcio is not installed");
    }
    ready
}

#[tokio::test]
async fn a_module_run_standalone_serves_a_plain_grpcio_client_over_loopback_tcp() {
    if !grpcio_ready() {
        return;
    }
    let module = oop_fixture::start(oop_fixture::command()).await;
    let target = module
        .endpoint
        .strip_prefix("http://127.0.0.1:")
        .map(|port| format!("127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("standalone serves TCP, got {}", module.endpoint));
    let request = prost::Message::encode_to_vec(&EchoRequest {
        message: "from grpcio".into(),
        ..Default::default()
    });
    let hex: String = request.iter().map(|b| format!("{b:02x}")).collect();

    let output = tokio::process::Command::new("python3")
        .args(["-c", GRPCIO_ECHO, &target, &hex])
        .output()
        .await
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: echo::EchoReply = prost::Message::decode(output.stdout.as_slice()).unwrap();
    assert_eq!(reply.message, "from grpcio");
    assert_eq!(reply.served_by, "echo");
    module.signal(libc::SIGTERM);
    let (status, stderr) = module.wait(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
}

#[tokio::test]
async fn a_module_refused_by_the_directory_exits_1_without_a_ready_line() {
    let cancel = CancellationToken::new();
    let directory = directory(&cancel).await;
    let mut command = registered_module(&directory);
    command.env("MODGEN_DIRECTORY_TOKEN", "wrong-token");

    let output = oop_fixture::run(command).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(
        output.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(stderr.contains("Unauthenticated"), "stderr:\n{stderr}");
}

#[tokio::test]
async fn a_second_signal_during_the_drain_exits_at_once() {
    let module = oop_fixture::start(oop_fixture::command()).await;
    let stuck = tokio::spawn(echo::echo(
        connect(&module.endpoint).await,
        tonic::Request::new(EchoRequest {
            message: "stuck".into(),
            delay_ms: 8_000,
            fail_code: 0,
            ..Default::default()
        }),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;

    module.signal(libc::SIGTERM);
    tokio::time::sleep(Duration::from_millis(300)).await;
    module.signal(libc::SIGTERM);
    let started = std::time::Instant::now();
    let (status, stderr) = module.wait(Duration::from_secs(5)).await;

    assert_eq!(
        status.code(),
        Some(128 + libc::SIGTERM),
        "stderr:\n{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(stuck.await.unwrap().is_err(), "the stuck call was cut off");
}
