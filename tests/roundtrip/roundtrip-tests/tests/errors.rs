//! Errors over the wire: what the implementation returns is what the caller gets, variant
//! and message, for every streaming kind; codes no variant owns keep code and message.

use std::sync::Arc;

use futures_util::StreamExt;
use modgen_roundtrip_tests::{Echo, Failing};
use stress_sdk::proto::stress::v1 as pb;
use stress_sdk::testing::serve_stress_for_test;
use stress_sdk::{ApiStream, CallContext, ClientApi, ClientClient, StressApi, StressError};

/// Every variant `modgen.toml` maps, those the proto declares (fields included) except
/// the retryable one, and the built-ins that are not retried.
fn mapped_errors() -> Vec<StressError> {
    vec![
        StressError::NotFound("no item 7".into()),
        StressError::InvalidArgument("name: must not be empty".into()),
        StressError::PermissionDenied("only the owner may do that".into()),
        StressError::Conflict("item 7 exists".into()),
        StressError::Taken {
            message: "the name is taken".into(),
            value: "holder".into(),
            r#type: "person".into(),
            r#match: true,
            r#async: -1,
            self_: "me".into(),
        },
        StressError::FailedPrecondition("the store is read-only".into()),
        StressError::Unauthenticated("no token".into()),
        StressError::DeadlineExceeded("gave up on the disk".into()),
        StressError::OutOfStock {
            message: "sold out".into(),
            sku: "A-7 “ü”".into(),
            available: 0,
            r#type: -3,
            self_: true,
        },
        StressError::Discontinued("gone for good".into()),
        StressError::Aborted {
            message: "renamed reason".into(),
        },
        StressError::Unimplemented("not yet".into()),
        StressError::Internal("invariant broken".into()),
    ]
}

fn one_request() -> ApiStream<pb::Request> {
    Box::pin(futures_util::stream::iter([Ok(pb::Request::default())]))
}

fn text_of(item: &Result<pb::Response, StressError>) -> Option<String> {
    match item.as_ref().ok()?.option.as_ref()?.kind.as_ref()? {
        pb::option::Kind::Text(text) => Some(text.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn every_mapped_variant_from_a_unary_call_arrives_as_itself() {
    for error in mapped_errors() {
        let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(error.clone()))).await;

        let got = client
            .r#type(&CallContext::new(), pb::Request::default())
            .await
            .unwrap_err();

        assert_eq!(got, error);
    }
}

#[tokio::test]
async fn every_mapped_variant_ends_a_server_stream_after_the_messages_before_it() {
    for error in mapped_errors() {
        let failing = Failing::after(2, error.clone());
        let (_server, client) = serve_stress_for_test(Arc::new(failing)).await;

        let items: Vec<_> = client
            .watch(&CallContext::new(), pb::Request::default())
            .await
            .unwrap()
            .collect()
            .await;

        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(text_of(&items[0]).as_deref(), Some("before the error 0"));
        assert_eq!(text_of(&items[1]).as_deref(), Some("before the error 1"));
        assert_eq!(items[2], Err(error));
    }
}

#[tokio::test]
async fn every_mapped_variant_fails_a_server_streaming_call_before_any_message() {
    for error in mapped_errors() {
        let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(error.clone()))).await;

        let got = client
            .watch(&CallContext::new(), pb::Request::default())
            .await
            .err()
            .unwrap();

        assert_eq!(got, error);
    }
}

#[tokio::test]
async fn every_mapped_variant_from_a_client_streaming_call_arrives_as_itself() {
    for error in mapped_errors() {
        let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(error.clone()))).await;

        let got = client
            .upload(&CallContext::new(), one_request())
            .await
            .unwrap_err();

        assert_eq!(got, error);
    }
}

#[tokio::test]
async fn every_mapped_variant_ends_a_bidi_stream_after_the_messages_before_it() {
    for error in mapped_errors() {
        let failing = Failing::after(1, error.clone());
        let (_server, client) = serve_stress_for_test(Arc::new(failing)).await;

        let items: Vec<_> = client
            .chat(&CallContext::new(), one_request())
            .await
            .unwrap()
            .collect()
            .await;

        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(text_of(&items[0]).as_deref(), Some("before the error 0"));
        assert_eq!(items[1], Err(error));
    }
}

#[tokio::test]
async fn codes_no_variant_owns_arrive_as_other_with_code_and_message() {
    let unmapped = [
        tonic::Code::ResourceExhausted,
        tonic::Code::Aborted,
        tonic::Code::OutOfRange,
        tonic::Code::DataLoss,
        tonic::Code::Unknown,
    ];
    for code in unmapped {
        let error = StressError::Other {
            code,
            message: format!("{code:?} happened"),
            details: Default::default(),
        };
        let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(error.clone()))).await;

        let got = client
            .r#type(&CallContext::new(), pb::Request::default())
            .await
            .unwrap_err();

        assert_eq!(got, error);
        assert_eq!(got.code(), code);
    }
}

#[tokio::test]
async fn other_with_a_code_a_variant_owns_arrives_as_that_variant() {
    let sent = StressError::Other {
        code: tonic::Code::NotFound,
        message: "no item 9".into(),
        details: Default::default(),
    };
    let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(sent))).await;

    let got = client
        .r#type(&CallContext::new(), pb::Request::default())
        .await
        .unwrap_err();

    assert_eq!(got, StressError::NotFound("no item 9".into()));
}

#[tokio::test]
async fn messages_with_non_ascii_text_and_newlines_survive_the_wire() {
    let error = StressError::InvalidArgument("naïve “quotes” — 名前\nsecond line: 100%".into());
    let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(error.clone()))).await;

    let got = client
        .r#type(&CallContext::new(), pb::Request::default())
        .await
        .unwrap_err();

    assert_eq!(got, error);
}

#[tokio::test]
async fn a_service_the_server_does_not_serve_is_unimplemented() {
    // Only `stress.v1.Stress` is served; `stress.v1.Client` is called on the same channel.
    let (server, _stress) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let client = ClientClient::from_channel(server.channel.clone());

    let got = client
        .self_(&CallContext::new(), pb::String { string: "x".into() })
        .await
        .unwrap_err();

    assert!(matches!(got, StressError::Unimplemented(_)), "{got:?}");
}

#[tokio::test]
async fn transport_from_the_implementation_is_retried_then_returned_with_its_message() {
    let failing = Arc::new(Failing::new(StressError::Transport("disk offline".into())));
    let (_server, client) = serve_stress_for_test(failing.clone()).await;

    let got = client
        .r#type(&CallContext::new(), pb::Request::default())
        .await
        .unwrap_err();

    // UNAVAILABLE is the one code a unary call retries (3 attempts by default).
    assert_eq!(failing.calls(), 3);
    let StressError::Transport(message) = got else {
        panic!("expected Transport, got {got:?}");
    };
    assert!(message.ends_with("disk offline"), "{message}");
}

#[tokio::test]
async fn transport_from_a_streaming_call_is_not_retried() {
    let error = StressError::Transport("disk offline".into());
    let failing = Arc::new(Failing::new(error.clone()));
    let (_server, client) = serve_stress_for_test(failing.clone()).await;

    let got = client
        .watch(&CallContext::new(), pb::Request::default())
        .await
        .err()
        .unwrap();

    assert_eq!(got, error);
    assert_eq!(failing.calls(), 1);
}
