//! The directory: where out-of-process modules register the gRPC services they serve,
//! prove they are alive, and find one another.
//!
//! Wire-compatible with ModKit's `module_orchestrator.v1.directory` service. Layers, from
//! the wire inwards: [`server::DirectoryServer`] (tonic service, auth) over
//! [`registry::Registry`] (validation, round-robin) over a [`store::InstanceStore`]
//! (ownership claims, TTL liveness: in memory, or on etcd leases shared by several hosts
//! with the `etcd` feature). Modules talk to it through
//! [`DirectoryClient`] and keep their entry alive with [`crate::heartbeat`].
//!
//! Status codes the server answers with (clients branch on them):
//! - `INVALID_ARGUMENT`: malformed input; the message starts with the field path, e.g.
//!   `grpc_services[0].endpoint_uri: ...`.
//! - `PERMISSION_DENIED`: a service name under the reserved `modgen.` prefix.
//! - `ALREADY_EXISTS`: the service name (or the instance id) belongs to another module
//!   that still has a live instance.
//! - `NOT_FOUND`: heartbeat/deregister of an instance the directory does not know (register
//!   again), or resolve of a service with no live instance.
//! - `UNAUTHENTICATED`: register/deregister/heartbeat without the run's token.
//! - `UNAVAILABLE`: the store failed (etcd unreachable); retry. Resolve and list keep
//!   answering from the etcd backend's cache meanwhile.

pub mod auth;
pub mod client;
pub mod config;
pub mod error;
pub mod proto;
pub mod registry;
pub mod resolver;
pub mod server;
pub mod store;
mod validate;

pub use auth::{AuthMode, random_token};
pub use client::{DirectoryClient, Registration};
pub use config::{Backend, DirectoryConfig, EtcdSettings};
pub use error::DirectoryError;
pub use proto::InstanceInfo;
pub use registry::Registry;
pub use resolver::{Resolver, StaticResolver};
pub use server::{DirectoryServer, RunningDirectory, serve};

/// Re-exported so `DirectoryClient::connect` and the client helpers fail with one type.
pub use crate::client::ConnectError;
