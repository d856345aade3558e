//! Modules that depend on modules, under `modgen-host`: start order and the readiness
//! wait, refusals at load, a crashed instance leaving the directory at once, callers
//! recovering from a dependency's crash, and tokenless entries.

mod host_support;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use host_support::{Host, PATIENCE, children_of, echo_module_binary, environ_of, steady_calls};
use modgen_runtime::client::{ClientOptions, RetryPolicy, ServiceChannels, call_unary};
use modgen_runtime::context::CallContext;
use modgen_runtime::directory::{DirectoryClient, Registration};
use modgen_runtime::host::{self, HostConfig, ModuleEnd};
use tokio_util::sync::CancellationToken;
use tonic::Code;

const SERVICE: &str = "echo.v1.Echo";
const READY: &str = "modgen: listening on ";

fn echo_entry(name: &str, extra: &str) -> String {
    format!(
        "  {name}:\n    runtime: {{ type: oop, execution: {{ executable_path: {} }} }}\n{extra}",
        echo_module_binary().display()
    )
}

fn line_index(lines: &[String], needle: &str) -> usize {
    lines
        .iter()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line containing {needle:?} in:\n{}", lines.join("\n")))
}

#[test]
fn a_dependent_starts_only_after_its_dependency_registered() {
    // The dependent comes first in the file; the dependency still starts first.
    let yaml = format!(
        "modules:\n{}{}",
        echo_entry("front", "    deps: [back]\n"),
        echo_entry("back", "")
    );
    let mut host = Host::start(&yaml);
    host.stdout.wait_for(&format!("[front] {READY}"), PATIENCE);
    let stdout = host.stdout.all();
    assert!(
        line_index(&stdout, &format!("[back] {READY}"))
            < line_index(&stdout, &format!("[front] {READY}")),
        "{stdout:?}"
    );
    host.stderr.wait_for(
        "module 'front' waits for its dependencies to be ready: back",
        PATIENCE,
    );
    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success(), "{}", host.stderr.text());
}

#[test]
fn a_dependent_waits_while_its_dependency_is_up_but_not_registered() {
    // `sleep` runs but never registers: it is not ready, so `front` must not start.
    let yaml = format!(
        "modules:\n{}  back:\n    runtime: {{ type: oop, execution: {{ executable_path: /bin/sleep, args: [\"60\"] }} }}\n",
        echo_entry("front", "    deps: [back]\n"),
    );
    let mut host = Host::start(&yaml);
    host.stderr.wait_for("module 'front' waits", PATIENCE);
    std::thread::sleep(Duration::from_secs(1));
    let children = children_of(host.pid());
    assert_eq!(children.len(), 1, "only the dependency runs: {children:?}");
    assert_eq!(host.stdout.count("[front]"), 0, "{}", host.stdout.text());
    host.signal(libc::SIGTERM);
    // `front` never started, which is clean; `sleep` dies of the SIGTERM, also clean.
    assert!(host.wait_exit(PATIENCE).success(), "{}", host.stderr.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_given_up_on_leaves_its_dependent_unstarted() {
    let yaml = format!(
        "modules:\n{}  back:\n    runtime: {{ type: oop, execution: {{ executable_path: /bin/false }} }}\n\
         restart: {{ max_restarts: 1 }}\n",
        echo_entry("front", "    deps: [back]\n"),
    );
    let config = HostConfig::from_yaml_str(&yaml, Path::new("host.yaml")).unwrap();
    let cancel = CancellationToken::new();
    let running = host::start(config, cancel.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    cancel.cancel();
    let outcome = running.wait().await.unwrap();
    let front = &outcome.modules[0];
    assert_eq!(front.starts, 0);
    assert!(
        matches!(&front.end, ModuleEnd::DependencyUnavailable { dependency } if dependency == "back"),
        "{outcome:?}"
    );
    assert!(!outcome.is_clean());
}

#[test]
fn a_dependency_cycle_is_refused_before_anything_starts() {
    let yaml = format!(
        "modules:\n{}{}",
        echo_entry("a", "    deps: [b]\n"),
        echo_entry("b", "    deps: [a]\n")
    );
    let mut host = Host::start(&yaml);
    let status = host.wait_exit(PATIENCE);
    assert_eq!(status.code(), Some(2), "{}", host.stderr.text());
    let expected = format!(
        "modgen-host: {}: modules depend on each other in a cycle: a -> b -> a",
        host.dir.path().join("host.yaml").display()
    );
    // The exit can be seen before the reader thread has the line.
    host.stderr.wait_for("cycle", PATIENCE);
    assert_eq!(host.stderr.all(), [expected]);
    assert!(host.stdout.all().is_empty(), "nothing started");
}

#[test]
fn an_unknown_dependency_is_refused_naming_it() {
    let yaml = format!("modules:\n{}", echo_entry("a", "    deps: [calculator]\n"));
    let error = HostConfig::from_yaml_str(&yaml, Path::new("/etc/host.yaml")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "/etc/host.yaml: module 'a' depends on 'calculator', which is not a module of this host"
    );
    let mut host = Host::start(&yaml);
    assert_eq!(host.wait_exit(PATIENCE).code(), Some(2));
    host.stderr
        .wait_for("module 'a' depends on 'calculator'", PATIENCE);
}

/// Lists until instance `dead_id` is gone or `within` passes; whether it went.
async fn first_without(directory: &DirectoryClient, dead_id: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if !is_listed(directory, dead_id).await {
            return true;
        }
    }
    false
}

/// Whether instance `id` of the echo module is in the directory. By id, not endpoint:
/// on its socket a restarted module registers the same `unix:` path again.
async fn is_listed(directory: &DirectoryClient, id: &str) -> bool {
    directory
        .list_instances("echo")
        .await
        .is_ok_and(|instances| instances.iter().any(|i| i.instance_id == id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_module_leaves_the_directory_as_soon_as_the_host_sees_it_exit() {
    let yaml = format!(
        "modules:\n{}restart: {{ initial_backoff: 300ms }}\n",
        echo_entry("echo", "")
    );
    let host = Host::start(&yaml);
    let directory = DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    host.stdout.wait_for(READY, PATIENCE);
    let [pid] = children_of(host.pid())[..] else {
        panic!("one module process expected");
    };
    let handed_id = environ_of(pid, "MODGEN_INSTANCE_ID").expect("the host hands an id");
    let listed = directory.list_instances("echo").await.unwrap();
    assert_eq!(
        listed[0].instance_id, handed_id,
        "it registered under that id"
    );

    let killed_at = Instant::now();
    // SAFETY: kill(2) on the module process the host started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    // Its TTL is 15 s; the host removes it the moment it reaps the process.
    assert!(
        first_without(&directory, &handed_id, Duration::from_millis(100)).await,
        "instance {handed_id} still listed {:?} after SIGKILL",
        killed_at.elapsed()
    );
    // From then on, until the restart and after it, the dead instance never comes back.
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        assert!(
            !is_listed(&directory, &handed_id).await,
            "the dead instance was listed again"
        );
    }
    host.stdout.wait_for_nth(READY, 2, PATIENCE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_to_a_sigkilled_dependency_fail_at_most_for_its_restart_then_succeed() {
    // The test calls as no module (no credential), so the module admits anonymous calls.
    let yaml = format!(
        "modules:\n{}restart: {{ initial_backoff: 200ms }}\n",
        echo_entry("echo", "    access: { anonymous: true }\n")
    );
    let host = Host::start(&yaml);
    let directory = DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    host.stdout.wait_for(READY, PATIENCE);
    // What a dependent's generated client holds: channels resolved through the directory.
    let options = ClientOptions {
        call_timeout: Some(Duration::from_secs(2)),
        retry: RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
        },
        ..ClientOptions::default()
    };
    let channels = ServiceChannels::new(SERVICE, Arc::new(directory), options);
    let [pid] = children_of(host.pid())[..] else {
        panic!("one module process expected");
    };

    // Four callers in a steady stream, so calls are in flight when the kill lands; each
    // stops after 20 successes that started after the kill.
    let killed_at = Instant::now() + Duration::from_millis(200);
    let callers: Vec<_> = (0..4)
        .map(|caller| {
            let channels = channels.clone();
            tokio::spawn(steady_calls(20, killed_at, move |n| {
                echo_call(channels.clone(), caller, n)
            }))
        })
        .collect();
    tokio::time::sleep_until(killed_at.into()).await;
    // SAFETY: kill(2) on the module process the host started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let mut last_failure = None;
    for caller in callers {
        let results = caller.await.unwrap();
        for (_, took, result) in &results {
            assert!(
                *took < Duration::from_secs(3),
                "a call hung: {took:?} {result:?}"
            );
        }
        // A call on the connection the kill broke fails with whatever the transport saw
        // (UNKNOWN, CANCELLED: the server may have acted, so it is not retried); later
        // ones with UNAVAILABLE while nothing is registered. Once one succeeds, all do.
        let recovered = results
            .iter()
            .rposition(|(_, _, result)| result.is_err())
            .map_or(0, |last| last + 1);
        let after_kill = results
            .iter()
            .filter(|(started, _, result)| result.is_ok() && *started > killed_at)
            .count();
        assert!(after_kill >= 20, "calls never recovered: {results:?}");
        assert!(
            results[recovered..]
                .iter()
                .all(|(_, _, result)| result.is_ok()),
            "{results:?}"
        );
        let failed_until = results[..recovered]
            .iter()
            .map(|(started, took, _)| *started + *took)
            .max();
        last_failure = last_failure.max(failed_until);
    }
    // Failures only while the module was down: the backoff plus the restart's start-up.
    let restarted_at = host.stdout.wait_for_nth(READY, 2, PATIENCE);
    if let Some(last_failure) = last_failure {
        let outage = last_failure.saturating_duration_since(killed_at);
        assert!(
            outage < Duration::from_secs(5),
            "failed for {outage:?} ({restarted_at})"
        );
    }
}

/// One echo call as the test's `caller`-th stream, answered or not.
async fn echo_call(channels: ServiceChannels, caller: usize, n: usize) -> Result<(), Code> {
    let request = echo::EchoRequest {
        message: format!("caller {caller} call {n}"),
        ..Default::default()
    };
    call_unary(&channels, &CallContext::new(), request, echo::echo)
        .await
        .map(|_| ())
        .map_err(|status| status.code())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tokenless_module_registers_without_the_token_and_no_other_may() {
    let yaml = format!("modules:\n{}", echo_entry("echo", "    tokenless: true\n"));
    let host = Host::start(&yaml);
    let directory = DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    host.stdout.wait_for(&format!("[echo] {READY}"), PATIENCE);
    let [pid] = children_of(host.pid())[..] else {
        panic!("one module process expected");
    };
    assert_eq!(
        environ_of(pid, "MODGEN_DIRECTORY_TOKEN"),
        None,
        "not handed the token"
    );
    assert_eq!(directory.list_instances("echo").await.unwrap().len(), 1);

    // Auth is still on for everyone else.
    let intruder = Registration::new("intruder", "6f1c1f2e-0000-4000-8000-0000000000ff", "1")
        .with_service("intruder.v1.Intruder", "http://127.0.0.1:9");
    let refused = directory.register(&intruder).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
    let wrong = directory
        .clone()
        .with_token(Some("not-the-token".to_owned()))
        .deregister("echo", &environ_of(pid, "MODGEN_INSTANCE_ID").unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        wrong.code(),
        Code::Unauthenticated,
        "a wrong token is still wrong"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_removes_only_that_processs_instance_not_its_namesakes() {
    // Both run the echo binary, so both register as module `echo`; the first entry is
    // also called `echo`. Its crash must not take the other's instance along.
    let yaml = format!(
        "modules:\n{}{}restart: {{ initial_backoff: 5s }}\n",
        echo_entry("echo", ""),
        echo_entry("echo-2", "")
    );
    let host = Host::start(&yaml);
    let directory = DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    host.stdout.wait_for(&format!("[echo] {READY}"), PATIENCE);
    host.stdout.wait_for(&format!("[echo-2] {READY}"), PATIENCE);
    let ids: Vec<(i32, String)> = children_of(host.pid())
        .into_iter()
        .map(|pid| (pid, environ_of(pid, "MODGEN_INSTANCE_ID").unwrap()))
        .collect();
    assert_eq!(directory.list_instances("echo").await.unwrap().len(), 2);
    // Which process is entry `echo`'s: the one whose instance serves the endpoint its
    // ready line names.
    let (victim, survivor) = {
        let echo_line = host.stdout.wait_for(&format!("[echo] {READY}"), PATIENCE);
        let echo_endpoint = echo_line.rsplit(' ').next().unwrap().to_owned();
        let listed = directory.list_instances("echo").await.unwrap();
        let victim_id = listed
            .iter()
            .find(|i| i.endpoint_uri == echo_endpoint)
            .unwrap()
            .instance_id
            .clone();
        let (pid, _) = ids.iter().find(|(_, id)| *id == victim_id).unwrap().clone();
        let survivor = ids
            .iter()
            .find(|(_, id)| *id != victim_id)
            .unwrap()
            .1
            .clone();
        (pid, survivor)
    };
    // SAFETY: kill(2) on a module process the host started.
    unsafe { libc::kill(victim, libc::SIGKILL) };
    host.stderr
        .wait_for("module 'echo' crashed (signal: 9 (SIGKILL))", PATIENCE);
    let listed = directory.list_instances("echo").await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|i| i.instance_id.as_str()).collect();
    assert_eq!(
        ids,
        [survivor.as_str()],
        "only the crashed process's instance went"
    );
}
