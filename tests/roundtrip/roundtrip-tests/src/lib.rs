//! Implementations of the traits of `stress-sdk` (generated from `../modgen.toml`) for the
//! round-trip tests in `tests/`: each is served over loopback gRPC with the SDK's testing
//! helpers and called through the generated clients.
//!
//! - [`Echo`] answers every call from its request (what it answers is written on each
//!   method) and keeps the context of every call it served.
//! - [`Failing`] fails every call with one error, streams after a few messages.
//! - [`Slow`] answers after a delay and says whether it ever got to finish.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use stress_sdk::proto::stress::v1 as pb;
use stress_sdk::{ApiStream, CallContext, ClientApi, StressApi, StressError};

/// The message an [`Echo`] unary call answers with: the method's name as the option's
/// text, and the fields of `request.result` (keyword-named ones included) as strings.
pub fn echo_reply(method: &str, request: &pb::Request) -> pb::Response {
    let result = request.result.clone().unwrap_or_default();
    let items = [
        result.value,
        result.r#type,
        result.r#match.to_string(),
        result.r#async.to_string(),
        result.self_,
    ];
    pb::Response {
        option: Some(text(method)),
        r#box: None,
        vec: Some(pb::Vec {
            items: items
                .into_iter()
                .map(|string| pb::String { string })
                .collect(),
        }),
    }
}

fn text(text: &str) -> pb::Option {
    pb::Option {
        kind: Some(pb::option::Kind::Text(text.to_owned())),
    }
}

fn number(number: i64) -> pb::Option {
    pb::Option {
        kind: Some(pb::option::Kind::Number(number)),
    }
}

/// The response entry [`Echo`] (every call) and [`Failing`] (`ping`) set to the method.
pub const SERVED_METHOD: &str = "served-method";

/// Answers every call from its request; records `(method, context)` of each call.
#[derive(Default)]
pub struct Echo {
    calls: Mutex<Vec<(&'static str, CallContext)>>,
    pings: AtomicUsize,
}

impl Echo {
    /// `(method, context)` of every call served so far, in order.
    pub fn calls(&self) -> Vec<(&'static str, CallContext)> {
        self.calls.lock().unwrap().clone()
    }

    /// How many `Ping`s were served.
    pub fn pings(&self) -> usize {
        self.pings.load(Ordering::SeqCst)
    }

    /// Records the call, and answers with a response entry naming the method.
    fn saw(&self, method: &'static str, ctx: &CallContext) {
        ctx.response
            .insert(SERVED_METHOD, method)
            .expect("a valid response entry");
        self.calls.lock().unwrap().push((method, ctx.clone()));
    }
}

#[async_trait::async_trait]
impl StressApi for Echo {
    /// [`echo_reply`]`("type", request)`.
    async fn r#type(
        &self,
        ctx: &CallContext,
        request: pb::Request,
    ) -> Result<pb::Response, StressError> {
        self.saw("type", ctx);
        Ok(echo_reply("type", &request))
    }

    /// [`echo_reply`]`("new", request)`.
    async fn new_(
        &self,
        ctx: &CallContext,
        request: pb::Request,
    ) -> Result<pb::Response, StressError> {
        self.saw("new", ctx);
        Ok(echo_reply("new", &request))
    }

    /// [`echo_reply`]`("clone", request)`.
    async fn clone_(
        &self,
        ctx: &CallContext,
        request: pb::Request,
    ) -> Result<pb::Response, StressError> {
        self.saw("clone", ctx);
        Ok(echo_reply("clone", &request))
    }

    /// [`echo_reply`]`("connect", request)`.
    async fn connect_(
        &self,
        ctx: &CallContext,
        request: pb::Request,
    ) -> Result<pb::Response, StressError> {
        self.saw("connect", ctx);
        Ok(echo_reply("connect", &request))
    }

    /// Counts the ping.
    async fn ping(&self, ctx: &CallContext) -> Result<(), StressError> {
        self.saw("ping", ctx);
        self.pings.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// `request.result.async` responses: the i-th has the number `i` as its option and
    /// `request.result.value` as its one item.
    async fn watch(
        &self,
        ctx: &CallContext,
        request: pb::Request,
    ) -> Result<ApiStream<pb::Response>, StressError> {
        self.saw("watch", ctx);
        let result = request.result.unwrap_or_default();
        let value = result.value;
        let responses = (0..i64::from(result.r#async)).map(move |i| {
            Ok(pb::Response {
                option: Some(number(i)),
                r#box: None,
                vec: Some(pb::Vec {
                    items: vec![pb::String {
                        string: value.clone(),
                    }],
                }),
            })
        });
        Ok(Box::pin(futures_util::stream::iter(responses)))
    }

    /// The number of requests as the option; each request's `result.value` as an item,
    /// in the order received.
    async fn upload(
        &self,
        ctx: &CallContext,
        mut requests: ApiStream<pb::Request>,
    ) -> Result<pb::Response, StressError> {
        self.saw("upload", ctx);
        let mut items = Vec::new();
        while let Some(request) = requests.next().await {
            let result = request?.result.unwrap_or_default();
            items.push(pb::String {
                string: result.value,
            });
        }
        Ok(pb::Response {
            option: Some(number(items.len() as i64)),
            r#box: None,
            vec: Some(pb::Vec { items }),
        })
    }

    /// One response per request, as it arrives: `"chat: <result.value>"` as the option.
    async fn chat(
        &self,
        ctx: &CallContext,
        requests: ApiStream<pb::Request>,
    ) -> Result<ApiStream<pb::Response>, StressError> {
        self.saw("chat", ctx);
        Ok(Box::pin(requests.map(|request| {
            let result = request?.result.unwrap_or_default();
            Ok(pb::Response {
                option: Some(text(&format!("chat: {}", result.value))),
                r#box: None,
                vec: None,
            })
        })))
    }

    /// The proto names of `request.type` and of the enum five messages deep in
    /// `request.outer`.
    async fn into_list(
        &self,
        ctx: &CallContext,
        request: pb::Request,
    ) -> Result<pb::Vec, StressError> {
        self.saw("into_list", ctx);
        let deepest = request
            .outer
            .and_then(|outer| outer.middle)
            .and_then(|middle| middle.inner)
            .and_then(|inner| inner.deeper)
            .and_then(|deeper| deeper.deepest)
            .unwrap_or_default();
        let names = [request.r#type().as_str_name(), deepest.kind().as_str_name()];
        Ok(pb::Vec {
            items: names
                .into_iter()
                .map(|name| pb::String {
                    string: name.to_owned(),
                })
                .collect(),
        })
    }

    /// A request of type `TYPE_SELF` whose `result.value` is the text.
    async fn from_text(
        &self,
        ctx: &CallContext,
        request: pb::String,
    ) -> Result<pb::Request, StressError> {
        self.saw("from_text", ctx);
        Ok(pb::Request {
            r#type: pb::Type::Self_.into(),
            outer: None,
            result: Some(pb::Result {
                value: request.string,
                ..Default::default()
            }),
        })
    }

    /// `result.async` as a number when `result.match` is set; otherwise `result.value` as
    /// a text, nested one level in the recursive oneof arm.
    async fn r#match(
        &self,
        ctx: &CallContext,
        request: pb::Result,
    ) -> Result<pb::Option, StressError> {
        self.saw("match", ctx);
        if request.r#match {
            return Ok(number(i64::from(request.r#async)));
        }
        Ok(pb::Option {
            kind: Some(pb::option::Kind::Nested(Box::new(text(&request.value)))),
        })
    }
}

#[async_trait::async_trait]
impl ClientApi for Echo {
    /// The text split at commas, one item per part.
    async fn self_(&self, ctx: &CallContext, request: pb::String) -> Result<pb::Vec, StressError> {
        self.saw("self", ctx);
        Ok(pb::Vec {
            items: request
                .string
                .split(',')
                .map(|part| pb::String {
                    string: part.to_owned(),
                })
                .collect(),
        })
    }

    /// Each box back as the parent of a new box, which names it `"received"` in `by_name`
    /// and counts its children in `strings` (key 0).
    async fn r#async(
        &self,
        ctx: &CallContext,
        requests: ApiStream<pb::Box>,
    ) -> Result<ApiStream<pb::Box>, StressError> {
        self.saw("async", ctx);
        Ok(Box::pin(requests.map(|received| {
            let received = received?;
            let count = pb::String {
                string: received.children.len().to_string(),
            };
            Ok(pb::Box {
                children: Vec::new(),
                by_name: HashMap::from([("received".to_owned(), received.clone())]),
                strings: HashMap::from([(0, count)]),
                parent: Some(Box::new(received)),
            })
        })))
    }

    /// A `Deepest` of kind `KIND_TYPE`.
    async fn with_options_(
        &self,
        ctx: &CallContext,
    ) -> Result<pb::outer::middle::inner::deeper::Deepest, StressError> {
        self.saw("with_options", ctx);
        Ok(pb::outer::middle::inner::deeper::Deepest {
            kind: pb::outer::middle::inner::deeper::deepest::Kind::Type.into(),
        })
    }
}

/// Fails every call with `error`. Streaming responses first carry `messages_first`
/// messages (`"before the error <i>"` as the option), then the error; with
/// `messages_first == 0` the call fails before any stream. Client streams are read to
/// their end before failing.
pub struct Failing {
    pub error: StressError,
    pub messages_first: usize,
    calls: AtomicUsize,
}

impl Failing {
    /// Fails at once (streaming calls too, before any stream).
    pub fn new(error: StressError) -> Self {
        Self::after(0, error)
    }

    /// Fails streaming responses after `messages_first` messages.
    pub fn after(messages_first: usize, error: StressError) -> Self {
        Self {
            error,
            messages_first,
            calls: AtomicUsize::new(0),
        }
    }

    /// How many calls reached the implementation.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn fail<T>(&self) -> Result<T, StressError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(self.error.clone())
    }

    fn failing_stream<T: Send + 'static>(
        &self,
        message: impl Fn(String) -> T,
    ) -> Result<ApiStream<T>, StressError> {
        if self.messages_first == 0 {
            return self.fail();
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut items: Vec<Result<T, StressError>> = (0..self.messages_first)
            .map(|i| Ok(message(format!("before the error {i}"))))
            .collect();
        items.push(Err(self.error.clone()));
        Ok(Box::pin(futures_util::stream::iter(items)))
    }
}

fn response_with_text(option: String) -> pb::Response {
    pb::Response {
        option: Some(pb::Option {
            kind: Some(pb::option::Kind::Text(option)),
        }),
        r#box: None,
        vec: None,
    }
}

#[async_trait::async_trait]
impl StressApi for Failing {
    async fn r#type(&self, _: &CallContext, _: pb::Request) -> Result<pb::Response, StressError> {
        self.fail()
    }

    async fn new_(&self, _: &CallContext, _: pb::Request) -> Result<pb::Response, StressError> {
        self.fail()
    }

    async fn clone_(&self, _: &CallContext, _: pb::Request) -> Result<pb::Response, StressError> {
        self.fail()
    }

    async fn connect_(&self, _: &CallContext, _: pb::Request) -> Result<pb::Response, StressError> {
        self.fail()
    }

    /// Fails, with a response entry naming the method (it travels as a trailer).
    async fn ping(&self, ctx: &CallContext) -> Result<(), StressError> {
        ctx.response
            .insert(SERVED_METHOD, "ping")
            .expect("a valid response entry");
        self.fail()
    }

    async fn watch(
        &self,
        _: &CallContext,
        _: pb::Request,
    ) -> Result<ApiStream<pb::Response>, StressError> {
        self.failing_stream(response_with_text)
    }

    async fn upload(
        &self,
        _: &CallContext,
        mut requests: ApiStream<pb::Request>,
    ) -> Result<pb::Response, StressError> {
        while requests.next().await.is_some() {}
        self.fail()
    }

    async fn chat(
        &self,
        _: &CallContext,
        _: ApiStream<pb::Request>,
    ) -> Result<ApiStream<pb::Response>, StressError> {
        self.failing_stream(response_with_text)
    }

    async fn into_list(&self, _: &CallContext, _: pb::Request) -> Result<pb::Vec, StressError> {
        self.fail()
    }

    async fn from_text(&self, _: &CallContext, _: pb::String) -> Result<pb::Request, StressError> {
        self.fail()
    }

    async fn r#match(&self, _: &CallContext, _: pb::Result) -> Result<pb::Option, StressError> {
        self.fail()
    }
}

/// Answers `r#type` with [`echo_reply`]`("slow", request)` after `delay`; the other
/// methods are not used and answer `Unimplemented`.
pub struct Slow {
    pub delay: Duration,
    finished: AtomicBool,
}

impl Slow {
    pub fn new(delay: Duration) -> Self {
        Self {
            delay,
            finished: AtomicBool::new(false),
        }
    }

    /// Whether a call ran to its end (a call the server cancelled did not).
    pub fn finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }
}

fn unused<T>(method: &str) -> Result<T, StressError> {
    Err(StressError::Unimplemented(format!(
        "{method} is not used by the tests"
    )))
}

#[async_trait::async_trait]
impl StressApi for Slow {
    async fn r#type(
        &self,
        _: &CallContext,
        request: pb::Request,
    ) -> Result<pb::Response, StressError> {
        tokio::time::sleep(self.delay).await;
        self.finished.store(true, Ordering::SeqCst);
        Ok(echo_reply("slow", &request))
    }

    async fn new_(&self, _: &CallContext, _: pb::Request) -> Result<pb::Response, StressError> {
        unused("new")
    }

    async fn clone_(&self, _: &CallContext, _: pb::Request) -> Result<pb::Response, StressError> {
        unused("clone")
    }

    async fn connect_(&self, _: &CallContext, _: pb::Request) -> Result<pb::Response, StressError> {
        unused("connect")
    }

    async fn ping(&self, _: &CallContext) -> Result<(), StressError> {
        unused("ping")
    }

    async fn watch(
        &self,
        _: &CallContext,
        _: pb::Request,
    ) -> Result<ApiStream<pb::Response>, StressError> {
        unused("watch")
    }

    async fn upload(
        &self,
        _: &CallContext,
        _: ApiStream<pb::Request>,
    ) -> Result<pb::Response, StressError> {
        unused("upload")
    }

    async fn chat(
        &self,
        _: &CallContext,
        _: ApiStream<pb::Request>,
    ) -> Result<ApiStream<pb::Response>, StressError> {
        unused("chat")
    }

    async fn into_list(&self, _: &CallContext, _: pb::Request) -> Result<pb::Vec, StressError> {
        unused("into_list")
    }

    async fn from_text(&self, _: &CallContext, _: pb::String) -> Result<pb::Request, StressError> {
        unused("from_text")
    }

    async fn r#match(&self, _: &CallContext, _: pb::Result) -> Result<pb::Option, StressError> {
        unused("match")
    }
}
