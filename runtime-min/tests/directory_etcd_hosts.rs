//! Several `modgen-host` processes sharing one real etcd (`directory.backend: etcd`),
//! each running the echo fixture: what spreading modules over machines must keep true.

mod etcd_support;
mod host_support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use etcd_support::Etcd;
use host_support::{Host, PATIENCE, children_of, echo_module_binary, environ_of};
use modgen_runtime::directory::{DirectoryClient, Registration};
use tonic::Code;

const SERVICE: &str = "echo.v1.Echo";
const READY: &str = "modgen: listening on ";

/// A host on `etcd` running one echo instance with the given id; a long restart backoff
/// keeps a killed module dead for the length of a test.
fn start_host(etcd: &Etcd, instance_id: &str, heartbeat: &str, ttl: &str) -> Host {
    let yaml = format!(
        r#"
directory:
  backend: etcd
  endpoints: [{endpoint}]
  prefix: /test/directory/
  heartbeat_interval: {heartbeat}
  ttl: {ttl}
modules:
  echo:
    runtime:
      type: oop
      execution:
        executable_path: {module}
        environment: {{ MODGEN_INSTANCE_ID: {instance_id} }}
restart: {{ initial_backoff: 1m, max_backoff: 1m }}
"#,
        endpoint = etcd.endpoint(),
        module = echo_module_binary().display(),
    );
    Host::start(&yaml)
}

/// The endpoint the host's echo module printed it listens on.
fn module_endpoint(host: &Host) -> String {
    let line = host.stdout.wait_for(&format!("[echo] {READY}"), PATIENCE);
    line.rsplit(' ').next().expect("endpoint").to_owned()
}

async fn client_of(host: &Host) -> DirectoryClient {
    DirectoryClient::connect(&host.directory_endpoint())
        .await
        .expect("host directory")
}

/// A client that may write to the host's directory: it holds the run's token, taken
/// from the environment the host gave its module `instance_id`.
async fn writer_of(host: &Host, instance_id: &str) -> DirectoryClient {
    module_endpoint(host);
    let token = environ_of(module_pid(host, instance_id), "MODGEN_DIRECTORY_TOKEN");
    assert!(token.is_some(), "the host hands its modules a token");
    client_of(host).await.with_token(token)
}

/// The pid of the host's module process with `instance_id`.
fn module_pid(host: &Host, instance_id: &str) -> i32 {
    children_of(host.pid())
        .into_iter()
        .find(|pid| environ_of(*pid, "MODGEN_INSTANCE_ID").as_deref() == Some(instance_id))
        .unwrap_or_else(|| panic!("no module process for {instance_id}"))
}

async fn listed_ids(client: &DirectoryClient) -> HashSet<String> {
    client
        .list_instances("echo")
        .await
        .expect("list")
        .into_iter()
        .map(|instance| instance.instance_id)
        .collect()
}

/// Polls until `condition` holds; returns how long it took, or panics at `timeout`.
async fn eventually<F: AsyncFnMut() -> bool>(
    what: &str,
    timeout: Duration,
    mut condition: F,
) -> Duration {
    let start = Instant::now();
    while !condition().await {
        assert!(start.elapsed() < timeout, "not within {timeout:?}: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

fn both(a: &str, b: &str) -> HashSet<String> {
    HashSet::from([a.to_owned(), b.to_owned()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_resolve_each_others_modules_and_rotate_fairly_across_them() {
    let Some(etcd) = etcd_support::start() else {
        return;
    };
    let host_a = start_host(&etcd, "echo-on-a", "500ms", "3s");
    let host_b = start_host(&etcd, "echo-on-b", "500ms", "3s");
    let (endpoint_a, endpoint_b) = (module_endpoint(&host_a), module_endpoint(&host_b));
    let (a, b) = (client_of(&host_a).await, client_of(&host_b).await);

    for client in [&a, &b] {
        eventually("both instances listed", PATIENCE, async || {
            listed_ids(client).await == both("echo-on-a", "echo-on-b")
        })
        .await;
        let mut picks = Vec::new();
        for _ in 0..6 {
            picks.push(client.resolve(SERVICE).await.expect("resolves"));
        }
        // Each host rotates over every instance, wherever it registered.
        assert_eq!(
            picks.iter().cloned().collect::<HashSet<_>>(),
            both(&endpoint_a, &endpoint_b)
        );
        assert!(picks.windows(2).all(|pair| pair[0] != pair[1]), "{picks:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_module_of_a_sigkilled_host_disappears_from_the_other_host_when_its_lease_expires() {
    let Some(etcd) = etcd_support::start() else {
        return;
    };
    const TTL: Duration = Duration::from_secs(2);
    let host_a = start_host(&etcd, "doomed", "500ms", "2s");
    let host_b = start_host(&etcd, "survivor", "500ms", "2s");
    module_endpoint(&host_a);
    module_endpoint(&host_b);
    let b = client_of(&host_b).await;
    eventually("both listed on b", PATIENCE, async || {
        listed_ids(&b).await == both("doomed", "survivor")
    })
    .await;

    // The host itself dies, and its module with it (PDEATHSIG): nobody is left to
    // deregister the instance, so only its lease's expiry removes it. (A module that
    // crashes under a living host is removed by the host at once: host_dependencies.rs.)
    // SAFETY: kill(2) on the host process we started.
    unsafe { libc::kill(host_a.pid(), libc::SIGKILL) };
    let gone_after = eventually("the killed instance is gone", PATIENCE, async || {
        !listed_ids(&b).await.contains("doomed")
    })
    .await;

    eprintln!("SIGKILLed module gone from the other host after {gone_after:?} (TTL {TTL:?})");
    // Gone by lease expiry: not before the last heartbeat's lease could run out, and
    // within the TTL plus etcd's 500 ms expiry sweep and the watch.
    assert!(
        gone_after >= TTL - Duration::from_millis(600),
        "{gone_after:?}"
    );
    assert!(gone_after <= TTL + Duration::from_secs(1), "{gone_after:?}");
    assert_eq!(listed_ids(&b).await, HashSet::from(["survivor".to_owned()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigtermed_module_is_gone_from_the_other_host_at_once() {
    let Some(etcd) = etcd_support::start() else {
        return;
    };
    let host_a = start_host(&etcd, "leaving", "1s", "30s");
    let host_b = start_host(&etcd, "staying", "1s", "30s");
    module_endpoint(&host_a);
    module_endpoint(&host_b);
    let b = client_of(&host_b).await;
    eventually("both listed on b", PATIENCE, async || {
        listed_ids(&b).await == both("leaving", "staying")
    })
    .await;

    // SAFETY: kill(2) on a module process of the host we started.
    unsafe { libc::kill(module_pid(&host_a, "leaving"), libc::SIGTERM) };
    // Far below the 30 s TTL: the module deregistered, which revoked its lease.
    eventually(
        "the stopped instance is gone",
        Duration::from_secs(3),
        async || !listed_ids(&b).await.contains("leaving"),
    )
    .await;
    assert_eq!(listed_ids(&b).await, HashSet::from(["staying".to_owned()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_name_held_through_one_host_is_already_exists_through_the_other() {
    let Some(etcd) = etcd_support::start() else {
        return;
    };
    let host_a = start_host(&etcd, "owner", "1s", "30s");
    let host_b = start_host(&etcd, "second", "1s", "30s");
    module_endpoint(&host_a);
    let b = writer_of(&host_b, "second").await;
    let intruder = Registration::new("impostor", "impostor-1", "1")
        .with_service(SERVICE, "http://127.0.0.1:9");

    let status = b.register(&intruder).await.expect_err("refused");

    assert_eq!(status.code(), Code::AlreadyExists, "{}", status.message());
    assert!(status.message().contains("`echo`"), "{}", status.message());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_racing_for_one_name_hand_it_to_exactly_one_module() {
    let Some(etcd) = etcd_support::start() else {
        return;
    };
    let host_a = start_host(&etcd, "echo-on-a", "1s", "30s");
    let host_b = start_host(&etcd, "echo-on-b", "1s", "30s");
    let a = writer_of(&host_a, "echo-on-a").await;
    let b = writer_of(&host_b, "echo-on-b").await;

    for round in 0..20 {
        let service = format!("race.v1.Service{round}");
        let via_a = Registration::new("left", format!("left-{round}"), "1")
            .with_service(&service, "http://127.0.0.1:1");
        let via_b = Registration::new("right", format!("right-{round}"), "1")
            .with_service(&service, "http://127.0.0.1:2");
        let (from_a, from_b) = tokio::join!(a.register(&via_a), b.register(&via_b));

        let refused: Vec<_> = [&from_a, &from_b]
            .into_iter()
            .filter_map(|result| result.as_ref().err())
            .collect();
        assert_eq!(refused.len(), 1, "round {round}: {from_a:?} / {from_b:?}");
        assert_eq!(
            refused[0].code(),
            Code::AlreadyExists,
            "{}",
            refused[0].message()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_etcd_stops_the_host_at_start_with_a_clear_error() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let mut host = Host::start(&format!(
        "directory: {{ backend: etcd, endpoints: [{endpoint}] }}\nmodules: {{}}\n"
    ));

    let status = host.wait_exit(PATIENCE);

    assert!(!status.success());
    let stderr = host.stderr.text();
    assert!(
        stderr.contains(&format!(
            "cannot start the directory: cannot reach etcd at {endpoint}"
        )),
        "{stderr}"
    );
}

/// Two hosts with one instance each, both listed on both; for the restart tests.
async fn two_hosts_listed(etcd: &Etcd) -> (Host, Host, DirectoryClient, DirectoryClient) {
    let host_a = start_host(etcd, "echo-on-a", "300ms", "2s");
    let host_b = start_host(etcd, "echo-on-b", "300ms", "2s");
    let (a, b) = (
        writer_of(&host_a, "echo-on-a").await,
        writer_of(&host_b, "echo-on-b").await,
    );
    for client in [&a, &b] {
        eventually("both instances listed", PATIENCE, async || {
            listed_ids(client).await == both("echo-on-a", "echo-on-b")
        })
        .await;
    }
    (host_a, host_b, a, b)
}

/// While etcd is down: the hosts say so, keep resolving from their caches, and refuse
/// writes as UNAVAILABLE.
async fn serves_from_cache_while_etcd_is_down(hosts: [&Host; 2], clients: [&DirectoryClient; 2]) {
    for host in hosts {
        host.stderr.wait_for("lost etcd", PATIENCE);
    }
    for client in clients {
        let picks = [
            client
                .resolve(SERVICE)
                .await
                .expect("served from the cache"),
            client
                .resolve(SERVICE)
                .await
                .expect("served from the cache"),
        ];
        assert_ne!(picks[0], picks[1], "both instances still in the cache");
        let write = Registration::new("late", "late-1", "1")
            .with_service("late.v1.Late", "http://127.0.0.1:9");
        let status = client.register(&write).await.expect_err("etcd is down");
        assert_eq!(status.code(), Code::Unavailable, "{}", status.message());
    }
}

/// After etcd is back: every instance is listed on both hosts again and still is two
/// TTLs later, so nobody lost its registration for good.
async fn everyone_registered_again(hosts: [&Host; 2], clients: [&DirectoryClient; 2]) {
    for host in hosts {
        host.stderr.wait_for("etcd is back", PATIENCE);
    }
    for client in clients {
        eventually("both instances listed again", PATIENCE, async || {
            listed_ids(client).await == both("echo-on-a", "echo-on-b")
        })
        .await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    for client in clients {
        assert_eq!(listed_ids(client).await, both("echo-on-a", "echo-on-b"));
        client.resolve(SERVICE).await.expect("resolvable");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etcd_restart_is_survived_and_leases_outlive_the_outage() {
    let Some(mut etcd) = etcd_support::start() else {
        return;
    };
    let (host_a, host_b, a, b) = two_hosts_listed(&etcd).await;

    etcd.kill();
    serves_from_cache_while_etcd_is_down([&host_a, &host_b], [&a, &b]).await;
    // Down for longer than the 2 s TTL: etcd renews every lease when it comes back.
    tokio::time::sleep(Duration::from_secs(3)).await;
    etcd.restart().expect("etcd restarts");

    everyone_registered_again([&host_a, &host_b], [&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_etcd_that_comes_back_empty_gets_every_module_registered_again() {
    let Some(mut etcd) = etcd_support::start() else {
        return;
    };
    let (host_a, host_b, a, b) = two_hosts_listed(&etcd).await;

    etcd.kill();
    serves_from_cache_while_etcd_is_down([&host_a, &host_b], [&a, &b]).await;
    etcd.restart_empty().expect("etcd restarts empty");

    // The caches resynchronise to nothing; the next heartbeats answer NOT_FOUND, and the
    // modules register again.
    everyone_registered_again([&host_a, &host_b], [&a, &b]).await;
    for host in [&host_a, &host_b] {
        assert!(
            host.stderr.count("[echo]") > 0 && host.stderr.count("registered again") > 0,
            "{}",
            host.stderr.text()
        );
    }
}
