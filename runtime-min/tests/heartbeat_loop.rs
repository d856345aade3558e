//! The heartbeat loop against a real directory: keeps the instance alive, registers it
//! again after the directory restarts on the same port, stops on cancel.

use std::time::{Duration, Instant};

use modgen_runtime::directory::config::DEFAULT_BIND;
use modgen_runtime::directory::{AuthMode, DirectoryClient, DirectoryConfig, Registration, serve};
use modgen_runtime::heartbeat::spawn_heartbeat;
use tokio_util::sync::CancellationToken;
use tonic::Code;

const HEARTBEAT: Duration = Duration::from_millis(100);
const TTL: Duration = Duration::from_millis(300);

fn config() -> DirectoryConfig {
    DirectoryConfig::new(AuthMode::Disabled).with_timing(HEARTBEAT, TTL)
}

fn registration() -> Registration {
    Registration::new("calc", "i-1", "1").with_service("calc.v1.Calc", "http://127.0.0.1:4001")
}

#[tokio::test]
async fn loop_keeps_the_instance_resolvable_for_several_ttls() {
    let cancel = CancellationToken::new();
    let directory = serve(config(), DEFAULT_BIND, cancel.child_token())
        .await
        .expect("binds");
    let client = DirectoryClient::connect(&directory.endpoint)
        .await
        .expect("connects");
    client.register(&registration()).await.expect("registered");

    let _loop = spawn_heartbeat(
        client.clone(),
        registration(),
        HEARTBEAT,
        cancel.child_token(),
    );
    tokio::time::sleep(TTL * 4).await;

    assert_eq!(
        client.resolve("calc.v1.Calc").await.expect("alive"),
        "http://127.0.0.1:4001"
    );
    cancel.cancel();
}

#[tokio::test]
async fn loop_registers_again_after_the_directory_restarts_on_the_same_port() {
    let module_cancel = CancellationToken::new();
    let first_cancel = CancellationToken::new();
    let first = serve(config(), DEFAULT_BIND, first_cancel.clone())
        .await
        .expect("binds");
    let port = first.local_addr;
    let client = DirectoryClient::connect(&first.endpoint)
        .await
        .expect("connects");
    client.register(&registration()).await.expect("registered");
    let heartbeat = spawn_heartbeat(
        client.clone(),
        registration(),
        HEARTBEAT,
        module_cancel.clone(),
    );

    first_cancel.cancel();
    first.task.await.expect("no panic").expect("clean stop");
    // Long enough for several failed heartbeats while nothing listens.
    tokio::time::sleep(HEARTBEAT * 3).await;
    let second_cancel = CancellationToken::new();
    let second = serve(config(), port, second_cancel.clone())
        .await
        .expect("same port binds again");
    assert_eq!(second.local_addr, port);

    let restarted_at = Instant::now();
    let resolved = loop {
        match client.resolve("calc.v1.Calc").await {
            Ok(endpoint) => break endpoint,
            Err(status) if restarted_at.elapsed() < Duration::from_secs(5) => {
                assert!(
                    matches!(status.code(), Code::NotFound | Code::Unavailable),
                    "{status}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(status) => panic!("not registered again within 5 s: {status}"),
        }
    };

    assert_eq!(resolved, "http://127.0.0.1:4001");
    // At the next heartbeat after the restart, give or take a loaded CI machine.
    assert!(
        restarted_at.elapsed() < Duration::from_secs(1),
        "took {:?}",
        restarted_at.elapsed()
    );
    assert!(!heartbeat.is_finished());
    module_cancel.cancel();
    second_cancel.cancel();
}

#[tokio::test]
async fn loop_stops_promptly_when_cancelled() {
    let cancel = CancellationToken::new();
    let directory = serve(config(), DEFAULT_BIND, cancel.child_token())
        .await
        .expect("binds");
    let client = DirectoryClient::connect(&directory.endpoint)
        .await
        .expect("connects");
    client.register(&registration()).await.expect("registered");
    let module = CancellationToken::new();
    // A long interval: the loop is asleep when cancelled and must not sleep it out.
    let heartbeat = spawn_heartbeat(
        client,
        registration(),
        Duration::from_secs(60),
        module.clone(),
    );

    let cancelled_at = Instant::now();
    module.cancel();
    tokio::time::timeout(Duration::from_secs(1), heartbeat)
        .await
        .expect("stopped within 1 s")
        .expect("no panic");

    assert!(cancelled_at.elapsed() < Duration::from_millis(500));
    cancel.cancel();
}

#[tokio::test]
async fn loop_keeps_retrying_while_the_directory_is_unreachable() {
    // Nothing listens on this port yet; the loop must survive that and register once
    // a directory appears there.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    let addr = probe.local_addr().expect("addr");
    drop(probe);
    let endpoint = format!("http://{addr}");
    let channel = tonic::transport::Endpoint::from_shared(endpoint)
        .expect("uri")
        .connect_lazy();
    let client = DirectoryClient::from_channel(channel);
    let module = CancellationToken::new();
    let heartbeat = spawn_heartbeat(client.clone(), registration(), HEARTBEAT, module.clone());

    tokio::time::sleep(HEARTBEAT * 5).await;
    assert!(
        !heartbeat.is_finished(),
        "the loop gave up while the directory was down"
    );
    let cancel = CancellationToken::new();
    let _directory = serve(config(), addr, cancel.clone()).await.expect("binds");

    let started = Instant::now();
    while client.resolve("calc.v1.Calc").await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "never registered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    module.cancel();
    cancel.cancel();
}
