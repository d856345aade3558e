//! Error details on the wire, in gRPC's richer error model: `grpc-status-details-bin`
//! carries a `google.rpc.Status` whose details hold an `ErrorInfo` (reason, domain, the
//! variant's fields as strings), the typed detail message, and `RetryInfo` for errors
//! worth retrying. Any gRPC client (grpcurl, Python's grpcio-status, Go's `status`) reads
//! them; the generated `From<Status>`/`Into<Status>` impls call these helpers.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use prost::Message;
use tonic::Status;
use tonic_types::pb;

const TYPE_URL_PREFIX: &str = "type.googleapis.com/";
const ERROR_INFO: &str = "google.rpc.ErrorInfo";
const RETRY_INFO: &str = "google.rpc.RetryInfo";

/// The structured part of an error status. Everything a status carried is kept, so an
/// error the client does not know travels on unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorDetails {
    /// `ErrorInfo.reason` (`OUT_OF_STOCK`); empty when the status has no `ErrorInfo`.
    pub reason: String,
    /// `ErrorInfo.domain`: the service that declared the reason.
    pub domain: String,
    /// `ErrorInfo.metadata`: the variant's fields as strings, by proto field name.
    pub metadata: BTreeMap<String, String>,
    /// `RetryInfo.retry_delay`: how long the server asks the client to wait before trying again.
    pub retry_delay: Option<Duration>,
    /// Every other detail, in order: the typed detail message among them.
    pub other: Vec<Detail>,
}

/// One `google.protobuf.Any` of a status's details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub type_url: String,
    pub value: Vec<u8>,
}

impl ErrorDetails {
    /// Details with an `ErrorInfo` for `reason` in `domain`.
    pub fn new(domain: &str, reason: &str) -> Self {
        Self {
            reason: reason.to_string(),
            domain: domain.to_string(),
            ..Self::default()
        }
    }

    /// Whether the status carried nothing beyond code and message.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Adds a field, as `ErrorInfo` metadata (`key` is the proto field name).
    pub fn with_field(mut self, key: &str, value: impl ToString) -> Self {
        self.metadata.insert(key.to_string(), value.to_string());
        self
    }

    /// Adds the typed detail message `message`, whose proto full name is `full_name`.
    pub fn with_message<M: Message>(mut self, full_name: &str, message: &M) -> Self {
        self.other.push(Detail {
            type_url: format!("{TYPE_URL_PREFIX}{full_name}"),
            value: message.encode_to_vec(),
        });
        self
    }

    /// Asks the client to wait `delay` before trying again (`RetryInfo`).
    pub fn with_retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = Some(delay);
        self
    }

    /// Whether these details are `reason` of `domain`.
    pub fn is(&self, domain: &str, reason: &str) -> bool {
        self.domain == domain && self.reason == reason
    }

    /// The typed detail message named `full_name`, if the status carried one that decodes.
    pub fn message<M: Message + Default>(&self, full_name: &str) -> Option<M> {
        let detail = self
            .other
            .iter()
            .find(|d| d.type_url.rsplit('/').next() == Some(full_name))?;
        M::decode(detail.value.as_slice()).ok()
    }

    /// The field `key` from the `ErrorInfo` metadata, parsed.
    pub fn field<T: FromStr>(&self, key: &str) -> Option<T> {
        self.metadata.get(key)?.parse().ok()
    }

    /// The details of `status` (empty when it has none, or when they do not decode).
    pub fn from_status(status: &Status) -> Self {
        match pb::Status::decode(status.details()) {
            Ok(rpc) if !status.details().is_empty() => Self::from_rpc(rpc),
            _ => Self::default(),
        }
    }

    fn from_rpc(rpc: pb::Status) -> Self {
        let mut details = Self::default();
        for any in rpc.details {
            let name = any.type_url.rsplit('/').next().unwrap_or_default();
            match name {
                ERROR_INFO if details.reason.is_empty() && details.domain.is_empty() => {
                    if let Ok(info) = pb::ErrorInfo::decode(any.value.as_slice()) {
                        details.reason = info.reason;
                        details.domain = info.domain;
                        details.metadata = info.metadata.into_iter().collect();
                        continue;
                    }
                }
                RETRY_INFO if details.retry_delay.is_none() => {
                    let delay = pb::RetryInfo::decode(any.value.as_slice())
                        .ok()
                        .and_then(|info| info.retry_delay)
                        .and_then(|d| Duration::try_from(d).ok());
                    if delay.is_some() {
                        details.retry_delay = delay;
                        continue;
                    }
                }
                _ => {}
            }
            details.other.push(Detail {
                type_url: any.type_url,
                value: any.value,
            });
        }
        details
    }

    /// A status with `code`, `message` and these details (none when they are empty, so a
    /// plain error stays a plain status).
    pub fn into_status(self, code: tonic::Code, message: String) -> Status {
        if self.is_empty() {
            return Status::new(code, message);
        }
        let mut details = Vec::new();
        if !self.reason.is_empty() || !self.domain.is_empty() || !self.metadata.is_empty() {
            let info = pb::ErrorInfo {
                reason: self.reason,
                domain: self.domain,
                metadata: self.metadata.into_iter().collect(),
            };
            details.push(any(ERROR_INFO, &info));
        }
        if let Some(delay) = self.retry_delay {
            let info = pb::RetryInfo {
                retry_delay: prost_types::Duration::try_from(delay).ok(),
            };
            details.push(any(RETRY_INFO, &info));
        }
        details.extend(self.other.into_iter().map(|d| prost_types::Any {
            type_url: d.type_url,
            value: d.value,
        }));
        let rpc = pb::Status {
            code: code as i32,
            message: message.clone(),
            details,
        };
        Status::with_details(code, message, rpc.encode_to_vec().into())
    }
}

fn any<M: Message>(full_name: &str, message: &M) -> prost_types::Any {
    prost_types::Any {
        type_url: format!("{TYPE_URL_PREFIX}{full_name}"),
        value: message.encode_to_vec(),
    }
}

/// The delay a status asks for through `RetryInfo`, for the client's retry policy.
pub fn retry_delay(status: &Status) -> Option<Duration> {
    if status.details().is_empty() {
        return None;
    }
    ErrorDetails::from_status(status).retry_delay
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ErrorDetails {
        ErrorDetails::new("shop.v1.Shop", "OUT_OF_STOCK")
            .with_field("sku", "A-1")
            .with_field("available", 3)
            .with_message("google.rpc.ResourceInfo", &pb::ResourceInfo::default())
            .with_retry_delay(Duration::from_millis(250))
    }

    #[test]
    fn details_survive_a_status_unchanged() {
        let status = full().into_status(tonic::Code::FailedPrecondition, "gone".into());

        assert_eq!(ErrorDetails::from_status(&status), full());
        assert_eq!(status.code(), tonic::Code::FailedPrecondition);
        assert_eq!(status.message(), "gone");
    }

    #[test]
    fn the_status_is_a_standard_google_rpc_status() {
        let status = full().into_status(tonic::Code::FailedPrecondition, "gone".into());

        let rpc = pb::Status::decode(status.details()).unwrap();
        assert_eq!(rpc.code, tonic::Code::FailedPrecondition as i32);
        assert_eq!(rpc.message, "gone");
        let info = pb::ErrorInfo::decode(rpc.details[0].value.as_slice()).unwrap();
        assert_eq!(
            rpc.details[0].type_url,
            "type.googleapis.com/google.rpc.ErrorInfo"
        );
        assert_eq!(info.reason, "OUT_OF_STOCK");
        assert_eq!(info.domain, "shop.v1.Shop");
        assert_eq!(info.metadata["available"], "3");
    }

    #[test]
    fn empty_details_make_a_plain_status() {
        let status = ErrorDetails::default().into_status(tonic::Code::NotFound, "no".into());

        assert!(status.details().is_empty());
        assert!(ErrorDetails::from_status(&status).is_empty());
    }

    #[test]
    fn fields_and_messages_are_read_back_typed() {
        let details = full();

        assert_eq!(details.field::<u32>("available"), Some(3));
        assert_eq!(details.field::<u32>("sku"), None);
        assert!(
            details
                .message::<pb::ResourceInfo>("google.rpc.ResourceInfo")
                .is_some()
        );
        assert!(
            details
                .message::<pb::ResourceInfo>("google.rpc.Help")
                .is_none()
        );
    }

    #[test]
    fn retry_delay_is_read_from_retry_info() {
        let status = full().into_status(tonic::Code::Unavailable, "busy".into());

        assert_eq!(retry_delay(&status), Some(Duration::from_millis(250)));
        assert_eq!(retry_delay(&Status::unavailable("busy")), None);
    }
}
