//! TLS for TCP endpoints, with real processes: a host whose YAML gives a certificate, key
//! and CA bundle starts modules that serve TLS on TCP and register `https://` endpoints
//! (one kept on the host's Unix socket serves it in plain: TLS is for TCP only); a
//! client that trusts the CA gets through (and so does a module calling a module), one
//! that trusts another CA, or none, is refused in the handshake. Certificates are made
//! here with rcgen; no key is checked in.

mod host_support;
mod oop_fixture;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use echo::{EchoReply, EchoRequest};
use host_support::{Host, PATIENCE, echo_module_binary};
use modgen_runtime::client::tls::CaBundle;
use modgen_runtime::client::{ClientOptions, RetryPolicy, ServiceChannels, connect_trusting};
use modgen_runtime::directory::{DirectoryClient, StaticResolver};
use modgen_runtime::host::{self, HostConfig};
use modgen_runtime::identity::{CREDENTIAL_HEADER, Issuer};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer as CaIssuer, KeyPair};
use tokio_util::sync::CancellationToken;
use tonic::Status;

const READY: &str = "modgen: listening on ";

/// A certificate authority made for one test.
struct TestCa {
    issuer: CaIssuer<'static, KeyPair>,
    pem: String,
}

impl TestCa {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        Self {
            pem: certificate.pem(),
            issuer: CaIssuer::new(params, key),
        }
    }

    /// A server certificate for loopback (`127.0.0.1`, `localhost`): (certificate, key).
    fn server_certificate(&self) -> (String, String) {
        let params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        (certificate.pem(), key.serialize_pem())
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// One try, so a refused handshake fails at once.
fn once() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        ..ClientOptions::default()
    }
}

async fn echo_over(
    endpoint: &str,
    ca: &CaBundle,
    credential: &str,
    message: EchoRequest,
) -> Result<EchoReply, Status> {
    let channel = connect_trusting(endpoint, &once(), Some(ca))
        .await
        .map_err(Status::from)?;
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert(CREDENTIAL_HEADER, credential.parse().unwrap());
    echo::echo(channel, request)
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_serve_tls_and_only_clients_trusting_the_ca_get_through() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("modgen test CA");
    let (certificate, key) = ca.server_certificate();
    write(dir.path(), "ca.pem", &ca.pem);
    write(dir.path(), "server.pem", &certificate);
    write(dir.path(), "server.key", &key);
    let other_ca = write(dir.path(), "other-ca.pem", &TestCa::new("another CA").pem);
    let issuer = Issuer::generate().unwrap();
    write(dir.path(), "host.key", &issuer.seed_text());
    let echo_binary = echo_module_binary().display().to_string();
    let yaml = format!(
        "identity: {{ signing_key_file: host.key }}
tls: {{ certificate: server.pem, key: server.key, ca: ca.pem }}
transport: tcp
modules:
  back:
    runtime: {{ type: oop, execution: {{ executable_path: {echo_binary} }} }}
    config: {{ label: back }}
  front:
    runtime: {{ type: oop, execution: {{ executable_path: {echo_binary} }} }}
    config: {{ label: front }}
  private:
    transport: unix
    runtime: {{ type: oop, execution: {{ executable_path: {echo_binary} }} }}
    config: {{ label: private }}
"
    );
    let mut host = Host::start_in(dir, &yaml);
    let endpoint_of = |module: &str| {
        let line = host
            .stdout
            .wait_for(&format!("[{module}] {READY}"), PATIENCE);
        line.rsplit(' ').next().unwrap().to_owned()
    };
    let back = endpoint_of("back");
    let front = endpoint_of("front");
    let private = endpoint_of("private");
    assert!(back.starts_with("https://127.0.0.1:"), "{back}");
    assert!(private.starts_with("unix:/"), "{private}");

    // The directory hands out the https endpoints the modules registered.
    let directory = DirectoryClient::connect(&host.directory_endpoint())
        .await
        .unwrap();
    let listed: Vec<String> = directory
        .list_instances("echo")
        .await
        .unwrap()
        .into_iter()
        .map(|instance| instance.endpoint_uri)
        .collect();
    assert!(
        listed.contains(&back) && listed.contains(&front),
        "{listed:?}"
    );

    // Trusting the CA: the test reaches front over TLS, and front reaches back over TLS
    // with the CA bundle the host handed it.
    let trusted = CaBundle::from_file(&host.dir.path().join("ca.pem")).unwrap();
    let me = issuer.issue("tester", Duration::from_secs(60));
    let reply = echo_over(
        &front,
        &trusted,
        &me,
        EchoRequest {
            message: "over tls".into(),
            forward_to: back.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (reply.served_by.as_str(), reply.caller.as_str()),
        ("back", "front")
    );
    // The module on the Unix socket, given the same certificate, serves it in plain, and
    // a TLS module reaches it there.
    let reply = echo_over(
        &front,
        &trusted,
        &me,
        EchoRequest {
            message: "to the socket".into(),
            forward_to: private.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (reply.served_by.as_str(), reply.caller.as_str()),
        ("private", "front")
    );

    // Trusting another CA: the handshake fails, the call never reaches the module.
    let untrusted = CaBundle::from_file(&other_ca).unwrap();
    let refused = connect_trusting(&back, &once(), Some(&untrusted))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("invalid peer certificate"),
        "{refused}"
    );

    // Trusting nothing: the runtime's client says what is missing; plain tonic over
    // https (no roots compiled in) is refused in the handshake; plaintext to the TLS
    // port is refused too.
    let no_bundle = modgen_runtime::client::connect(&back, &once())
        .await
        .unwrap_err();
    assert!(
        no_bundle
            .to_string()
            .contains("no CA bundle to verify it with (set MODGEN_TLS_CA_FILE"),
        "{no_bundle}"
    );
    // The same through a client that resolves: the call fails with what is missing
    // (FAILED_PRECONDITION, not retried), not as "no live instance".
    let resolved = ServiceChannels::new(
        echo::SERVICE_NAME,
        Arc::new(StaticResolver(vec![back.clone()])),
        once(),
    );
    let status = resolved.pick().await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    assert!(
        status.message().contains("no CA bundle to verify it with"),
        "{status:?}"
    );
    let no_roots = async {
        let channel = tonic::transport::Endpoint::from_shared(back.clone())
            .unwrap()
            .connect()
            .await
            .map_err(|error| Status::unavailable(error.to_string()))?;
        echo::echo(channel, tonic::Request::new(EchoRequest::default())).await
    };
    assert!(no_roots.await.is_err());
    let plaintext = back.replacen("https://", "http://", 1);
    let plaintext = async {
        let channel = tonic::transport::Endpoint::from_shared(plaintext)
            .unwrap()
            .connect()
            .await
            .map_err(|error| Status::unavailable(error.to_string()))?;
        echo::echo(channel, tonic::Request::new(EchoRequest::default())).await
    };
    assert!(plaintext.await.is_err());

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
}

/// Each file readable, but the key is not the certificate's: the host refuses to start,
/// before its directory or any module does, rather than each module failing alone.
#[tokio::test]
async fn the_host_refuses_a_certificate_and_key_that_do_not_belong_together() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("modgen test CA");
    let (certificate, _) = ca.server_certificate();
    let (_, other_key) = ca.server_certificate();
    write(dir.path(), "ca.pem", &ca.pem);
    write(dir.path(), "server.pem", &certificate);
    write(dir.path(), "other.key", &other_key);
    let yaml = "tls: { certificate: server.pem, key: other.key, ca: ca.pem }\nmodules: {}\n";
    let config = HostConfig::from_yaml_str(yaml, &dir.path().join("host.yaml")).unwrap();
    let error = host::start(config, CancellationToken::new())
        .await
        .err()
        .expect("the host does not start");
    assert!(
        error
            .to_string()
            .starts_with("tls: the certificate and key cannot be used together"),
        "{error}"
    );
}

#[test]
fn the_host_refuses_tls_files_it_cannot_use_and_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("host.yaml");
    let ca = TestCa::new("modgen test CA");
    let (certificate, key) = ca.server_certificate();
    write(dir.path(), "ca.pem", &ca.pem);
    write(dir.path(), "server.pem", &certificate);
    write(dir.path(), "server.key", &key);
    write(
        dir.path(),
        "garbled.pem",
        "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
    );
    let load = |tls: &str| {
        HostConfig::from_yaml_str(&format!("tls: {tls}\n"), &file)
            .map(|_| ())
            .map_err(|error| error.to_string())
    };
    let at = |name: &str| dir.path().join(name).display().to_string();

    assert_eq!(
        load("{ certificate: server.pem, key: server.key, ca: ca.pem }"),
        Ok(())
    );
    let missing = load("{ ca: absent.pem }").unwrap_err();
    assert!(
        missing.contains(&format!(
            "{}: cannot read the TLS CA bundle",
            at("absent.pem")
        )),
        "{missing}"
    );
    let garbled = load("{ ca: garbled.pem }").unwrap_err();
    assert!(
        garbled.contains(&format!(
            "{}: the TLS CA bundle is not valid PEM",
            at("garbled.pem")
        )),
        "{garbled}"
    );
    let key_for_certificate =
        load("{ certificate: server.key, key: server.key, ca: ca.pem }").unwrap_err();
    assert!(
        key_for_certificate.contains(&format!(
            "{}: no TLS certificate in the file",
            at("server.key")
        )),
        "{key_for_certificate}"
    );
    let without_ca = load("{ certificate: server.pem, key: server.key }").unwrap_err();
    assert!(
        without_ca.contains("tls.certificate needs tls.ca"),
        "{without_ca}"
    );
    let without_key = load("{ certificate: server.pem, ca: ca.pem }").unwrap_err();
    assert!(
        without_key.contains("a TLS certificate needs a key too"),
        "{without_key}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standalone_module_serves_tls_from_its_environment_and_refuses_a_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("modgen test CA");
    let (certificate, key) = ca.server_certificate();
    let ca_file = write(dir.path(), "ca.pem", &ca.pem);
    let certificate_file = write(dir.path(), "server.pem", &certificate);
    let key_file = write(dir.path(), "server.key", &key);

    let mut command = oop_fixture::command();
    command
        .env("MODGEN_TLS_CERTIFICATE_FILE", &certificate_file)
        .env("MODGEN_TLS_KEY_FILE", &key_file);
    let module = oop_fixture::start(command).await;
    assert!(
        module.endpoint.starts_with("https://"),
        "{}",
        module.endpoint
    );
    // Standalone, so anonymous calls are served: only the CA decides.
    let channel = connect_trusting(
        &module.endpoint,
        &once(),
        Some(&CaBundle::from_file(&ca_file).unwrap()),
    )
    .await
    .unwrap();
    let reply = echo::echo(
        channel,
        tonic::Request::new(EchoRequest {
            message: "standalone".into(),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    assert_eq!(reply.into_inner().message, "standalone");
    module.signal(libc::SIGTERM);
    let (status, _) = module.wait(PATIENCE).await;
    assert!(status.success());

    // The certificate given as the key: exit 2 before anything is bound, naming the file.
    let mut command = oop_fixture::command();
    command
        .env("MODGEN_TLS_CERTIFICATE_FILE", &certificate_file)
        .env("MODGEN_TLS_KEY_FILE", &certificate_file);
    let output = oop_fixture::run(command).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: no TLS private key in the file",
            certificate_file.display()
        )),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing served");
}
