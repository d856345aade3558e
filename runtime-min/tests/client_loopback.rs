//! `testing::serve_loopback`: a real server on 127.0.0.1 that lives as long as its guard.

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::time::Duration;

use echo::{EchoRequest, EchoService};
use modgen_runtime::client::{ClientOptions, RetryPolicy, connect};
use modgen_runtime::testing::serve_loopback;
use tonic::service::Routes;

#[tokio::test]
async fn the_loopback_server_answers_on_its_endpoint_and_channel() {
    let server = serve_loopback(Routes::new(EchoService::new("loop")))
        .await
        .unwrap();

    assert_eq!(server.endpoint, format!("http://{}", server.addr));
    assert!(server.addr.ip().is_loopback());
    let reply = echo::echo(
        server.channel.clone(),
        tonic::Request::new(EchoRequest::default()),
    )
    .await
    .unwrap();
    assert_eq!(reply.into_inner().served_by, "loop");
}

#[tokio::test]
async fn shutdown_stops_the_loopback_server_and_waits_for_it() {
    let server = serve_loopback(Routes::new(EchoService::new("loop")))
        .await
        .unwrap();
    let endpoint = server.endpoint.clone();

    server.shutdown().await.unwrap();

    let once = ClientOptions {
        retry: RetryPolicy::never(),
        connect_timeout: Duration::from_millis(500),
        ..ClientOptions::default()
    };
    assert!(
        connect(&endpoint, &once).await.is_err(),
        "still accepting after shutdown"
    );
}

#[tokio::test]
async fn a_dropped_guard_closes_the_listener() {
    let server = serve_loopback(Routes::new(EchoService::new("loop")))
        .await
        .unwrap();
    let endpoint = server.endpoint.clone();

    drop(server);

    let once = ClientOptions {
        retry: RetryPolicy::never(),
        connect_timeout: Duration::from_millis(500),
        ..ClientOptions::default()
    };
    let mut refused = false;
    // The server task notices the drop on its next poll; give it a moment.
    for _ in 0..50 {
        if connect(&endpoint, &once).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused,
        "the listener is still open after the guard dropped"
    );
}
