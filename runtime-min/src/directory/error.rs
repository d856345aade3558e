//! What the registry refuses, and the gRPC code each refusal travels as.

use tonic::{Code, Status};

use super::store::StoreError;

/// Service names under this prefix belong to modgen itself.
pub const RESERVED_SERVICE_PREFIX: &str = "modgen.";

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// Malformed input. `field` is the wire path (`grpc_services[1].endpoint_uri`).
    #[error("{field}: {reason}")]
    InvalidArgument { field: String, reason: String },
    #[error("{field}: `{name}` is under the reserved prefix `{RESERVED_SERVICE_PREFIX}`")]
    ReservedName { field: String, name: String },
    #[error(
        "{field}: service `{service}` is served by module `{owner}`; it becomes free when \
         that module's last instance is gone"
    )]
    ServiceOwned {
        field: String,
        service: String,
        owner: String,
    },
    #[error("instance_id: `{instance_id}` is registered by module `{owner}`")]
    InstanceOwned { instance_id: String, owner: String },
    #[error("instance `{instance_id}` of module `{module}` is not registered; register it again")]
    UnknownInstance { module: String, instance_id: String },
    #[error("service_name: no live instance serves `{service}`")]
    NoLiveInstance { service: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DirectoryError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Self::InvalidArgument { .. } => Code::InvalidArgument,
            Self::ReservedName { .. } => Code::PermissionDenied,
            Self::ServiceOwned { .. } | Self::InstanceOwned { .. } => Code::AlreadyExists,
            Self::UnknownInstance { .. } | Self::NoLiveInstance { .. } => Code::NotFound,
            Self::Store(_) => Code::Unavailable,
        }
    }
}

impl From<DirectoryError> for Status {
    fn from(error: DirectoryError) -> Self {
        Status::new(error.code(), error.to_string())
    }
}
