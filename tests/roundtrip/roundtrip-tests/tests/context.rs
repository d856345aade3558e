//! The call context over the wire: request id, caller, traceparent and deadline reach the
//! implementation; a deadline shorter than the work ends the call with the deadline error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use modgen_roundtrip_tests::{Echo, Failing, SERVED_METHOD, Slow};
use stress_sdk::proto::stress::v1 as pb;
use stress_sdk::testing::serve_stress_for_test;
use stress_sdk::{ApiStream, CallContext, StressApi, StressError};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// How far apart the caller's deadline and the one the server rebuilt from `grpc-timeout`
/// may be: the server starts its clock when the request arrives.
const DEADLINE_SKEW: Duration = Duration::from_millis(500);

fn distance(a: Instant, b: Instant) -> Duration {
    a.saturating_duration_since(b)
        .max(b.saturating_duration_since(a))
}

#[tokio::test]
async fn request_id_caller_traceparent_and_deadline_reach_a_unary_implementation() {
    let echo = Arc::new(Echo::default());
    let (_server, client) = serve_stress_for_test(echo.clone()).await;
    let ctx = CallContext::new()
        .with_request_id("rid-unary-1")
        .with_caller("billing")
        .with_traceparent(TRACEPARENT)
        .with_timeout(Duration::from_secs(5));

    client.r#type(&ctx, pb::Request::default()).await.unwrap();

    let calls = echo.calls();
    assert_eq!(calls.len(), 1);
    let (method, seen) = &calls[0];
    assert_eq!(*method, "type");
    assert_eq!(seen.request_id, "rid-unary-1");
    assert_eq!(seen.caller.as_deref(), Some("billing"));
    assert_eq!(seen.traceparent.as_deref(), Some(TRACEPARENT));
    let skew = distance(seen.deadline.unwrap(), ctx.deadline.unwrap());
    assert!(skew < DEADLINE_SKEW, "deadlines {skew:?} apart");
}

#[tokio::test]
async fn response_entries_the_implementation_sets_reach_the_caller_with_a_reply_or_an_error() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let ctx = CallContext::new();
    client.ping(&ctx).await.unwrap();
    assert_eq!(ctx.response.get(SERVED_METHOD).as_deref(), Some("ping"));

    let failing = Failing::new(StressError::Internal("down".into()));
    let (_server, client) = serve_stress_for_test(Arc::new(failing)).await;
    let ctx = CallContext::new();
    client.ping(&ctx).await.unwrap_err();
    assert_eq!(ctx.response.get(SERVED_METHOD).as_deref(), Some("ping"));
}

#[tokio::test]
async fn the_request_id_a_fresh_context_makes_is_the_one_the_implementation_sees() {
    let echo = Arc::new(Echo::default());
    let (_server, client) = serve_stress_for_test(echo.clone()).await;
    let ctx = CallContext::new();

    client.ping(&ctx).await.unwrap();

    let (_, seen) = &echo.calls()[0];
    assert!(!ctx.request_id.is_empty());
    assert_eq!(seen.request_id, ctx.request_id);
    assert_eq!(seen.caller, None);
    assert_eq!(seen.traceparent, None);
}

#[tokio::test]
async fn a_unary_call_without_a_deadline_carries_the_clients_call_timeout() {
    let echo = Arc::new(Echo::default());
    let (_server, client) = serve_stress_for_test(echo.clone()).await;
    let sent = Instant::now();

    client.ping(&CallContext::new()).await.unwrap();

    // `ClientOptions::default().call_timeout` is 30 s.
    let (_, seen) = &echo.calls()[0];
    let skew = distance(seen.deadline.unwrap(), sent + Duration::from_secs(30));
    assert!(skew < DEADLINE_SKEW, "{skew:?} away from 30 s");
}

#[tokio::test]
async fn the_context_reaches_every_streaming_implementation() {
    let echo = Arc::new(Echo::default());
    let (_server, client) = serve_stress_for_test(echo.clone()).await;
    let ctx = |id: &str| {
        CallContext::new()
            .with_request_id(id)
            .with_caller("reports")
            .with_timeout(Duration::from_secs(5))
    };
    let one_request = || -> ApiStream<pb::Request> {
        Box::pin(futures_util::stream::iter([Ok(pb::Request::default())]))
    };
    let watch = ctx("rid-watch");
    let upload = ctx("rid-upload");
    let chat = ctx("rid-chat");

    let _: Vec<_> = client
        .watch(&watch, pb::Request::default())
        .await
        .unwrap()
        .collect()
        .await;
    client.upload(&upload, one_request()).await.unwrap();
    let _: Vec<_> = client
        .chat(&chat, one_request())
        .await
        .unwrap()
        .collect()
        .await;

    let calls = echo.calls();
    let methods: Vec<_> = calls.iter().map(|(method, _)| *method).collect();
    assert_eq!(methods, ["watch", "upload", "chat"]);
    for ((_, seen), sent) in calls.iter().zip([&watch, &upload, &chat]) {
        assert_eq!(seen.request_id, sent.request_id);
        assert_eq!(seen.caller.as_deref(), Some("reports"));
        let skew = distance(seen.deadline.unwrap(), sent.deadline.unwrap());
        assert!(
            skew < DEADLINE_SKEW,
            "{}: deadlines {skew:?} apart",
            sent.request_id
        );
    }
}

#[tokio::test]
async fn a_streaming_call_without_a_deadline_has_none_at_the_server() {
    let echo = Arc::new(Echo::default());
    let (_server, client) = serve_stress_for_test(echo.clone()).await;

    let _: Vec<_> = client
        .watch(&CallContext::new(), pb::Request::default())
        .await
        .unwrap()
        .collect()
        .await;

    let (_, seen) = &echo.calls()[0];
    assert_eq!(seen.deadline, None);
}

#[tokio::test]
async fn a_deadline_shorter_than_the_work_gives_deadline_exceeded_on_time() {
    let slow = Arc::new(Slow::new(Duration::from_secs(3)));
    let (_server, client) = serve_stress_for_test(slow.clone()).await;
    let ctx = CallContext::new().with_timeout(Duration::from_millis(200));
    let started = Instant::now();

    let got = client
        .r#type(&ctx, pb::Request::default())
        .await
        .unwrap_err();

    let waited = started.elapsed();
    assert!(matches!(got, StressError::DeadlineExceeded(_)), "{got:?}");
    assert_eq!(got.code(), tonic::Code::DeadlineExceeded);
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(2),
        "returned after {waited:?}"
    );
}

#[tokio::test]
async fn the_server_stops_the_work_of_a_call_whose_deadline_passed() {
    let slow = Arc::new(Slow::new(Duration::from_millis(600)));
    let (_server, client) = serve_stress_for_test(slow.clone()).await;
    let ctx = CallContext::new().with_timeout(Duration::from_millis(100));

    let got = client
        .r#type(&ctx, pb::Request::default())
        .await
        .unwrap_err();
    tokio::time::sleep(Duration::from_millis(1000)).await;

    assert!(matches!(got, StressError::DeadlineExceeded(_)), "{got:?}");
    assert!(!slow.finished(), "the implementation ran past the deadline");
}

#[tokio::test]
async fn a_deadline_longer_than_the_work_lets_the_call_finish() {
    let slow = Arc::new(Slow::new(Duration::from_millis(50)));
    let (_server, client) = serve_stress_for_test(slow.clone()).await;
    let ctx = CallContext::new().with_timeout(Duration::from_secs(5));

    let response = client.r#type(&ctx, pb::Request::default()).await.unwrap();

    assert_eq!(
        response.option.and_then(|option| option.kind),
        Some(pb::option::Kind::Text("slow".into()))
    );
    assert!(slow.finished());
}
