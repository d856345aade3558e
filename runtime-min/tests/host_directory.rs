//! The `modgen-host` binary with real modules (the echo fixture, served through
//! `oop::main`), observed through the host's own directory.

mod host_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use host_support::{Host, PATIENCE, alive, children_of, echo_module_binary, environ_of};
use modgen_runtime::directory::DirectoryClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

const SERVICE: &str = "echo.v1.Echo";
const READY: &str = "modgen: listening on ";

async fn serving(endpoint: &str) -> bool {
    let Ok(channel) = host_support::dial(endpoint).await else {
        return false;
    };
    let request = HealthCheckRequest {
        service: SERVICE.to_owned(),
    };
    HealthClient::new(channel)
        .check(request)
        .await
        .is_ok_and(|response| response.into_inner().status == ServingStatus::Serving as i32)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_sigkilled_under_the_host_is_restarted_and_becomes_resolvable_again() {
    let module = echo_module_binary();
    let mut host = Host::start(&format!(
        r#"
modules:
  echo:
    runtime:
      type: oop
      execution:
        executable_path: {}
restart: {{ initial_backoff: 50ms }}
"#,
        module.display()
    ));
    let directory = DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    let first_endpoint = host.stdout.wait_for(READY, PATIENCE);
    let first_endpoint = first_endpoint.rsplit(' ').next().unwrap().to_owned();
    assert_eq!(directory.resolve(SERVICE).await.unwrap(), first_endpoint);
    let first = directory.list_instances("echo").await.unwrap();
    assert_eq!(first.len(), 1);

    let [pid] = children_of(host.pid())[..] else {
        panic!("expected one module process: {:?}", children_of(host.pid()));
    };
    // SAFETY: kill(2) on the module process the host started.
    unsafe { libc::kill(pid, libc::SIGKILL) };

    host.stderr
        .wait_for("module 'echo' crashed (signal: 9 (SIGKILL))", PATIENCE);
    let second_endpoint = host.stdout.wait_for_nth(READY, 2, PATIENCE);
    let second_endpoint = second_endpoint.rsplit(' ').next().unwrap().to_owned();
    let deadline = Instant::now() + PATIENCE;
    // The host removed the dead instance when it saw the exit; the new one comes up
    // once the restarted process registers.
    let resolved_new = loop {
        let resolved = directory.resolve(SERVICE).await.unwrap();
        if resolved == second_endpoint {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(resolved_new, "{second_endpoint} never resolved");
    let instances = directory.list_instances("echo").await.unwrap();
    assert!(
        instances
            .iter()
            .any(|i| i.instance_id != first[0].instance_id && i.endpoint_uri == second_endpoint),
        "{instances:?}"
    );
    assert!(
        serving(&second_endpoint).await,
        "the restarted module serves"
    );
    assert!(!alive(pid));

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_to_the_host_stops_every_module_and_each_deregisters_first() {
    let module = echo_module_binary();
    let ids = [
        ("echo-a", "6f1c1f2e-0000-4000-8000-00000000000a"),
        ("echo-b", "6f1c1f2e-0000-4000-8000-00000000000b"),
    ];
    let mut yaml = String::from("modules:\n");
    for (name, id) in ids {
        yaml.push_str(&format!(
            "  {name}:\n    runtime:\n      type: oop\n      execution:\n        \
             executable_path: {}\n        environment: {{ MODGEN_INSTANCE_ID: {id} }}\n",
            module.display()
        ));
    }
    let mut host = Host::start(&yaml);
    let directory = DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    host.stdout.wait_for(&format!("[echo-a] {READY}"), PATIENCE);
    host.stdout.wait_for(&format!("[echo-b] {READY}"), PATIENCE);
    let listed = directory.list_instances("echo").await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");

    // instance id -> module pid, through the environment the host gave each process.
    let pids: BTreeMap<String, i32> = children_of(host.pid())
        .into_iter()
        .filter_map(|pid| Some((environ_of(pid, "MODGEN_INSTANCE_ID")?, pid)))
        .collect();
    assert_eq!(pids.len(), 2, "{pids:?}");

    host.signal(libc::SIGTERM);
    // Poll until the directory goes away (the host stops it after its modules). A module
    // that died without deregistering would stay listed for its 15 s TTL, far longer
    // than the shutdown takes, so "dead but listed" is the failure to catch.
    let mut saw_empty_list = false;
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        let dead: Vec<&String> = pids
            .iter()
            .filter(|(_, pid)| !alive(**pid))
            .map(|(id, _)| id)
            .collect();
        let Ok(listed) = directory.list_instances("echo").await else {
            break;
        };
        for id in dead {
            assert!(
                listed.iter().all(|i| &i.instance_id != id),
                "instance {id} still listed after its process exited: {listed:?}"
            );
        }
        saw_empty_list |= listed.is_empty();
    }
    assert!(
        saw_empty_list,
        "the directory stopped before the modules deregistered"
    );

    let status = host.wait_exit(PATIENCE);
    assert!(status.success(), "{status:?}\n{}", host.stderr.text());
    assert!(pids.values().all(|pid| !alive(*pid)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_reaches_the_host_only_and_modules_still_deregister_and_exit_cleanly() {
    let module = echo_module_binary();
    let mut host = Host::start(&format!(
        r#"
modules:
  echo:
    runtime:
      type: oop
      execution:
        executable_path: {}
"#,
        module.display()
    ));
    let directory = DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    host.stdout.wait_for(&format!("[echo] {READY}"), PATIENCE);
    assert_eq!(directory.list_instances("echo").await.unwrap().len(), 1);

    // Were the module in the host's group, it would get this SIGINT and then the host's
    // SIGTERM, and the lifecycle takes a second signal as "exit now, skip deregistering".
    host.signal_process_group(libc::SIGINT);
    let mut saw_empty_list = false;
    while let Ok(listed) = directory.list_instances("echo").await {
        saw_empty_list |= listed.is_empty();
    }
    assert!(saw_empty_list, "the module never deregistered");
    let status = host.wait_exit(PATIENCE);
    assert!(status.success(), "{status:?}\n{}", host.stderr.text());
    assert_eq!(
        host.stderr.count("second signal"),
        0,
        "{}",
        host.stderr.text()
    );
}
