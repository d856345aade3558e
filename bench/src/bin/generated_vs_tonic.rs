//! Generated layers against hand-written tonic, side by side, on RouteGuide over loopback.
//!
//! Two servers for the same proto: the generated adapter (`routeguide_sdk::server`)
//! serving an implementation of `RouteGuideApi`, and a hand-written implementation of
//! tonic's `RouteGuide` server trait; both do the same work. Two clients: the generated
//! `RouteGuideClient` (default options: call timeout, retry policy) and a hand-written
//! client written the way tonic's generated clients work (`Grpc` + prost codec +
//! `GrpcMethod`). Every client × server pair runs in every round, in a rotating order, so
//! that drift in machine load hits all four alike; ratios are taken per round against
//! hand-written × hand-written, and the median and interquartile range over rounds are
//! reported.
//!
//! `cargo run --release -p modgen-bench --bin generated_vs_tonic [-- --rounds N]`

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_util::StreamExt;
use modgen_runtime::testing::{LoopbackServer, serve_loopback};
use routeguide_sdk::proto::routeguide::route_guide_server::{RouteGuide, RouteGuideServer};
use routeguide_sdk::proto::routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};
use routeguide_sdk::{ApiStream, CallContext, RouteGuideApi, RouteGuideClient, RouteGuideError};
use tokio::sync::mpsc;
use tonic::client::Grpc;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::service::Routes;
use tonic::transport::Channel;
use tonic::{GrpcMethod, Status};
use tonic_prost::ProstCodec;

/// Unary calls per pair per round.
const UNARY_CALLS: usize = 400;
/// Messages in one streaming call.
const STREAM_MESSAGES: usize = 100_000;
/// Round trips in one ping-pong call.
const PING_PONGS: usize = 300;

#[tokio::main]
async fn main() {
    let rounds = rounds_from_args();
    let generated_server = serve_loopback(routeguide_sdk::server::routes(Arc::new(Work)))
        .await
        .expect("serve the generated adapter");
    let hand_server = serve_loopback(Routes::new(RouteGuideServer::new(Work)))
        .await
        .expect("serve the hand-written server");
    let pairs = pairs(&hand_server, &generated_server);

    // Round 0 warms connections, allocator and caches; it is not kept.
    let mut per_round: Vec<[Figures; 4]> = Vec::new();
    for round in 0..=rounds {
        let mut figures: [Option<Figures>; 4] = Default::default();
        for offset in 0..pairs.len() {
            let index = (round + offset) % pairs.len();
            figures[index] = Some(measure(&pairs[index].1).await);
        }
        if round > 0 {
            per_round.push(figures.map(|f| f.expect("every pair ran")));
        }
    }
    report(rounds, &pairs, &per_round);
}

/// Client × server, hand-written × hand-written first: the baseline of every ratio.
fn pairs(hand: &LoopbackServer, generated: &LoopbackServer) -> Vec<(&'static str, Client)> {
    vec![
        (
            "hand client × hand server",
            Client::Hand(HandClient::new(hand.channel.clone())),
        ),
        (
            "generated client × hand server",
            Client::Generated(
                RouteGuideClient::from_channel(hand.channel.clone()),
                CallContext::new(),
            ),
        ),
        (
            "hand client × generated server",
            Client::Hand(HandClient::new(generated.channel.clone())),
        ),
        (
            "generated client × generated server",
            Client::Generated(
                RouteGuideClient::from_channel(generated.channel.clone()),
                CallContext::new(),
            ),
        ),
    ]
}

/// One pair's figures in one round.
#[derive(Clone, Copy, Debug)]
struct Figures {
    unary_p50: Duration,
    unary_p99: Duration,
    unary_calls_per_s: f64,
    server_stream_msgs_per_s: f64,
    client_stream_msgs_per_s: f64,
    bidi_p50: Duration,
}

async fn measure(client: &Client) -> Figures {
    let started = Instant::now();
    let mut unary = Vec::with_capacity(UNARY_CALLS);
    for i in 0..UNARY_CALLS {
        let point = Point {
            latitude: i as i32,
            longitude: 7,
        };
        let call = Instant::now();
        let feature = client.get_feature(point).await;
        unary.push(call.elapsed());
        assert_eq!(feature.location, Some(point), "the server echoes the point");
    }
    let unary_elapsed = started.elapsed();
    unary.sort_unstable();

    let started = Instant::now();
    let received = client.list_features(STREAM_MESSAGES).await;
    let server_stream = started.elapsed();
    assert_eq!(received, STREAM_MESSAGES);

    let started = Instant::now();
    let counted = client.record_route(STREAM_MESSAGES).await;
    let client_stream = started.elapsed();
    assert_eq!(counted, STREAM_MESSAGES);

    let mut bidi = client.route_chat(PING_PONGS).await;
    bidi.sort_unstable();

    Figures {
        unary_p50: percentile(&unary, 0.50),
        unary_p99: percentile(&unary, 0.99),
        unary_calls_per_s: UNARY_CALLS as f64 / unary_elapsed.as_secs_f64(),
        server_stream_msgs_per_s: STREAM_MESSAGES as f64 / server_stream.as_secs_f64(),
        client_stream_msgs_per_s: STREAM_MESSAGES as f64 / client_stream.as_secs_f64(),
        bidi_p50: percentile(&bidi, 0.50),
    }
}

// ---------------------------------------------------------------------------------------
// The work both servers do: echo the point, stream `lo.latitude` features, count the
// points, echo every note.

#[derive(Clone, Copy)]
struct Work;

fn feature(point: Point) -> Feature {
    Feature {
        name: String::new(),
        location: Some(point),
    }
}

fn features(rectangle: &Rectangle) -> impl Iterator<Item = Feature> + Send + 'static {
    let count = rectangle.lo.map_or(0, |lo| lo.latitude);
    (0..count).map(|i| {
        feature(Point {
            latitude: i,
            longitude: i,
        })
    })
}

#[async_trait::async_trait]
impl RouteGuideApi for Work {
    async fn get_feature(
        &self,
        _ctx: &CallContext,
        point: Point,
    ) -> Result<Feature, RouteGuideError> {
        Ok(feature(point))
    }

    async fn list_features(
        &self,
        _ctx: &CallContext,
        rectangle: Rectangle,
    ) -> Result<ApiStream<Feature>, RouteGuideError> {
        Ok(Box::pin(futures_util::stream::iter(
            features(&rectangle).map(Ok),
        )))
    }

    async fn record_route(
        &self,
        _ctx: &CallContext,
        mut points: ApiStream<Point>,
    ) -> Result<RouteSummary, RouteGuideError> {
        let mut point_count = 0;
        while let Some(point) = points.next().await {
            point?;
            point_count += 1;
        }
        Ok(RouteSummary {
            point_count,
            ..RouteSummary::default()
        })
    }

    async fn route_chat(
        &self,
        _ctx: &CallContext,
        notes: ApiStream<RouteNote>,
    ) -> Result<ApiStream<RouteNote>, RouteGuideError> {
        Ok(notes)
    }
}

type StatusStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl RouteGuide for Work {
    async fn get_feature(
        &self,
        request: tonic::Request<Point>,
    ) -> Result<tonic::Response<Feature>, Status> {
        Ok(tonic::Response::new(feature(request.into_inner())))
    }

    type ListFeaturesStream = StatusStream<Feature>;

    async fn list_features(
        &self,
        request: tonic::Request<Rectangle>,
    ) -> Result<tonic::Response<Self::ListFeaturesStream>, Status> {
        let features = features(request.get_ref()).map(Ok);
        Ok(tonic::Response::new(Box::pin(futures_util::stream::iter(
            features,
        ))))
    }

    async fn record_route(
        &self,
        request: tonic::Request<tonic::Streaming<Point>>,
    ) -> Result<tonic::Response<RouteSummary>, Status> {
        let mut points = request.into_inner();
        let mut point_count = 0;
        while let Some(point) = points.next().await {
            point?;
            point_count += 1;
        }
        Ok(tonic::Response::new(RouteSummary {
            point_count,
            ..RouteSummary::default()
        }))
    }

    type RouteChatStream = StatusStream<RouteNote>;

    async fn route_chat(
        &self,
        request: tonic::Request<tonic::Streaming<RouteNote>>,
    ) -> Result<tonic::Response<Self::RouteChatStream>, Status> {
        Ok(tonic::Response::new(Box::pin(request.into_inner())))
    }
}

// ---------------------------------------------------------------------------------------
// The two clients, driven the same way: the same request sources, every answer checked.

/// The generated client is called with one context per pair, as a handler passes its own
/// context on: making a fresh request id is the caller's cost, not the client's.
enum Client {
    Hand(HandClient),
    Generated(RouteGuideClient, CallContext),
}

fn points(count: usize) -> impl Iterator<Item = Point> + Send + 'static {
    (0..count as i32).map(|i| Point {
        latitude: i,
        longitude: i,
    })
}

/// A request stream fed one note at a time, for ping-pong.
fn fed(notes: mpsc::Receiver<RouteNote>) -> impl Stream<Item = RouteNote> + Send + 'static {
    futures_util::stream::unfold(notes, |mut notes| async move {
        notes.recv().await.map(|note| (note, notes))
    })
}

impl Client {
    async fn get_feature(&self, point: Point) -> Feature {
        match self {
            Client::Hand(hand) => hand.get_feature(point).await,
            Client::Generated(generated, ctx) => generated
                .get_feature(ctx, point)
                .await
                .expect("get_feature"),
        }
    }

    /// How many features came back for a request of `count`.
    async fn list_features(&self, count: usize) -> usize {
        let rectangle = Rectangle {
            lo: Some(Point {
                latitude: count as i32,
                longitude: 0,
            }),
            hi: None,
        };
        match self {
            Client::Hand(hand) => count_ok(hand.list_features(rectangle).await).await,
            Client::Generated(generated, ctx) => {
                let features = generated
                    .list_features(ctx, rectangle)
                    .await
                    .expect("list_features");
                count_ok(features).await
            }
        }
    }

    async fn record_route(&self, count: usize) -> usize {
        let summary = match self {
            Client::Hand(hand) => {
                hand.record_route(futures_util::stream::iter(points(count)))
                    .await
            }
            Client::Generated(generated, ctx) => {
                let points = Box::pin(futures_util::stream::iter(points(count).map(Ok)));
                generated
                    .record_route(ctx, points)
                    .await
                    .expect("record_route")
            }
        };
        summary.point_count as usize
    }

    /// The time of each of `count` round trips on one bidi call.
    async fn route_chat(&self, count: usize) -> Vec<Duration> {
        let (send, receive) = mpsc::channel(1);
        let mut replies: Pin<Box<dyn Stream<Item = RouteNote> + Send>> = match self {
            Client::Hand(hand) => Box::pin(
                hand.route_chat(fed(receive))
                    .await
                    .map(|note| note.expect("note")),
            ),
            Client::Generated(generated, ctx) => {
                let notes = Box::pin(fed(receive).map(Ok));
                let replies = generated
                    .route_chat(ctx, notes)
                    .await
                    .expect("route_chat");
                Box::pin(replies.map(|note| note.expect("note")))
            }
        };
        let mut times = Vec::with_capacity(count);
        for i in 0..count {
            let note = RouteNote {
                location: None,
                message: format!("{i}"),
            };
            let started = Instant::now();
            send.send(note.clone()).await.expect("the call is open");
            let reply = replies.next().await.expect("a reply per note");
            times.push(started.elapsed());
            assert_eq!(reply, note);
        }
        drop(send);
        assert!(
            replies.next().await.is_none(),
            "the call ends with the requests"
        );
        times
    }
}

async fn count_ok<E: std::fmt::Debug>(stream: impl Stream<Item = Result<Feature, E>>) -> usize {
    let mut stream = std::pin::pin!(stream);
    let mut count = 0;
    while let Some(item) = stream.next().await {
        item.expect("a feature");
        count += 1;
    }
    count
}

/// A client written the way tonic's generated clients work, without modgen.
struct HandClient {
    grpc: Grpc<Channel>,
}

const SERVICE: &str = "routeguide.RouteGuide";

impl HandClient {
    fn new(channel: Channel) -> Self {
        Self {
            grpc: Grpc::new(channel),
        }
    }

    /// A ready `Grpc` and a request tagged with its method, as tonic's client does.
    async fn ready<T>(
        &self,
        message: T,
        method: &'static str,
    ) -> (Grpc<Channel>, tonic::Request<T>) {
        let mut grpc = self.grpc.clone();
        grpc.ready().await.expect("channel ready");
        let mut request = tonic::Request::new(message);
        request
            .extensions_mut()
            .insert(GrpcMethod::new(SERVICE, method));
        (grpc, request)
    }

    async fn get_feature(&self, point: Point) -> Feature {
        let (mut grpc, request) = self.ready(point, "GetFeature").await;
        let path = PathAndQuery::from_static("/routeguide.RouteGuide/GetFeature");
        grpc.unary(request, path, ProstCodec::default())
            .await
            .expect("get_feature")
            .into_inner()
    }

    async fn list_features(&self, rectangle: Rectangle) -> tonic::Streaming<Feature> {
        let (mut grpc, request) = self.ready(rectangle, "ListFeatures").await;
        let path = PathAndQuery::from_static("/routeguide.RouteGuide/ListFeatures");
        grpc.server_streaming(request, path, ProstCodec::default())
            .await
            .expect("list_features")
            .into_inner()
    }

    async fn record_route(
        &self,
        points: impl Stream<Item = Point> + Send + 'static,
    ) -> RouteSummary {
        let (mut grpc, request) = self.ready(points, "RecordRoute").await;
        let path = PathAndQuery::from_static("/routeguide.RouteGuide/RecordRoute");
        grpc.client_streaming(request, path, ProstCodec::default())
            .await
            .expect("record_route")
            .into_inner()
    }

    async fn route_chat(
        &self,
        notes: impl Stream<Item = RouteNote> + Send + 'static,
    ) -> tonic::Streaming<RouteNote> {
        let (mut grpc, request) = self.ready(notes, "RouteChat").await;
        let path = PathAndQuery::from_static("/routeguide.RouteGuide/RouteChat");
        grpc.streaming(request, path, ProstCodec::default())
            .await
            .expect("route_chat")
            .into_inner()
    }
}

// ---------------------------------------------------------------------------------------
// Reporting.

fn report(rounds: usize, pairs: &[(&'static str, Client)], per_round: &[[Figures; 4]]) {
    println!(
        "RouteGuide over loopback, release; {rounds} interleaved rounds, each pair per round: \
         {UNARY_CALLS} unary calls, one {STREAM_MESSAGES}-message call each way, \
         {PING_PONGS} bidi round trips"
    );
    println!();
    println!("Absolute figures, hand client × hand server (median over rounds):");
    let baseline =
        |pick: &dyn Fn(&Figures) -> f64| median(per_round.iter().map(|r| pick(&r[0])).collect());
    println!(
        "unary p50 {:.1} µs, p99 {:.1} µs, {:.0} calls/s; server streaming {:.0} msg/s; \
         client streaming {:.0} msg/s; bidi ping-pong p50 {:.1} µs",
        baseline(&|f| f.unary_p50.as_secs_f64() * 1e6),
        baseline(&|f| f.unary_p99.as_secs_f64() * 1e6),
        baseline(&|f| f.unary_calls_per_s),
        baseline(&|f| f.server_stream_msgs_per_s),
        baseline(&|f| f.client_stream_msgs_per_s),
        baseline(&|f| f.bidi_p50.as_secs_f64() * 1e6),
    );
    println!();
    println!(
        "Ratios against hand × hand, median of per-round ratios [interquartile range]. \
         Latency: > 1 is slower. Throughput: < 1 is slower."
    );
    println!(
        "| pair | unary p50 | unary p99 | unary calls/s | server stream msg/s | client stream msg/s | bidi p50 |"
    );
    println!("|---|---|---|---|---|---|---|");
    let metrics: [&dyn Fn(&Figures) -> f64; 6] = [
        &|f| f.unary_p50.as_secs_f64(),
        &|f| f.unary_p99.as_secs_f64(),
        &|f| f.unary_calls_per_s,
        &|f| f.server_stream_msgs_per_s,
        &|f| f.client_stream_msgs_per_s,
        &|f| f.bidi_p50.as_secs_f64(),
    ];
    for (index, (name, _)) in pairs.iter().enumerate().skip(1) {
        let cells: Vec<String> = metrics
            .iter()
            .map(|metric| {
                let ratios: Vec<f64> = per_round
                    .iter()
                    .map(|r| metric(&r[index]) / metric(&r[0]))
                    .collect();
                let (low, mid, high) = quartiles(ratios);
                format!("{mid:.3} [{low:.3}–{high:.3}]")
            })
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}

fn rounds_from_args() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|arg| arg == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse().expect("--rounds takes a number"))
        .unwrap_or(100)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[index]
}

fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() as f64 - 1.0) * q).round() as usize];
    (at(0.25), at(0.5), at(0.75))
}

fn median(values: Vec<f64>) -> f64 {
    quartiles(values).1
}
