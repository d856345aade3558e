//! The private transport with real processes: a module `modgen-host` starts listens on a
//! Unix socket in the host's run directory that only the host's user can open, registers
//! `unix:` endpoints, and the runtime's clients reach it there; `transport: tcp` keeps
//! a module on loopback TCP.

mod host_support;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::collections::HashSet;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use echo::{EchoReply, EchoRequest};
use host_support::{Host, PATIENCE, children_of, dial, echo_module_binary, environ_of};
use modgen_runtime::client::generated::{Rpc, unary};
use modgen_runtime::client::{ClientOptions, ServiceChannels};
use modgen_runtime::context::CallContext;
use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::host::HostConfig;
use modgen_runtime::identity::{install_process_credential, run_dir};
use tonic::Status;

const READY: &str = "modgen: listening on ";
const ECHO: Rpc = Rpc::new("echo.v1.Echo", "Echo", "/echo.v1.Echo/Echo");

/// `modules` is the YAML under `modules:`, with `ECHO` standing for the fixture binary;
/// `top` goes above it.
fn host(top: &str, modules: &str) -> Host {
    let modules = modules.replace("ECHO", &echo_module_binary().display().to_string());
    Host::start(&format!("{top}modules:\n{modules}"))
}

fn echo_entry(name: &str, extra: &str) -> String {
    format!(
        "  {name}:\n    runtime: {{ type: oop, execution: {{ executable_path: ECHO }} }}\n\
         {extra}"
    )
}

fn endpoint_of(host: &Host, module: &str) -> String {
    let line = host
        .stdout
        .wait_for(&format!("[{module}] {READY}"), PATIENCE);
    line.rsplit(' ').next().unwrap().to_owned()
}

fn socket_of(endpoint: &str) -> PathBuf {
    PathBuf::from(
        endpoint
            .strip_prefix("unix:")
            .unwrap_or_else(|| panic!("{endpoint} is not a unix: endpoint")),
    )
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Inodes of the TCP sockets in LISTEN state (`0A`) on this machine.
fn listening_tcp_inodes() -> HashSet<String> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|line| {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    (fields.get(3) == Some(&"0A")).then(|| fields.get(9).map(|s| s.to_string()))
                })
                .flatten()
                .collect::<Vec<_>>()
        })
        .collect()
}

/// How many TCP listening sockets process `pid` holds open.
fn tcp_listeners_of(pid: i32) -> usize {
    let listening = listening_tcp_inodes();
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?.to_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .filter(|inode| listening.contains(inode))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_under_a_host_listens_on_an_owner_only_socket_and_on_no_tcp_port() {
    let host = host("", &echo_entry("echo", ""));
    let directory_endpoint = host.directory_endpoint();
    let endpoint = endpoint_of(&host, "echo");
    let socket = socket_of(&endpoint);

    let run_dir = run_dir::for_directory(&directory_endpoint);
    assert_eq!(socket, run_dir.join("echo.sock"));
    let meta = std::fs::metadata(&socket).unwrap();
    assert!(meta.file_type().is_socket());
    // SAFETY: getuid cannot fail.
    assert_eq!(meta.uid(), unsafe { libc::getuid() });
    assert_eq!(mode(&socket), 0o600, "the socket");
    assert_eq!(mode(&run_dir), 0o700, "the run directory");

    let [pid] = children_of(host.pid())[..] else {
        panic!("one module process expected");
    };
    assert_eq!(
        environ_of(pid, "MODGEN_LISTEN_SOCKET").map(PathBuf::from),
        Some(socket.clone())
    );
    assert_eq!(tcp_listeners_of(pid), 0, "no TCP port is open");
    // The control: the host itself does listen on TCP (its directory).
    assert!(tcp_listeners_of(host.pid()) > 0);

    let directory = DirectoryClient::connect(&directory_endpoint).await.unwrap();
    let instances = directory.list_instances("echo").await.unwrap();
    assert_eq!(instances[0].endpoint_uri, endpoint);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_client_path_calls_a_module_through_the_directory_over_its_socket() {
    let host = host(
        "",
        &echo_entry("echo", "    config: { label: on-a-socket }\n"),
    );
    let directory_endpoint = host.directory_endpoint();
    endpoint_of(&host, "echo");
    // What `cargo modgen call` presents: the host's operator credential.
    install_process_credential(run_dir::operator_credential(&directory_endpoint));

    let resolver = DirectoryClient::connect(&directory_endpoint).await.unwrap();
    let channels =
        ServiceChannels::new("echo.v1.Echo", Arc::new(resolver), ClientOptions::default());
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
    let picked = channels.pick().await.unwrap();
    assert!(picked.endpoint.starts_with("unix:/"), "{}", picked.endpoint);
}

/// A connect(2) to `socket` by a Python one-liner run as `uid`:`gid`; `Err` holds why it
/// failed.
fn connect_as(uid: u32, gid: u32, socket: &Path) -> Result<(), String> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])",
        ])
        .arg(socket)
        .uid(uid)
        .gid(gid)
        .output()
        .expect("python3 runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_of_another_user_cannot_connect_to_the_socket() {
    let host = host("", &echo_entry("echo", ""));
    let socket = socket_of(&endpoint_of(&host, "echo"));
    assert_eq!(mode(&socket), 0o600);
    // SAFETY: geteuid/getegid cannot fail.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let python = Command::new("python3").arg("--version").output();
    if uid != 0 || python.is_err() {
        // Becoming another user needs root (and the probe needs python3); the modes
        // checked above are what keeps others out.
        eprintln!("skipping the other-user connect: needs root and python3");
        return;
    }
    // The control: the host's own user gets through.
    connect_as(uid, gid, &socket).expect("the owner connects");
    const NOBODY: u32 = 65534;
    let refused = connect_as(NOBODY, NOBODY, &socket).expect_err("another user is refused");
    assert!(refused.contains("Permission denied"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_tcp_keeps_a_module_on_loopback_host_wide_or_per_module() {
    let modules = format!(
        "{}{}",
        echo_entry("on-tcp", "    config: { label: tcp }\n"),
        echo_entry(
            "on-socket",
            "    transport: unix\n    config: { label: unix }\n"
        ),
    );
    let host = host("transport: tcp\n", &modules);
    let tcp = endpoint_of(&host, "on-tcp");
    let unix = endpoint_of(&host, "on-socket");
    assert!(tcp.starts_with("http://127.0.0.1:"), "{tcp}");
    assert!(unix.starts_with("unix:/"), "{unix}");
    for (endpoint, label) in [(&tcp, "tcp"), (&unix, "unix")] {
        let channel = dial(endpoint).await.unwrap();
        let status = echo::echo(channel, tonic::Request::new(EchoRequest::default()))
            .await
            .expect_err("no credential");
        assert_eq!(status.code(), tonic::Code::Unauthenticated, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_modules_socket_is_removed_and_the_run_directory_goes_with_the_host() {
    let mut host = host(
        "restart: { initial_backoff: 2s }\n",
        &echo_entry("echo", ""),
    );
    let run_dir = run_dir::for_directory(&host.directory_endpoint());
    let socket = socket_of(&endpoint_of(&host, "echo"));
    let [pid] = children_of(host.pid())[..] else {
        panic!("one module process expected");
    };
    // SAFETY: kill(2) on the module, a child of our child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    host.stderr.wait_for("restarting in", PATIENCE);
    assert!(!socket.exists(), "a SIGKILLed module's socket stays behind");
    host.stdout.wait_for_nth(READY, 2, PATIENCE);
    assert!(socket.exists(), "the restarted module binds the same path");

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
    assert!(!run_dir.exists(), "{} outlived the host", run_dir.display());
}

#[test]
fn an_unknown_transport_is_a_config_error_with_its_position() {
    let yaml = "modules:\n  echo:\n    runtime: { type: oop, execution: { executable_path: /bin/true } }\n    transport: udp\n";
    let error = HostConfig::from_yaml_str(yaml, Path::new("host.yaml"))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("host.yaml:4:"), "{error}");
    assert!(
        error.contains("unknown variant `udp`") && error.contains("unix") && error.contains("tcp"),
        "{error}"
    );
    let host_wide = HostConfig::from_yaml_str("transport: quic\n", Path::new("host.yaml"))
        .unwrap_err()
        .to_string();
    assert!(host_wide.starts_with("host.yaml:1:"), "{host_wide}");
}
