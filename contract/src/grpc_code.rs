//! gRPC status codes as plain data: the core names them in manifests and generated code,
//! the CLI prints them, and none of that needs tonic.

/// A gRPC status code. Names as in the gRPC spec; `tonic_variant` gives tonic's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrpcCode {
    Ok,
    Cancelled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    Unauthenticated,
}

/// Each code with its name in the gRPC spec (`NOT_FOUND`) and its Rust spelling
/// (`tonic::Code::NotFound`), in the order of their numbers (0 to 16).
const TABLE: &[(GrpcCode, &str, &str)] = &[
    (GrpcCode::Ok, "OK", "Ok"),
    (GrpcCode::Cancelled, "CANCELLED", "Cancelled"),
    (GrpcCode::Unknown, "UNKNOWN", "Unknown"),
    (
        GrpcCode::InvalidArgument,
        "INVALID_ARGUMENT",
        "InvalidArgument",
    ),
    (
        GrpcCode::DeadlineExceeded,
        "DEADLINE_EXCEEDED",
        "DeadlineExceeded",
    ),
    (GrpcCode::NotFound, "NOT_FOUND", "NotFound"),
    (GrpcCode::AlreadyExists, "ALREADY_EXISTS", "AlreadyExists"),
    (
        GrpcCode::PermissionDenied,
        "PERMISSION_DENIED",
        "PermissionDenied",
    ),
    (
        GrpcCode::ResourceExhausted,
        "RESOURCE_EXHAUSTED",
        "ResourceExhausted",
    ),
    (
        GrpcCode::FailedPrecondition,
        "FAILED_PRECONDITION",
        "FailedPrecondition",
    ),
    (GrpcCode::Aborted, "ABORTED", "Aborted"),
    (GrpcCode::OutOfRange, "OUT_OF_RANGE", "OutOfRange"),
    (GrpcCode::Unimplemented, "UNIMPLEMENTED", "Unimplemented"),
    (GrpcCode::Internal, "INTERNAL", "Internal"),
    (GrpcCode::Unavailable, "UNAVAILABLE", "Unavailable"),
    (GrpcCode::DataLoss, "DATA_LOSS", "DataLoss"),
    (
        GrpcCode::Unauthenticated,
        "UNAUTHENTICATED",
        "Unauthenticated",
    ),
];

impl GrpcCode {
    /// Parses the spec name (`NOT_FOUND`).
    pub fn from_name(name: &str) -> Option<Self> {
        TABLE
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(c, _, _)| *c)
    }

    /// The code with this number (`5` is `NOT_FOUND`).
    pub fn from_number(number: i32) -> Option<Self> {
        let index = usize::try_from(number).ok()?;
        TABLE.get(index).map(|(code, _, _)| *code)
    }

    /// The code's number on the wire.
    pub fn number(self) -> i32 {
        self as i32
    }

    /// All spec names, for suggestions.
    pub fn names() -> impl Iterator<Item = &'static str> {
        TABLE.iter().map(|(_, n, _)| *n)
    }

    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(c, _, _)| *c == self)
            .map(|(_, n, _)| *n)
            .unwrap_or("UNKNOWN")
    }

    /// The variant of `tonic::Code` (`NotFound`).
    pub fn tonic_variant(self) -> &'static str {
        TABLE
            .iter()
            .find(|(c, _, _)| *c == self)
            .map(|(_, _, v)| *v)
            .unwrap_or("Unknown")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_name_and_number() {
        for name in GrpcCode::names() {
            let code = GrpcCode::from_name(name).unwrap();
            assert_eq!(code.name(), name);
            assert_eq!(GrpcCode::from_number(code.number()), Some(code));
        }
        assert_eq!(GrpcCode::names().count(), 17);
        assert_eq!(GrpcCode::from_name("not_found"), None);
        assert_eq!(GrpcCode::from_number(5), Some(GrpcCode::NotFound));
        assert_eq!(GrpcCode::from_number(17), None);
    }
}
