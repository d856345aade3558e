//! `wire_*_client`: the implementation registered in the hub when there is one, else a
//! client of the instances the directory knows (a fixed list, or a real directory).

use std::sync::Arc;

use modgen_roundtrip_tests::Echo;
use modgen_runtime::directory::config::DEFAULT_BIND;
use modgen_runtime::directory::{
    AuthMode, DirectoryClient, DirectoryConfig, Registration, Resolver, StaticResolver,
    random_token, serve,
};
use modgen_runtime::hub::ClientHub;
use modgen_runtime::identity::{Caller, CallerResolver};
use stress_sdk::proto::stress::v1 as pb;
use stress_sdk::testing::serve_stress_for_test;
use stress_sdk::{
    CallContext, StressApi, StressError, register_local_client, register_local_stress,
    wire_client_client, wire_stress_client,
};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn wire_returns_the_local_implementation_when_one_is_registered() {
    let hub = ClientHub::new();
    let echo = Arc::new(Echo::default());
    let local: Arc<dyn StressApi> = echo.clone();
    register_local_stress(&hub, local.clone());

    // The directory knows no instance: the local one must not need it.
    let wired = wire_stress_client(&hub, Arc::new(StaticResolver(vec![])))
        .await
        .unwrap();
    let ctx = CallContext::new().with_request_id("in-process");
    wired.ping(&ctx).await.unwrap();

    // The call went to the registered implementation, in this process.
    assert_eq!(echo.pings(), 1);
    assert_eq!(echo.calls()[0].1.request_id, "in-process");
}

/// A resolver as a module's handle gives it: its clients call as `module`.
fn resolver_of_module(module: &str) -> Arc<dyn Resolver> {
    Arc::new(CallerResolver {
        inner: Arc::new(StaticResolver(vec![])),
        caller: Caller {
            module: module.into(),
            credential: None,
        },
    })
}

#[tokio::test]
async fn a_call_through_the_hub_names_the_calling_module_as_the_callees_caller() {
    let hub = ClientHub::new();
    let echo = Arc::new(Echo::default());
    register_local_stress(&hub, echo.clone());
    let wired = wire_stress_client(&hub, resolver_of_module("orders"))
        .await
        .unwrap();

    // `orders` passes on the context of a call it got from `operator`: the callee's
    // caller is `orders`, the request id stays the chain's.
    let incoming = CallContext::new()
        .with_caller("operator")
        .with_request_id("chain");
    wired.ping(&incoming).await.unwrap();
    let stream = wired
        .watch(&incoming, pb::Request::default())
        .await
        .unwrap();
    drop(stream);

    let calls = echo.calls();
    let seen: Vec<_> = calls
        .iter()
        .map(|(method, ctx)| (*method, ctx.caller.as_deref(), ctx.request_id.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("ping", Some("orders"), "chain"),
            ("watch", Some("orders"), "chain")
        ]
    );
    assert_eq!(
        incoming.caller.as_deref(),
        Some("operator"),
        "the caller's own context is untouched"
    );

    // A client that belongs to no module claims nobody.
    let anonymous = wire_stress_client(&hub, Arc::new(StaticResolver(vec![])))
        .await
        .unwrap();
    anonymous.ping(&incoming).await.unwrap();
    assert_eq!(echo.calls().last().unwrap().1.caller, None);
}

#[tokio::test]
async fn each_service_is_wired_from_its_own_registration() {
    let hub = ClientHub::new();
    let echo = Arc::new(Echo::default());
    register_local_client(&hub, echo.clone());

    let client_api = wire_client_client(&hub, Arc::new(StaticResolver(vec![])))
        .await
        .unwrap();
    // Nothing registered for `Stress`, and no instance of it either.
    let stress_api = wire_stress_client(&hub, Arc::new(StaticResolver(vec![]))).await;

    client_api
        .self_(
            &CallContext::new().with_request_id("client-api"),
            pb::String::default(),
        )
        .await
        .unwrap();
    assert_eq!(echo.calls()[0].1.request_id, "client-api");
    assert!(
        matches!(stress_api, Err(StressError::Transport(_))),
        "{:?}",
        stress_api.err()
    );
}

#[tokio::test]
async fn wire_returns_a_remote_client_of_the_resolved_instance_otherwise() {
    let echo = Arc::new(Echo::default());
    let (server, _client) = serve_stress_for_test(echo.clone()).await;
    let resolver = Arc::new(StaticResolver(vec![server.endpoint.clone()]));

    let wired = wire_stress_client(&ClientHub::new(), resolver)
        .await
        .unwrap();
    let ctx = CallContext::new().with_request_id("over-the-wire");
    let response = wired.r#type(&ctx, pb::Request::default()).await.unwrap();

    assert_eq!(
        response.option.and_then(|option| option.kind),
        Some(pb::option::Kind::Text("type".into()))
    );
    let calls = echo.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].1.request_id, "over-the-wire");
}

#[tokio::test]
async fn wire_resolves_the_remote_instance_through_a_real_directory() {
    let cancel = CancellationToken::new();
    let token = random_token();
    let directory = serve(
        DirectoryConfig::new(AuthMode::Token(token.clone())),
        DEFAULT_BIND,
        cancel.clone(),
    )
    .await
    .unwrap();
    let echo = Arc::new(Echo::default());
    let (server, _client) = serve_stress_for_test(echo.clone()).await;
    let registration = Registration::new("stress", "stress-roundtrip-1", "0.1.0")
        .with_service(stress_sdk::STRESS_SERVICE_NAME, server.endpoint.clone());
    let directory_client = DirectoryClient::connect(&directory.endpoint)
        .await
        .unwrap()
        .with_token(Some(token));
    directory_client.register(&registration).await.unwrap();

    let wired = wire_stress_client(&ClientHub::new(), Arc::new(directory_client))
        .await
        .unwrap();
    let ctx = CallContext::new().with_request_id("via-directory");
    wired.ping(&ctx).await.unwrap();

    assert_eq!(echo.pings(), 1);
    assert_eq!(echo.calls()[0].1.request_id, "via-directory");
    cancel.cancel();
}

#[tokio::test]
async fn wire_fails_with_transport_when_there_is_neither_a_local_nor_a_remote_instance() {
    let cancel = CancellationToken::new();
    let directory = serve(
        DirectoryConfig::new(AuthMode::Disabled),
        DEFAULT_BIND,
        cancel.clone(),
    )
    .await
    .unwrap();
    let directory_client = DirectoryClient::connect(&directory.endpoint).await.unwrap();

    let wired = wire_stress_client(&ClientHub::new(), Arc::new(directory_client)).await;

    assert!(
        matches!(wired, Err(StressError::Transport(_))),
        "{:?}",
        wired.err()
    );
    cancel.cancel();
}
