//! Declared errors on the wire in gRPC's richer error model: what a client without modgen
//! reads (`google.rpc.Status` → `ErrorInfo` reason, domain, fields; the typed detail),
//! how an unknown reason arrives (as `Other`, details intact), and `RetryInfo` honoured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use modgen_roundtrip_tests::{Echo, Failing};
use modgen_runtime::errors::ErrorDetails;
use prost::Message;
use stress_sdk::error::ERROR_DOMAIN;
use stress_sdk::proto::stress::v1 as pb;
use stress_sdk::testing::serve_stress_for_test;
use stress_sdk::{CallContext, StressApi, StressError};
use tonic_types::StatusExt;

fn out_of_stock() -> StressError {
    StressError::OutOfStock {
        message: "sold out".into(),
        sku: "A-7".into(),
        available: 2,
        r#type: 40,
        self_: false,
    }
}

/// Calls `/stress.v1.Stress/Type` with plain tonic, as a client without modgen would.
async fn plain_tonic_call(channel: tonic::transport::Channel) -> tonic::Status {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let codec = tonic_prost::ProstCodec::<pb::Request, pb::Response>::default();
    let path = http::uri::PathAndQuery::from_static("/stress.v1.Stress/Type");
    grpc.unary(tonic::Request::new(pb::Request::default()), path, codec)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_plain_tonic_client_reads_reason_domain_and_fields_from_error_info() {
    let (server, _client) = serve_stress_for_test(Arc::new(Failing::new(out_of_stock()))).await;

    let status = plain_tonic_call(server.channel.clone()).await;

    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert_eq!(status.message(), "sold out");
    let details = status.get_error_details();
    let info = details.error_info().expect("an ErrorInfo");
    assert_eq!(info.reason, "OUT_OF_STOCK");
    assert_eq!(info.domain, "stress.v1.Stress");
    assert_eq!(info.metadata["sku"], "A-7");
    assert_eq!(info.metadata["available"], "2");
    assert_eq!(info.metadata["type"], "40");
    assert_eq!(info.metadata["self"], "false");
}

#[tokio::test]
async fn the_typed_detail_message_travels_beside_the_error_info() {
    let (server, _client) = serve_stress_for_test(Arc::new(Failing::new(out_of_stock()))).await;

    let status = plain_tonic_call(server.channel.clone()).await;

    let rpc = tonic_types::Status::decode(status.details()).unwrap();
    let typed = rpc
        .details
        .iter()
        .find(|any| any.type_url == "type.googleapis.com/stress.v1.OutOfStock")
        .expect("the typed detail");
    let detail = pb::OutOfStock::decode(typed.value.as_slice()).unwrap();
    assert_eq!(detail.sku, "A-7");
    assert_eq!(detail.available, 2);
    assert_eq!(detail.r#type, 40);
}

#[tokio::test]
async fn a_reason_this_sdk_does_not_know_arrives_as_other_with_every_detail() {
    // What a newer server, with a variant this client was not generated with, sends.
    let newer = ErrorDetails::new(ERROR_DOMAIN, "ADDED_LATER")
        .with_field("shelf", 12)
        .with_message("stress.v1.OutOfStock", &pb::OutOfStock::default());
    let sent = StressError::Other {
        code: tonic::Code::FailedPrecondition,
        message: "from the future".into(),
        details: Box::new(newer.clone()),
    };
    let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(sent.clone()))).await;

    let got = client
        .r#type(&CallContext::new(), pb::Request::default())
        .await
        .unwrap_err();

    assert_eq!(got, sent);
    let StressError::Other { details, .. } = got else {
        unreachable!()
    };
    assert_eq!(details.reason, "ADDED_LATER");
    assert_eq!(details.field::<u32>("shelf"), Some(12));
}

#[tokio::test]
async fn a_known_reason_of_another_domain_is_not_taken_for_ours() {
    let foreign = ErrorDetails::new("other.v1.Service", "DISCONTINUED");
    let sent = StressError::Other {
        code: tonic::Code::FailedPrecondition,
        message: "theirs".into(),
        details: Box::new(foreign),
    };
    let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(sent.clone()))).await;

    let got = client
        .r#type(&CallContext::new(), pb::Request::default())
        .await
        .unwrap_err();

    assert_eq!(got, sent);
}

#[tokio::test]
async fn fields_are_read_from_metadata_when_the_typed_detail_is_missing() {
    // A server in another language may send only the ErrorInfo.
    let only_info = ErrorDetails::new(ERROR_DOMAIN, "OUT_OF_STOCK")
        .with_field("sku", "B-1")
        .with_field("available", 5)
        .with_field("type", -1)
        .with_field("self", true);
    let sent = StressError::Other {
        code: tonic::Code::FailedPrecondition,
        message: "sold out".into(),
        details: Box::new(only_info),
    };
    let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(sent))).await;

    let got = client
        .r#type(&CallContext::new(), pb::Request::default())
        .await
        .unwrap_err();

    let expected = StressError::OutOfStock {
        message: "sold out".into(),
        sku: "B-1".into(),
        available: 5,
        r#type: -1,
        self_: true,
    };
    assert_eq!(got, expected);
}

#[tokio::test]
async fn a_plain_status_with_a_code_several_variants_share_is_other() {
    // FAILED_PRECONDITION: `FailedPrecondition`, `OutOfStock` and `Discontinued`.
    let sent = StressError::Other {
        code: tonic::Code::FailedPrecondition,
        message: "which one?".into(),
        details: Default::default(),
    };
    let (_server, client) = serve_stress_for_test(Arc::new(Failing::new(sent.clone()))).await;

    let got = client
        .r#type(&CallContext::new(), pb::Request::default())
        .await
        .unwrap_err();

    assert_eq!(got, sent);
}

#[tokio::test]
async fn a_retryable_error_is_retried_after_the_delay_it_asks_for_then_returned() {
    let busy = StressError::TooBusy {
        message: "busy".into(),
        load: 0.75,
    };
    let failing = Arc::new(Failing::new(busy.clone()));
    let (_server, client) = serve_stress_for_test(failing.clone()).await;

    let started = Instant::now();
    let got = client
        .r#type(&CallContext::new(), pb::Request::default())
        .await
        .unwrap_err();

    assert_eq!(got, busy);
    // Three tries (the default policy), 20 ms apart as `retry_delay: "20ms"` asks.
    assert_eq!(failing.calls(), 3);
    assert!(
        started.elapsed() >= Duration::from_millis(40),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retryable_error_ending_a_stream_arrives_as_itself_without_retry() {
    let busy = StressError::TooBusy {
        message: "busy".into(),
        load: 1.5,
    };
    let failing = Arc::new(Failing::new(busy.clone()));
    let (_server, client) = serve_stress_for_test(failing.clone()).await;

    let got = client
        .watch(&CallContext::new(), pb::Request::default())
        .await
        .err()
        .unwrap();

    assert_eq!(got, busy);
    assert_eq!(failing.calls(), 1);
}

#[tokio::test]
async fn a_successful_call_carries_no_error_details() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;

    assert!(client.ping(&CallContext::new()).await.is_ok());
}
