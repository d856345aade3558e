//! The call context: what travels with every call between modules, as gRPC metadata.
//!
//! One request id follows a request through every hop and comes back on the response, so
//! the logs of caller and callee can be joined. The deadline travels as `grpc-timeout`
//! (a relative duration, because the two processes do not share a clock), and each hop
//! turns it back into an `Instant` when the request arrives.

use std::sync::{LazyLock, OnceLock};
use std::time::{Duration, Instant};

use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};

pub use crate::call_metadata::{CallMetadata, MetadataError, ResponseMetadata};
use crate::call_metadata::{is_visible_ascii, visible_ascii};
use crate::identity::CallerCredential;

/// Metadata key of the request id, echoed on responses.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Metadata key of the calling module's name.
pub const CALLER_HEADER: &str = "x-modgen-caller";
/// Metadata key of the W3C trace context, passed through untouched.
pub const TRACEPARENT_HEADER: &str = "traceparent";
/// The gRPC wire header that carries the deadline.
pub const GRPC_TIMEOUT_HEADER: &str = "grpc-timeout";

/// The context's metadata keys, parsed once: a lookup or insert by `&str` parses the
/// name every time, and every call does several of each on both sides.
struct ContextKeys {
    request_id: AsciiMetadataKey,
    caller: AsciiMetadataKey,
    traceparent: AsciiMetadataKey,
    grpc_timeout: AsciiMetadataKey,
}

/// The parsed `grpc-timeout` key, for the client's own deadline header.
pub(crate) fn grpc_timeout_key() -> &'static AsciiMetadataKey {
    &KEYS.grpc_timeout
}

static KEYS: LazyLock<ContextKeys> = LazyLock::new(|| ContextKeys {
    request_id: AsciiMetadataKey::from_static(REQUEST_ID_HEADER),
    caller: AsciiMetadataKey::from_static(CALLER_HEADER),
    traceparent: AsciiMetadataKey::from_static(TRACEPARENT_HEADER),
    grpc_timeout: AsciiMetadataKey::from_static(GRPC_TIMEOUT_HEADER),
});

/// Request id, deadline, caller identity and trace context of one call.
#[derive(Clone, Debug)]
pub struct CallContext {
    /// `x-request-id`; a fresh UUIDv4 when the caller sent none.
    pub request_id: String,
    /// When the caller stops waiting; `None` means no deadline.
    pub deadline: Option<Instant>,
    /// `x-modgen-caller`. Inside a module served by `oop::main` this is the caller's
    /// verified module name (the server's guard replaces whatever the caller wrote), or
    /// `None` for an anonymous call; on the client side, the name this process claims.
    pub caller: Option<String>,
    /// W3C `traceparent`, passed through untouched.
    pub traceparent: Option<String>,
    /// User entries (tenant, locale, an end user's token, ...): sent with every call made
    /// with this context, read back on the server side, so a module that passes its
    /// context on passes them to the next hop.
    pub metadata: CallMetadata,
    /// Entries of the response. Server side: what the implementation sets here goes back
    /// to the caller (as headers, or as trailers with the status of a failed call).
    /// Client side: the runtime's call helpers put the callee's entries here. Clones of
    /// a context share it.
    pub response: ResponseMetadata,
    /// `request_id` as a metadata value, made once per context (or kept as received) and
    /// reused while `request_id` still holds the same text: every call sends the id and
    /// a server echoes it, and each fresh value is a validation and a copy.
    wire_request_id: OnceLock<AsciiMetadataValue>,
}

impl CallContext {
    /// A fresh request id, no deadline, no caller.
    pub fn new() -> Self {
        Self {
            request_id: uuid::Uuid::new_v4().to_string(),
            deadline: None,
            caller: None,
            traceparent: None,
            metadata: CallMetadata::default(),
            response: ResponseMetadata::default(),
            wire_request_id: OnceLock::new(),
        }
    }

    /// Sets the deadline to `timeout` from now (an earlier deadline is replaced too:
    /// the caller asked for this one explicitly).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.deadline = Instant::now().checked_add(timeout);
        self
    }

    pub fn with_caller(mut self, caller: impl Into<String>) -> Self {
        self.caller = Some(caller.into());
        self
    }

    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = request_id.into();
        self
    }

    pub fn with_traceparent(mut self, traceparent: impl Into<String>) -> Self {
        self.traceparent = Some(traceparent.into());
        self
    }

    /// Time left until the deadline (zero once it has passed), `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// True once the deadline has passed.
    pub fn is_expired(&self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }

    /// Client side: a request carrying this context's metadata and, when there is a
    /// deadline, its remaining time as `grpc-timeout`.
    pub fn to_request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        self.inject(request.metadata_mut());
        if let Some(remaining) = self.remaining() {
            request.set_timeout(remaining);
        }
        request
    }

    /// Server side: the context the caller sent, with the deadline taken from
    /// `grpc-timeout` relative to now.
    pub fn from_request<T>(request: &tonic::Request<T>) -> Self {
        Self::from_metadata(request.metadata())
    }

    /// Server side: a response that echoes this context's request id to the caller,
    /// with the response entries the implementation set.
    pub fn to_response<T>(&self, message: T) -> tonic::Response<T> {
        let mut response = tonic::Response::new(message);
        self.echo_request_id(response.metadata_mut());
        response
    }

    /// Server side: puts `x-request-id` and the implementation's response entries on
    /// response metadata (a `Status`'s metadata, for a failed call: trailers). Nothing
    /// else: the caller already has its own deadline and identity.
    pub fn echo_request_id(&self, metadata: &mut MetadataMap) {
        self.response.write_into(metadata);
        self.insert_request_id(metadata);
    }

    /// Puts `x-request-id` on `metadata`: the value made (or received) before when
    /// `request_id` has not changed since, so a context sent on many calls, or a received
    /// id echoed back, costs no new value.
    fn insert_request_id(&self, metadata: &mut MetadataMap) {
        let wire = self.wire_request_id.get_or_init(|| {
            // An id that is not visible ASCII caches an empty value, which never matches.
            visible_ascii(&self.request_id).unwrap_or_else(|| AsciiMetadataValue::from_static(""))
        });
        if wire.as_encoded_bytes() == self.request_id.as_bytes() {
            metadata.insert(&KEYS.request_id, wire.clone());
        } else {
            insert_ascii(metadata, &KEYS.request_id, &self.request_id);
        }
    }

    /// Client side: the message of a finished call, after keeping the entries the
    /// callee sent (headers of a response, trailers of a status) in [`Self::response`].
    pub fn accept_outcome<T>(
        &self,
        outcome: Result<tonic::Response<T>, tonic::Status>,
    ) -> Result<T, tonic::Status> {
        match outcome {
            Ok(response) => {
                self.response.absorb(response.metadata());
                Ok(response.into_inner())
            }
            Err(status) => {
                self.response.absorb(status.metadata());
                Err(status)
            }
        }
    }

    /// Writes the user entries, request id, caller and traceparent into `metadata`, and this process's
    /// caller credential when its host gave it one (the callee trusts the caller name
    /// only through that credential). The deadline is not written here: `grpc-timeout`
    /// belongs to the request (see [`Self::to_request`]).
    pub fn inject(&self, metadata: &mut MetadataMap) {
        self.inject_as(metadata, None);
    }

    /// [`Self::inject`] presenting `credential` (a module's own, bound to the client that
    /// makes the call) rather than the process's.
    pub(crate) fn inject_as(
        &self,
        metadata: &mut MetadataMap,
        credential: Option<&CallerCredential>,
    ) {
        // User entries first: none can have a reserved name, and the runtime's follow.
        self.metadata.write_into(metadata);
        self.insert_request_id(metadata);
        // With a credential the callee learns the caller from it; a claimed name would
        // only be the previous hop's caller when a module passes its context on.
        let presented = crate::identity::present(metadata, credential);
        if let Some(caller) = self.caller.as_ref().filter(|_| !presented) {
            insert_ascii(metadata, &KEYS.caller, caller);
        }
        if let Some(traceparent) = &self.traceparent {
            insert_ascii(metadata, &KEYS.traceparent, traceparent);
        }
    }

    /// Reads the context back from metadata. A missing or unreadable request id gets a
    /// fresh one, so every call can be logged under some id.
    pub fn from_metadata(metadata: &MetadataMap) -> Self {
        // Borrowed until kept: the deadline is parsed in place, only kept text is copied.
        let text = |key: &AsciiMetadataKey| metadata.get(key).and_then(trimmed_text);
        let deadline = text(&KEYS.grpc_timeout)
            .and_then(parse_grpc_timeout)
            .and_then(|timeout| Instant::now().checked_add(timeout));
        let received_value = metadata.get(&KEYS.request_id);
        let received_id = received_value.and_then(trimmed_text);
        // The received value is echoed as it came (no new value), unless trimming changed
        // it or it holds what is never sent (a tab).
        let wire_request_id = received_value
            .zip(received_id)
            .filter(|(value, id)| value.as_encoded_bytes() == id.as_bytes() && is_visible_ascii(id))
            .map(|(value, _)| value.clone())
            .map_or_else(OnceLock::new, OnceLock::from);
        Self {
            request_id: received_id.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned),
            deadline,
            caller: text(&KEYS.caller).map(str::to_owned),
            traceparent: text(&KEYS.traceparent).map(str::to_owned),
            metadata: CallMetadata::from_received(metadata),
            response: ResponseMetadata::default(),
            wire_request_id,
        }
    }
}

impl Default for CallContext {
    fn default() -> Self {
        Self::new()
    }
}

/// The request id a server echoed on a response, if any.
pub fn response_request_id(metadata: &MetadataMap) -> Option<&str> {
    metadata
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
}

/// Parses a `grpc-timeout` value: at most 8 ASCII digits and one unit of
/// `H` (hours), `M` (minutes), `S`, `m` (millis), `u` (micros), `n` (nanos).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    // Checked first so that splitting off the last byte cannot cut a character.
    if !value.is_ascii() {
        return None;
    }
    let unit_at = value.len().checked_sub(1)?;
    let (digits, unit) = value.split_at(unit_at);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    match unit {
        "H" => Some(Duration::from_secs(amount * 3600)),
        "M" => Some(Duration::from_secs(amount * 60)),
        "S" => Some(Duration::from_secs(amount)),
        "m" => Some(Duration::from_millis(amount)),
        "u" => Some(Duration::from_micros(amount)),
        "n" => Some(Duration::from_nanos(amount)),
        _ => None,
    }
}

/// Metadata values must be visible ASCII; a value that is not (a caller name with
/// non-ASCII letters, say) is dropped with a warning rather than failing the call.
/// `MetadataValue` would take bytes >= 0x80 too, but the receiving side cannot read them
/// back as text, so they are refused here.
fn insert_ascii(metadata: &mut MetadataMap, key: &AsciiMetadataKey, value: &str) {
    match visible_ascii(value) {
        Some(parsed) => {
            metadata.insert(key, parsed);
        }
        None => tracing::warn!(
            key = key.as_str(),
            value,
            "metadata value is not visible ASCII; not sent"
        ),
    }
}

/// A received value's text without surrounding blanks; `None` if it is not text or blank.
fn trimmed_text(value: &AsciiMetadataValue) -> Option<&str> {
    value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_units_parse() {
        assert_eq!(parse_grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_grpc_timeout("3M"), Some(Duration::from_secs(180)));
        assert_eq!(parse_grpc_timeout("4S"), Some(Duration::from_secs(4)));
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(
            parse_grpc_timeout("99999999u"),
            Some(Duration::from_micros(99_999_999))
        );
        assert_eq!(parse_grpc_timeout("7n"), Some(Duration::from_nanos(7)));
    }

    #[test]
    fn malformed_grpc_timeout_is_ignored() {
        for bad in ["", "S", "10", "123456789S", "1.5S", "-1S", "10x", "１S"] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod request_id_tests {
    use super::*;

    fn sent_id(ctx: &CallContext) -> Option<String> {
        let request = ctx.to_request(());
        response_request_id(request.metadata()).map(str::to_owned)
    }

    #[test]
    fn a_reused_context_sends_its_current_request_id() {
        let mut ctx = CallContext::new().with_request_id("first");
        assert_eq!(sent_id(&ctx).as_deref(), Some("first"));
        assert_eq!(sent_id(&ctx).as_deref(), Some("first"));
        ctx.request_id = "second".to_owned();
        assert_eq!(sent_id(&ctx).as_deref(), Some("second"));
        // A clone made after the first send sends its own changed id too.
        let mut clone = ctx.clone();
        clone.request_id = "third".to_owned();
        assert_eq!(sent_id(&clone).as_deref(), Some("third"));
        assert_eq!(sent_id(&ctx).as_deref(), Some("second"));
    }

    #[test]
    fn a_request_id_that_is_not_visible_ascii_is_not_sent() {
        let ctx = CallContext::new().with_request_id("grüezi");
        assert_eq!(sent_id(&ctx), None);
        let ctx = CallContext::new().with_request_id("a\tb");
        assert_eq!(sent_id(&ctx), None);
    }

    fn echoed(received: &MetadataMap, change: impl FnOnce(&mut CallContext)) -> Option<String> {
        let mut ctx = CallContext::from_metadata(received);
        change(&mut ctx);
        let response = ctx.to_response(());
        response_request_id(response.metadata()).map(str::to_owned)
    }

    #[test]
    fn the_server_echoes_the_received_id_or_the_one_the_implementation_set() {
        let mut received = MetadataMap::new();
        received.insert(REQUEST_ID_HEADER, "from-caller".parse().unwrap());
        assert_eq!(echoed(&received, |_| {}).as_deref(), Some("from-caller"));
        assert_eq!(
            echoed(&received, |ctx| ctx.request_id = "renamed".to_owned()).as_deref(),
            Some("renamed")
        );
        // Padding is trimmed off what is kept, and the echo is what was kept.
        received.insert(REQUEST_ID_HEADER, " padded ".parse().unwrap());
        assert_eq!(echoed(&received, |_| {}).as_deref(), Some("padded"));
        // A tab reads as text but is never sent: no echo, as for any unsendable id.
        received.insert(REQUEST_ID_HEADER, "a\tb".parse().unwrap());
        assert_eq!(echoed(&received, |_| {}), None);
        // No id received: the fresh one is echoed.
        let fresh = CallContext::from_metadata(&MetadataMap::new());
        let response = fresh.to_response(());
        assert_eq!(
            response_request_id(response.metadata()),
            Some(fresh.request_id.as_str())
        );
    }
}
