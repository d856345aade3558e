//! Caller identity of `type: local` modules, with a real OoP echo process beside them:
//! each local module calls under its own name (a credential the host mints in memory),
//! though all of them share the host's process, and calls reaching a local module's
//! server pass the same guard as an OoP module's.

mod host_support;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use echo::{EchoReply, EchoRequest};
use host_support::{PATIENCE, assert_refused, echo_module_binary};
use modgen_runtime::client::generated::{self, Rpc};
use modgen_runtime::client::{ClientOptions, ServiceChannels};
use modgen_runtime::context::CallContext;
use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::host::{self, HostConfig, LocalModule, RunningHost};
use modgen_runtime::oop::{ModuleSpec, Routes};
use tokio_util::sync::CancellationToken;
use tonic::{Code, Status};

const ECHO_RPC: Rpc = Rpc::new("echo.v1.Echo", "Echo", "/echo.v1.Echo/Echo");

/// The clients each local module built over its handle's resolver, by module name.
type Clients = Arc<Mutex<HashMap<&'static str, ServiceChannels>>>;

/// A local module serving echo under its own service name, which keeps for the test the
/// client it builds for the OoP echo, as an SDK's `wire_client(hub, handle.resolver())`
/// would.
fn local(name: &'static str, clients: Clients) -> LocalModule {
    let service: &'static str = Box::leak(format!("{name}.v1.Local").into_boxed_str());
    let spec = ModuleSpec {
        name,
        version: "1.0.0",
        service_names: Box::leak(Box::new([service])),
        file_descriptor_sets: &[],
        heartbeat_interval: Duration::from_secs(5),
    };
    LocalModule::new(
        spec,
        move |_config: serde_json::Map<_, _>, handle| async move {
            let resolver = handle.resolver().ok_or("no directory")?;
            let options = ClientOptions::default();
            let echo = ServiceChannels::new(echo::SERVICE_NAME, resolver, options);
            clients.lock().unwrap().insert(name, echo);
            Ok(Routes::new(echo::EchoService::new(name)))
        },
    )
}

/// `allowed` and `denied` run in the host's process; `echo` is a process that admits
/// `allowed` only. `allowed` admits `echo`, `denied` admits `allowed`.
async fn start_host(clients: &Clients, cancel: &CancellationToken) -> RunningHost {
    let yaml = format!(
        "modules:
  echo:
    runtime: {{ type: oop, execution: {{ executable_path: {} }} }}
    access: {{ callers: [allowed] }}
  allowed:
    runtime: {{ type: local }}
    access: {{ callers: [echo] }}
  denied:
    runtime: {{ type: local }}
    access: {{ callers: [allowed] }}
",
        echo_module_binary().display()
    );
    let config = HostConfig::from_yaml_str(&yaml, Path::new("host.yaml")).unwrap();
    let locals = vec![
        local("allowed", clients.clone()),
        local("denied", clients.clone()),
    ];
    host::start_with(config, locals, cancel.clone())
        .await
        .unwrap()
}

async fn endpoint(directory: &DirectoryClient, service: &str) -> String {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Ok(response) = directory.resolve_raw(service).await
            && let Some(endpoint) = response.endpoint_uris.first()
        {
            return endpoint.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{service} never resolved"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn client_of(clients: &Clients, module: &str) -> ServiceChannels {
    clients.lock().unwrap()[module].clone()
}

async fn echo_through(channels: &ServiceChannels, forward_to: &str) -> Result<EchoReply, Status> {
    let request = EchoRequest {
        message: "hello".into(),
        forward_to: forward_to.to_owned(),
        ..Default::default()
    };
    let ctx = CallContext::new().with_timeout(PATIENCE);
    generated::unary::<_, _, Status>(channels, &ctx, ECHO_RPC, request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_modules_call_under_their_own_names_and_their_servers_check_callers() {
    let clients = Clients::default();
    let cancel = CancellationToken::new();
    let running = start_host(&clients, &cancel).await;
    let directory = DirectoryClient::connect(running.directory_endpoint())
        .await
        .unwrap();
    endpoint(&directory, echo::SERVICE_NAME).await;
    let allowed_endpoint = endpoint(&directory, "allowed.v1.Local").await;
    let denied_endpoint = endpoint(&directory, "denied.v1.Local").await;

    // Two modules of one process, two names: the OoP echo admits only `allowed`.
    let reply = echo_through(&client_of(&clients, "allowed"), "")
        .await
        .unwrap();
    assert_eq!(
        reply.caller, "allowed",
        "the echo process verified the name"
    );
    assert_refused(
        echo_through(&client_of(&clients, "denied"), "").await,
        Code::PermissionDenied,
        "module 'denied' may not call module 'echo'",
    );

    // A call reaching a local module's server is verified too: `echo` forwards with its
    // own credential; `allowed` admits it and sees its verified name, `denied` refuses it.
    let reply = echo_through(&client_of(&clients, "allowed"), &allowed_endpoint)
        .await
        .unwrap();
    assert_eq!(
        (reply.served_by.as_str(), reply.caller.as_str()),
        ("allowed", "echo")
    );
    assert_refused(
        echo_through(&client_of(&clients, "allowed"), &denied_endpoint).await,
        Code::PermissionDenied,
        "module 'echo' may not call module 'denied'",
    );

    // This test process holds no credential: anonymous, refused by the local module.
    let anonymous = ServiceChannels::from_channel(
        echo::SERVICE_NAME,
        modgen_runtime::client::connect(&allowed_endpoint, &ClientOptions::default())
            .await
            .unwrap(),
        ClientOptions::default(),
    );
    assert_refused(
        echo_through(&anonymous, "").await,
        Code::Unauthenticated,
        "module 'allowed' does not accept anonymous calls",
    );

    cancel.cancel();
    let outcome = running.wait().await.unwrap();
    assert!(outcome.is_clean(), "{outcome:?}");
}
