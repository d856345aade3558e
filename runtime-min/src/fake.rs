//! The machinery behind the fakes generated into each SDK's `testing` module: one
//! [`FakeMethod`] per RPC holds what the test wants answered and records what was asked.
//!
//! A generated fake (`FakeCalculatorClient`) implements the API trait with one public
//! field per RPC, so a test reads `fake.add.returns(sum)` and later
//! `fake.add.requests()`. Answers come from the queue first (in order), then from the
//! closure; with neither, the call fails with `UNIMPLEMENTED` naming the method, so a
//! forgotten answer is a clear failure, not a default value.
//!
//! Streams are answered whole: a server stream is queued as the list of items it yields
//! (each `Ok` or `Err`), and a client stream is recorded as the list of messages the
//! caller sent, once it ends. A bidirectional fake therefore answers after the caller's
//! stream ended; conversations that interleave need a hand-written implementation.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use futures_core::Stream;
use futures_util::StreamExt;

use crate::context::CallContext;

type Answer<Req, Resp, E> = Arc<dyn Fn(&Req) -> Result<Resp, E> + Send + Sync>;

/// One call a fake received: its context and its request (for a client stream, every
/// message sent, in order).
#[derive(Clone, Debug)]
pub struct FakeCall<Req> {
    pub ctx: CallContext,
    pub request: Req,
}

/// The fake of one RPC: queued answers, an answering closure, and the calls received.
pub struct FakeMethod<Req, Resp, E> {
    /// `CalculatorClient::add`, for the message when no answer is set.
    name: &'static str,
    state: Mutex<State<Req, Resp, E>>,
}

struct State<Req, Resp, E> {
    calls: Vec<FakeCall<Req>>,
    queued: VecDeque<Result<Resp, E>>,
    answer: Option<Answer<Req, Resp, E>>,
}

impl<Req, Resp, E> FakeMethod<Req, Resp, E> {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            state: Mutex::new(State {
                calls: Vec::new(),
                queued: VecDeque::new(),
                answer: None,
            }),
        }
    }

    /// Queues a successful answer for one call.
    pub fn returns(&self, response: Resp) -> &Self {
        self.state().queued.push_back(Ok(response));
        self
    }

    /// Queues an error for one call.
    pub fn fails(&self, error: E) -> &Self {
        self.state().queued.push_back(Err(error));
        self
    }

    /// Answers every call the queue does not, from its request.
    pub fn answers_with(
        &self,
        answer: impl Fn(&Req) -> Result<Resp, E> + Send + Sync + 'static,
    ) -> &Self {
        self.state().answer = Some(Arc::new(answer));
        self
    }

    /// How many calls were received.
    pub fn call_count(&self) -> usize {
        self.state().calls.len()
    }

    /// Queued answers not used yet: a test can check it set no more than it meant to.
    pub fn unused_answers(&self) -> usize {
        self.state().queued.len()
    }

    /// What the generated fake calls: records the call, then answers it.
    pub fn answer(&self, ctx: &CallContext, request: Req) -> Result<Resp, E>
    where
        Req: Clone,
        E: From<tonic::Status>,
    {
        let mut state = self.state();
        state.calls.push(FakeCall {
            ctx: ctx.clone(),
            request: request.clone(),
        });
        if let Some(queued) = state.queued.pop_front() {
            return queued;
        }
        let Some(answer) = state.answer.clone() else {
            return Err(tonic::Status::unimplemented(format!(
                "fake {}: no answer set (queue one with `returns`/`fails`, or set `answers_with`)",
                self.name
            ))
            .into());
        };
        // Not under the lock: the closure may inspect this fake.
        drop(state);
        answer(&request)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<Req, Resp, E>> {
        // A test that panicked mid-call leaves nothing half-written worth refusing.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<Req: Clone, Resp, E> FakeMethod<Req, Resp, E> {
    /// Every call received, in order.
    pub fn calls(&self) -> Vec<FakeCall<Req>> {
        self.state().calls.clone()
    }

    /// The request of every call received, in order.
    pub fn requests(&self) -> Vec<Req> {
        self.state()
            .calls
            .iter()
            .map(|call| call.request.clone())
            .collect()
    }
}

impl<Req, Resp, E> std::fmt::Debug for FakeMethod<Req, Resp, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("FakeMethod")
            .field("name", &self.name)
            .field("calls", &state.calls.len())
            .field("queued", &state.queued.len())
            .field("answers_with", &state.answer.is_some())
            .finish()
    }
}

/// A boxed stream, the shape of an SDK's `ApiStream<T>`.
pub type FakeStream<T, E> = Pin<Box<dyn Stream<Item = Result<T, E>> + Send + 'static>>;

/// The stream a server-streaming fake returns: the queued items, in order.
pub fn into_stream<T, E>(items: Vec<Result<T, E>>) -> FakeStream<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    Box::pin(futures_util::stream::iter(items))
}

/// Everything a client-streaming caller sent, once its stream ends; the first error the
/// stream yields ends the call with that error.
pub async fn collect<T, E>(mut requests: FakeStream<T, E>) -> Result<Vec<T>, E> {
    let mut collected = Vec::new();
    while let Some(request) = requests.next().await {
        collected.push(request?);
    }
    Ok(collected)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Method = FakeMethod<u32, String, tonic::Status>;

    #[test]
    fn queued_answers_come_first_in_order_then_the_closure() {
        let method = Method::new("Api::m");
        method
            .returns("one".into())
            .fails(tonic::Status::not_found("two"));
        method.answers_with(|n| Ok(format!("computed {n}")));
        let ctx = CallContext::new();
        assert_eq!(method.answer(&ctx, 1).unwrap(), "one");
        assert_eq!(
            method.answer(&ctx, 2).unwrap_err().code(),
            tonic::Code::NotFound
        );
        assert_eq!(method.answer(&ctx, 3).unwrap(), "computed 3");
        assert_eq!(method.requests(), [1, 2, 3]);
        assert_eq!(method.unused_answers(), 0);
    }

    #[test]
    fn without_an_answer_the_call_is_unimplemented_naming_the_method() {
        let method = Method::new("Api::m");
        let status = method.answer(&CallContext::new(), 7).unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unimplemented);
        assert!(status.message().contains("fake Api::m: no answer set"));
        assert_eq!(method.call_count(), 1, "the call is still recorded");
    }

    #[tokio::test]
    async fn collect_stops_at_the_first_error() {
        let items: Vec<Result<u32, &str>> = vec![Ok(1), Err("broken"), Ok(3)];
        assert_eq!(collect(into_stream(items)).await, Err("broken"));
        let items: Vec<Result<u32, &str>> = vec![Ok(1), Ok(2)];
        assert_eq!(collect(into_stream(items)).await, Ok(vec![1, 2]));
    }
}
