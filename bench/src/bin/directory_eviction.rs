//! Time from SIGKILL of a registered, heartbeating module process to the moment the
//! directory stops resolving it.
//!
//! `cargo run --release -p modgen-bench --bin directory_eviction [-- --default-trials 5
//! --short-trials 10 --backend memory|etcd]`
//!
//! On `--backend etcd` an instance dies when its lease expires: the TTL rounded up to
//! whole seconds, plus up to etcd's 500 ms expiry sweep, plus the watch to this host.
//!
//! The directory runs in this process; each victim is this same binary re-invoked with
//! `--child`, which registers over gRPC, runs the real heartbeat loop and waits to be
//! killed. Kills land at spread-out points of the heartbeat cycle, so the figures cover
//! the best case (killed just before a heartbeat) to the worst (just after one).

use std::process::Stdio;
use std::time::{Duration, Instant};

use modgen_bench::directory_backend::{BackendChoice, BenchBackend};
use modgen_runtime::directory::config::DEFAULT_BIND;
use modgen_runtime::directory::{
    AuthMode, DirectoryClient, DirectoryConfig, Registration, random_token, serve,
};
use modgen_runtime::heartbeat::spawn_heartbeat;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;
use tonic::Code;

const CHILD_FLAG: &str = "--child";
const READY: &str = "ready";
/// How often the parent asks whether the victim is still resolvable: the resolution of
/// the measurement.
const POLL: Duration = Duration::from_millis(5);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(CHILD_FLAG) {
        return run_child(&args[1..]).await;
    }
    let mut default_trials = 5;
    // Other work on the machine skews tail latencies; print it with the figures.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before the run: {}", load.trim());
    }
    let mut short_trials = 10;
    let mut choice = BackendChoice::Memory;
    for pair in args.chunks(2) {
        match (pair[0].as_str(), pair.get(1).and_then(|v| v.parse().ok())) {
            ("--default-trials", Some(n)) => default_trials = n,
            ("--short-trials", Some(n)) => short_trials = n,
            ("--backend", _) if pair.len() == 2 => choice = pair[1].parse()?,
            _ => return Err(format!("unknown or incomplete flag: {}", pair.join(" ")).into()),
        }
    }
    let settings = [
        (
            "default",
            Duration::from_secs(5),
            Duration::from_secs(15),
            default_trials,
        ),
        (
            "short",
            Duration::from_millis(250),
            Duration::from_millis(750),
            short_trials,
        ),
    ];
    let mut backend = BenchBackend::start(choice)?;
    println!("backend: {}", backend.name());
    for (label, heartbeat, ttl, trials) in settings {
        let mut samples = Vec::new();
        for trial in 0..trials {
            samples.push(trial_once(&mut backend, heartbeat, ttl, trial, trials).await?);
        }
        samples.sort_unstable();
        if let (Some(min), Some(max)) = (samples.first(), samples.last()) {
            let ms = |d: &Duration| d.as_millis();
            println!(
                "{label} (heartbeat {heartbeat:?}, TTL {ttl:?}): SIGKILL -> unresolvable, \
                 {trials} trials: min {} ms, median {} ms, max {} ms (expected ({}, {}] ms + poll {} ms)",
                ms(min),
                ms(&samples[samples.len() / 2]),
                ms(max),
                ms(&backend.lease_ttl(ttl).saturating_sub(heartbeat)),
                ms(&(backend.lease_ttl(ttl) + backend.expiry_sweep())),
                ms(&POLL),
            );
        }
    }
    Ok(())
}

async fn trial_once(
    backend: &mut BenchBackend,
    heartbeat: Duration,
    ttl: Duration,
    trial: u32,
    trials: u32,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let cancel = CancellationToken::new();
    let token = random_token();
    let config = backend.configure(
        DirectoryConfig::new(AuthMode::Token(token.clone())).with_timing(heartbeat, ttl),
    );
    let directory = serve(config, DEFAULT_BIND, cancel.clone()).await?;
    let service = format!("bench.eviction.v1.Victim{trial}");
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args([
            CHILD_FLAG,
            &directory.endpoint,
            &token,
            &service,
            &heartbeat.as_millis().to_string(),
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("child stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    match lines.next_line().await? {
        Some(line) if line == READY => {}
        other => return Err(format!("child did not get ready: {other:?}").into()),
    }
    let client = DirectoryClient::connect(&directory.endpoint).await?;
    client.resolve(&service).await?;

    // Kill somewhere in the second heartbeat cycle, at a point that moves with the trial.
    let phase = heartbeat.mul_f64(f64::from(trial) / f64::from(trials.max(1)));
    tokio::time::sleep(heartbeat + phase).await;
    client.resolve(&service).await?;
    child.start_kill()?; // SIGKILL: no chance to deregister.
    let killed_at = Instant::now();
    child.wait().await?;

    loop {
        match client.resolve(&service).await {
            Ok(_) if killed_at.elapsed() < ttl * 3 + Duration::from_secs(2) => {
                tokio::time::sleep(POLL).await
            }
            Ok(_) => {
                return Err(
                    format!("still resolvable {:?} after SIGKILL", killed_at.elapsed()).into(),
                );
            }
            Err(status) if status.code() == Code::NotFound => break,
            Err(status) => return Err(status.into()),
        }
    }
    let evicted_after = killed_at.elapsed();
    cancel.cancel();
    let _ = directory.task.await;
    Ok(evicted_after)
}

/// The victim: registers one service, heartbeats until killed.
async fn run_child(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [endpoint, token, service, heartbeat_ms] = args else {
        return Err(
            format!("usage: {CHILD_FLAG} <endpoint> <token> <service> <heartbeat-ms>").into(),
        );
    };
    let heartbeat = Duration::from_millis(heartbeat_ms.parse()?);
    let client = DirectoryClient::connect(endpoint)
        .await?
        .with_token(Some(token.clone()));
    let registration =
        Registration::new("victim", format!("victim-{}", std::process::id()), "1.0.0")
            .with_service(service.clone(), "http://127.0.0.1:65000");
    client.register(&registration).await?;
    let _heartbeat = spawn_heartbeat(client, registration, heartbeat, CancellationToken::new());
    println!("{READY}");
    std::future::pending::<()>().await;
    Ok(())
}
