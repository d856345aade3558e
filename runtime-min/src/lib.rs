//! modgen-runtime: the one runtime crate every modgen module links against.
//!
//! Small on purpose: lifecycle, the directory (server, client, registry), heartbeat,
//! the out-of-process bootstrap, the host that spawns modules, and the client helpers
//! that generated SDKs call into.
