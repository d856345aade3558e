//! What a generated server adapter calls: turning an API method's result into tonic's
//! response, generic over the SDK's error type `E` (anything `tonic::Status` converts
//! from and to), so that the generated `server.rs` holds only the adapters themselves.
//!
//! The adapter's method is one `async_trait` future (tonic's server trait) awaiting the
//! API method's; nothing here boxes a future, and only a streamed response is boxed as
//! a stream (tonic's server trait names one stream type per method).

use std::pin::Pin;

use futures_core::Stream;
use futures_util::StreamExt;
use tonic::Status;

use crate::client::generated::ResultStream;
use crate::context::CallContext;

/// What tonic's server traits stream back.
pub type StatusStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

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
) -> Result<tonic::Response<StatusStream<T>>, Status>
where
    T: Send + 'static,
    E: Send + 'static,
    Status: From<E>,
{
    reply(
        ctx,
        result.map(|stream| -> StatusStream<T> {
            Box::pin(stream.map(|item| item.map_err(Status::from)))
        }),
    )
}

/// The caller's request stream as the API trait takes it.
pub fn requests<T, E>(requests: tonic::Streaming<T>) -> ResultStream<T, E>
where
    T: Send + 'static,
    E: From<Status> + Send + 'static,
{
    Box::pin(requests.map(|item| item.map_err(E::from)))
}
