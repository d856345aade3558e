//! What a generated server adapter calls: turning an API method's result into tonic's
//! response, generic over the SDK's error type `E` (anything `tonic::Status` converts
//! from and to), so that the generated `server.rs` holds only the adapters themselves.
//!
//! The adapter's method is one `async_trait` future (tonic's server trait) awaiting the
//! API method's; nothing here boxes a future or a stream: a streamed response is the API's
//! own (boxed) stream inside [`StatusStream`], which maps its errors as they pass.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt;
use tonic::Status;

use crate::client::generated::ResultStream;
use crate::context::CallContext;

/// What a generated adapter streams back to tonic (each server-streaming method's
/// associated type): the API's stream, each error turned into a `Status` as it passes.
/// A named type rather than a second box, so a streamed message costs one dynamic call.
pub struct StatusStream<T, E> {
    results: ResultStream<T, E>,
}

impl<T, E> Stream for StatusStream<T, E>
where
    Status: From<E>,
{
    type Item = Result<T, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.results
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(|result| result.map_err(Status::from)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.results.size_hint()
    }
}

/// The response for `result`, echoing the caller's request id either way.
pub fn reply<T, E>(ctx: &CallContext, result: Result<T, E>) -> Result<tonic::Response<T>, Status>
where
    Status: From<E>,
{
    match result {
        Ok(message) => Ok(ctx.to_response(message)),
        Err(error) => {
            let mut status = Status::from(error);
            ctx.echo_request_id(status.metadata_mut());
            Err(status)
        }
    }
}

/// The response for a streaming `result`: each item's error becomes a `Status`.
pub fn reply_stream<T, E>(
    ctx: &CallContext,
    result: Result<ResultStream<T, E>, E>,
) -> Result<tonic::Response<StatusStream<T, E>>, Status>
where
    Status: From<E>,
{
    reply(ctx, result.map(|results| StatusStream { results }))
}

/// The caller's request stream as the API trait takes it.
pub fn requests<T, E>(requests: tonic::Streaming<T>) -> ResultStream<T, E>
where
    T: Send + 'static,
    E: From<Status> + Send + 'static,
{
    Box::pin(requests.map(|item| item.map_err(E::from)))
}
