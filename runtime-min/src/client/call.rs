mod shared_timer;

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use tonic::metadata::AsciiMetadataValue;
use tonic::transport::Channel;
use tonic::{Code, Status};

use super::{Picked, ServiceChannels};
use crate::context::{self, CallContext};
use crate::errors;
use crate::identity::CallerCredential;

/// A unary call with the context's metadata, the sooner of the context deadline and
/// `call_timeout`, and retry with backoff on `UNAVAILABLE`, each try on the next
/// instance. An error whose status carries `RetryInfo` (a retryable declared error) is
/// retried too, after the delay it asks for. Other errors are returned at once: the server
/// may have acted on the request. No try starts, and no backoff sleeps, past the deadline.
/// The request is cloned only for tries that a later try could follow; the last try (the
/// only one, under [`RetryPolicy::never`](super::RetryPolicy::never)) sends it without a
/// copy.
pub async fn call_unary<Req, Resp, F, Fut>(
    channels: &ServiceChannels,
    ctx: &CallContext,
    request: Req,
    mut call: F,
) -> Result<Resp, Status>
where
    Req: Clone + Send + 'static,
    F: FnMut(Channel, tonic::Request<Req>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<Resp>, Status>>,
{
    let service = channels.service_name();
    let deadline = effective_deadline(ctx, channels.options().call_timeout);
    let retry = &channels.options().retry;
    let attempts = retry.attempts();
    let mut request = Some(request);
    let mut attempt = 1;
    // One await of `try_unary` for every try, so the call's future holds one try's state,
    // not one per place a try is made.
    loop {
        let message = if attempt < attempts {
            request.clone()
        } else {
            request.take()
        };
        let message = message.expect("the request is kept until the last try");
        let (status, asked_delay) =
            match try_unary(channels, ctx, deadline, message, &mut call).await {
                Ok(response) => return Ok(response),
                Err(Try::Final(status)) => return Err(status),
                Err(Try::Unavailable(status)) => (status, None),
                Err(Try::RetryAfter(status, delay)) => (status, Some(delay)),
            };
        if attempt < attempts {
            let wait = asked_delay.unwrap_or_else(|| retry.backoff(attempt));
            if deadline.is_none_or(|deadline| Instant::now() + wait < deadline) {
                tracing::debug!(service, attempt, ?wait, status = %status.message(), "retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
        }
        return Err(match asked_delay {
            // The server's own error, as it sent it: the caller decodes its variant.
            Some(_) => status,
            None => gave_up(service, attempt, &status),
        });
    }
}

/// Why one try of a unary call failed.
enum Try {
    /// `UNAVAILABLE`: nothing reached a server that acted on it; another try may do.
    Unavailable(Status),
    /// The server's error asks to be retried after a delay (`RetryInfo`).
    RetryAfter(Status, Duration),
    /// Any other failure, returned to the caller as it is.
    Final(Status),
}

/// One try of a unary call, its failure sorted for the retry loop.
async fn try_unary<Req, Resp, F, Fut>(
    channels: &ServiceChannels,
    ctx: &CallContext,
    deadline: Option<Instant>,
    message: Req,
    call: &mut F,
) -> Result<Resp, Try>
where
    F: FnMut(Channel, tonic::Request<Req>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<Resp>, Status>>,
{
    let credential = channels.caller_credential();
    let request = |remaining| build_request(ctx, message, remaining, credential);
    try_once(channels, ctx, deadline, request, call)
        .await
        .map_err(
            |status| match (status.code(), errors::retry_delay(&status)) {
                (Code::Unavailable, _) => Try::Unavailable(status),
                (_, Some(delay)) => Try::RetryAfter(status, delay),
                (_, None) => Try::Final(status),
            },
        )
}

/// One try, for streaming calls (a stream cannot be replayed). The context deadline bounds
/// the whole call (`grpc-timeout`); `call_timeout` bounds only the wait for the response,
/// so a long-lived stream is not cut by a limit meant for unary calls.
pub async fn call_once<Req, Resp, F, Fut>(
    channels: &ServiceChannels,
    ctx: &CallContext,
    request: Req,
    call: F,
) -> Result<Resp, Status>
where
    F: FnOnce(Channel, tonic::Request<Req>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<Resp>, Status>>,
{
    let response_deadline = effective_deadline(ctx, channels.options().call_timeout);
    let credential = channels.caller_credential();
    let request = |_| build_request(ctx, request, ctx.remaining(), credential);
    try_once(channels, ctx, response_deadline, request, call).await
}

/// Picks an instance within `deadline`, sends the request `make_request` builds (given
/// the time left), bounded by `deadline`, and forgets the instance when it turned out to
/// be unavailable. The response's headers and trailers reach the caller through `ctx`.
async fn try_once<Req, Resp, F, Fut>(
    channels: &ServiceChannels,
    ctx: &CallContext,
    deadline: Option<Instant>,
    make_request: impl FnOnce(Option<Duration>) -> tonic::Request<Req>,
    call: F,
) -> Result<Resp, Status>
where
    F: FnOnce(Channel, tonic::Request<Req>) -> Fut,
    Fut: Future<Output = Result<tonic::Response<Resp>, Status>>,
{
    let (picked, bound) = pick_within(channels, deadline).await?;
    let request = make_request(bound.map(|bound| bound.remaining));
    let endpoint = picked.endpoint;
    let outcome = bounded(
        bound,
        || call(picked.channel, request),
        channels.service_name(),
    )
    .await;
    let outcome = ctx.accept_outcome(outcome);
    if let Err(status) = &outcome
        && status.code() == Code::Unavailable
    {
        channels.report_unavailable(&endpoint);
    }
    outcome
}

/// The instance for one try, and what is left of the deadline for the call itself. An
/// instance known without resolving is taken at once; resolving is a network call too,
/// so the deadline bounds it as well. A deadline that has passed is `DEADLINE_EXCEEDED`.
async fn pick_within(
    channels: &ServiceChannels,
    deadline: Option<Instant>,
) -> Result<(Picked, Option<Bound>), Status> {
    let service = channels.service_name();
    let bound = time_left(deadline, service)?;
    if let Some(picked) = channels.pick_known() {
        return Ok((picked, bound));
    }
    let picked = bounded(bound, || channels.pick_resolving(), service).await?;
    Ok((picked, time_left(deadline, service)?))
}

fn effective_deadline(ctx: &CallContext, call_timeout: Option<Duration>) -> Option<Instant> {
    let from_timeout = call_timeout.and_then(|timeout| Instant::now().checked_add(timeout));
    match (ctx.deadline, from_timeout) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A deadline and the time left before it, read once per step of a call: the same
/// reading bounds the step and goes out as its `grpc-timeout`.
#[derive(Clone, Copy)]
struct Bound {
    deadline: Instant,
    remaining: Duration,
}

/// `None` means no deadline; an expired deadline is `DEADLINE_EXCEEDED` before any I/O.
fn time_left(deadline: Option<Instant>, service: &str) -> Result<Option<Bound>, Status> {
    let Some(deadline) = deadline else {
        return Ok(None);
    };
    match deadline.saturating_duration_since(Instant::now()) {
        Duration::ZERO => Err(deadline_exceeded(service)),
        remaining => Ok(Some(Bound {
            deadline,
            remaining,
        })),
    }
}

fn build_request<Req>(
    ctx: &CallContext,
    message: Req,
    remaining: Option<Duration>,
    credential: Option<&CallerCredential>,
) -> tonic::Request<Req> {
    let mut request = tonic::Request::new(message);
    ctx.inject_as(request.metadata_mut(), credential);
    attach_deadline(&mut request, remaining);
    request
}

/// The server enforces grpc-timeout too, so it stops working on a call nobody waits for.
fn attach_deadline<Req>(request: &mut tonic::Request<Req>, remaining: Option<Duration>) {
    match remaining {
        Some(far) if far >= shared_timer::SHARED_FROM => {
            let value = far_grpc_timeout(far);
            request
                .metadata_mut()
                .insert(context::grpc_timeout_key(), value);
        }
        Some(near) => request.set_timeout(near),
        None => {}
    }
}

/// `grpc-timeout` for a far deadline, rounded up to the shared timer's slot as the
/// client's own bound is: so the value repeats from call to call (30 s of call timeout is
/// `30000m` every first try), is formatted once per thread, and HPACK sends it as an index
/// instead of a new literal per call.
fn far_grpc_timeout(remaining: Duration) -> AsciiMetadataValue {
    thread_local! {
        static LAST: RefCell<Option<(u128, AsciiMetadataValue)>> = const { RefCell::new(None) };
    }
    let millis = shared_timer::round_up(remaining).as_millis();
    LAST.with_borrow_mut(|last| match last {
        Some((cached, value)) if *cached == millis => value.clone(),
        _ => {
            // grpc-timeout allows 8 digits: milliseconds up to ~27 h, then seconds.
            let text = if millis <= 99_999_999 {
                format!("{millis}m")
            } else {
                format!("{}S", millis.div_ceil(1000).min(99_999_999))
            };
            let value = AsciiMetadataValue::try_from(text).expect("digits and a unit");
            *last = Some((millis, value.clone()));
            value
        }
    })
}

/// The client enforces the deadline itself as well: a server that ignores
/// `grpc-timeout` (or a connect that hangs) must not hold the caller past it. A deadline
/// at least [`shared_timer::SHARED_FROM`] away (the default 30 s call timeout) shares a
/// timer with the other calls of its 100 ms slot and may end the call up to that much
/// late; a nearer one gets a timer of its own.
///
/// The call's future is made here, by `start`, rather than passed in: a future passed to
/// an async fn is kept twice in its state (the argument and the value awaited), and the
/// call's future is the largest part of a unary call's state.
async fn bounded<T, Fut>(
    bound: Option<Bound>,
    start: impl FnOnce() -> Fut,
    service: &str,
) -> Result<T, Status>
where
    Fut: Future<Output = Result<T, Status>>,
{
    let Some(Bound {
        deadline,
        remaining,
    }) = bound
    else {
        return start().await;
    };
    let outcome = if remaining >= shared_timer::SHARED_FROM {
        let mut call = pin!(start());
        let mut expiry = pin!(shared_timer::expired(deadline));
        // `call` is polled first, so a call that is done when the deadline passes still
        // counts.
        poll_fn(|cx| match call.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending => expiry.as_mut().poll(cx).map(|()| None),
        })
        .await
    } else {
        tokio::time::timeout(remaining, start()).await.ok()
    };
    match outcome {
        None => Err(deadline_exceeded(service)),
        // tonic's server answers an expired `grpc-timeout` with CANCELLED ("Timeout
        // expired"), and its timer can beat ours by a hair. The caller asked for a
        // deadline, so it gets the code the gRPC spec gives that case.
        Some(Err(status))
            if status.code() == Code::Cancelled
                && Instant::now() + SERVER_TIMER_SLACK >= deadline =>
        {
            Err(deadline_exceeded(service))
        }
        Some(result) => result,
    }
}

/// How early the server's deadline timer may fire compared with ours: it rounds
/// `grpc-timeout` and starts its clock a network hop later, so this only has to cover
/// scheduling jitter.
const SERVER_TIMER_SLACK: Duration = Duration::from_millis(50);

fn deadline_exceeded(service: &str) -> Status {
    Status::deadline_exceeded(format!("call to service '{service}' exceeded its deadline"))
}

fn gave_up(service: &str, attempts: u32, last: &Status) -> Status {
    Status::unavailable(format!(
        "service '{service}' unavailable after {attempts} attempt(s): {}",
        last.message()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{GRPC_TIMEOUT_HEADER, parse_grpc_timeout};

    fn sent_timeout(remaining: Duration) -> Duration {
        let mut request = tonic::Request::new(());
        attach_deadline(&mut request, Some(remaining));
        let value = request
            .metadata()
            .get(GRPC_TIMEOUT_HEADER)
            .expect("grpc-timeout");
        parse_grpc_timeout(value.to_str().unwrap()).expect("a valid grpc-timeout")
    }

    #[test]
    fn a_far_deadline_goes_out_rounded_up_to_the_slot_and_repeats() {
        let almost_30_s = Duration::from_secs(30) - Duration::from_micros(37);
        assert_eq!(sent_timeout(almost_30_s), Duration::from_secs(30));
        assert_eq!(
            sent_timeout(almost_30_s - Duration::from_micros(5)),
            Duration::from_secs(30)
        );
        assert_eq!(
            sent_timeout(Duration::from_millis(1_250)),
            Duration::from_millis(1_300)
        );
    }

    #[test]
    fn a_near_deadline_goes_out_as_it_is() {
        let near = Duration::from_micros(250_123);
        assert_eq!(sent_timeout(near), near);
    }

    #[test]
    fn a_deadline_beyond_eight_digits_of_millis_goes_out_in_seconds() {
        let days = Duration::from_secs(3 * 24 * 3600) + Duration::from_millis(1);
        assert_eq!(sent_timeout(days), Duration::from_secs(3 * 24 * 3600 + 1));
    }
}
