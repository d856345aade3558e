//! Unary round trip over a Unix domain socket (what a module under a host listens on)
//! beside loopback TCP (standalone, or `transport: tcp`): the calculator's routes served
//! twice in one process, once per transport, each called through the generated SDK
//! client (`CalculatorGrpcClient`) on a channel the runtime built for that endpoint,
//! interleaved in rounds so that drift in machine load hits both alike.
//!
//! `cargo run --release -p modgen-bench --bin uds_vs_tcp [-- --calls N]`

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calculator::Calculator;
use calculator::generated::CalculatorConfig;
use calculator::generated::oop::routes;
use calculator_sdk::proto::oop::calculator::v1::AddRequest;
use calculator_sdk::{CalculatorClient, CalculatorGrpcClient, CallContext};
use modgen_bench::latency::{mean, percentile, show};
use modgen_runtime::testing::{serve_loopback, serve_unix_socket};

const WARM_UP: usize = 1_000;
const ROUNDS: usize = 10;

#[tokio::main]
async fn main() {
    let calls = modgen_bench::latency::calls_from_args(20_000);
    let implementation = Arc::new(Calculator::new(CalculatorConfig::default()));
    let tcp = serve_loopback(routes(implementation.clone()))
        .await
        .expect("serve on loopback TCP");
    // As under a host: the socket (0600) in a directory only this user can open.
    let run_dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(run_dir.path(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod 0700");
    let uds = serve_unix_socket(routes(implementation), &run_dir.path().join("calc.sock"))
        .await
        .expect("serve on a Unix socket");
    let clients = [
        CalculatorGrpcClient::from_channel(uds.channel.clone()),
        CalculatorGrpcClient::from_channel(tcp.channel.clone()),
    ];

    let mut samples = [Vec::new(), Vec::new()];
    for round in 0..=ROUNDS {
        let count = if round == 0 { WARM_UP } else { calls / ROUNDS };
        for (which, client) in clients.iter().enumerate() {
            let times = time_calls(client, count).await;
            if round > 0 {
                samples[which].extend(times);
            }
        }
    }

    println!(
        "unary Add through the generated SDK client, {calls} calls each after {WARM_UP} \
         warm-up, {ROUNDS} interleaved rounds, release"
    );
    println!("| transport | p50 | p99 | mean |");
    println!("|---|---|---|---|");
    let names = [
        format!("Unix socket ({})", uds.endpoint),
        format!("loopback TCP ({})", tcp.endpoint),
    ];
    let mut figures = Vec::new();
    for (name, times) in names.iter().zip(samples.iter_mut()) {
        times.sort_unstable();
        let (p50, p99) = (percentile(times, 0.50), percentile(times, 0.99));
        figures.push((p50, p99));
        println!(
            "| {name} | {} | {} | {} |",
            show(p50),
            show(p99),
            show(mean(times))
        );
    }
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "UDS / TCP: p50 {:.3}, p99 {:.3}",
        ratio(figures[0].0, figures[1].0),
        ratio(figures[0].1, figures[1].1)
    );
}

/// Each call checks its answer, so a broken path cannot look fast.
async fn time_calls(client: &CalculatorGrpcClient, count: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let a = i as i64;
        let started = Instant::now();
        let reply = client
            .add(&CallContext::new(), AddRequest { a, b: 1 })
            .await
            .expect("the call succeeds");
        times.push(started.elapsed());
        assert_eq!(reply.sum, a + 1);
    }
    times
}
