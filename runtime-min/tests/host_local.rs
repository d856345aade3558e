//! `type: local` modules: linked into the host binary (here, the test), run in its
//! process, sharing one client hub, served and registered like OoP modules, started in
//! dependency order, stopped at shutdown; mixed with OoP modules in one YAML. Like a
//! module process under a host, a local module listens on an owner-only Unix socket in
//! the host's run directory, or with `transport: tcp` on loopback TCP (TLS with the
//! host's `tls:`).

mod host_support;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use echo::{EchoReply, EchoRequest};
use host_support::{PATIENCE, dial, echo_module_binary};
use modgen_runtime::client::generated::{Rpc, unary};
use modgen_runtime::client::tls::CaBundle;
use modgen_runtime::client::{ClientOptions, ServiceChannels, connect_trusting};
use modgen_runtime::context::CallContext;
use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::host::{self, HostConfig, HostError, LocalModule, ModuleEnd};
use modgen_runtime::identity::{install_process_credential, run_dir};
use modgen_runtime::oop::{ConfigError, ModuleConfig, ModuleSpec, Routes};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio_util::sync::CancellationToken;
use tonic::Status;

const ECHO: Rpc = Rpc::new("echo.v1.Echo", "Echo", "/echo.v1.Echo/Echo");

fn spec(name: &'static str, service: &'static str) -> ModuleSpec {
    ModuleSpec {
        name,
        version: "1.0.0",
        service_names: Box::leak(Box::new([service])),
        file_descriptor_sets: &[],
        heartbeat_interval: Duration::from_secs(5),
    }
}

/// A local module serving echo; its build puts a marker in the shared hub, as an SDK's
/// `register_local` puts the implementation there.
fn back() -> LocalModule {
    back_serving(echo::SERVICE_NAME)
}

/// `back`'s config: what it answers as.
#[derive(Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BackConfig {
    label: Option<String>,
}

impl ModuleConfig for BackConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        match self.label.as_deref() {
            Some("") => Err(ConfigError::new("label", "must not be empty")),
            _ => Ok(()),
        }
    }
}

fn back_serving(service: &'static str) -> LocalModule {
    LocalModule::new(
        spec("back", service),
        |config: BackConfig, handle| async move {
            let label = config.label.unwrap_or_else(|| "back".to_owned());
            handle
                .hub()
                .register::<String>(Arc::new(format!("{label} in the hub")));
            Ok(Routes::new(echo::EchoService::new(label)))
        },
    )
}

/// A local module that records what it finds in the hub when it is built.
fn front(seen: Arc<Mutex<Option<String>>>) -> LocalModule {
    LocalModule::new(
        spec("front", "front.v1.Front"),
        move |_config: serde_json::Map<_, _>, handle| async move {
            *seen.lock().unwrap() = handle.hub().get::<String>().map(|s| s.to_string());
            Ok(Routes::new(echo::EchoService::new("front")))
        },
    )
}

async fn resolved(directory: &DirectoryClient, service: &str) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Ok(response) = directory.resolve_raw(service).await
            && !response.endpoint_uris.is_empty()
        {
            return response.endpoint_uris;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{service} never resolved"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_modules_start_in_dependency_order_share_the_hub_and_stop_cleanly() {
    let yaml = "modules:
  front:
    runtime: { type: local }
    deps: [back]
  back:
    runtime: { type: local }
    config: { label: calc }
    # This test calls it as no module (see host_local_identity.rs for the guard).
    access: { anonymous: true }
";
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    let seen = Arc::new(Mutex::new(None));
    let cancel = CancellationToken::new();
    let running = host::start_with(config, vec![front(seen.clone()), back()], cancel.clone())
        .await
        .unwrap();
    let directory = DirectoryClient::connect(running.directory_endpoint())
        .await
        .unwrap();
    resolved(&directory, "front.v1.Front").await;
    let [endpoint] = &resolved(&directory, echo::SERVICE_NAME).await[..] else {
        panic!("one echo instance");
    };
    assert_eq!(
        seen.lock().unwrap().as_deref(),
        Some("calc in the hub"),
        "front was built after back put its implementation in the shared hub"
    );

    // OoP callers reach the local module through the directory, over gRPC.
    let channel = dial(endpoint).await.unwrap();
    let request = tonic::Request::new(echo::EchoRequest {
        message: "hi".into(),
        ..Default::default()
    });
    let reply = echo::echo(channel, request).await.unwrap().into_inner();
    assert_eq!(reply.served_by, "calc");

    cancel.cancel();
    let outcome = running.wait().await.unwrap();
    let ends: Vec<_> = outcome
        .modules
        .iter()
        .map(|m| (m.module.as_str(), &m.end))
        .collect();
    assert!(
        matches!(
            ends[..],
            [
                ("front", ModuleEnd::LocalStopped { timed_out: false }),
                ("back", ModuleEnd::LocalStopped { timed_out: false }),
            ]
        ),
        "{ends:?}"
    );
    assert!(outcome.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_module_still_serving_at_the_grace_period_is_stopped_its_calls_cut_and_says_so() {
    let yaml = "modules:
  back:
    runtime: { type: local }
    access: { anonymous: true }
shutdown: { grace_period: 300ms }
";
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    let cancel = CancellationToken::new();
    let running = host::start_with(config, vec![back()], cancel.clone())
        .await
        .unwrap();
    let directory = DirectoryClient::connect(running.directory_endpoint())
        .await
        .unwrap();
    let [endpoint] = &resolved(&directory, echo::SERVICE_NAME).await[..] else {
        panic!("one echo instance");
    };
    // A call the server is still answering when the host stops: its server cannot drain.
    let channel = dial(endpoint).await.unwrap();
    let slow = tokio::spawn(echo::echo(
        channel,
        tonic::Request::new(EchoRequest {
            message: "slow".into(),
            delay_ms: 30_000,
            ..Default::default()
        }),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stopping = std::time::Instant::now();
    cancel.cancel();
    let outcome = running.wait().await.unwrap();
    let took = stopping.elapsed();

    let ends: Vec<_> = outcome.modules.iter().map(|m| &m.end).collect();
    assert!(
        matches!(ends[..], [ModuleEnd::LocalStopped { timed_out: true }]),
        "{ends:?}"
    );
    assert!(
        took < Duration::from_secs(5),
        "the host waited {took:?}, not about the 300 ms grace period"
    );
    // The call still open ends with its server, not with the host process.
    let cut = tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .expect("the call open at the grace period ends when the host gives its server up")
        .unwrap();
    // The connection closes under the call: tonic reports a transport error.
    let status = cut.expect_err("the call was cut, not answered");
    assert_eq!(status.code(), tonic::Code::Unknown, "{status:?}");
}

/// A local module's config is checked as a process's `--config` file is: the host's
/// entry is merged over the type's defaults, parsed strictly and validated, and a broken
/// one fails that module, naming the key; its dependents do not start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_module_whose_config_breaks_its_rules_fails_naming_the_key() {
    for (config, expected) in [
        (
            "{ lable: x }",
            "lable: unknown field `lable`, expected `label` (from the host's config of module 'back')",
        ),
        // A rule of the merged config: the host's line names the module.
        ("{ label: '' }", "label: must not be empty"),
    ] {
        let yaml = format!(
            "modules:
  front:
    runtime: {{ type: local }}
    deps: [back]
  back:
    runtime: {{ type: local }}
    config: {config}
"
        );
        let config = HostConfig::from_yaml_str(&yaml, Path::new("host.yaml")).unwrap();
        let seen = Arc::new(Mutex::new(None));
        let cancel = CancellationToken::new();
        let running = host::start_with(config, vec![front(seen), back()], cancel.clone())
            .await
            .unwrap();
        let outcome = tokio::time::timeout(PATIENCE, running.wait())
            .await
            .expect("the host ends by itself when its modules cannot run")
            .unwrap();
        let back = outcome.modules.iter().find(|m| m.module == "back").unwrap();
        let ModuleEnd::LocalFailed { reason } = &back.end else {
            panic!("{:?}", back.end);
        };
        assert!(reason.ends_with(expected), "{reason}");
        let front = outcome
            .modules
            .iter()
            .find(|m| m.module == "front")
            .unwrap();
        assert!(
            matches!(front.end, ModuleEnd::DependencyUnavailable { .. }),
            "{:?}",
            front.end
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oop_module_can_depend_on_a_local_one_in_the_same_yaml() {
    let yaml = format!(
        "modules:
  echo-oop:
    runtime: {{ type: oop, execution: {{ executable_path: {} }} }}
    deps: [back]
  back:
    runtime: {{ type: local }}
",
        echo_module_binary().display()
    );
    let config = HostConfig::from_yaml_str(&yaml, Path::new("host.yaml")).unwrap();
    let cancel = CancellationToken::new();
    // Not under echo's name: the OoP module, module `echo`, serves that one.
    let running = host::start_with(config, vec![back_serving("back.v1.Back")], cancel.clone())
        .await
        .unwrap();
    let directory = DirectoryClient::connect(running.directory_endpoint())
        .await
        .unwrap();
    // The OoP one starts once the local one registered; then both serve echo.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while directory.list_instances("echo").await.unwrap().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the OoP module never registered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(directory.list_instances("back").await.unwrap().len(), 1);
    cancel.cancel();
    let outcome = running.wait().await.unwrap();
    assert!(outcome.is_clean(), "{outcome:?}");
}

#[tokio::test]
async fn a_local_entry_this_binary_does_not_link_is_refused_before_anything_starts() {
    let yaml = "modules:\n  calc:\n    runtime: { type: local }\n";
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    let error = host::start_with(config, vec![back()], CancellationToken::new())
        .await
        .err()
        .expect("refused");
    assert!(matches!(error, HostError::Launch(_)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("module 'calc': `type: local`, but this host binary does not link it"),
        "{error}"
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Starts a host running `locals` under `yaml`; returns it with its directory's client.
async fn start(
    yaml: &str,
    locals: Vec<LocalModule>,
    cancel: &CancellationToken,
) -> (host::RunningHost, DirectoryClient) {
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    let running = host::start_with(config, locals, cancel.clone())
        .await
        .unwrap();
    let directory = DirectoryClient::connect(running.directory_endpoint())
        .await
        .unwrap();
    (running, directory)
}

/// The one endpoint `service` resolves to.
async fn sole_endpoint(directory: &DirectoryClient, service: &str) -> String {
    let endpoints = resolved(directory, service).await;
    let [endpoint] = &endpoints[..] else {
        panic!("one instance of {service} expected: {endpoints:?}");
    };
    endpoint.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_module_listens_on_an_owner_only_socket_in_the_run_directory() {
    let cancel = CancellationToken::new();
    let (running, directory) = start(
        "modules:\n  back:\n    runtime: { type: local }\n    config: { label: on-a-socket }\n",
        vec![back()],
        &cancel,
    )
    .await;
    let directory_endpoint = running.directory_endpoint().to_owned();
    let endpoint = sole_endpoint(&directory, echo::SERVICE_NAME).await;

    let run_dir = run_dir::for_directory(&directory_endpoint);
    let socket = run_dir.join("back.sock");
    assert_eq!(endpoint, format!("unix:{}", socket.display()));
    let meta = std::fs::metadata(&socket).unwrap();
    assert!(meta.file_type().is_socket());
    // SAFETY: getuid cannot fail.
    assert_eq!(meta.uid(), unsafe { libc::getuid() });
    assert_eq!(mode(&socket), 0o600, "the socket");
    assert_eq!(mode(&run_dir), 0o700, "the run directory");

    // The generated client path, through the directory and over the socket, as the
    // host's operator (what `cargo modgen call` presents): the module's guard admits it.
    install_process_credential(run_dir::operator_credential(&directory_endpoint));
    let channels = ServiceChannels::new(
        echo::SERVICE_NAME,
        Arc::new(directory),
        ClientOptions::default(),
    );
    let request = EchoRequest {
        message: "over a socket".into(),
        ..Default::default()
    };
    let reply: EchoReply = unary::<_, _, Status>(&channels, &CallContext::new(), ECHO, request)
        .await
        .unwrap();
    assert_eq!(reply.message, "over a socket");
    assert_eq!(reply.served_by, "on-a-socket");
    assert_eq!(reply.caller, "operator", "the credential travelled too");

    cancel.cancel();
    let outcome = running.wait().await.unwrap();
    assert!(outcome.is_clean(), "{outcome:?}");
    assert!(!socket.exists(), "{} outlived the host", socket.display());
    assert!(!run_dir.exists(), "{} outlived the host", run_dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_tcp_keeps_a_local_module_on_loopback_host_wide_or_per_module() {
    let yaml = "transport: tcp
modules:
  back:
    runtime: { type: local }
    access: { anonymous: true }
  front:
    runtime: { type: local }
    transport: unix
";
    let cancel = CancellationToken::new();
    let seen = Arc::new(Mutex::new(None));
    let (running, directory) = start(yaml, vec![back(), front(seen)], &cancel).await;
    let tcp = sole_endpoint(&directory, echo::SERVICE_NAME).await;
    let unix = sole_endpoint(&directory, "front.v1.Front").await;
    assert!(tcp.starts_with("http://127.0.0.1:"), "{tcp}");
    let run_dir = run_dir::for_directory(running.directory_endpoint());
    assert_eq!(
        unix,
        format!("unix:{}", run_dir.join("front.sock").display())
    );
    assert!(
        !run_dir.join("back.sock").exists(),
        "a module on TCP binds no socket"
    );

    let request = tonic::Request::new(EchoRequest::default());
    let reply = echo::echo(dial(&tcp).await.unwrap(), request)
        .await
        .unwrap();
    assert_eq!(reply.into_inner().served_by, "back");
    cancel.cancel();
    assert!(running.wait().await.unwrap().is_clean());
}

/// A CA and a loopback server certificate it signed: (CA PEM, certificate PEM, key PEM).
fn loopback_certificate() -> (String, String, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let certificate = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (ca_pem, certificate.pem(), key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_hosts_tls_a_local_module_on_tcp_serves_https_and_one_on_its_socket_plain() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, certificate, key) = loopback_certificate();
    let certificate = write(dir.path(), "server.pem", &certificate);
    let key = write(dir.path(), "server.key", &key);
    let ca_file = write(dir.path(), "ca.pem", &ca);
    let yaml = format!(
        "tls: {{ certificate: {}, key: {}, ca: {} }}
modules:
  back:
    runtime: {{ type: local }}
    transport: tcp
    access: {{ anonymous: true }}
  front:
    runtime: {{ type: local }}
",
        certificate.display(),
        key.display(),
        ca_file.display()
    );
    let cancel = CancellationToken::new();
    let seen = Arc::new(Mutex::new(None));
    let (running, directory) = start(&yaml, vec![back(), front(seen)], &cancel).await;
    let https = sole_endpoint(&directory, echo::SERVICE_NAME).await;
    assert!(https.starts_with("https://127.0.0.1:"), "{https}");
    let unix = sole_endpoint(&directory, "front.v1.Front").await;
    assert!(unix.starts_with("unix:/"), "TLS is for TCP only: {unix}");

    let options = ClientOptions {
        retry: modgen_runtime::client::RetryPolicy::never(),
        ..ClientOptions::default()
    };
    let trusted = connect_trusting(&https, &options, Some(&CaBundle::from_pem(&ca)))
        .await
        .unwrap();
    let request = tonic::Request::new(EchoRequest::default());
    let reply = echo::echo(trusted, request).await.unwrap();
    assert_eq!(reply.into_inner().served_by, "back");
    // The control: in plain, the TLS server does not answer.
    let plain = https.replacen("https://", "http://", 1);
    let request = tonic::Request::new(EchoRequest::default());
    let refused = match dial(&plain).await {
        Ok(channel) => echo::echo(channel, request).await.err(),
        Err(error) => Some(Status::from(error)),
    };
    assert!(
        refused.is_some(),
        "a plain call to the TLS server succeeded"
    );
    cancel.cancel();
    assert!(running.wait().await.unwrap().is_clean());
}
