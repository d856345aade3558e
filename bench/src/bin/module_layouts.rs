//! A call from one module to another (the calculator's `Add`), with the calculator local
//! (in the host process, through the client hub) beside out of process (spawned by the
//! host, reached through the directory and gRPC), each under `modgen_runtime::host` with
//! the same YAML but for `type:`.
//!
//! The caller is a `type: local` module in both layouts and calls through what its
//! `wire_client` returned. Calculator local: the implementation from the shared hub,
//! wrapped so the callee's `ctx.caller` names the caller (no wire, no serialisation).
//! Calculator OoP: a generated client resolved through the host's directory, presenting
//! the caller's host-minted credential, which the calculator process's guard verifies:
//! the path a call between two OoP modules takes (client, gRPC over loopback, guard,
//! server), from a caller that runs in the host process rather than its own.
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
use modgen_runtime::host::{self, HostConfig, LocalModule};
use modgen_runtime::oop::ModuleSpec;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

const WARM_UP: usize = 1_000;

#[tokio::main]
async fn main() {
    let calls = modgen_bench::latency::calls_from_args(20_000);
    let (local_host, local_cancel, (local, bare)) = start_layout(Layout::Local).await;
    let (oop_host, oop_cancel, (oop, _)) = start_layout(Layout::Oop).await;
    // The implementation straight from the hub, without `wire_client`'s wrapper: what
    // naming the caller in `ctx.caller` costs per call.
    let bare = bare.expect("the local calculator is in the hub");

    let clients = [&local, &bare, &oop];
    let mut samples = [Vec::new(), Vec::new(), Vec::new()];
    let rounds = 10;
    for round in 0..=rounds {
        let count = if round == 0 { WARM_UP } else { calls / rounds };
        // Rotated, so none always runs first on a warmer cache.
        for turn in 0..clients.len() {
            let which = (round + turn) % clients.len();
            let client = clients[which];
            let measured = time_calls(client.as_ref(), count).await;
            if round > 0 {
                samples[which].extend(measured);
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
    let names = [
        "both local (hub, `wire_client`)",
        "both local (hub, implementation called bare)",
        "local caller → OoP calculator (directory + gRPC)",
    ];
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
        "OoP / local (p50): {:.0}; local wire_client / bare (p50): {:.2}",
        medians[2].as_secs_f64() / medians[0].as_secs_f64(),
        medians[0].as_secs_f64() / medians[1].as_secs_f64()
    );
}

/// Where the calculator runs; the caller is a `type: local` module either way, so its
/// call goes through what its `wire_client` returned: the implementation from the hub, or
/// a generated client resolved through the directory, presenting the caller's own
/// credential to the calculator process's guard (the wire path of any OoP caller).
#[derive(Clone, Copy)]
enum Layout {
    Local,
    Oop,
}

/// The host of one layout (the same YAML but for the calculator's `type:`), its stop
/// token, what the caller's `wire_client` gave it, and the hub's own entry (local only).
async fn start_layout(
    layout: Layout,
) -> (
    host::RunningHost,
    CancellationToken,
    (Arc<dyn CalculatorClient>, Option<Arc<dyn CalculatorClient>>),
) {
    let calculator_runtime = match layout {
        Layout::Local => "{ type: local }".to_owned(),
        Layout::Oop => format!(
            "{{ type: oop, execution: {{ executable_path: {}, environment: {{ RUST_LOG: warn }} }} }}",
            calculator_binary().display()
        ),
    };
    let yaml = format!(
        "modules:
  calculator: {{ runtime: {calculator_runtime} }}
  caller: {{ runtime: {{ type: local }}, deps: [calculator] }}
"
    );
    let config = HostConfig::from_yaml_str(&yaml, "host.yaml".as_ref()).expect("yaml");
    // Linked either way; the host runs it here only where the YAML says `local`.
    let calculator = LocalModule::new(SPEC, |_config: CalculatorConfig, handle| async move {
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
    let caller = LocalModule::new(
        caller_spec,
        |_config: CalculatorConfig, handle| async move {
            let resolver = handle.resolver().expect("a directory");
            let calculator = wire_client(handle.hub(), resolver).await?;
            let bare = handle.hub().get::<dyn CalculatorClient>();
            let _ = wired.send((calculator, bare));
            // It must serve something to register; what it serves is not measured.
            Ok(routes(Arc::new(Calculator::new(
                CalculatorConfig::default(),
            ))))
        },
    );
    let cancel = CancellationToken::new();
    let running = host::start_with(config, vec![calculator, caller], cancel.clone())
        .await
        .expect("the host starts");
    let client = tokio::time::timeout(Duration::from_secs(60), client)
        .await
        .expect("the caller was built within a minute")
        .expect("the caller was built");
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
