// Resolution and service ownership over real gRPC: rotation across instances of one
// module, one module per service name, the reserved `modgen.` prefix.

use std::collections::HashSet;

use modgen_runtime::directory::{
    AuthMode, DirectoryClient, DirectoryConfig, Registration, Resolver, 
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
async fn resolve_alternates_between_two_instances_of_a_module() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    for (id, endpoint) in [
        ("a-1", "http://127.0.0.1:4001"),
        ("a-2", "http://127.0.0.1:4002"),
    ] {
        let registration =
            Registration::new("calc", id, "1").with_service("calc.v1.Calc", endpoint);
        client.register(&registration).await.expect("registered");
    }

    let mut picks = Vec::new();
    for _ in 0..4 {
        picks.push(client.resolve("calc.v1.Calc").await.expect("resolved"));
    }

    assert_ne!(picks[0], picks[1]);
    assert_eq!(picks[0], picks[2]);
    assert_eq!(picks[1], picks[3]);
    let distinct: HashSet<_> = picks.iter().map(String::as_str).collect();
    assert_eq!(
        distinct,
        HashSet::from(["http://127.0.0.1:4001", "http://127.0.0.1:4002"])
    );
    cancel.cancel();
}

#[tokio::test]
async fn resolve_all_lists_every_live_endpoint_starting_with_the_next_pick() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    for (id, endpoint) in [
        ("a-1", "http://127.0.0.1:4001"),
        ("a-2", "http://127.0.0.1:4002"),
    ] {
        let registration =
            Registration::new("calc", id, "1").with_service("calc.v1.Calc", endpoint);
        client.register(&registration).await.expect("registered");
    }

    let first = client.resolve_all("calc.v1.Calc").await.expect("resolved");
    let second = client.resolve_all("calc.v1.Calc").await.expect("resolved");

    assert_eq!(first, ["http://127.0.0.1:4001", "http://127.0.0.1:4002"]);
    assert_eq!(second, ["http://127.0.0.1:4002", "http://127.0.0.1:4001"]);
    let none = client
        .resolve_all("nobody.v1.Serves")
        .await
        .expect("empty is Ok");
    assert!(none.is_empty());
    cancel.cancel();
}

#[tokio::test]
async fn second_instance_of_the_owning_module_is_accepted() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let first =
        Registration::new("calc", "a-1", "1").with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    let second =
        Registration::new("calc", "a-2", "1").with_service("calc.v1.Calc", "http://127.0.0.1:4002");

    client.register(&first).await.expect("first registered");
    client
        .register(&second)
        .await
        .expect("second instance of the same module accepted");

    assert_eq!(
        client.list_instances("calc").await.expect("listed").len(),
        2
    );
    cancel.cancel();
}

#[tokio::test]
async fn another_module_cannot_claim_a_served_service_name() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let owner =
        Registration::new("calc", "a-1", "1").with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    let intruder = Registration::new("impostor", "b-1", "1")
        .with_service("impostor.v1.Own", "http://127.0.0.1:5000")
        .with_service("calc.v1.Calc", "http://127.0.0.1:5001");
    client.register(&owner).await.expect("owner registered");

    let status = client.register(&intruder).await.expect_err("refused");

    assert_eq!(status.code(), Code::AlreadyExists);
    assert!(
        status
            .message()
            .starts_with("grpc_services[1].service_name"),
        "{}",
        status.message()
    );
    assert!(status.message().contains("calc"), "{}", status.message());
    // The refused registration left nothing behind, not even its other service.
    assert_eq!(
        client
            .resolve("impostor.v1.Own")
            .await
            .expect_err("absent")
            .code(),
        Code::NotFound
    );
    for _ in 0..3 {
        assert_eq!(
            client.resolve("calc.v1.Calc").await.expect("owner"),
            "http://127.0.0.1:4001"
        );
    }
    cancel.cancel();
}

#[tokio::test]
async fn service_name_is_free_again_once_the_owner_deregisters() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let owner =
        Registration::new("calc", "a-1", "1").with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    let successor = Registration::new("calc2", "b-1", "1")
        .with_service("calc.v1.Calc", "http://127.0.0.1:5001");
    client.register(&owner).await.expect("owner registered");

    client.deregister("calc", "a-1").await.expect("owner left");

    client.register(&successor).await.expect("name is free");
    assert_eq!(
        client.resolve("calc.v1.Calc").await.expect("resolved"),
        "http://127.0.0.1:5001"
    );
    cancel.cancel();
}

#[tokio::test]
async fn service_name_is_free_again_once_the_owner_is_evicted() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let owner =
        Registration::new("calc", "a-1", "1").with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    let successor = Registration::new("calc2", "b-1", "1")
        .with_service("calc.v1.Calc", "http://127.0.0.1:5001");
    client.register(&owner).await.expect("owner registered");

    tokio::time::sleep(BACKEND.ttl() + BACKEND.expiry_slack()).await;

    client
        .register(&successor)
        .await
        .expect("name is free after eviction");
    cancel.cancel();
}

#[tokio::test]
async fn reserved_prefix_is_permission_denied() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let registration = Registration::new("sneaky", "s-1", "1")
        .with_service("modgen.directory.Admin", "http://127.0.0.1:4001");

    let status = client.register(&registration).await.expect_err("refused");

    assert_eq!(status.code(), Code::PermissionDenied);
    assert!(
        status
            .message()
            .starts_with("grpc_services[0].service_name"),
        "{}",
        status.message()
    );
    assert!(status.message().contains("modgen."), "{}", status.message());
    cancel.cancel();
}

#[tokio::test]
async fn registering_the_same_instance_again_replaces_its_entry() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let before =
        Registration::new("calc", "a-1", "1").with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    let after =
        Registration::new("calc", "a-1", "2").with_service("calc.v1.Calc", "http://127.0.0.1:4999");
    client.register(&before).await.expect("registered");

    client
        .register(&before)
        .await
        .expect("same registration twice is fine");
    client.register(&after).await.expect("replaced");

    let instances = client.list_instances("calc").await.expect("listed");
    assert_eq!(instances.len(), 1);
    assert_eq!(instances[0].version, "2");
    assert_eq!(
        client.resolve_all("calc.v1.Calc").await.expect("resolved"),
        ["http://127.0.0.1:4999"]
    );
    cancel.cancel();
}

#[tokio::test]
async fn an_instance_id_held_by_another_module_is_refused() {
    let cancel = CancellationToken::new();
    let Some((_directory, client)) = start_directory(&cancel).await else {
        return;
    };
    let holder = Registration::new("calc", "shared-id", "1")
        .with_service("calc.v1.Calc", "http://127.0.0.1:4001");
    let other = Registration::new("other", "shared-id", "1")
        .with_service("other.v1.Other", "http://127.0.0.1:4002");
    client.register(&holder).await.expect("registered");

    let status = client.register(&other).await.expect_err("refused");

    assert_eq!(status.code(), Code::AlreadyExists);
    assert!(
        status.message().starts_with("instance_id"),
        "{}",
        status.message()
    );
    cancel.cancel();
}
