//! `call_unary` / `call_once` over real loopback servers: retry on UNAVAILABLE onto
//! another instance, no retry on other codes, deadlines and timeouts.

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use echo::{EchoRequest, EchoService};
use modgen_runtime::client::{ClientOptions, RetryPolicy, ServiceChannels, call_once, call_unary};
use modgen_runtime::context::CallContext;
use modgen_runtime::directory::{Resolver, StaticResolver};
use modgen_runtime::testing::{LoopbackServer, serve_loopback};
use tonic::Code;
use tonic::service::Routes;

async fn instance(service: EchoService) -> LoopbackServer {
    serve_loopback(Routes::new(service)).await.unwrap()
}

fn options(max_attempts: u32) -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
        },
        ..ClientOptions::default()
    }
}

fn channels_over(endpoints: &[&LoopbackServer], options: ClientOptions) -> ServiceChannels {
    let endpoints = endpoints
        .iter()
        .map(|server| server.endpoint.clone())
        .collect();
    ServiceChannels::new(
        echo::SERVICE_NAME,
        Arc::new(StaticResolver(endpoints)),
        options,
    )
}

fn request(delay_ms: u32) -> EchoRequest {
    EchoRequest {
        message: "ping".into(),
        delay_ms,
        fail_code: 0,
        ..Default::default()
    }
}

#[tokio::test]
async fn call_unary_retries_unavailable_onto_a_second_instance() {
    let sick = EchoService::failing("sick", Code::Unavailable);
    let healthy = EchoService::new("healthy");
    let (a, b) = (
        instance(sick.clone()).await,
        instance(healthy.clone()).await,
    );
    let channels = channels_over(&[&a, &b], options(3));

    let reply = call_unary(&channels, &CallContext::new(), request(0), echo::echo)
        .await
        .unwrap();

    assert_eq!(reply.served_by, "healthy");
    assert_eq!((sick.calls(), healthy.calls()), (1, 1));
}

#[tokio::test]
async fn call_unary_retries_a_dead_endpoint_onto_a_live_one() {
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let healthy = instance(EchoService::new("healthy")).await;
    let resolver = StaticResolver(vec![dead, healthy.endpoint.clone()]);
    let channels = ServiceChannels::new(echo::SERVICE_NAME, Arc::new(resolver), options(3));

    let reply = call_unary(&channels, &CallContext::new(), request(0), echo::echo)
        .await
        .unwrap();

    assert_eq!(reply.served_by, "healthy");
}

#[tokio::test]
async fn call_unary_does_not_retry_other_codes() {
    let refusing = EchoService::failing("refusing", Code::InvalidArgument);
    let healthy = EchoService::new("healthy");
    let (a, b) = (
        instance(refusing.clone()).await,
        instance(healthy.clone()).await,
    );
    let channels = channels_over(&[&a, &b], options(3));

    let status = call_unary(&channels, &CallContext::new(), request(0), echo::echo)
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "refusing always fails");
    assert_eq!((refusing.calls(), healthy.calls()), (1, 0));
}

#[tokio::test]
async fn call_unary_gives_up_after_max_attempts_keeping_the_last_message() {
    let sick = EchoService::failing("sick", Code::Unavailable);
    let server = instance(sick.clone()).await;
    let channels =
        ServiceChannels::from_channel(echo::SERVICE_NAME, server.channel.clone(), options(3));

    let status = call_unary(&channels, &CallContext::new(), request(0), echo::echo)
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        status.message().contains("after 3 attempt(s)"),
        "{}",
        status.message()
    );
    assert!(
        status.message().contains("sick always fails"),
        "{}",
        status.message()
    );
    assert_eq!(sick.calls(), 3);
}

#[tokio::test]
async fn call_unary_respects_the_context_deadline() {
    let slow = instance(EchoService::new("slow")).await;
    let channels = channels_over(&[&slow], options(3));
    let ctx = CallContext::new().with_timeout(Duration::from_millis(200));

    let started = Instant::now();
    let status = call_unary(&channels, &ctx, request(3_000), echo::echo)
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1_000),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn call_timeout_bounds_a_call_without_a_context_deadline() {
    let slow = instance(EchoService::new("slow")).await;
    let options = ClientOptions {
        call_timeout: Some(Duration::from_millis(200)),
        ..options(3)
    };
    let channels = channels_over(&[&slow], options);

    let started = Instant::now();
    let status = call_unary(&channels, &CallContext::new(), request(3_000), echo::echo)
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1_000),
        "{:?}",
        started.elapsed()
    );
}

/// A deadline a second or more away shares a timer with the other calls of its 100 ms
/// slot; it still ends a call whose server never answers, at most a slot late. The
/// `grpc-timeout` header is taken off, as by a server that ignores it, so that only the
/// client's own bound can end the call.
#[tokio::test]
async fn a_far_call_timeout_ends_a_call_whose_server_ignores_grpc_timeout() {
    let slow = instance(EchoService::new("slow")).await;
    let timeout = Duration::from_millis(1_200);
    let options = ClientOptions {
        call_timeout: Some(timeout),
        ..options(1)
    };
    let channels = channels_over(&[&slow], options);

    let started = Instant::now();
    let status = call_unary(
        &channels,
        &CallContext::new(),
        request(10_000),
        |channel, mut request| {
            request.metadata_mut().remove("grpc-timeout");
            echo::echo(channel, request)
        },
    )
    .await
    .unwrap_err();

    let took = started.elapsed();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(took >= timeout, "ended before its deadline: {took:?}");
    assert!(
        took < timeout + Duration::from_millis(800),
        "ended late: {took:?}"
    );
}

#[tokio::test]
async fn call_unary_never_retries_past_the_deadline() {
    let sick = EchoService::failing("sick", Code::Unavailable);
    let server = instance(sick.clone()).await;
    let options = ClientOptions {
        retry: RetryPolicy {
            max_attempts: 50,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(100),
        },
        ..ClientOptions::default()
    };
    let channels =
        ServiceChannels::from_channel(echo::SERVICE_NAME, server.channel.clone(), options);
    let ctx = CallContext::new().with_timeout(Duration::from_millis(300));

    let started = Instant::now();
    let status = call_unary(&channels, &ctx, request(0), echo::echo)
        .await
        .unwrap_err();

    // The last try's UNAVAILABLE, or DEADLINE_EXCEEDED when a loaded machine makes the
    // deadline fall inside a try: either way the call ended at its deadline.
    assert!(
        matches!(status.code(), Code::Unavailable | Code::DeadlineExceeded),
        "{status:?}"
    );
    // Without the deadline the 50 attempts would take 5 s; the margin over 300 ms is for a
    // loaded machine, not a tolerance of the client.
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        sick.calls() < 10,
        "{} tries in 300 ms with 50-100 ms backoff",
        sick.calls()
    );
}

#[tokio::test]
async fn an_expired_context_fails_before_sending_anything() {
    let service = EchoService::new("a");
    let server = instance(service.clone()).await;
    let channels = channels_over(&[&server], options(3));
    let ctx = CallContext::new().with_timeout(Duration::ZERO);

    let status = call_unary(&channels, &ctx, request(0), echo::echo)
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::DeadlineExceeded);
    assert_eq!(service.calls(), 0);
}

#[tokio::test]
async fn a_service_with_no_instance_is_unavailable_naming_the_service() {
    let channels = ServiceChannels::new(
        echo::SERVICE_NAME,
        Arc::new(StaticResolver(vec![])),
        options(2),
    );

    let status = call_unary(&channels, &CallContext::new(), request(0), echo::echo)
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        status
            .message()
            .contains("no live instance of service 'echo.v1.Echo' in the directory"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn calls_alternate_between_instances() {
    let (a, b) = (
        instance(EchoService::new("a")).await,
        instance(EchoService::new("b")).await,
    );
    let channels = channels_over(&[&a, &b], options(1));

    let mut served_by = Vec::new();
    for _ in 0..4 {
        let reply = call_unary(&channels, &CallContext::new(), request(0), echo::echo)
            .await
            .unwrap();
        served_by.push(reply.served_by);
    }

    assert_eq!(served_by, ["a", "b", "a", "b"]);
}

#[tokio::test]
async fn call_once_does_not_retry() {
    let sick = EchoService::failing("sick", Code::Unavailable);
    let healthy = EchoService::new("healthy");
    let (a, b) = (
        instance(sick.clone()).await,
        instance(healthy.clone()).await,
    );
    let channels = channels_over(&[&a, &b], options(3));

    let status = call_once(&channels, &CallContext::new(), request(0), echo::echo)
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!((sick.calls(), healthy.calls()), (1, 0));
}

/// Answers what the test last told it to, and counts how often it was asked.
struct ScriptedResolver {
    answer: Mutex<Option<Vec<String>>>,
    calls: AtomicUsize,
}

impl ScriptedResolver {
    fn new(endpoints: &[&str]) -> Arc<Self> {
        Arc::new(Self {
            answer: Mutex::new(Some(endpoints.iter().map(|e| e.to_string()).collect())),
            calls: AtomicUsize::new(0),
        })
    }

    /// `None`: the directory is unreachable.
    fn answer(&self, endpoints: Option<&[&str]>) {
        *self.answer.lock().unwrap() =
            endpoints.map(|list| list.iter().map(|e| e.to_string()).collect());
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl Resolver for ScriptedResolver {
    async fn resolve_all(&self, _service_name: &str) -> Result<Vec<String>, tonic::Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answer
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| tonic::Status::unavailable("directory unreachable"))
    }
}

#[tokio::test]
async fn channels_resolve_again_once_every_instance_was_reported_unavailable() {
    let server = instance(EchoService::new("a")).await;
    let resolver = ScriptedResolver::new(&[&server.endpoint]);
    let channels = ServiceChannels::new(echo::SERVICE_NAME, resolver.clone(), options(1));

    let first = channels.pick().await.unwrap();
    channels.pick().await.unwrap();
    assert_eq!(resolver.calls(), 1, "a fresh list is reused");

    channels.report_unavailable(&first.endpoint);
    let again = channels.pick().await.unwrap();

    assert_eq!(resolver.calls(), 2);
    assert_eq!(&*again.endpoint, server.endpoint);
}

#[tokio::test]
async fn an_instance_is_known_without_resolving_only_while_the_list_is_fresh() {
    let resolver = ScriptedResolver::new(&["http://127.0.0.1:1001", "http://127.0.0.1:1002"]);
    let channels = ServiceChannels::new(echo::SERVICE_NAME, resolver.clone(), options(1))
        .with_refresh_interval(Duration::from_millis(50));
    assert!(channels.pick_known().is_none(), "nothing resolved yet");
    assert_eq!(resolver.calls(), 0, "pick_known never resolves");

    let first = channels.pick().await.unwrap();
    let second = channels.pick_known().expect("the list is fresh");
    assert_ne!(first.endpoint, second.endpoint, "round-robin goes on");
    assert_eq!(resolver.calls(), 1);

    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(
        channels.pick_known().is_none(),
        "a stale list is resolved again"
    );
    channels.pick().await.unwrap();
    assert_eq!(resolver.calls(), 2);
}

#[tokio::test]
async fn channels_pick_up_a_new_instance_after_the_refresh_interval() {
    let resolver = ScriptedResolver::new(&["http://127.0.0.1:1001"]);
    let channels = ServiceChannels::new(echo::SERVICE_NAME, resolver.clone(), options(1))
        .with_refresh_interval(Duration::from_millis(50));
    assert_eq!(
        &*channels.pick().await.unwrap().endpoint,
        "http://127.0.0.1:1001"
    );

    resolver.answer(Some(&["http://127.0.0.1:1001", "http://127.0.0.1:1002"]));
    tokio::time::sleep(Duration::from_millis(80)).await;
    let mut picked = Vec::new();
    for _ in 0..2 {
        picked.push(channels.pick().await.unwrap().endpoint.to_string());
    }

    picked.sort();
    assert_eq!(picked, ["http://127.0.0.1:1001", "http://127.0.0.1:1002"]);
}

#[tokio::test]
async fn a_directory_outage_keeps_the_endpoints_resolved_before() {
    let resolver = ScriptedResolver::new(&["http://127.0.0.1:1001"]);
    let channels = ServiceChannels::new(echo::SERVICE_NAME, resolver.clone(), options(1))
        .with_refresh_interval(Duration::from_millis(20));
    channels.pick().await.unwrap();

    resolver.answer(None);
    tokio::time::sleep(Duration::from_millis(40)).await;
    let picked = channels.pick().await.unwrap();

    assert_eq!(&*picked.endpoint, "http://127.0.0.1:1001");
    assert_eq!(resolver.calls(), 2, "the refresh was tried");
}

#[tokio::test]
async fn a_directory_outage_with_nothing_resolved_before_is_unavailable() {
    let resolver = ScriptedResolver::new(&[]);
    resolver.answer(None);
    let channels = ServiceChannels::new(echo::SERVICE_NAME, resolver, options(1));

    let status = channels.pick().await.unwrap_err();

    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(status.message(), "directory unreachable");
}
