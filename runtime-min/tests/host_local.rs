//! `type: local` modules: linked into the host binary (here, the test), run in its
//! process, sharing one client hub, served and registered like OoP modules, started in
//! dependency order, stopped at shutdown; mixed with OoP modules in one YAML.

mod host_support;

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use host_support::{PATIENCE, echo_module_binary};
use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::host::{self, HostConfig, HostError, LocalModule, ModuleEnd};
use modgen_runtime::oop::{ModuleSpec, Routes};
use tokio_util::sync::CancellationToken;

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

fn back_serving(service: &'static str) -> LocalModule {
    LocalModule::new(spec("back", service), |config, handle| async move {
        let label = config["label"].as_str().unwrap_or("back").to_owned();
        handle
            .hub()
            .register::<String>(Arc::new(format!("{label} in the hub")));
        Ok(Routes::new(echo::EchoService::new(label)))
    })
}

/// A local module that records what it finds in the hub when it is built.
fn front(seen: Arc<Mutex<Option<String>>>) -> LocalModule {
    LocalModule::new(
        spec("front", "front.v1.Front"),
        move |_config, handle| async move {
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
    let channel = tonic::transport::Endpoint::from_shared(endpoint.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
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
