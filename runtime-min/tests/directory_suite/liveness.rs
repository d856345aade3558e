// Server-authoritative liveness over real gRPC: resolvable at once after register,
// kept alive by heartbeats, gone once silent for longer than the TTL.

use std::time::{Duration, Instant};

use modgen_runtime::directory::{
    AuthMode, DirectoryClient, DirectoryConfig, Registration, 
};
use tokio_util::sync::CancellationToken;
use tonic::Code;

use super::BACKEND;
use crate::directory_support::TestDirectory;

/// The directory on this suite's backend, and a client of it; `None` skips the test.
async fn start_directory(cancel: &CancellationToken) -> Option<(TestDirectory, DirectoryClient)> {
    let config = DirectoryConfig::new(AuthMode::Disabled).with_timing(BACKEND.heartbeat(), BACKEND.ttl());
    let directory = BACKEND.serve(config, cancel).await?;
    let client = DirectoryClient::connect(&directory.endpoint)
        .await
        .expect("client connects");
    Some((directory, client))
}

#[tokio::test]
async fn new_instance_is_resolvable_before_its_first_heartbeat() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let registration = Registration::new("calc", "i-1", "1.0")
        .with_service("calc.v1.Calc", "http://127.0.0.1:4001");

    client.register(&registration).await.expect("registered");

    assert_eq!(
        client.resolve("calc.v1.Calc").await.expect("resolvable"),
        "http://127.0.0.1:4001"
    );
    cancel.cancel();
}

#[tokio::test]
async fn silent_instance_is_evicted_after_its_ttl() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let registration = Registration::new("calc", "i-1", "1.0")
        .with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    client.register(&registration).await.expect("registered");
    let registered_at = Instant::now();

    assert!(client.resolve("calc.v1.Calc").await.is_ok());
    tokio::time::sleep(BACKEND.ttl() + BACKEND.expiry_slack()).await;

    let status = client.resolve("calc.v1.Calc").await.expect_err("evicted");
    assert_eq!(status.code(), Code::NotFound);
    assert!(
        status.message().contains("calc.v1.Calc"),
        "{}",
        status.message()
    );
    assert!(registered_at.elapsed() >= BACKEND.ttl());
    let heartbeat = client
        .heartbeat("calc", "i-1")
        .await
        .expect_err("forgotten");
    assert_eq!(heartbeat.code(), Code::NotFound);
    assert!(
        client
            .list_instances("calc")
            .await
            .expect("list")
            .is_empty()
    );
    cancel.cancel();
}

#[tokio::test]
async fn heartbeats_keep_an_instance_resolvable_past_its_ttl() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let registration = Registration::new("calc", "i-1", "1.0")
        .with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    client.register(&registration).await.expect("registered");

    for _ in 0..8 {
        tokio::time::sleep(BACKEND.heartbeat()).await;
        client
            .heartbeat("calc", "i-1")
            .await
            .expect("heartbeat accepted");
    }

    assert!(client.resolve("calc.v1.Calc").await.is_ok());
    cancel.cancel();
}

#[tokio::test]
async fn deregistered_instance_is_gone_at_once() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let registration = Registration::new("calc", "i-1", "1.0")
        .with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    client.register(&registration).await.expect("registered");

    client
        .deregister("calc", "i-1")
        .await
        .expect("deregistered");

    let status = client.resolve("calc.v1.Calc").await.expect_err("gone");
    assert_eq!(status.code(), Code::NotFound);
    let again = client
        .deregister("calc", "i-1")
        .await
        .expect_err("unknown now");
    assert_eq!(again.code(), Code::NotFound);
    cancel.cancel();
}

#[tokio::test]
async fn list_instances_reports_services_version_and_remaining_ttl() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let registration = Registration::new("calc", "i-1", "1.2.3")
        .with_service("calc.v1.Calc", "http://127.0.0.1:4001")
        .with_service("calc.v1.Admin", "http://127.0.0.1:4002");
    client.register(&registration).await.expect("registered");

    let instances = client.list_instances("calc").await.expect("listed");

    assert_eq!(instances.len(), 1);
    let info = &instances[0];
    assert_eq!(
        (
            info.module_name.as_str(),
            info.instance_id.as_str(),
            info.version.as_str()
        ),
        ("calc", "i-1", "1.2.3")
    );
    assert_eq!(info.endpoint_uri, "http://127.0.0.1:4001");
    let services: Vec<_> = info
        .grpc_services
        .iter()
        .map(|s| (s.service_name.as_str(), s.endpoint_uri.as_str()))
        .collect();
    assert_eq!(
        services,
        [
            ("calc.v1.Calc", "http://127.0.0.1:4001"),
            ("calc.v1.Admin", "http://127.0.0.1:4002")
        ]
    );
    assert!(
        info.expires_in_ms > 0 && u128::from(info.expires_in_ms) <= BACKEND.ttl().as_millis(),
        "{}",
        info.expires_in_ms
    );
    cancel.cancel();
}

#[tokio::test]
async fn server_stops_when_its_token_is_cancelled() {
    let cancel = CancellationToken::new();
    let Some((directory, _client)) = start_directory(&cancel).await else {
        return;
    };

    cancel.cancel();

    let stopped = tokio::time::timeout(Duration::from_secs(5), directory.running.task)
        .await
        .expect("stops promptly");
    assert!(stopped.expect("task not panicked").is_ok());
}

#[tokio::test]
async fn a_dead_instance_removed_in_process_is_gone_at_once_and_only_it() {
    // What the host does when it reaps a module process: no token, no round trip.
    let cancel = CancellationToken::new();
    let Some((directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let registry = &directory.registry;
    for (id, port) in [("i-1", 4001), ("i-2", 4002)] {
        let registration = Registration::new("calc", id, "1.0")
            .with_service("calc.v1.Calc", format!("http://127.0.0.1:{port}"));
        client.register(&registration).await.expect("registered");
    }
    let before = registry.live_instance("i-1").await.expect("read");
    assert_eq!(before.map(|record| record.module).as_deref(), Some("calc"));

    let removed = registry.remove_dead_instance("i-1").await.expect("removed");

    assert_eq!(removed.map(|record| record.instance_id).as_deref(), Some("i-1"));
    assert!(registry.live_instance("i-1").await.expect("read").is_none());
    for _ in 0..4 {
        assert_eq!(
            client.resolve("calc.v1.Calc").await.expect("the other resolves"),
            "http://127.0.0.1:4002"
        );
    }
    assert!(registry.remove_dead_instance("i-1").await.expect("read").is_none());
    cancel.cancel();
}

#[tokio::test]
async fn the_registrations_watch_wakes_on_a_registration() {
    let cancel = CancellationToken::new();
    let Some((directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let mut registrations = directory.registry.registrations();
    registrations.borrow_and_update();
    let registration = Registration::new("calc", "i-1", "1.0")
        .with_service("calc.v1.Calc", "http://127.0.0.1:4001");

    client.register(&registration).await.expect("registered");

    tokio::time::timeout(Duration::from_secs(5), registrations.changed())
        .await
        .expect("woken within 5 s")
        .expect("the store is alive");
    assert!(directory.registry.live_instance("i-1").await.expect("read").is_some());
    cancel.cancel();
}
