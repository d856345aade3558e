//! `client::connect`: retry with backoff until the server is there, bounded attempts.

#[path = "../fixtures/echo-module/src/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use echo::{EchoRequest, EchoService};
use modgen_runtime::client::{ClientOptions, ConnectError, RetryPolicy, connect};
use tonic::transport::{Server, server::TcpIncoming};

/// A loopback port that nothing listens on (right now).
fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn patient(max_attempts: u32) -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(100),
        },
        ..ClientOptions::default()
    }
}

#[tokio::test]
async fn connect_retry_succeeds_when_the_server_appears_late() {
    let addr = free_port();
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let incoming = TcpIncoming::bind(addr).unwrap().with_nodelay(Some(true));
        Server::builder()
            .add_service(EchoService::new("late"))
            .serve_with_incoming(incoming)
            .await
    });

    let started = Instant::now();
    let channel = connect(&format!("http://{addr}"), &patient(40))
        .await
        .expect("connects once the server is up");

    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "connected before the server existed"
    );
    let reply = echo::echo(channel, tonic::Request::new(EchoRequest::default()))
        .await
        .unwrap();
    assert_eq!(reply.into_inner().served_by, "late");
    server.abort();
}

#[tokio::test]
async fn connect_gives_up_after_max_attempts_naming_the_uri() {
    let uri = format!("http://{}", free_port());

    let error = connect(&uri, &patient(3)).await.unwrap_err();

    match &error {
        ConnectError::Unreachable {
            uri: failed,
            attempts,
            ..
        } => {
            assert_eq!(failed, &uri);
            assert_eq!(*attempts, 3);
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(error.to_string().contains(&uri), "{error}");
    assert_eq!(tonic::Status::from(error).code(), tonic::Code::Unavailable);
}

#[tokio::test]
async fn connect_refuses_a_uri_that_is_not_http() {
    for uri in ["ftp://127.0.0.1:1", "not a uri", "127.0.0.1:80"] {
        let error = connect(uri, &ClientOptions::default()).await.unwrap_err();
        assert!(
            matches!(error, ConnectError::InvalidUri { .. }),
            "{uri}: {error:?}"
        );
    }
}
