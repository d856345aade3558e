//! Server streaming, client streaming and bidirectional streaming through the generated
//! clients, over loopback gRPC: every message arrives, in order, with its values.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt;
use modgen_roundtrip_tests::Echo;
use stress_sdk::proto::stress::v1 as pb;
use stress_sdk::testing::{serve_client_for_test, serve_stress_for_test};
use stress_sdk::{ApiStream, CallContext, ClientApi, StressApi, StressError};

fn request(value: &str) -> pb::Request {
    pb::Request {
        result: Some(pb::Result {
            value: value.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn stream<T: Send + 'static>(items: Vec<Result<T, StressError>>) -> ApiStream<T> {
    Box::pin(futures_util::stream::iter(items))
}

fn option_kind(response: &pb::Response) -> Option<pb::option::Kind> {
    response.option.clone().and_then(|option| option.kind)
}

#[tokio::test]
async fn server_streaming_delivers_every_message_in_order() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let asked = pb::Request {
        result: Some(pb::Result {
            value: "w".into(),
            r#async: 4,
            ..Default::default()
        }),
        ..Default::default()
    };

    let responses: Vec<pb::Response> = client
        .watch(&CallContext::new(), asked)
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;

    let numbers: Vec<_> = responses.iter().map(option_kind).collect();
    assert_eq!(
        numbers,
        (0..4)
            .map(|i| Some(pb::option::Kind::Number(i)))
            .collect::<Vec<_>>()
    );
    for response in &responses {
        assert_eq!(response.vec.as_ref().unwrap().items[0].string, "w");
    }
}

#[tokio::test]
async fn server_streaming_with_nothing_to_send_ends_at_once() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;

    let responses: Vec<_> = client
        .watch(&CallContext::new(), request("none"))
        .await
        .unwrap()
        .collect()
        .await;

    assert!(responses.is_empty(), "{responses:?}");
}

#[tokio::test]
async fn client_streaming_delivers_every_message_in_order() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let requests = stream(vec![Ok(request("a")), Ok(request("b")), Ok(request("c"))]);

    let response = client.upload(&CallContext::new(), requests).await.unwrap();

    assert_eq!(option_kind(&response), Some(pb::option::Kind::Number(3)));
    let values: Vec<_> = response
        .vec
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.string)
        .collect();
    assert_eq!(values, ["a", "b", "c"]);
}

#[tokio::test]
async fn client_streaming_an_empty_stream_gets_an_answer() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;

    let response = client
        .upload(&CallContext::new(), stream(Vec::new()))
        .await
        .unwrap();

    assert_eq!(option_kind(&response), Some(pb::option::Kind::Number(0)));
}

#[tokio::test]
async fn an_error_in_the_request_stream_is_what_the_client_streaming_call_returns() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let requests = stream(vec![
        Ok(request("a")),
        Err(StressError::FailedPrecondition("sensor lost".into())),
        Ok(request("never sent")),
    ]);

    let error = client
        .upload(&CallContext::new(), requests)
        .await
        .unwrap_err();

    assert_eq!(error, StressError::FailedPrecondition("sensor lost".into()));
}

#[tokio::test]
async fn bidi_streaming_answers_every_message_in_order() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let requests = stream(vec![
        Ok(request("one")),
        Ok(request("two")),
        Ok(request("three")),
    ]);

    let replies: Vec<_> = client
        .chat(&CallContext::new(), requests)
        .await
        .unwrap()
        .map(|reply| option_kind(&reply.unwrap()))
        .collect()
        .await;

    let text = |t: &str| Some(pb::option::Kind::Text(t.into()));
    assert_eq!(
        replies,
        [text("chat: one"), text("chat: two"), text("chat: three")]
    );
}

#[tokio::test]
async fn bidi_streaming_answers_each_message_before_the_next_is_sent() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let (sender, receiver) =
        tokio::sync::mpsc::unbounded_channel::<Result<pb::Request, StressError>>();
    let requests: ApiStream<pb::Request> = Box::pin(futures_util::stream::unfold(
        receiver,
        |mut receiver| async { receiver.recv().await.map(|item| (item, receiver)) },
    ));

    let mut replies = client.chat(&CallContext::new(), requests).await.unwrap();
    for value in ["ping 1", "ping 2"] {
        sender.send(Ok(request(value))).unwrap();
        let reply = replies.next().await.unwrap().unwrap();
        assert_eq!(
            option_kind(&reply),
            Some(pb::option::Kind::Text(format!("chat: {value}")))
        );
    }
    drop(sender);

    assert!(replies.next().await.is_none());
}

#[tokio::test]
async fn bidi_streaming_ends_with_the_request_streams_error() {
    let (_server, client) = serve_stress_for_test(Arc::new(Echo::default())).await;
    let requests = stream(vec![
        Ok(request("a")),
        Err(StressError::PermissionDenied("not yours".into())),
    ]);

    let replies: Vec<_> = client
        .chat(&CallContext::new(), requests)
        .await
        .unwrap()
        .collect()
        .await;

    assert_eq!(replies.len(), 2, "{replies:?}");
    assert_eq!(
        option_kind(replies[0].as_ref().unwrap()),
        Some(pb::option::Kind::Text("chat: a".into()))
    );
    assert_eq!(
        replies[1],
        Err(StressError::PermissionDenied("not yours".into()))
    );
}

#[tokio::test]
async fn bidi_streaming_of_recursive_messages_with_maps_round_trips() {
    let (_server, client) = serve_client_for_test(Arc::new(Echo::default())).await;
    let leaf = pb::Box {
        strings: HashMap::from([(
            -1,
            pb::String {
                string: "leaf".into(),
            },
        )]),
        ..Default::default()
    };
    let sent = pb::Box {
        children: vec![leaf.clone(), leaf.clone()],
        parent: Some(Box::new(leaf.clone())),
        by_name: HashMap::from([("leaf".into(), leaf)]),
        strings: HashMap::new(),
    };

    let replies: Vec<pb::Box> = client
        .r#async(&CallContext::new(), stream(vec![Ok(sent.clone())]))
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await;

    assert_eq!(replies.len(), 1);
    let reply = &replies[0];
    assert_eq!(reply.parent.as_deref(), Some(&sent));
    assert_eq!(reply.by_name.get("received"), Some(&sent));
    assert_eq!(reply.strings[&0].string, "2");
}
