//! A whole host with a dependent and its dependency, the dependency SIGKILLed under a
//! steady stream of the dependent's calls, on each directory backend: calls fail only until
//! the restarted instance is resolvable (and one call's reach after), no call hangs, and from 100 ms after the kill no resolve returns the
//! dead endpoint, through the host's directory and, on etcd, through a second directory
//! sharing the store (what another host sees).
//!
//! The dependent `front` is a local module (this test process is its host binary); its
//! client is the one it builds over its handle's resolver, so its calls present its own
//! credential, and the dependency `back` (an echo process) admits `front` only.

mod etcd_support;
mod host_support;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::path::Path;
use std::time::{Duration, Instant};

use host_support::{
    CallResult, PATIENCE, children_of, echo_module_binary, environ_of, steady_calls,
};
use modgen_runtime::client::generated::{self, Rpc};
use modgen_runtime::client::{ClientOptions, RetryPolicy, ServiceChannels};
use modgen_runtime::context::CallContext;
use modgen_runtime::directory::config::DEFAULT_BIND;
use modgen_runtime::directory::{
    AuthMode, Backend, DirectoryClient, DirectoryConfig, EtcdSettings, RunningDirectory,
};
use modgen_runtime::host::{self, HostConfig, LocalModule, RunningHost};
use modgen_runtime::oop::{ModuleSpec, Routes};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Status};

const ECHO_RPC: Rpc = Rpc::new("echo.v1.Echo", "Echo", "/echo.v1.Echo/Echo");
/// Each call is bounded by this (the client's call timeout): a hang shows as a call
/// that took longer.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// How soon after the kill resolving must stop returning the dead endpoint.
const GONE_WITHIN: Duration = Duration::from_millis(100);
/// How long after the restarted instance is resolvable a call may still fail: the
/// caller's next resolve, its connect and the call itself.
const RECOVERY_SLACK: Duration = Duration::from_secs(1);
const CALLERS: usize = 4;
const SUCCESSES_AFTER_KILL: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_a_sigkilled_dependency_under_load_recovers_and_is_never_resolved_again() {
    crash_under_load(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_a_sigkilled_dependency_under_load_recovers_and_is_never_resolved_again() {
    let Some(etcd) = etcd_support::start() else {
        return;
    };
    crash_under_load(Some(&etcd.endpoint())).await;
}

/// The steps, on the memory backend (`etcd: None`) or on the etcd at that endpoint.
async fn crash_under_load(etcd: Option<&str>) {
    let backend = if etcd.is_some() { "etcd" } else { "memory" };
    let instance_id = format!("back-{backend}");
    let cancel = CancellationToken::new();
    let (front_built, front_client) = oneshot::channel();
    let running = start_host(etcd, &instance_id, front_built, &cancel).await;
    let host_directory = DirectoryClient::connect(running.directory_endpoint())
        .await
        .unwrap();
    // Another host's view of the same store: a directory of its own on the same etcd.
    let other = match etcd {
        Some(endpoint) => Some(second_directory(endpoint, &cancel).await),
        None => None,
    };
    let mut views = vec![host_directory];
    if let Some(other) = &other {
        views.push(DirectoryClient::connect(&other.endpoint).await.unwrap());
    }
    let dead = resolved_other_than(&views, "", PATIENCE).await;
    // `front` is built once `back` is ready, so only now is its client there.
    let channels = tokio::time::timeout(PATIENCE, front_client)
        .await
        .expect("front was built in time")
        .expect("front was built");
    let pid = module_pid(&instance_id);

    let killed_at = Instant::now() + Duration::from_millis(200);
    let callers: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let channels = channels.clone();
            tokio::spawn(steady_calls(SUCCESSES_AFTER_KILL, killed_at, move |n| {
                echo_call(channels.clone(), caller, n)
            }))
        })
        .collect();
    tokio::time::sleep_until(killed_at.into()).await;
    // SAFETY: kill(2) on the module process this test's host started.
    unsafe { libc::kill(pid, libc::SIGKILL) };

    for view in &views {
        let gone = never_resolves_after(view, &dead, killed_at + GONE_WITHIN).await;
        assert!(
            gone.is_ok(),
            "{backend}: {dead} still resolved {:?} past {GONE_WITHIN:?} after the SIGKILL",
            gone.unwrap_err()
        );
    }
    // From then on, through the restart and after it, it never comes back.
    let restarted = resolved_other_than(&views, &dead, PATIENCE).await;
    let restarted_at = Instant::now();
    let until = Instant::now() + Duration::from_millis(500);
    for view in &views {
        assert!(never_resolves_after(view, &dead, until).await.is_ok());
    }

    let mut last_failure = None;
    for caller in callers {
        let results = caller.await.unwrap();
        last_failure = last_failure.max(check_calls(&results, killed_at));
    }
    if let Some(last_failure) = last_failure {
        // Calls fail only while there is nothing to call: the outage ends within one
        // call's reach (a resolve, a connect, the call) of the restarted instance
        // becoming resolvable.
        let outage = last_failure.saturating_duration_since(killed_at);
        let restart = restarted_at.saturating_duration_since(killed_at);
        assert!(
            last_failure <= restarted_at + RECOVERY_SLACK,
            "{backend}: failed for {outage:?}, but {restarted} was resolvable {restart:?} after the kill"
        );
    }
    cancel.cancel();
    running.wait().await.unwrap();
}

/// `back`: the echo process (fixed instance id, so the test finds its pid among the
/// test process's children), admitting `front` only; `front`: a local module depending
/// on it, which keeps the client it builds for the test.
async fn start_host(
    etcd: Option<&str>,
    instance_id: &str,
    front_built: oneshot::Sender<ServiceChannels>,
    cancel: &CancellationToken,
) -> RunningHost {
    let directory = match etcd {
        Some(endpoint) => {
            format!("directory: {{ backend: etcd, endpoints: [{endpoint}], prefix: /crash/ }}\n")
        }
        None => String::new(),
    };
    let yaml = format!(
        "{directory}restart: {{ initial_backoff: 200ms }}
modules:
  back:
    # Loopback TCP: each start gets a new port, so the dead process's endpoint is one
    # no later process registers (on the unix transport every start reuses back.sock).
    transport: tcp
    runtime:
      type: oop
      execution:
        executable_path: {module}
        environment: {{ MODGEN_INSTANCE_ID: {instance_id} }}
    access: {{ callers: [front] }}
  front:
    runtime: {{ type: local }}
    deps: [back]
",
        module = echo_module_binary().display()
    );
    let config = HostConfig::from_yaml_str(&yaml, Path::new("host.yaml")).unwrap();
    let spec = ModuleSpec {
        name: "front",
        version: "1.0.0",
        service_names: &["front.v1.Front"],
        file_descriptor_sets: &[],
        heartbeat_interval: Duration::from_secs(5),
    };
    let front = LocalModule::new(
        spec,
        move |_config: serde_json::Map<_, _>, handle| async move {
            let options = ClientOptions {
                call_timeout: Some(CALL_TIMEOUT),
                retry: RetryPolicy {
                    max_attempts: 3,
                    initial_backoff: Duration::from_millis(20),
                    max_backoff: Duration::from_millis(100),
                },
                ..ClientOptions::default()
            };
            let resolver = handle.resolver().ok_or("no directory")?;
            let channels = ServiceChannels::new(echo::SERVICE_NAME, resolver, options);
            // As `wire_client` does: the dependency is found at start.
            channels.pick().await?;
            let _ = front_built.send(channels);
            Ok(Routes::new(echo::EchoService::new("front")))
        },
    );
    host::start_with(config, vec![front], cancel.clone())
        .await
        .unwrap()
}

async fn second_directory(etcd: &str, cancel: &CancellationToken) -> RunningDirectory {
    let mut settings = EtcdSettings::new(vec![etcd.to_owned()]);
    settings.prefix = "/crash/".to_owned();
    let config = DirectoryConfig::new(AuthMode::Disabled).with_backend(Backend::Etcd(settings));
    modgen_runtime::directory::serve(config, DEFAULT_BIND, cancel.clone())
        .await
        .unwrap()
}

/// The pid of this process's module child registered under `instance_id`.
fn module_pid(instance_id: &str) -> i32 {
    children_of(std::process::id() as i32)
        .into_iter()
        .find(|pid| environ_of(*pid, "MODGEN_INSTANCE_ID").as_deref() == Some(instance_id))
        .unwrap_or_else(|| panic!("no module process for {instance_id}"))
}

/// Waits until every view resolves the echo service to an endpoint other than `not`;
/// that endpoint.
async fn resolved_other_than(views: &[DirectoryClient], not: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    'retry: loop {
        assert!(
            Instant::now() < deadline,
            "echo never resolved past {not:?}"
        );
        let mut found = None;
        for view in views {
            match view.resolve(echo::SERVICE_NAME).await {
                Ok(endpoint) if endpoint != not => found = Some(endpoint),
                _ => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue 'retry;
                }
            }
        }
        return found.expect("at least one view");
    }
}

/// Resolves in a loop until `until`; from `until` on, one more resolve (at least) must
/// not return `dead`. `Err(how long after `until`)` when it still did.
async fn never_resolves_after(
    view: &DirectoryClient,
    dead: &str,
    until: Instant,
) -> Result<(), Duration> {
    loop {
        let now = Instant::now();
        let endpoint = view.resolve(echo::SERVICE_NAME).await.ok();
        if now >= until {
            if endpoint.as_deref() == Some(dead) {
                return Err(now - until);
            }
            if Instant::now() >= until + Duration::from_millis(50) {
                return Ok(());
            }
        }
    }
}

/// One echo call as `front`, the test's `caller`-th stream: an answer must come from a
/// dependency that verified the dependent.
async fn echo_call(channels: ServiceChannels, caller: usize, n: usize) -> Result<(), Code> {
    let request = echo::EchoRequest {
        message: format!("caller {caller} call {n}"),
        ..Default::default()
    };
    let result: Result<echo::EchoReply, Status> =
        generated::unary(&channels, &CallContext::new(), ECHO_RPC, request).await;
    let reply = result.map_err(|status| status.code())?;
    assert_eq!(
        reply.caller, "front",
        "the dependency verified the dependent"
    );
    Ok(())
}

/// No call hung; calls recovered and, once one succeeded, all did. The end of the
/// last failed call, if any.
fn check_calls(results: &[CallResult], killed_at: Instant) -> Option<Instant> {
    for (_, took, result) in results {
        assert!(
            *took < CALL_TIMEOUT + Duration::from_secs(1),
            "a call hung: {took:?} {result:?}"
        );
    }
    let after_kill = results
        .iter()
        .filter(|(started, _, result)| result.is_ok() && *started > killed_at)
        .count();
    assert!(
        after_kill >= SUCCESSES_AFTER_KILL,
        "calls never recovered: {results:?}"
    );
    // A call on the connection the kill broke fails with what the transport saw; later
    // ones with UNAVAILABLE while nothing is registered. The failures are one outage:
    // no success between the first failure and the last.
    let failed = |(_, _, result): &&CallResult| result.is_err();
    let first = results.iter().position(|r| failed(&r))?;
    let last = results.iter().rposition(|r| failed(&r))?;
    assert!(
        results[first..=last].iter().all(|r| failed(&r)),
        "calls flapped: {results:?}"
    );
    let (started, took, _) = results[last];
    Some(started + took)
}
