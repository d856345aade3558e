//! Unary round trip of the calculator example, three ways in one run:
//! - through the generated SDK client (context as metadata, deadline, retry policy);
//! - through a hand-written raw tonic client (`tonic::client::Grpc` + prost codec: what
//!   a module author writes without modgen), against the same server;
//! - in process, through `Arc<dyn CalculatorClient>` (what `wire_client` returns when
//!   the module runs in the same process).
//!
//! `cargo run --release -p modgen-bench --bin module_roundtrip [-- --calls N]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use modgen_bench::latency::{mean, percentile, show};

use calculator::Calculator;
use calculator::generated::CalculatorConfig;
use calculator_sdk::proto::oop::calculator::v1::{AddRequest, AddResponse};
use calculator_sdk::testing::serve_for_test;
use calculator_sdk::{CalculatorClient, CallContext};
use tonic::client::Grpc;
use tonic::transport::Channel;
use tonic_prost::ProstCodec;

const WARM_UP: usize = 1_000;

#[tokio::main]
async fn main() {
    let calls = modgen_bench::latency::calls_from_args(20_000);
    let implementation: Arc<dyn CalculatorClient> =
        Arc::new(Calculator::new(CalculatorConfig::default()));
    let (server, generated) = serve_for_test(implementation.clone()).await;
    let mut raw = RawCalculator::new(server.channel.clone());

    // Interleaved rounds so that drift in machine load hits all three alike.
    let mut samples = [Vec::new(), Vec::new(), Vec::new()];
    let rounds = 10;
    for round in 0..=rounds {
        let count = if round == 0 { WARM_UP } else { calls / rounds };
        let keep = round > 0;
        let generated_times = time_calls(count, |a| {
            let generated = &generated;
            async move {
                let ctx = CallContext::new();
                generated
                    .add(&ctx, AddRequest { a, b: 1 })
                    .await
                    .map(|r| r.sum)
            }
        })
        .await;
        let raw_times = time_calls(count, |a| {
            let mut raw = raw.clone();
            async move { raw.add(AddRequest { a, b: 1 }).await.map(|r| r.sum) }
        })
        .await;
        let local_times = time_calls(count, |a| {
            let local = implementation.clone();
            async move {
                let ctx = CallContext::new();
                local.add(&ctx, AddRequest { a, b: 1 }).await.map(|r| r.sum)
            }
        })
        .await;
        if keep {
            samples[0].extend(generated_times);
            samples[1].extend(raw_times);
            samples[2].extend(local_times);
        }
    }
    raw.channel_check().await;

    println!("unary Add round trip, {calls} calls each after {WARM_UP} warm-up, loopback, release");
    println!("| client | p50 | p99 | mean |");
    println!("|---|---|---|---|");
    let names = [
        "generated SDK client",
        "hand-written raw tonic client",
        "in process (Arc<dyn CalculatorClient>)",
    ];
    let mut medians = Vec::new();
    for (name, times) in names.iter().zip(samples.iter_mut()) {
        times.sort_unstable();
        let p50 = percentile(times, 0.50);
        medians.push(p50);
        println!(
            "| {name} | {} | {} | {} |",
            show(p50),
            show(percentile(times, 0.99)),
            show(mean(times))
        );
    }
    println!(
        "generated / raw (p50): {:.2}; in process / raw (p50): {:.4}",
        medians[0].as_secs_f64() / medians[1].as_secs_f64(),
        medians[2].as_secs_f64() / medians[1].as_secs_f64()
    );
}

/// Each call checks its answer, so a broken path cannot look fast.
async fn time_calls<F, Fut, E>(count: usize, mut call: F) -> Vec<Duration>
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = Result<i64, E>>,
    E: std::fmt::Debug,
{
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let a = i as i64;
        let started = Instant::now();
        let sum = call(a).await.expect("the call succeeds");
        times.push(started.elapsed());
        assert_eq!(sum, a + 1);
    }
    times
}

/// A unary client written the way tonic's own generated clients work, without modgen.
#[derive(Clone)]
struct RawCalculator {
    grpc: Grpc<Channel>,
}

impl RawCalculator {
    fn new(channel: Channel) -> Self {
        Self {
            grpc: Grpc::new(channel),
        }
    }

    async fn add(&mut self, request: AddRequest) -> Result<AddResponse, tonic::Status> {
        self.grpc
            .ready()
            .await
            .map_err(|error| tonic::Status::unavailable(error.to_string()))?;
        let path = http::uri::PathAndQuery::from_static("/oop.calculator.v1.CalculatorService/Add");
        let codec: ProstCodec<AddRequest, AddResponse> = ProstCodec::default();
        self.grpc
            .unary(tonic::Request::new(request), path, codec)
            .await
            .map(tonic::Response::into_inner)
    }

    async fn channel_check(&mut self) {
        let reply = self.add(AddRequest { a: 1, b: 1 }).await.expect("raw add");
        assert_eq!(reply.sum, 2);
    }
}
