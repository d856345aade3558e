//! Revocation across hosts sharing one real etcd: host A gives up on a module, and host
//! B's modules, which trust A's key, stop accepting that module's credentials well
//! before they expire.

mod etcd_support;
mod host_support;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::time::{Duration, Instant};

use echo::{EchoReply, EchoRequest};
use host_support::{Host, PATIENCE, children_of, echo_module_binary};
use modgen_runtime::identity::{CREDENTIAL_HEADER, Issuer, run_dir};
use tonic::{Code, Status};

const READY: &str = "modgen: listening on ";

/// A host on `etcd` whose `modules` YAML uses `ECHO` for the fixture binary.
fn start_host(etcd: &etcd_support::Etcd, identity: &str, modules: &str, seed: &str) -> Host {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("host.key"), seed).unwrap();
    let modules = modules.replace("ECHO", &echo_module_binary().display().to_string());
    let yaml = format!(
        "directory: {{ backend: etcd, endpoints: [{}], prefix: /test/revocation/ }}
identity: {identity}
restart: {{ max_restarts: 1 }}
modules:
{modules}",
        etcd.endpoint()
    );
    Host::start_in(dir, &yaml)
}

fn endpoint_of(host: &Host, module: &str) -> String {
    let line = host
        .stdout
        .wait_for(&format!("[{module}] {READY}"), PATIENCE);
    line.rsplit(' ').next().unwrap().to_owned()
}

async fn call(endpoint: &str, credential: &str) -> Result<EchoReply, Status> {
    let channel = tonic::transport::Endpoint::from_shared(endpoint.to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut request = tonic::Request::new(EchoRequest {
        message: "hello".into(),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert(CREDENTIAL_HEADER, credential.parse().unwrap());
    echo::echo(channel, request)
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_given_up_on_by_one_host_is_refused_by_the_modules_of_another() {
    let Some(etcd) = etcd_support::start() else {
        return;
    };
    let host_a_key = Issuer::generate().unwrap();
    let host_b_key = Issuer::generate().unwrap();
    let host_a = start_host(
        &etcd,
        "{ signing_key_file: host.key, credential_ttl: 10m }",
        "  flaky:\n    runtime: { type: oop, execution: { executable_path: ECHO } }\n",
        &host_a_key.seed_text(),
    );
    let host_b = start_host(
        &etcd,
        &format!(
            "{{ signing_key_file: host.key, trusted_keys: [{}] }}",
            host_a_key.public_key()
        ),
        "  steady:\n    runtime: { type: oop, execution: { executable_path: ECHO } }\n",
        &host_b_key.seed_text(),
    );
    endpoint_of(&host_a, "flaky");
    let steady = endpoint_of(&host_b, "steady");

    // What a compromised process of host A's module could have copied.
    let file = run_dir::for_directory(&host_a.directory_endpoint()).join("flaky.credential");
    let leaked = std::fs::read_to_string(&file).unwrap();
    let leaked = leaked.trim();
    let reply = call(&steady, leaked).await.unwrap();
    assert_eq!(reply.caller, "flaky", "host B's module trusts host A's key");

    // One crash and host A gives up (max_restarts: 1).
    let [flaky] = children_of(host_a.pid())[..] else {
        panic!("one module process expected under host A");
    };
    // SAFETY: kill(2) on a module process host A started.
    unsafe { libc::kill(flaky, libc::SIGKILL) };
    host_a
        .stderr
        .wait_for("revoked the credentials of module 'flaky'", PATIENCE);

    let given_up = Instant::now();
    let refused = loop {
        match call(&steady, leaked).await {
            Err(status) => break status,
            Ok(_) if given_up.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(reply) => panic!("host B still accepts it 10 s after host A gave up: {reply:?}"),
        }
    };
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
    assert!(
        refused
            .message()
            .contains("the credential of module 'flaky' was revoked by its host"),
        "{}",
        refused.message()
    );
    // Host B's own callers are not affected.
    let own = host_b_key.issue("tester", Duration::from_secs(60));
    assert_eq!(call(&steady, &own).await.unwrap().caller, "tester");
}
