//! Client helpers that generated SDK clients call into: connecting with retry, the
//! channels behind one service (resolved through the directory, picked round-robin), and
//! unary calls with context, timeouts and retry on `UNAVAILABLE`; [`generated`] holds the
//! per-RPC calls that generated SDK clients make.

mod call;
mod channels;
mod connect;
pub mod generated;
mod options;
pub mod tls;
pub mod unix;

pub use call::{call_once, call_unary};
pub use channels::{DEFAULT_REFRESH_INTERVAL, Picked, ServiceChannels};
pub(crate) use connect::error_chain;
pub use connect::{ConnectError, connect, connect_trusting, endpoint};
pub use options::{ClientOptions, RetryPolicy};
