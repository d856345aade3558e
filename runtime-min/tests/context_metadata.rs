//! The call context travels as gRPC metadata over a real loopback connection.

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::time::Duration;

use echo::{EchoRequest, EchoService};
use modgen_runtime::context::{CallContext, response_request_id};
use modgen_runtime::testing::serve_loopback;
use tonic::metadata::MetadataMap;
use tonic::service::Routes;

fn hello() -> EchoRequest {
    EchoRequest {
        message: "hello".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn context_round_trips_through_metadata_and_grpc_timeout() {
    let server = serve_loopback(Routes::new(EchoService::new("a")))
        .await
        .unwrap();
    let ctx = CallContext::new()
        .with_caller("billing")
        .with_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .with_timeout(Duration::from_secs(2));

    let response = echo::echo(server.channel.clone(), ctx.to_request(hello()))
        .await
        .unwrap();

    assert_eq!(
        response_request_id(response.metadata()),
        Some(ctx.request_id.as_str())
    );
    let reply = response.into_inner();
    assert_eq!(reply.message, "hello");
    assert_eq!(reply.request_id, ctx.request_id);
    assert_eq!(reply.caller, "billing");
    assert_eq!(
        reply.traceparent,
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    );
    assert!(
        (1000..=2000).contains(&reply.remaining_ms),
        "server saw {} ms left of 2000",
        reply.remaining_ms
    );
}

#[tokio::test]
async fn a_request_without_context_gets_a_fresh_request_id_and_no_deadline() {
    let server = serve_loopback(Routes::new(EchoService::new("a")))
        .await
        .unwrap();

    let reply = echo::echo(server.channel.clone(), tonic::Request::new(hello()))
        .await
        .unwrap()
        .into_inner();

    assert!(
        uuid::Uuid::parse_str(&reply.request_id).is_ok(),
        "{}",
        reply.request_id
    );
    assert_eq!(reply.remaining_ms, 0);
    assert_eq!(reply.caller, "");
}

#[test]
fn from_metadata_turns_grpc_timeout_into_a_deadline() {
    let mut metadata = MetadataMap::new();
    metadata.insert("grpc-timeout", "1500m".parse().unwrap());
    metadata.insert("x-request-id", "req-1".parse().unwrap());

    let ctx = CallContext::from_metadata(&metadata);

    let remaining = ctx.remaining().unwrap();
    assert!(remaining <= Duration::from_millis(1500) && remaining > Duration::from_millis(1400));
    assert_eq!(ctx.request_id, "req-1");
    assert_eq!(ctx.caller, None);
}

#[test]
fn inject_then_from_metadata_is_the_same_context() {
    let ctx = CallContext::new()
        .with_caller("orders")
        .with_traceparent("00-abc-def-01");
    let mut metadata = MetadataMap::new();

    ctx.inject(&mut metadata);
    let back = CallContext::from_metadata(&metadata);

    assert_eq!(back.request_id, ctx.request_id);
    assert_eq!(back.caller.as_deref(), Some("orders"));
    assert_eq!(back.traceparent.as_deref(), Some("00-abc-def-01"));
    assert_eq!(back.deadline, None);
}

#[test]
fn a_non_ascii_caller_is_dropped_instead_of_failing() {
    let ctx = CallContext::new().with_caller("café");
    let mut metadata = MetadataMap::new();

    ctx.inject(&mut metadata);

    assert!(metadata.get("x-modgen-caller").is_none());
    assert_eq!(
        CallContext::from_metadata(&metadata).request_id,
        ctx.request_id
    );
}

#[test]
fn an_expired_deadline_has_zero_remaining() {
    let ctx = CallContext::new().with_timeout(Duration::ZERO);
    assert_eq!(ctx.remaining(), Some(Duration::ZERO));
    assert!(ctx.is_expired());
    assert_eq!(CallContext::new().remaining(), None);
}
