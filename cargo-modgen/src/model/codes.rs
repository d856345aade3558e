//! gRPC status codes: the one table lives in `modgen-contract`, shared with the CLI.

pub use modgen_contract::grpc_code::GrpcCode;
