//! Resolve latency over gRPC while the directory holds 10,000 instances that all
//! heartbeat on their interval (default 5 s) through the real heartbeat loop.
//!
//! `cargo run --release -p modgen-bench --bin directory_resolve [-- --services 2000
//! --instances 5 --resolves 20000 --channels 4 --backend memory|etcd]`
//!
//! `--backend etcd` runs the directory on a local etcd (started by the bench): resolves
//! come from its watch-kept cache, heartbeats are lease keep-alives, registrations are
//! claim transactions.
//!
//! Loopback only. Prints p50/p99/max of sequential resolves from one client, the same for
//! 8 concurrent resolvers, and checks at the end (after more than one TTL) that every
//! instance is still live, which only holds if every heartbeat loop kept up. Then stops
//! the heartbeats and measures once more, as a baseline without heartbeat traffic.

use std::time::{Duration, Instant};

use modgen_bench::directory_backend::{BackendChoice, BenchBackend};
use modgen_runtime::directory::config::{DEFAULT_BIND, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_TTL};
use modgen_runtime::directory::{
    AuthMode, DirectoryClient, DirectoryConfig, Registration, random_token, serve,
};
use modgen_runtime::heartbeat::spawn_heartbeat;
use tokio_util::sync::CancellationToken;

struct Args {
    services: usize,
    instances: usize,
    resolves: usize,
    channels: usize,
    max_measure: Duration,
    backend: BackendChoice,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        services: 2000,
        instances: 5,
        resolves: 20_000,
        channels: 4,
        max_measure: Duration::from_secs(60),
        backend: BackendChoice::Memory,
    };
    let mut iter = std::env::args().skip(1);
    while let Some(flag) = iter.next() {
        let value = iter.next().ok_or(format!("{flag} needs a value"))?;
        if flag == "--backend" {
            args.backend = value.parse()?;
            continue;
        }
        let number: usize = value
            .parse()
            .map_err(|_| format!("{flag}: not a number: {value}"))?;
        match flag.as_str() {
            "--services" => args.services = number,
            "--instances" => args.instances = number,
            "--resolves" => args.resolves = number,
            "--channels" => args.channels = number.max(1),
            "--max-secs" => args.max_measure = Duration::from_secs(number as u64),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn service_name(service: usize) -> String {
    format!("bench.s{service}.v1.Svc")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    // Other work on the machine skews tail latencies; print it with the figures.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before the run: {}", load.trim());
    }
    let total = args.services * args.instances;
    let cancel = CancellationToken::new();
    let token = random_token();
    let mut backend = BenchBackend::start(args.backend)?;
    println!("backend: {}", backend.name());
    let config = backend.configure(DirectoryConfig::new(AuthMode::Token(token.clone())));
    let directory = serve(config, DEFAULT_BIND, cancel.child_token()).await?;
    let mut clients = Vec::new();
    for _ in 0..args.channels {
        clients.push(
            DirectoryClient::connect(&directory.endpoint)
                .await?
                .with_token(Some(token.clone())),
        );
    }

    let registrations: Vec<Registration> = (0..total)
        .map(|n| {
            let (service, instance) = (n / args.instances, n % args.instances);
            Registration::new(
                format!("m{service}"),
                format!("m{service}-i{instance}"),
                "1.0.0",
            )
            .with_service(
                service_name(service),
                format!("http://127.0.0.1:{}", 20_000 + instance),
            )
        })
        .collect();

    let started = Instant::now();
    let mut registering = tokio::task::JoinSet::new();
    for (worker, chunk) in registrations.chunks(total.div_ceil(32).max(1)).enumerate() {
        let client = clients[worker % clients.len()].clone();
        let chunk = chunk.to_vec();
        registering.spawn(async move {
            for registration in &chunk {
                client.register(registration).await?;
            }
            Ok::<_, tonic::Status>(())
        });
    }
    while let Some(done) = registering.join_next().await {
        done??;
    }
    let registered_at = Instant::now();
    let took = registered_at - started;
    println!(
        "registered {total} instances ({} services x {}) over gRPC in {took:.2?}: {:.0} registrations/s",
        args.services,
        args.instances,
        total as f64 / took.as_secs_f64()
    );

    // Heartbeat loops start spread over one interval, as real modules would be, so the
    // directory sees a steady ~total/5 s heartbeats per second rather than bursts.
    let heartbeats = cancel.child_token();
    let spawner = {
        let clients = clients.clone();
        let cancel = heartbeats.clone();
        tokio::spawn(async move {
            let step = DEFAULT_HEARTBEAT_INTERVAL / u32::try_from(total.max(1)).unwrap_or(u32::MAX);
            let mut ticks = tokio::time::interval(step);
            for (n, registration) in registrations.into_iter().enumerate() {
                ticks.tick().await;
                let client = clients[n % clients.len()].clone();
                drop(spawn_heartbeat(
                    client,
                    registration,
                    DEFAULT_HEARTBEAT_INTERVAL,
                    cancel.clone(),
                ));
            }
        })
    };
    spawner.await?;
    // One more interval, so every loop has sent at least one heartbeat.
    tokio::time::sleep(DEFAULT_HEARTBEAT_INTERVAL).await;
    println!(
        "{total} heartbeat loops running (every {:?}, ~{} heartbeats/s)",
        DEFAULT_HEARTBEAT_INTERVAL,
        total as u64 / DEFAULT_HEARTBEAT_INTERVAL.as_secs().max(1)
    );

    let resolver = DirectoryClient::connect(&directory.endpoint).await?;
    let sequential = measure(&resolver, args.resolves, args.services, args.max_measure, 0).await?;
    report("sequential, 1 client", &sequential);

    let mut concurrent = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let resolver = DirectoryClient::connect(&directory.endpoint).await?;
        let (count, services, max) = (args.resolves / 8, args.services, args.max_measure);
        concurrent.spawn(async move { measure(&resolver, count, services, max, worker + 1).await });
    }
    let mut all = Vec::new();
    while let Some(done) = concurrent.join_next().await {
        all.extend(done??);
    }
    report("8 concurrent clients", &all);

    // Past one TTL since the last registration, everything must still be live.
    let settle = (registered_at + DEFAULT_TTL + Duration::from_secs(1))
        .saturating_duration_since(Instant::now());
    tokio::time::sleep(settle).await;
    let mut live = 0;
    for service in 0..args.services {
        live += resolver
            .resolve_raw(&service_name(service))
            .await
            .map_or(0, |response| response.endpoint_uris.len());
    }
    println!(
        "after {:.1?} (> TTL {DEFAULT_TTL:?}): {live}/{total} instances live",
        registered_at.elapsed()
    );
    // Baseline: the same 10,000 entries with no heartbeat traffic (they stay live for
    // one more TTL, far longer than this takes).
    heartbeats.cancel();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let idle = measure(
        &resolver,
        args.resolves,
        args.services,
        Duration::from_secs(10),
        0,
    )
    .await?;
    report("sequential, 1 client, heartbeats stopped", &idle);
    cancel.cancel();
    if live != total {
        return Err(format!(
            "{} instances were evicted: heartbeats did not keep up",
            total - live
        )
        .into());
    }
    Ok(())
}

/// `count` resolves (or fewer when `max` runs out) of pseudo-random services; one latency each.
async fn measure(
    resolver: &DirectoryClient,
    count: usize,
    services: usize,
    max: Duration,
    seed: usize,
) -> Result<Vec<Duration>, tonic::Status> {
    let mut latencies = Vec::with_capacity(count);
    let deadline = Instant::now() + max;
    // A multiplicative step visits services in a scattered order without a rand dependency.
    let mut service = seed * 7919 % services.max(1);
    while latencies.len() < count && Instant::now() < deadline {
        let name = service_name(service);
        let start = Instant::now();
        resolver.resolve(&name).await?;
        latencies.push(start.elapsed());
        service = (service + 7919) % services.max(1);
    }
    Ok(latencies)
}

fn report(label: &str, latencies: &[Duration]) {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        println!("{label}: no samples");
        return;
    }
    let at = |q: f64| sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)];
    println!(
        "resolve latency, {label}: n={} p50={} µs p99={} µs max={} µs",
        sorted.len(),
        at(0.50).as_micros(),
        at(0.99).as_micros(),
        sorted[sorted.len() - 1].as_micros()
    );
}
