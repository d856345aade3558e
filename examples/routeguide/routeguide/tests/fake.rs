//! The SDK's generated fake, used the way a consumer's unit test would: code written
//! against `Arc<dyn RouteGuideApi>`, exercised with no server, every kind of RPC.

use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use modgen_runtime::context::CallContext;
use routeguide_sdk::api::{ApiStream, RouteGuideApi};
use routeguide_sdk::error::RouteGuideError;
use routeguide_sdk::proto::routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};
use routeguide_sdk::testing::FakeRouteGuideApi;

fn point(latitude: i32, longitude: i32) -> Point {
    Point {
        latitude,
        longitude,
    }
}

fn feature(name: &str, at: Point) -> Feature {
    Feature {
        name: name.to_owned(),
        location: Some(at),
    }
}

/// Consumer code under test: names the features at the given points, skipping the
/// unnamed ones, and stops at the first error.
async fn names_at(
    api: Arc<dyn RouteGuideApi>,
    points: &[Point],
) -> Result<Vec<String>, RouteGuideError> {
    let mut names = Vec::new();
    for at in points {
        let found = api.get_feature(&CallContext::new(), *at).await?;
        if !found.name.is_empty() {
            names.push(found.name);
        }
    }
    Ok(names)
}

#[tokio::test]
async fn unary_answers_from_the_queue_then_the_closure_and_records_each_request() {
    let fake = Arc::new(FakeRouteGuideApi::new());
    fake.get_feature.returns(feature("first", point(1, 1)));
    fake.get_feature
        .answers_with(|at| Ok(feature(&format!("at {}", at.latitude), *at)));

    let names = names_at(fake.clone(), &[point(1, 1), point(2, 2), point(3, 3)])
        .await
        .unwrap();

    assert_eq!(names, ["first", "at 2", "at 3"]);
    assert_eq!(
        fake.get_feature.requests(),
        [point(1, 1), point(2, 2), point(3, 3)]
    );
}

#[tokio::test]
async fn a_queued_error_reaches_the_caller_and_ends_its_loop() {
    let fake = Arc::new(FakeRouteGuideApi::new());
    fake.get_feature
        .returns(feature("", point(1, 1)))
        .fails(RouteGuideError::Transport("instance gone".to_owned()))
        .returns(feature("never asked", point(3, 3)));

    let error = names_at(fake.clone(), &[point(1, 1), point(2, 2), point(3, 3)])
        .await
        .unwrap_err();

    assert_eq!(
        error,
        RouteGuideError::Transport("instance gone".to_owned())
    );
    assert_eq!(
        fake.get_feature.call_count(),
        2,
        "the loop stopped at the error"
    );
    assert_eq!(fake.get_feature.unused_answers(), 1);
}

#[tokio::test]
async fn an_rpc_without_an_answer_fails_unimplemented_naming_it() {
    let fake = FakeRouteGuideApi::new();
    let error = fake
        .get_feature(&CallContext::new(), point(0, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RouteGuideError::Unimplemented(message)
            if message.contains("RouteGuideApi::get_feature")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_server_stream_yields_the_queued_items_including_a_mid_stream_error() {
    let fake = FakeRouteGuideApi::new();
    fake.list_features.returns(vec![
        Ok(feature("a", point(1, 1))),
        Ok(feature("b", point(2, 2))),
        Err(RouteGuideError::Internal("disk on fire".to_owned())),
    ]);
    let area = Rectangle {
        lo: Some(point(0, 0)),
        hi: Some(point(9, 9)),
    };
    let ctx = CallContext::new().with_caller("atlas");

    let items: Vec<_> = fake
        .list_features(&ctx, area)
        .await
        .unwrap()
        .collect()
        .await;

    let names: Vec<_> = items
        .iter()
        .map(|item| item.as_ref().map(|f| f.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            Ok("a"),
            Ok("b"),
            Err(&RouteGuideError::Internal("disk on fire".to_owned()))
        ]
    );
    let [call] = &fake.list_features.calls()[..] else {
        panic!("one call");
    };
    assert_eq!(call.request, area);
    assert_eq!(
        call.ctx.caller.as_deref(),
        Some("atlas"),
        "the context is recorded"
    );
}

fn stream_of<T: Send + 'static>(items: Vec<T>) -> ApiStream<T> {
    Box::pin(futures_util::stream::iter(items.into_iter().map(Ok)))
}

#[tokio::test]
async fn a_client_stream_is_recorded_whole_and_answered_once_it_ends() {
    let fake = FakeRouteGuideApi::new();
    fake.record_route.answers_with(|points| {
        Ok(RouteSummary {
            point_count: points.len() as i32,
            ..Default::default()
        })
    });
    let route = vec![point(1, 1), point(1, 2), point(2, 2)];

    let summary = fake
        .record_route(&CallContext::new(), stream_of(route.clone()))
        .await
        .unwrap();

    assert_eq!(summary.point_count, 3);
    assert_eq!(fake.record_route.requests(), [route]);
}

#[tokio::test]
async fn a_bidi_fake_records_what_was_sent_and_streams_its_answer() {
    let fake = FakeRouteGuideApi::new();
    let note = |message: &str| RouteNote {
        location: Some(point(5, 5)),
        message: message.to_owned(),
    };
    fake.route_chat.returns(vec![Ok(note("hello back"))]);

    let replies: Vec<RouteNote> = fake
        .route_chat(
            &CallContext::new(),
            stream_of(vec![note("hello"), note("again")]),
        )
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(replies, [note("hello back")]);
    assert_eq!(
        fake.route_chat.requests(),
        [vec![note("hello"), note("again")]]
    );
}
