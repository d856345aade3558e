//! The calls a generated SDK client makes: one function per kind of RPC, generic over the
//! SDK's error type `E` (anything `From<tonic::Status>`), so that the generated
//! `client.rs` holds only what differs per service: its struct, its constructors and one
//! line per method naming the [`Rpc`].
//!
//! Each function does what tonic's own generated client does per call (wait for the
//! channel to be ready, attach [`tonic::GrpcMethod`], encode with prost) inside
//! [`call_unary`] / [`call_once`] (context metadata, deadline, retry). None of them boxes
//! a future: the only box per call is the one `async_trait` puts around the API method.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_util::StreamExt;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic::{GrpcMethod, Status};
use tonic_prost::ProstCodec;

use super::{ServiceChannels, call_once, call_unary};
use crate::context::CallContext;

/// A boxed stream of results: an SDK's `ApiStream<T>` is this with its own error type.
pub type ResultStream<T, E> = Pin<Box<dyn Stream<Item = Result<T, E>> + Send + 'static>>;

/// The names of one RPC, fixed when the SDK is generated: nothing about them is computed
/// or allocated per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rpc {
    service: &'static str,
    method: &'static str,
    path: &'static str,
}

impl Rpc {
    /// `service` is the full proto name (`routeguide.RouteGuide`), `method` the proto
    /// method name (`GetFeature`) and `path` the HTTP/2 path (`/routeguide.RouteGuide/GetFeature`).
    pub const fn new(service: &'static str, method: &'static str, path: &'static str) -> Self {
        Self {
            service,
            method,
            path,
        }
    }

    pub fn path(&self) -> &'static str {
        self.path
    }

    /// Tags `request` the way tonic's generated clients do, for interceptors and layers
    /// that look at which method is called.
    fn tag<T>(&self, request: &mut tonic::Request<T>) {
        request
            .extensions_mut()
            .insert(GrpcMethod::new(self.service, self.method));
    }
}

/// A unary call: retried on `UNAVAILABLE` per the channels' retry policy (see
/// [`call_unary`]).
pub async fn unary<Req, Resp, E>(
    channels: &ServiceChannels,
    ctx: &CallContext,
    rpc: Rpc,
    request: Req,
) -> Result<Resp, E>
where
    Req: prost::Message + Clone + Send + Sync + 'static,
    Resp: prost::Message + Default + Send + Sync + 'static,
    E: From<Status>,
{
    call_unary(channels, ctx, request, |channel, mut request| async move {
        rpc.tag(&mut request);
        let codec = ProstCodec::default();
        ready(channel).await?.unary(request, path(rpc), codec).await
    })
    .await
    .map_err(E::from)
}

/// A server-streaming call: one try; the responses' errors become `E`.
pub async fn server_streaming<Req, Resp, E>(
    channels: &ServiceChannels,
    ctx: &CallContext,
    rpc: Rpc,
    request: Req,
) -> Result<ResultStream<Resp, E>, E>
where
    Req: prost::Message + Send + Sync + 'static,
    Resp: prost::Message + Default + Send + Sync + 'static,
    E: From<Status> + Send + 'static,
{
    let responses = call_once(channels, ctx, request, |channel, mut request| async move {
        rpc.tag(&mut request);
        let codec = ProstCodec::default();
        let mut grpc = ready(channel).await?;
        grpc.server_streaming(request, path(rpc), codec).await
    })
    .await?;
    Ok(from_wire(responses, None))
}

/// A client-streaming call: one try. A request stream that ends with an error ends the
/// call with that error (gRPC cannot send an error from client to server).
pub async fn client_streaming<Req, Resp, E>(
    channels: &ServiceChannels,
    ctx: &CallContext,
    rpc: Rpc,
    requests: ResultStream<Req, E>,
) -> Result<Resp, E>
where
    Req: prost::Message + Send + Sync + 'static,
    Resp: prost::Message + Default + Send + Sync + 'static,
    E: From<Status> + Send + 'static,
{
    let (messages, failure) = outbound(requests);
    let response = call_once(channels, ctx, messages, |channel, mut request| async move {
        rpc.tag(&mut request);
        let codec = ProstCodec::default();
        let mut grpc = ready(channel).await?;
        grpc.client_streaming(request, path(rpc), codec).await
    })
    .await;
    match failure.take() {
        Some(error) => Err(error),
        None => response.map_err(E::from),
    }
}

/// A bidirectional call: one try. The request stream's error, if any, follows the last
/// response.
pub async fn bidi<Req, Resp, E>(
    channels: &ServiceChannels,
    ctx: &CallContext,
    rpc: Rpc,
    requests: ResultStream<Req, E>,
) -> Result<ResultStream<Resp, E>, E>
where
    Req: prost::Message + Send + Sync + 'static,
    Resp: prost::Message + Default + Send + Sync + 'static,
    E: From<Status> + Send + 'static,
{
    let (messages, failure) = outbound(requests);
    let responses = call_once(channels, ctx, messages, |channel, mut request| async move {
        rpc.tag(&mut request);
        let codec = ProstCodec::default();
        ready(channel)
            .await?
            .streaming(request, path(rpc), codec)
            .await
    })
    .await?;
    Ok(from_wire(responses, Some(failure)))
}

/// Parses the static path; `from_static` neither allocates nor copies.
fn path(rpc: Rpc) -> PathAndQuery {
    PathAndQuery::from_static(rpc.path)
}

/// A `Grpc` over `channel`, once the channel can take a request.
async fn ready(channel: Channel) -> Result<tonic::client::Grpc<Channel>, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(format!("service was not ready: {e}")))?;
    Ok(grpc)
}

/// The responses as the API returns them: one box around a named stream, so a received
/// message costs one dynamic call.
fn from_wire<T, E>(wire: tonic::Streaming<T>, failure: Option<Failure<E>>) -> ResultStream<T, E>
where
    T: Send + 'static,
    E: From<Status> + Send + 'static,
{
    Box::pin(Responses {
        wire: Some(wire),
        failure,
    })
}

/// `wire`'s messages with their errors as `E`, then the request stream's error, if the
/// request stream ended with one; then nothing (`wire` is `None` once it has ended).
struct Responses<T, E> {
    wire: Option<tonic::Streaming<T>>,
    failure: Option<Failure<E>>,
}

impl<T, E> Stream for Responses<T, E>
where
    E: From<Status>,
{
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(wire) = self.wire.as_mut() else {
            return Poll::Ready(None);
        };
        match wire.poll_next_unpin(cx) {
            Poll::Ready(Some(item)) => Poll::Ready(Some(item.map_err(E::from))),
            Poll::Ready(None) => {
                self.wire = None;
                let failure = self.failure.take().and_then(|failure| failure.take());
                Poll::Ready(failure.map(Err))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The first error of a request stream, kept for the caller once the stream has ended.
struct Failure<E>(Arc<Mutex<Option<E>>>);

impl<E> Failure<E> {
    fn take(&self) -> Option<E> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The messages of `requests` up to its first error, which the returned `Failure` keeps.
fn outbound<T, E>(requests: ResultStream<T, E>) -> (Outbound<T, E>, Failure<E>) {
    let slot = Arc::new(Mutex::new(None));
    let failure = Failure(slot.clone());
    let messages = Outbound {
        requests: Some(requests),
        failure: slot,
    };
    (messages, failure)
}

/// What the wire sends of a request stream: its messages until the first error, which
/// goes to the caller's `Failure` instead (gRPC cannot send an error to the server).
struct Outbound<T, E> {
    /// `None` once the stream has ended or failed.
    requests: Option<ResultStream<T, E>>,
    failure: Arc<Mutex<Option<E>>>,
}

impl<T, E> Stream for Outbound<T, E> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(requests) = self.requests.as_mut() else {
            return Poll::Ready(None);
        };
        match ready!(requests.as_mut().poll_next(cx)) {
            Some(Ok(message)) => Poll::Ready(Some(message)),
            Some(Err(error)) => {
                *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
                self.requests = None;
                Poll::Ready(None)
            }
            None => {
                self.requests = None;
                Poll::Ready(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tagged_request_names_its_method_as_tonics_clients_do() {
        let rpc = Rpc::new(
            "routeguide.RouteGuide",
            "GetFeature",
            "/routeguide.RouteGuide/GetFeature",
        );
        let mut request = tonic::Request::new(());
        rpc.tag(&mut request);

        let method = request
            .extensions()
            .get::<GrpcMethod>()
            .expect("the GrpcMethod extension");
        assert_eq!(method.service(), "routeguide.RouteGuide");
        assert_eq!(method.method(), "GetFeature");
        assert_eq!(path(rpc).path(), "/routeguide.RouteGuide/GetFeature");
    }
}
