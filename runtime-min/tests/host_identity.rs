//! Who may call whom, with real processes: `modgen-host` signs a credential for every
//! echo module it starts, and each module's guard verifies callers before the echo
//! implementation runs.

mod host_support;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use echo::{EchoReply, EchoRequest};
use host_support::{Host, PATIENCE, assert_refused, children_of, echo_module_binary, environ_of};
use modgen_runtime::identity::{CREDENTIAL_HEADER, Issuer, run_dir};
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

const READY: &str = "modgen: listening on ";
const MINUTE: Duration = Duration::from_secs(60);

/// A host whose signing key the test holds too, so it can mint credentials; `modules`
/// is the YAML under `modules:`, with `ECHO` standing for the fixture binary.
fn host_with_key(modules: &str) -> (Host, Issuer) {
    host_with_key_and_ttl(modules, "1m")
}

fn host_with_key_and_ttl(modules: &str, credential_ttl: &str) -> (Host, Issuer) {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::generate().unwrap();
    std::fs::write(dir.path().join("host.key"), issuer.seed_text()).unwrap();
    let modules = modules.replace("ECHO", &echo_module_binary().display().to_string());
    let yaml = format!(
        "identity: {{ signing_key_file: host.key, credential_ttl: {credential_ttl} }}\nmodules:\n{modules}"
    );
    (Host::start_in(dir, &yaml), issuer)
}

fn endpoint_of(host: &Host, module: &str) -> String {
    let line = host
        .stdout
        .wait_for(&format!("[{module}] {READY}"), PATIENCE);
    line.rsplit(' ').next().unwrap().to_owned()
}

async fn channel(endpoint: &str) -> Channel {
    host_support::dial(endpoint).await.unwrap()
}

/// One Echo call presenting `credential` (none when `None`) and claiming `claimed_caller`.
async fn call(
    endpoint: &str,
    credential: Option<&str>,
    claimed_caller: Option<&str>,
    request: EchoRequest,
) -> Result<EchoReply, Status> {
    let mut request = tonic::Request::new(request);
    if let Some(credential) = credential {
        request
            .metadata_mut()
            .insert(CREDENTIAL_HEADER, credential.parse().unwrap());
    }
    if let Some(caller) = claimed_caller {
        request
            .metadata_mut()
            .insert("x-modgen-caller", caller.parse().unwrap());
    }
    echo::echo(channel(endpoint).await, request)
        .await
        .map(tonic::Response::into_inner)
}

fn hello() -> EchoRequest {
    EchoRequest {
        message: "hello".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_without_a_valid_credential_is_unauthenticated_and_probes_stay_open() {
    let (mut host, issuer) = host_with_key(
        "  echo:\n    runtime: { type: oop, execution: { executable_path: ECHO } }\n",
    );
    let endpoint = endpoint_of(&host, "echo");

    // A local process that holds nothing the host issued.
    assert_refused(
        call(&endpoint, None, None, hello()).await,
        Code::Unauthenticated,
        "does not accept anonymous calls",
    );
    assert_refused(
        call(&endpoint, None, Some("billing"), hello()).await,
        Code::Unauthenticated,
        "does not accept anonymous calls",
    );
    // Signed by a key no host of this run uses.
    let forger = Issuer::generate().unwrap();
    assert_refused(
        call(
            &endpoint,
            Some(&forger.issue("billing", MINUTE)),
            None,
            hello(),
        )
        .await,
        Code::Unauthenticated,
        "does not trust",
    );
    // A real credential of one module, used to speak as another.
    let alpha = issuer.issue("alpha", MINUTE);
    assert_refused(
        call(&endpoint, Some(&alpha), Some("beta"), hello()).await,
        Code::Unauthenticated,
        "says it is module 'beta' but its credential is module 'alpha'",
    );
    // Expired an hour ago.
    let an_hour_ago = SystemTime::now() - 60 * MINUTE;
    let expired = issuer.issue_at("alpha", an_hour_ago, MINUTE);
    assert_refused(
        call(&endpoint, Some(&expired), None, hello()).await,
        Code::Unauthenticated,
        "expired",
    );

    // The valid credential gets through, and the implementation sees the signed name.
    let reply = call(&endpoint, Some(&alpha), Some("alpha"), hello())
        .await
        .unwrap();
    assert_eq!(reply.caller, "alpha");

    // Probes need no credential.
    let health = HealthClient::new(channel(&endpoint).await)
        .check(HealthCheckRequest {
            service: echo::SERVICE_NAME.to_owned(),
        })
        .await;
    assert!(health.is_ok(), "{health:?}");

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_call_each_other_with_host_issued_credentials_under_the_policy() {
    let (mut host, issuer) = host_with_key(
        "  back:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: back }
    access: { callers: [front] }
  front:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: front }
  stranger:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: stranger }
",
    );
    let back = endpoint_of(&host, "back");
    let front = endpoint_of(&host, "front");
    let stranger = endpoint_of(&host, "stranger");
    let me = issuer.issue("tester", MINUTE);
    let forward_to = |endpoint: &str| EchoRequest {
        message: "two hops".into(),
        forward_to: endpoint.to_owned(),
        ..Default::default()
    };

    // front is listed: its own credential (which the test never sees) gets it in.
    let reply = call(&front, Some(&me), None, forward_to(&back))
        .await
        .unwrap();
    assert_eq!(reply.served_by, "back");
    assert_eq!(reply.caller, "front");
    assert_eq!(reply.message, "two hops");

    // stranger holds a valid credential too, but back does not list it.
    assert_refused(
        call(&stranger, Some(&me), None, forward_to(&back)).await,
        Code::PermissionDenied,
        "module 'stranger' may not call module 'echo'",
    );
    assert_refused(
        call(&back, Some(&me), None, hello()).await,
        Code::PermissionDenied,
        "module 'tester' may not call module 'echo'",
    );

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_leaves_its_user_a_private_operator_credential() {
    let (mut host, _) = host_with_key(
        "  echo:\n    runtime: { type: oop, execution: { executable_path: ECHO } }\n",
    );
    let endpoint = endpoint_of(&host, "echo");
    let file = run_dir::operator_credential(&host.directory_endpoint());
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);

    let operator = std::fs::read_to_string(&file).unwrap();
    let reply = call(&endpoint, Some(operator.trim()), None, hello())
        .await
        .unwrap();
    assert_eq!(reply.caller, run_dir::OPERATOR);

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
    assert!(
        !file.parent().unwrap().exists(),
        "the run directory goes with the host"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_metadata_goes_two_hops_and_response_entries_come_back() {
    let (mut host, issuer) = host_with_key(
        "  back:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: back }
  front:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: front }
",
    );
    let back = endpoint_of(&host, "back");
    let front = endpoint_of(&host, "front");
    let me = issuer.issue("tester", MINUTE);
    let request = |fail_code: i32| {
        let mut request = tonic::Request::new(EchoRequest {
            message: "two hops".into(),
            forward_to: back.clone(),
            fail_code,
            ..Default::default()
        });
        let metadata = request.metadata_mut();
        metadata.insert(CREDENTIAL_HEADER, me.parse().unwrap());
        metadata.insert("tenant", "acme".parse().unwrap());
        metadata.insert("authorization", "Bearer end-user".parse().unwrap());
        metadata.insert_bin(
            "blob-bin",
            tonic::metadata::BinaryMetadataValue::from_bytes(&[0, 255]),
        );
        request
    };

    let response = echo::echo(channel(&front).await, request(0)).await.unwrap();
    // Both hops' response entries reach the first caller as headers.
    assert_eq!(response.metadata().get("front-says").unwrap(), "hello");
    assert_eq!(response.metadata().get("back-says").unwrap(), "hello");
    // The second hop saw the first caller's entries, and not its credential.
    assert_eq!(
        response.into_inner().metadata,
        [
            "authorization=Bearer end-user",
            "blob-bin=00ff",
            "tenant=acme"
        ]
    );

    // A failed call carries the entries as trailers with its status.
    let failed = echo::echo(
        channel(&front).await,
        request(Code::FailedPrecondition as i32),
    )
    .await
    .unwrap_err();
    assert_eq!(failed.code(), Code::FailedPrecondition);
    assert_eq!(failed.metadata().get("back-says").unwrap(), "hello");
    assert_eq!(failed.metadata().get("front-says").unwrap(), "hello");

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_keeps_calling_past_its_first_credentials_lifetime() {
    let (mut host, issuer) = host_with_key_and_ttl(
        "  back:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: back }
  front:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: front }
",
        "3s",
    );
    let back = endpoint_of(&host, "back");
    let front = endpoint_of(&host, "front");
    let me = issuer.issue("tester", MINUTE);
    let request = || EchoRequest {
        message: "now and later".into(),
        forward_to: back.clone(),
        ..Default::default()
    };
    // front reads its credential on its first call...
    let reply = call(&front, Some(&me), None, request()).await.unwrap();
    assert_eq!(
        (reply.served_by.as_str(), reply.caller.as_str()),
        ("back", "front")
    );
    // ...which has expired twice over by now: only one the host renewed, and front
    // re-read, gets it into back.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let reply = call(&front, Some(&me), None, request()).await.unwrap();
    assert_eq!(
        (reply.served_by.as_str(), reply.caller.as_str()),
        ("back", "front")
    );

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
}

/// The pid of the process the host started for entry `module`: the one whose
/// credential file is that entry's.
fn pid_of(host: &Host, module: &str) -> i32 {
    let file = format!("/{module}.credential");
    children_of(host.pid())
        .into_iter()
        .find(|pid| {
            environ_of(*pid, "MODGEN_IDENTITY_CREDENTIAL_FILE").is_some_and(|f| f.ends_with(&file))
        })
        .unwrap_or_else(|| panic!("no process of module '{module}'"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credentials_of_a_module_given_up_on_stop_working_before_they_expire() {
    let (mut host, issuer) = host_with_key(
        "  steady:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: steady }
  flaky:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: flaky }
restart: { max_restarts: 2, window: 1m, initial_backoff: 100ms }
",
    );
    let steady = endpoint_of(&host, "steady");
    endpoint_of(&host, "flaky");
    // What a compromised flaky process could have copied: its credential (valid 1m).
    let file = run_dir::for_directory(&host.directory_endpoint()).join("flaky.credential");
    let leaked = std::fs::read_to_string(&file).unwrap();
    let reply = call(&steady, Some(leaked.trim()), None, hello())
        .await
        .unwrap();
    assert_eq!(reply.caller, "flaky", "accepted while the module runs");

    // Two crashes within the window: the host gives up.
    // SAFETY: kill(2) on module processes the host started.
    unsafe { libc::kill(pid_of(&host, "flaky"), libc::SIGKILL) };
    host.stdout
        .wait_for_nth(&format!("[flaky] {READY}"), 2, PATIENCE);
    let restarted_with = std::fs::read_to_string(&file).unwrap();
    assert_ne!(
        restarted_with, leaked,
        "a restarted module gets a credential of its own"
    );
    unsafe { libc::kill(pid_of(&host, "flaky"), libc::SIGKILL) };
    host.stderr
        .wait_for("module 'flaky' crashed 2 times", PATIENCE);
    host.stderr
        .wait_for("revoked the credentials of module 'flaky'", PATIENCE);

    // Well inside its lifetime, the credential is refused by a module that accepted it.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let refused = loop {
        match call(&steady, Some(leaked.trim()), None, hello()).await {
            Err(status) => break status,
            Ok(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(reply) => panic!("still accepted 5 s after the host gave up: {reply:?}"),
        }
    };
    assert_refused::<EchoReply>(
        Err(refused),
        Code::Unauthenticated,
        "the credential of module 'flaky' was revoked by its host",
    );
    assert!(!file.exists(), "the credential file goes too");
    // Other callers are not affected.
    let me = issuer.issue("tester", MINUTE);
    assert_eq!(
        call(&steady, Some(&me), None, hello())
            .await
            .unwrap()
            .caller,
        "tester"
    );

    host.signal(libc::SIGTERM);
    host.wait_exit(PATIENCE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tokenless_modkit_module_resolves_but_its_own_word_on_identity_verifies_nothing() {
    // A tokenless entry is named as the module registers itself (the echo binary: `echo`).
    let (mut host, _) = host_with_key(
        "  echo:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: modkit }
    tokenless: true
  open:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: open }
    access: { anonymous: true }
  closed:
    runtime: { type: oop, execution: { executable_path: ECHO } }
    config: { label: closed }
",
    );
    let modkit = endpoint_of(&host, "echo");
    let open = endpoint_of(&host, "open");
    let closed = endpoint_of(&host, "closed");
    let directory = modgen_runtime::directory::DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    let listed = directory.list_instances("echo").await.unwrap();
    assert!(
        listed
            .iter()
            .any(|instance| instance.endpoint_uri == modkit),
        "the tokenless module registered and resolves: {listed:?}"
    );

    // What a ModKit module sends: its unsigned security context and a name, no credential.
    let modkit_call = |endpoint: String| async move {
        let mut request = tonic::Request::new(hello());
        let metadata = request.metadata_mut();
        metadata.insert_bin(
            "x-secctx-bin",
            tonic::metadata::BinaryMetadataValue::from_bytes(b"{\"subject\":\"admin\"}"),
        );
        metadata.insert("x-modgen-caller", "modkit".parse().unwrap());
        echo::echo(channel(&endpoint).await, request)
            .await
            .map(tonic::Response::into_inner)
    };
    // Served where anonymous calls are allowed, but as nobody.
    let reply = modkit_call(open).await.unwrap();
    assert_eq!(reply.served_by, "open");
    assert_eq!(reply.caller, "", "a claimed name is not a verified caller");
    // Refused where they are not.
    assert_refused(
        modkit_call(closed).await,
        Code::Unauthenticated,
        "does not accept anonymous calls",
    );

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
}
