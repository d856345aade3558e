//! A call from one module to another (the calculator's `Add`), with both modules local
//! (in the host process, through the client hub) beside both out of process (the
//! calculator spawned by the host, reached through the directory and gRPC), each under
//! `modgen_runtime::host` with the same YAML but for `type:`.
//!
//! The caller is a local module in the first layout; in the second it is this process,
//! holding what an OoP module's `wire_client` returns (a client resolved through the
//! host's directory), so the call path is the one between two OoP modules.
//!
//! ```sh
//! cargo build --release -p calculator -p modgen-bench
//! cargo run --release -p modgen-bench --bin module_layouts   # -- --calls N
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use modgen_bench::latency::{mean, percentile, show};

use calculator::Calculator;
use calculator::generated::{CalculatorConfig, SPEC, routes};
use calculator_sdk::proto::oop::calculator::v1::AddRequest;
use calculator_sdk::{CalculatorClient, CallContext, register_local, wire_client};
use modgen_runtime::directory::{DirectoryClient, Resolver};
use modgen_runtime::host::{self, HostConfig, LocalModule};
use modgen_runtime::hub::ClientHub;
use modgen_runtime::oop::ModuleSpec;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

const WARM_UP: usize = 1_000;

#[tokio::main]
async fn main() {
    let calls = calls_from_args();
    let (local_host, local_cancel, local) = both_local().await;
    let (oop_host, oop_cancel, oop) = both_oop().await;

    let mut samples = [Vec::new(), Vec::new()];
    let rounds = 10;
    for round in 0..=rounds {
        let count = if round == 0 { WARM_UP } else { calls / rounds };
        for (client, times) in [&local, &oop].into_iter().zip(samples.iter_mut()) {
            let measured = time_calls(client.as_ref(), count).await;
            if round > 0 {
                times.extend(measured);
            }
        }
    }
    for (cancel, host) in [(local_cancel, local_host), (oop_cancel, oop_host)] {
        cancel.cancel();
        let outcome = host.wait().await.expect("the host stops");
        assert!(outcome.is_clean(), "{outcome:?}");
    }

    println!("calculator Add from another module, {calls} calls each after {WARM_UP} warm-up");
    println!("| layout | p50 | p99 | mean |");
    println!("|---|---|---|---|");
    let names = ["both local (hub)", "both OoP (directory + gRPC)"];
    let mut medians = Vec::new();
    for (name, times) in names.iter().zip(samples.iter_mut()) {
        times.sort_unstable();
        medians.push(percentile(times, 0.50));
        println!(
            "| {name} | {} | {} | {} |",
            show(percentile(times, 0.50)),
            show(percentile(times, 0.99)),
            show(mean(times))
        );
    }
    println!(
        "OoP / local (p50): {:.0}",
        medians[1].as_secs_f64() / medians[0].as_secs_f64()
    );
}

/// The calculator and a caller module, both `type: local`; returns what the caller's
/// `wire_client` gave it.
async fn both_local() -> (
    host::RunningHost,
    CancellationToken,
    Arc<dyn CalculatorClient>,
) {
    let yaml = "modules:
  calculator: { runtime: { type: local } }
  caller: { runtime: { type: local }, deps: [calculator] }
";
    let config = HostConfig::from_yaml_str(yaml, "host.yaml".as_ref()).expect("yaml");
    let calculator = LocalModule::new(SPEC, |_config, handle| async move {
        let calculator = Arc::new(Calculator::new(CalculatorConfig::default()));
        register_local(handle.hub(), calculator.clone());
        Ok(routes(calculator))
    });
    let (wired, client) = oneshot::channel();
    let caller_spec = ModuleSpec {
        name: "caller",
        service_names: &["bench.v1.Caller"],
        ..SPEC
    };
    let caller = LocalModule::new(caller_spec, |_config, handle| async move {
        let resolver = handle.resolver().expect("a directory");
        let calculator = wire_client(handle.hub(), resolver).await?;
        let _ = wired.send(calculator.clone());
        // It must serve something to register; what it serves is not measured.
        Ok(routes(Arc::new(Calculator::new(
            CalculatorConfig::default(),
        ))))
    });
    let cancel = CancellationToken::new();
    let running = host::start_with(config, vec![calculator, caller], cancel.clone())
        .await
        .expect("the local host starts");
    (running, cancel, client.await.expect("the caller was built"))
}

/// The calculator as a process the host spawns; returns what an OoP caller's
/// `wire_client` returns (no local implementation in its hub).
async fn both_oop() -> (
    host::RunningHost,
    CancellationToken,
    Arc<dyn CalculatorClient>,
) {
    let binary = calculator_binary();
    let yaml = format!(
        "modules:\n  calculator:\n    runtime: {{ type: oop, execution: {{ executable_path: {}, environment: {{ RUST_LOG: warn }} }} }}\n",
        binary.display()
    );
    let config = HostConfig::from_yaml_str(&yaml, "host.yaml".as_ref()).expect("yaml");
    let cancel = CancellationToken::new();
    let running = host::start(config, cancel.clone())
        .await
        .expect("the OoP host starts");
    let directory = DirectoryClient::connect(running.directory_endpoint())
        .await
        .expect("the directory answers");
    let resolver: Arc<dyn Resolver> = Arc::new(directory);
    let deadline = Instant::now() + Duration::from_secs(60);
    let client = loop {
        match wire_client(&ClientHub::new(), resolver.clone()).await {
            Ok(client) => break client,
            Err(error) if Instant::now() > deadline => panic!("the calculator never came: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    (running, cancel, client)
}

/// `target/<profile>/calculator`, beside this benchmark's own binary.
fn calculator_binary() -> PathBuf {
    let binary = std::env::current_exe()
        .expect("own path")
        .with_file_name("calculator");
    assert!(
        binary.is_file(),
        "{} is missing: `cargo build --release -p calculator` first",
        binary.display()
    );
    binary
}

/// Each call checks its answer, so a broken path cannot look fast.
async fn time_calls(client: &dyn CalculatorClient, count: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let a = i as i64;
        let started = Instant::now();
        let sum = client
            .add(&CallContext::new(), AddRequest { a, b: 1 })
            .await
            .expect("the call succeeds")
            .sum;
        times.push(started.elapsed());
        assert_eq!(sum, a + 1);
    }
    times
}

fn calls_from_args() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == "--calls")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse().expect("--calls takes a number"))
        .unwrap_or(20_000)
}
