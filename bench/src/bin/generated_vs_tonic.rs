//! Generated layers against hand-written tonic, side by side, on RouteGuide over loopback.
//!
//! Two servers for the same proto: the generated adapter (`routeguide_sdk::server`)
//! serving an implementation of `RouteGuideApi`, and a hand-written implementation of
//! tonic's `RouteGuide` server trait; both do the same work. Two clients: the generated
//! `RouteGuideClient` (default options: call timeout, retry policy) and a hand-written
//! client written the way tonic's generated clients work (`Grpc` + prost codec +
//! `GrpcMethod`). A fifth pair is hand-written on both sides but passes what the generated
//! pair passes by default (`x-request-id` both ways, `grpc-timeout`), to tell the generated
//! code's cost from the context's cost on the wire. Every pair runs in every round: unary
//! calls, streaming calls and bidi round trips interleaved call by call (the pair order
//! rotating), so that drift in machine load hits all pairs alike. Ratios are against
//! hand-written × hand-written (and both generated against the hand-written pair passing
//! the context), over all rounds and over each half of the rounds (how far a rerun may
//! move them).
//!
//! `cargo run --release -p modgen-bench --bin generated_vs_tonic [-- --rounds N] [--no-call-timeout]`
//!
//! `--profile PAIR KIND [--calls N]` runs only one pair (0 hand × hand, 1 generated client
//! × hand server, 2 hand client × generated server, 3 both generated, 4 hand × hand
//! passing the context) doing one kind of call (`unary`, `server-stream`, `client-stream`),
//! N times (default 20,000 unary calls or 40 streaming calls) after a warm-up, and prints
//! the time per call: the process to put under `perf record` / `perf stat` / `strace -c`
//! so that one pair's profile is not mixed with the others'.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_util::StreamExt;
use modgen_bench::latency::{self, percentile};
use modgen_runtime::client::ServiceChannels;
use modgen_runtime::testing::{LoopbackServer, serve_loopback};
use routeguide_sdk::proto::routeguide::route_guide_server::{RouteGuide, RouteGuideServer};
use routeguide_sdk::proto::routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};
use routeguide_sdk::{ApiStream, CallContext, RouteGuideApi, RouteGuideClient, RouteGuideError};
use tokio::sync::mpsc;
use tonic::client::Grpc;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::AsciiMetadataValue;
use tonic::service::Routes;
use tonic::transport::Channel;
use tonic::{GrpcMethod, Status};
use tonic_prost::ProstCodec;

/// Unary calls per pair per round.
const UNARY_CALLS: usize = 400;
/// Streaming calls each way per pair per round, interleaved across the pairs.
const STREAM_CALLS: usize = 4;
/// Messages in one streaming call.
const STREAM_MESSAGES: usize = 50_000;
/// Round trips in one ping-pong call.
const PING_PONGS: usize = 300;

#[tokio::main]
async fn main() {
    let rounds = latency::count_from_args("--rounds", 100);
    let generated_server = serve_loopback(routeguide_sdk::server::routes(Arc::new(Work)))
        .await
        .expect("serve the generated adapter");
    let hand_server = serve_loopback(Routes::new(RouteGuideServer::new(HandWork {
        echo_request_id: false,
    })))
    .await
    .expect("serve the hand-written server");
    let hand_context_server = serve_loopback(Routes::new(RouteGuideServer::new(HandWork {
        echo_request_id: true,
    })))
    .await
    .expect("serve the hand-written server that echoes the request id");
    let pairs = pairs(&hand_server, &generated_server, &hand_context_server).await;
    let clients: Vec<&Client> = pairs.iter().map(|(_, client)| client).collect();
    if let Some((pair, kind, calls)) = profile_from_args() {
        profile(clients[pair], pairs[pair].0, kind, calls).await;
        return;
    }

    // Round 0 warms connections, allocator and caches; it is not kept.
    let mut kept: Vec<[Round; PAIRS]> = Vec::new();
    for round in 0..=rounds {
        let figures = measure_round(&clients, round).await;
        if round > 0 {
            kept.push(figures);
        }
    }
    report(rounds, &pairs, &kept);
}

/// Client × server, hand-written × hand-written first: the baseline of every ratio. Each
/// pair has a connection of its own, so no pair warms another's. The last pair is
/// hand-written on both sides too, but puts on the wire what a generated pair does with
/// its default options: the client sends `x-request-id` and `grpc-timeout`, the server
/// echoes `x-request-id`. Against it, a generated pair's ratio is the cost of the
/// generated code alone; against the first pair, that plus the context's bytes on the wire.
async fn pairs(
    hand: &LoopbackServer,
    generated: &LoopbackServer,
    hand_context: &LoopbackServer,
) -> Vec<(&'static str, Client)> {
    vec![
        (
            "hand client × hand server",
            Client::Hand(HandClient::new(connect(hand).await, None)),
        ),
        (
            "generated client × hand server",
            Client::Generated(generated_client(connect(hand).await), CallContext::new()),
        ),
        (
            "hand client × generated server",
            Client::Hand(HandClient::new(connect(generated).await, None)),
        ),
        (
            "generated client × generated server",
            Client::Generated(
                generated_client(connect(generated).await),
                CallContext::new(),
            ),
        ),
        (
            "hand client × hand server, passing the context",
            Client::Hand(HandClient::new(
                connect(hand_context).await,
                Some(HandContext::new()),
            )),
        ),
    ]
}

/// The generated client with default options, or with no call timeout under
/// `--no-call-timeout` (then no per-call timer and no `grpc-timeout` header: the
/// experiment that tells what the default 30 s timeout costs per call).
fn generated_client(channel: Channel) -> RouteGuideClient {
    let mut options = modgen_runtime::client::ClientOptions::default();
    if std::env::args().any(|arg| arg == "--no-call-timeout") {
        options.call_timeout = None;
    }
    RouteGuideClient::new(ServiceChannels::from_channel(
        routeguide_sdk::SERVICE_NAME,
        channel,
        options,
    ))
}

/// A new connection to `server`, configured as the generated clients' endpoints are.
async fn connect(server: &LoopbackServer) -> Channel {
    let options = modgen_runtime::client::ClientOptions::default();
    modgen_runtime::client::endpoint(&server.endpoint, &options)
        .expect("loopback endpoint")
        .connect()
        .await
        .expect("connect over loopback")
}

const PAIRS: usize = 5;
/// The hand-written pair that passes the context (see [`pairs`]).
const HAND_CONTEXT_PAIR: usize = 4;

/// One pair's samples in one round. Besides wall-clock time, the process's CPU time
/// (client and server together) per call and per streamed message:
/// on a loaded machine wall-clock time is mostly the kernel's scheduling, CPU time is the
/// code's own cost.
#[derive(Default)]
struct Round {
    unary: Vec<Duration>,
    unary_cpu: Cpu,
    bidi: Vec<Duration>,
    server_stream_rates: Vec<f64>,
    client_stream_rates: Vec<f64>,
    server_stream_cpu: Cpu,
    client_stream_cpu: Cpu,
}

/// CPU time of this process (all threads).
#[derive(Clone, Copy, Default)]
struct Cpu(Duration);

impl Cpu {
    fn now() -> Duration {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid, writable timespec; the clock id is a constant.
        let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
        assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
        Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
    }

    /// The CPU time `work` takes, added to `self`.
    async fn add<T>(&mut self, work: impl Future<Output = T>) -> T {
        let before = Cpu::now();
        let output = work.await;
        self.0 += Cpu::now() - before;
        output
    }
}

/// Latencies are interleaved call by call (pair order rotating), so all pairs see the
/// same machine load; streaming calls too, several shorter calls per pair per round.
async fn measure_round(clients: &[&Client], round: usize) -> [Round; PAIRS] {
    let mut figures: [Round; PAIRS] = Default::default();
    // Every order of the pairs in turn, so that no pair always follows the same other.
    let order = |step: usize| order_of(round * 7 + step);
    for call in 0..UNARY_CALLS {
        for pair in order(call) {
            let point = Point {
                latitude: call as i32,
                longitude: 7,
            };
            let figures = &mut figures[pair];
            let started = Instant::now();
            let feature = figures
                .unary_cpu
                .add(clients[pair].get_feature(point))
                .await;
            figures.unary.push(started.elapsed());
            assert_eq!(feature.location, Some(point), "the server echoes the point");
        }
    }
    for call in 0..STREAM_CALLS {
        for pair in order(call) {
            let Round {
                server_stream_cpu,
                server_stream_rates,
                ..
            } = &mut figures[pair];
            let received = clients[pair].list_features(STREAM_MESSAGES);
            time_stream(server_stream_cpu, server_stream_rates, received).await;
        }
        for pair in order(call + 1) {
            let Round {
                client_stream_cpu,
                client_stream_rates,
                ..
            } = &mut figures[pair];
            let counted = clients[pair].record_route(STREAM_MESSAGES);
            time_stream(client_stream_cpu, client_stream_rates, counted).await;
        }
    }
    let mut chats = Vec::with_capacity(PAIRS);
    for client in clients {
        chats.push(client.open_chat().await);
    }
    for trip in 0..PING_PONGS {
        for pair in order(trip) {
            let took = chats[pair].round_trip(trip).await;
            figures[pair].bidi.push(took);
        }
    }
    for chat in chats {
        chat.close().await;
    }
    figures
}

/// Times one streaming call, which answers how many messages it moved: its rate goes to
/// `rates`, its CPU time to `cpu`.
async fn time_stream(cpu: &mut Cpu, rates: &mut Vec<f64>, call: impl Future<Output = usize>) {
    let started = Instant::now();
    let moved = cpu.add(call).await;
    rates.push(per_second(moved, started.elapsed()));
    assert_eq!(moved, STREAM_MESSAGES);
}

/// Permutation number `index` (mod PAIRS!) of the pairs, by the factorial number system.
fn order_of(index: usize) -> Vec<usize> {
    let mut left: Vec<usize> = (0..PAIRS).collect();
    let mut code = index % (1..=PAIRS).product::<usize>();
    let mut order = Vec::with_capacity(PAIRS);
    for radix in (1..=PAIRS).rev() {
        let factorial: usize = (1..radix).product();
        order.push(left.remove(code / factorial));
        code %= factorial;
    }
    order
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
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

/// The hand-written server: the same work as [`Work`], on tonic's own server trait.
#[derive(Clone, Copy)]
struct HandWork {
    /// Echo the caller's `x-request-id` on every response, as a generated server does.
    echo_request_id: bool,
}

impl HandWork {
    /// `message`, with the id from the request's `received` metadata when echoing.
    fn respond<U>(
        &self,
        received: &tonic::metadata::MetadataMap,
        message: U,
    ) -> tonic::Response<U> {
        let mut response = tonic::Response::new(message);
        if self.echo_request_id
            && let Some(id) = received.get(REQUEST_ID)
        {
            response.metadata_mut().insert(REQUEST_ID, id.clone());
        }
        response
    }
}

#[tonic::async_trait]
impl RouteGuide for HandWork {
    async fn get_feature(
        &self,
        request: tonic::Request<Point>,
    ) -> Result<tonic::Response<Feature>, Status> {
        let feature = feature(*request.get_ref());
        Ok(self.respond(request.metadata(), feature))
    }

    type ListFeaturesStream = StatusStream<Feature>;

    async fn list_features(
        &self,
        request: tonic::Request<Rectangle>,
    ) -> Result<tonic::Response<Self::ListFeaturesStream>, Status> {
        let features = features(request.get_ref()).map(Ok);
        let stream: Self::ListFeaturesStream = Box::pin(futures_util::stream::iter(features));
        Ok(self.respond(request.metadata(), stream))
    }

    async fn record_route(
        &self,
        request: tonic::Request<tonic::Streaming<Point>>,
    ) -> Result<tonic::Response<RouteSummary>, Status> {
        let (received, _, mut points) = request.into_parts();
        let mut point_count = 0;
        while let Some(point) = points.next().await {
            point?;
            point_count += 1;
        }
        let summary = RouteSummary {
            point_count,
            ..RouteSummary::default()
        };
        Ok(self.respond(&received, summary))
    }

    type RouteChatStream = StatusStream<RouteNote>;

    async fn route_chat(
        &self,
        request: tonic::Request<tonic::Streaming<RouteNote>>,
    ) -> Result<tonic::Response<Self::RouteChatStream>, Status> {
        let echo = self.respond(request.metadata(), ());
        let notes: Self::RouteChatStream = Box::pin(request.into_inner());
        let (metadata, (), extensions) = echo.into_parts();
        Ok(tonic::Response::from_parts(metadata, notes, extensions))
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

    /// A bidi call kept open for ping-pong.
    async fn open_chat(&self) -> Chat {
        let (send, receive) = mpsc::channel(1);
        let replies: Pin<Box<dyn Stream<Item = RouteNote> + Send>> = match self {
            Client::Hand(hand) => Box::pin(
                hand.route_chat(fed(receive))
                    .await
                    .map(|note| note.expect("note")),
            ),
            Client::Generated(generated, ctx) => {
                let notes = Box::pin(fed(receive).map(Ok));
                let replies = generated.route_chat(ctx, notes).await.expect("route_chat");
                Box::pin(replies.map(|note| note.expect("note")))
            }
        };
        Chat { send, replies }
    }
}

struct Chat {
    send: mpsc::Sender<RouteNote>,
    replies: Pin<Box<dyn Stream<Item = RouteNote> + Send>>,
}

impl Chat {
    /// The time from sending note `trip` to its echo.
    async fn round_trip(&mut self, trip: usize) -> Duration {
        let note = RouteNote {
            location: None,
            message: trip.to_string(),
        };
        let started = Instant::now();
        self.send
            .send(note.clone())
            .await
            .expect("the call is open");
        let reply = self.replies.next().await.expect("a reply per note");
        let took = started.elapsed();
        assert_eq!(reply, note);
        took
    }

    async fn close(mut self) {
        drop(self.send);
        assert!(
            self.replies.next().await.is_none(),
            "the call ends with the requests"
        );
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
    context: Option<HandContext>,
}

/// What a hand-written client passing the context sends with every call: a request id
/// (one per context, as a handler passes its own on) and the deadline, as `grpc-timeout`.
struct HandContext {
    request_id: AsciiMetadataValue,
    timeout: Duration,
}

impl HandContext {
    fn new() -> Self {
        let id = uuid::Uuid::new_v4().to_string();
        Self {
            request_id: AsciiMetadataValue::try_from(id).expect("a uuid is ASCII"),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The request id's metadata key, as modgen's context sends it.
const REQUEST_ID: &str = "x-request-id";

const SERVICE: &str = "routeguide.RouteGuide";

impl HandClient {
    fn new(channel: Channel, context: Option<HandContext>) -> Self {
        Self {
            grpc: Grpc::new(channel),
            context,
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
        if let Some(context) = &self.context {
            request
                .metadata_mut()
                .insert(REQUEST_ID, context.request_id.clone());
            request.set_timeout(context.timeout);
        }
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

fn report(rounds: usize, pairs: &[(&'static str, Client)], kept: &[[Round; PAIRS]]) {
    println!(
        "RouteGuide over loopback, release; {rounds} rounds, each pair per round: \
         {UNARY_CALLS} unary calls and {PING_PONGS} bidi round trips (interleaved call by call), \
         {STREAM_CALLS} {STREAM_MESSAGES}-message calls each way (interleaved call by call)"
    );
    let (first, second) = kept.split_at(kept.len() / 2);
    let all = Summary::of(kept);
    let halves = [Summary::of(first), Summary::of(second)];
    for (index, (name, _)) in pairs.iter().enumerate() {
        let pair = &all[index];
        println!();
        println!(
            "{name}: unary p50 {:.1} µs, p99 {:.1} µs, {:.0} calls/s; \
             server streaming {:.0} msg/s; client streaming {:.0} msg/s; bidi ping-pong p50 {:.1} µs; \
             CPU (client + server): {:.1} µs per unary call, \
             {:.0} ns per server-streamed and {:.0} ns per client-streamed message",
            pair.unary_p50 * 1e6,
            pair.unary_p99 * 1e6,
            pair.unary_calls_per_s,
            pair.server_stream,
            pair.client_stream,
            pair.bidi_p50 * 1e6,
            pair.unary_cpu * 1e6,
            pair.server_stream_cpu * 1e9,
            pair.client_stream_cpu * 1e9,
        );
    }
    println!();
    println!(
        "Ratios over all rounds (first half / second half of the rounds). \
         Latency and CPU time: > 1 is slower. Throughput: < 1 is slower."
    );
    println!();
    println!("Against hand client × hand server:");
    ratio_table(pairs, &all, &halves, 0, &[1, 2, 3, HAND_CONTEXT_PAIR]);
    println!();
    println!("Against the hand-written pair passing the same context:");
    ratio_table(pairs, &all, &halves, HAND_CONTEXT_PAIR, &[3]);
}

/// One row per pair in `rows`: each metric's ratio to pair `base`'s.
fn ratio_table(
    pairs: &[(&'static str, Client)],
    all: &[Summary; PAIRS],
    halves: &[[Summary; PAIRS]; 2],
    base: usize,
    rows: &[usize],
) {
    println!(
        "| pair | unary p50 | unary p99 | unary calls/s | server stream msg/s | client stream msg/s | bidi p50 \
         | unary CPU/call | server stream CPU/msg | client stream CPU/msg |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &index in rows {
        let cells: Vec<String> = (0..METRICS)
            .map(|metric| {
                let ratio = |summary: &[Summary; PAIRS]| {
                    summary[index].metric(metric) / summary[base].metric(metric)
                };
                format!(
                    "{:.3} ({:.3} / {:.3})",
                    ratio(all),
                    ratio(&halves[0]),
                    ratio(&halves[1])
                )
            })
            .collect();
        println!("| {} | {} |", pairs[index].0, cells.join(" | "));
    }
}

const METRICS: usize = 9;

/// One pair's figures over some rounds: latencies pooled, streaming throughput as the
/// median call, CPU time as the mean over all calls (or messages).
struct Summary {
    unary_p50: f64,
    unary_p99: f64,
    unary_calls_per_s: f64,
    server_stream: f64,
    client_stream: f64,
    bidi_p50: f64,
    unary_cpu: f64,
    server_stream_cpu: f64,
    client_stream_cpu: f64,
}

impl Summary {
    fn of(rounds: &[[Round; PAIRS]]) -> [Summary; PAIRS] {
        std::array::from_fn(|pair| {
            let pooled = |pick: fn(&Round) -> &Vec<Duration>| {
                let mut all: Vec<Duration> = rounds
                    .iter()
                    .flat_map(|r| pick(&r[pair]).iter().copied())
                    .collect();
                all.sort_unstable();
                all
            };
            let median_rate = |pick: fn(&Round) -> &Vec<f64>| {
                median(
                    rounds
                        .iter()
                        .flat_map(|r| pick(&r[pair]).iter().copied())
                        .collect(),
                )
            };
            let cpu = |pick: fn(&Round) -> Cpu| -> Duration {
                rounds.iter().map(|r| pick(&r[pair]).0).sum()
            };
            let unary = pooled(|r| &r.unary);
            let bidi = pooled(|r| &r.bidi);
            let total: Duration = unary.iter().sum();
            let calls = unary.len() as f64;
            let messages = (rounds.len() * STREAM_CALLS * STREAM_MESSAGES) as f64;
            Summary {
                unary_p50: percentile(&unary, 0.50).as_secs_f64(),
                unary_p99: percentile(&unary, 0.99).as_secs_f64(),
                unary_calls_per_s: per_second(unary.len(), total),
                server_stream: median_rate(|r| &r.server_stream_rates),
                client_stream: median_rate(|r| &r.client_stream_rates),
                bidi_p50: percentile(&bidi, 0.50).as_secs_f64(),
                unary_cpu: cpu(|r| r.unary_cpu).as_secs_f64() / calls,
                server_stream_cpu: cpu(|r| r.server_stream_cpu).as_secs_f64() / messages,
                client_stream_cpu: cpu(|r| r.client_stream_cpu).as_secs_f64() / messages,
            }
        })
    }

    fn metric(&self, index: usize) -> f64 {
        [
            self.unary_p50,
            self.unary_p99,
            self.unary_calls_per_s,
            self.server_stream,
            self.client_stream,
            self.bidi_p50,
            self.unary_cpu,
            self.server_stream_cpu,
            self.client_stream_cpu,
        ][index]
    }
}

/// What `--profile` runs.
#[derive(Clone, Copy, Debug)]
enum ProfileKind {
    Unary,
    ServerStream,
    ClientStream,
}

fn profile_from_args() -> Option<(usize, ProfileKind, usize)> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|arg| arg == "--profile")?;
    let pair: usize = args
        .get(at + 1)
        .and_then(|pair| pair.parse().ok())
        .filter(|pair| *pair < PAIRS)
        .expect("--profile takes a pair number 0..=4");
    let kind = match args.get(at + 2).map(String::as_str) {
        Some("unary") => ProfileKind::Unary,
        Some("server-stream") => ProfileKind::ServerStream,
        Some("client-stream") => ProfileKind::ClientStream,
        other => {
            panic!("--profile {pair} takes unary, server-stream or client-stream, not {other:?}")
        }
    };
    let calls = latency::calls_from_args(match kind {
        ProfileKind::Unary => 20_000,
        _ => 40,
    });
    Some((pair, kind, calls))
}

/// `calls` calls of one kind by one pair, after a tenth as many to warm up.
async fn profile(client: &Client, name: &str, kind: ProfileKind, calls: usize) {
    let call = |index: usize| async move {
        match kind {
            ProfileKind::Unary => {
                let point = Point {
                    latitude: index as i32,
                    longitude: 7,
                };
                let feature = client.get_feature(point).await;
                assert_eq!(feature.location, Some(point), "the server echoes the point");
            }
            ProfileKind::ServerStream => {
                assert_eq!(client.list_features(STREAM_MESSAGES).await, STREAM_MESSAGES);
            }
            ProfileKind::ClientStream => {
                assert_eq!(client.record_route(STREAM_MESSAGES).await, STREAM_MESSAGES);
            }
        }
    };
    for index in 0..calls / 10 {
        call(index).await;
    }
    let started = Instant::now();
    for index in 0..calls {
        call(index).await;
    }
    let took = started.elapsed();
    println!(
        "{name}, {kind:?}: {calls} calls in {took:.2?}, {:.1} µs per call",
        took.as_secs_f64() * 1e6 / calls as f64
    );
}

fn quartiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() as f64 - 1.0) * q).round() as usize];
    (at(0.25), at(0.5), at(0.75))
}

fn median(values: Vec<f64>) -> f64 {
    quartiles(values).1
}
