// Writes to the directory need the run's token unless auth is switched off explicitly;
// reads never do.

use modgen_runtime::directory::config::DEFAULT_BIND;
use modgen_runtime::directory::proto::directory_service_client::DirectoryServiceClient;
use modgen_runtime::directory::proto::{GrpcServiceEndpoint, RegisterInstanceRequest};
use modgen_runtime::directory::{
    AuthMode, DirectoryClient, DirectoryConfig, Registration, random_token, serve,
};
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::metadata::MetadataValue;

use super::BACKEND;

fn registration() -> Registration {
    Registration::new("calc", "i-1", "1").with_service("calc.v1.Calc", "http://127.0.0.1:4001")
}

#[tokio::test]
async fn writes_without_a_token_are_unauthenticated() {
    let cancel = CancellationToken::new();
    let token = random_token();
    let Some(directory) = BACKEND.serve(DirectoryConfig::new(AuthMode::Token(token.clone())), &cancel).await else {
        return;
    };
    let anonymous = DirectoryClient::connect(&directory.endpoint)
        .await
        .expect("connects");
    let holder = anonymous.clone().with_token(Some(token));
    holder
        .register(&registration())
        .await
        .expect("token holder registers");

    let register = anonymous
        .register(&registration())
        .await
        .expect_err("no token");
    let heartbeat = anonymous
        .heartbeat("calc", "i-1")
        .await
        .expect_err("no token");
    let deregister = anonymous
        .deregister("calc", "i-1")
        .await
        .expect_err("no token");

    for status in [&register, &heartbeat, &deregister] {
        assert_eq!(status.code(), Code::Unauthenticated, "{}", status.message());
    }
    // The refused deregister did not remove anything.
    assert_eq!(
        anonymous
            .resolve("calc.v1.Calc")
            .await
            .expect("still there"),
        "http://127.0.0.1:4001"
    );
    cancel.cancel();
}

#[tokio::test]
async fn writes_with_a_wrong_token_are_unauthenticated() {
    let cancel = CancellationToken::new();
    let Some(directory) = BACKEND.serve(DirectoryConfig::new(AuthMode::Token(random_token())), &cancel).await else {
        return;
    };
    let client = DirectoryClient::connect(&directory.endpoint)
        .await
        .expect("connects")
        .with_token(Some(random_token()));

    let status = client
        .register(&registration())
        .await
        .expect_err("wrong token");

    assert_eq!(status.code(), Code::Unauthenticated);
    cancel.cancel();
}

#[tokio::test]
async fn bearer_authorization_is_accepted_as_the_token() {
    let cancel = CancellationToken::new();
    let token = random_token();
    let Some(directory) = BACKEND.serve(DirectoryConfig::new(AuthMode::Token(token.clone())), &cancel).await else {
        return;
    };
    let mut raw = DirectoryServiceClient::connect(directory.endpoint.clone())
        .await
        .expect("connects");
    let mut request = tonic::Request::new(RegisterInstanceRequest {
        module_name: "calc".into(),
        instance_id: "i-1".into(),
        grpc_services: vec![GrpcServiceEndpoint {
            service_name: "calc.v1.Calc".into(),
            endpoint_uri: "http://127.0.0.1:4001".into(),
        }],
        version: "1".into(),
    });
    let bearer = MetadataValue::try_from(format!("Bearer {token}")).expect("ascii");
    request.metadata_mut().insert("authorization", bearer);

    raw.register_instance(request)
        .await
        .expect("bearer token accepted");
    cancel.cancel();
}

#[tokio::test]
async fn reads_need_no_token_when_auth_is_on() {
    let cancel = CancellationToken::new();
    let token = random_token();
    let Some(directory) = BACKEND.serve(DirectoryConfig::new(AuthMode::Token(token.clone())), &cancel).await else {
        return;
    };
    let anonymous = DirectoryClient::connect(&directory.endpoint)
        .await
        .expect("connects");
    anonymous
        .clone()
        .with_token(Some(token))
        .register(&registration())
        .await
        .expect("registered");

    assert!(anonymous.resolve("calc.v1.Calc").await.is_ok());
    assert_eq!(
        anonymous
            .list_instances("calc")
            .await
            .expect("listed")
            .len(),
        1
    );
    cancel.cancel();
}

#[tokio::test]
async fn disabled_auth_accepts_tokenless_modkit_style_registration() {
    let cancel = CancellationToken::new();
    let Some(directory) = BACKEND.serve(DirectoryConfig::new(AuthMode::Disabled), &cancel).await else {
        return;
    };
    let client = DirectoryClient::connect(&directory.endpoint)
        .await
        .expect("connects");

    client
        .register(&registration())
        .await
        .expect("tokenless register accepted");
    client
        .heartbeat("calc", "i-1")
        .await
        .expect("tokenless heartbeat accepted");
    client
        .deregister("calc", "i-1")
        .await
        .expect("tokenless deregister accepted");
    cancel.cancel();
}

#[tokio::test]
async fn an_empty_token_is_refused_at_startup() {
    let result = serve(
        DirectoryConfig::new(AuthMode::Token(String::new())),
        DEFAULT_BIND,
        CancellationToken::new(),
    )
    .await;

    assert!(result.is_err());
}
