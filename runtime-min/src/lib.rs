//! modgen-runtime: the one runtime crate every modgen module links against.
//!
//! Small on purpose: lifecycle, the directory (server, client, registry), heartbeat,
//! the out-of-process bootstrap, the host that spawns modules, and the client helpers
//! that generated SDKs call into (`client::generated`, `server::generated`).

pub mod call_metadata;
pub mod client;
pub mod context;
pub mod directory;
pub mod duration;
pub mod errors;
pub mod fake;
pub mod heartbeat;
pub mod host;
pub mod hub;
pub mod identity;
pub mod lifecycle;
pub mod oop;
pub mod server;
pub mod testing;
pub mod tls;
