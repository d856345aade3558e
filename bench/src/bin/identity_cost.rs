//! What caller identity costs:
//! - verifying one credential (`TrustedKeys::verify`: base64, JSON, one Ed25519 check),
//!   and issuing one (what the host does per start and renewal);
//! - a unary Add of the calculator over loopback against the same routes served twice,
//!   once behind the `CallGuard` layer `oop::main` installs and once without, both
//!   called with the credential header, interleaved in rounds. The guard checks a
//!   credential's signature once and then only its expiry, so this is the steady-state
//!   per-call cost; the first call with a new credential pays one `verify` more.
//!
//! `cargo run --release -p modgen-bench --bin identity_cost [-- --calls N]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use calculator::Calculator;
use calculator::generated::CalculatorConfig;
use calculator::generated::oop::routes;
use calculator_sdk::proto::oop::calculator::v1::{AddRequest, AddResponse};
use modgen_bench::latency::{mean, percentile, show};
use modgen_runtime::identity::{AccessPolicy, CREDENTIAL_HEADER, CallGuard, Issuer, TrustedKeys};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::client::Grpc;
use tonic::metadata::AsciiMetadataValue;
use tonic::transport::{Channel, Server};
use tonic_prost::ProstCodec;

const WARM_UP: usize = 1_000;
const ROUNDS: usize = 10;
const HOUR: Duration = Duration::from_secs(3600);

#[tokio::main]
async fn main() {
    let calls = modgen_bench::latency::calls_from_args(20_000);
    let issuer = Issuer::generate().expect("a key");
    let trusted = TrustedKeys::parse(issuer.public_key()).expect("the key parses");
    let credential = issuer.issue("bench", HOUR);

    let verify = per_op(calls, || {
        let claims = trusted.verify(&credential).expect("valid");
        assert_eq!(claims.module, "bench");
    });
    let issue = per_op(calls, || {
        assert!(issuer.issue("bench", HOUR).starts_with("mg1."));
    });

    let guard = CallGuard::new("calculator", Some(trusted), AccessPolicy::default());
    let plain = serve(None).await;
    let guarded = serve(Some(guard)).await;
    let header: AsciiMetadataValue = credential.parse().expect("ASCII");
    let mut samples = [Vec::new(), Vec::new()];
    for round in 0..=ROUNDS {
        let count = if round == 0 { WARM_UP } else { calls / ROUNDS };
        for (which, channel) in [&plain, &guarded].into_iter().enumerate() {
            let times = time_calls(channel.clone(), &header, count).await;
            if round > 0 {
                samples[which].extend(times);
            }
        }
    }

    println!(
        "credential: verify {} per op, issue {} per op ({calls} ops each)",
        show(verify),
        show(issue)
    );
    println!("unary Add over loopback TCP, {calls} calls each after {WARM_UP} warm-up, release");
    println!("| server | p50 | p99 | mean |");
    println!("|---|---|---|---|");
    let mut medians = Vec::new();
    for (name, times) in ["without the guard", "behind CallGuard (verify + policy)"]
        .iter()
        .zip(samples.iter_mut())
    {
        times.sort_unstable();
        let p50 = percentile(times, 0.5);
        medians.push(p50);
        println!(
            "| {name} | {} | {} | {} |",
            show(p50),
            show(percentile(times, 0.99)),
            show(mean(times))
        );
    }
    println!(
        "guarded / plain (p50): {:.3}; difference {}",
        medians[1].as_secs_f64() / medians[0].as_secs_f64(),
        show(medians[1].saturating_sub(medians[0]))
    );
}

fn per_op(count: usize, mut op: impl FnMut()) -> Duration {
    for _ in 0..WARM_UP {
        op();
    }
    let started = Instant::now();
    for _ in 0..count {
        op();
    }
    started.elapsed() / count as u32
}

/// The calculator's routes on loopback, behind `guard` when given.
async fn serve(guard: Option<CallGuard>) -> Channel {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    let incoming = TcpListenerStream::new(listener);
    let routes = routes(Arc::new(Calculator::new(CalculatorConfig::default())));
    match guard {
        Some(guard) => tokio::spawn(
            Server::builder()
                .layer(guard)
                .add_routes(routes)
                .serve_with_incoming(incoming),
        ),
        None => tokio::spawn(
            Server::builder()
                .add_routes(routes)
                .serve_with_incoming(incoming),
        ),
    };
    Channel::from_shared(endpoint)
        .expect("uri")
        .connect()
        .await
        .expect("connect")
}

/// Each call checks its answer, so a refused call cannot look fast.
async fn time_calls(
    channel: Channel,
    credential: &AsciiMetadataValue,
    count: usize,
) -> Vec<Duration> {
    let mut grpc = Grpc::new(channel);
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let a = i as i64;
        let started = Instant::now();
        grpc.ready().await.expect("ready");
        let mut request = tonic::Request::new(AddRequest { a, b: 1 });
        request
            .metadata_mut()
            .insert(CREDENTIAL_HEADER, credential.clone());
        let path = http::uri::PathAndQuery::from_static("/oop.calculator.v1.CalculatorService/Add");
        let codec: ProstCodec<AddRequest, AddResponse> = ProstCodec::default();
        let reply = grpc
            .unary(request, path, codec)
            .await
            .expect("the call succeeds");
        times.push(started.elapsed());
        assert_eq!(reply.into_inner().sum, a + 1);
    }
    times
}
