//! Unary calls through the generated clients, over loopback gRPC: the values arrive, and
//! every awkward name of the stress proto (keywords, prelude types, client method names,
//! `google.protobuf.Empty`, five-deep nesting, recursion) works at run time.

use std::sync::Arc;

use modgen_roundtrip_tests::Echo;
use stress_sdk::proto::stress::v1 as pb;
use stress_sdk::testing::{serve_client_for_test, serve_stress_for_test};
use stress_sdk::{CallContext, ClientApi, StressApi};

fn items(vec: Option<pb::Vec>) -> Vec<String> {
    vec.unwrap_or_default()
        .items
        .into_iter()
        .map(|s| s.string)
        .collect()
}

fn option_text(text: &str) -> Option<pb::Option> {
    Some(pb::Option {
        kind: Some(pb::option::Kind::Text(text.into())),
    })
}

#[tokio::test]
async fn unary_call_delivers_keyword_named_fields_both_ways() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let request = pb::Request {
        r#type: pb::Type::Crate.into(),
        outer: None,
        result: Some(pb::Result {
            value: "v".into(),
            r#type: "t".into(),
            r#match: true,
            r#async: -7,
            self_: "me".into(),
        }),
    };

    let response = client.r#type(&CallContext::new(), request).await.unwrap();

    assert_eq!(response.option, option_text("type"));
    assert_eq!(items(response.vec), ["v", "t", "true", "-7", "me"]);
    assert_eq!(response.r#box, None);
}

#[tokio::test]
async fn methods_named_like_client_methods_reach_their_own_implementation() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let ctx = CallContext::new();
    let request = |value: &str| pb::Request {
        result: Some(pb::Result {
            value: value.into(),
            ..Default::default()
        }),
        ..Default::default()
    };

    let new = client.new_(&ctx, request("a")).await.unwrap();
    let clone = client.clone_(&ctx, request("b")).await.unwrap();
    let connect = client.connect_(&ctx, request("c")).await.unwrap();

    assert_eq!(new.option, option_text("new"));
    assert_eq!(items(new.vec)[0], "a");
    assert_eq!(clone.option, option_text("clone"));
    assert_eq!(items(clone.vec)[0], "b");
    assert_eq!(connect.option, option_text("connect"));
    assert_eq!(items(connect.vec)[0], "c");
}

#[tokio::test]
async fn empty_request_and_response_reach_the_implementation() {
    let echo = Arc::new(Echo::default());
    let (_server, client) = serve_stress_for_test(echo.clone()).await;

    client.ping(&CallContext::new()).await.unwrap();
    client.ping(&CallContext::new()).await.unwrap();

    assert_eq!(echo.pings(), 2);
}

#[tokio::test]
async fn nested_enums_five_levels_deep_round_trip() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let deepest = pb::outer::middle::inner::deeper::Deepest {
        kind: pb::outer::middle::inner::deeper::deepest::Kind::Self_.into(),
    };
    let request = pb::Request {
        r#type: pb::Type::Self_.into(),
        outer: Some(pb::Outer {
            middle: Some(pb::outer::Middle {
                inner: Some(pb::outer::middle::Inner {
                    deeper: Some(pb::outer::middle::inner::Deeper {
                        deepest: Some(deepest),
                    }),
                }),
            }),
            at: None,
            took: None,
        }),
        result: None,
    };

    let list = client
        .into_list(&CallContext::new(), request)
        .await
        .unwrap();

    assert_eq!(items(Some(list)), ["TYPE_SELF", "KIND_SELF"]);
}

#[tokio::test]
async fn a_message_named_string_comes_back_inside_a_request() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let text = pb::String {
        string: "hello".into(),
    };

    let request = client.from_text(&CallContext::new(), text).await.unwrap();

    assert_eq!(request.r#type(), pb::Type::Self_);
    assert_eq!(request.result.unwrap().value, "hello");
}

#[tokio::test]
#[allow(deprecated)] // `Match` is deprecated in the proto; calling it is the point here.
async fn oneof_arms_including_the_recursive_one_round_trip() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let ctx = CallContext::new();

    let matched = pb::Result {
        r#match: true,
        r#async: 41,
        ..Default::default()
    };
    let unmatched = pb::Result {
        value: "inner".into(),
        ..Default::default()
    };

    assert_eq!(
        client.r#match(&ctx, matched).await.unwrap().kind,
        Some(pb::option::Kind::Number(41))
    );
    assert_eq!(
        client.r#match(&ctx, unmatched).await.unwrap().kind,
        Some(pb::option::Kind::Nested(Box::new(pb::Option {
            kind: Some(pb::option::Kind::Text("inner".into())),
        })))
    );
}

#[tokio::test]
async fn the_second_service_answers_through_its_own_client() {
    let (_server, client) = serve_client_for_test(Arc::new(Echo::default())).await;
    let ctx = CallContext::new();

    let parts = client
        .self_(
            &ctx,
            pb::String {
                string: "x,y,z".into(),
            },
        )
        .await
        .unwrap();
    let deepest = client.with_options_(&ctx).await.unwrap();

    assert_eq!(items(Some(parts)), ["x", "y", "z"]);
    assert_eq!(
        deepest.kind(),
        pb::outer::middle::inner::deeper::deepest::Kind::Type
    );
}
