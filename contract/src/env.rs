//! Environment variable names a host sets for the modules it spawns and that a module
//! (or `cargo modgen call`) reads. ModKit's names are read too, after modgen's.

/// The module's config as JSON, `{"config": {...}}`, rendered by the host.
pub const MODULE_CONFIG: &str = "MODGEN_MODULE_CONFIG";
/// ModKit's name for [`MODULE_CONFIG`].
pub const MODKIT_MODULE_CONFIG: &str = "MODKIT_MODULE_CONFIG";
/// The directory to register with (`http://127.0.0.1:PORT`).
pub const DIRECTORY_ENDPOINT: &str = "MODGEN_DIRECTORY_ENDPOINT";
/// ModKit's name for [`DIRECTORY_ENDPOINT`].
pub const MODKIT_DIRECTORY_ENDPOINT: &str = "MODKIT_DIRECTORY_ENDPOINT";
/// The per-run token the directory asks for on register, deregister and heartbeat.
pub const DIRECTORY_TOKEN: &str = "MODGEN_DIRECTORY_TOKEN";
/// The instance id to register under (default: a new UUIDv4).
pub const INSTANCE_ID: &str = "MODGEN_INSTANCE_ID";
/// Overrides the manifest's heartbeat interval, e.g. `1s`: a host whose directory runs
/// with a shorter TTL than the default says so here.
pub const HEARTBEAT_INTERVAL: &str = "MODGEN_HEARTBEAT_INTERVAL";

/// Where the directory endpoint is read from, in order of precedence.
pub const DIRECTORY_ENDPOINT_VARS: [&str; 2] = [DIRECTORY_ENDPOINT, MODKIT_DIRECTORY_ENDPOINT];
/// Where the module config is read from, in order of precedence.
pub const MODULE_CONFIG_VARS: [&str; 2] = [MODULE_CONFIG, MODKIT_MODULE_CONFIG];

/// A file holding this module's host-signed caller credential; the host rewrites it
/// before the credential expires, so the module re-reads it (never caches it for good).
pub const IDENTITY_CREDENTIAL_FILE: &str = "MODGEN_IDENTITY_CREDENTIAL_FILE";
/// The public keys (base64url Ed25519, comma-separated) whose credentials this module
/// accepts: its own host's and any other host's that shares the directory.
pub const IDENTITY_TRUSTED_KEYS: &str = "MODGEN_IDENTITY_TRUSTED_KEYS";
/// Who may call this module, as JSON: `{"callers": ["a", "b"], "anonymous": false}`.
pub const ACCESS_POLICY: &str = "MODGEN_ACCESS_POLICY";

/// The PEM certificate chain a module serves TLS with; with [`TLS_KEY_FILE`], the module
/// registers an `https://` endpoint.
pub const TLS_CERTIFICATE_FILE: &str = "MODGEN_TLS_CERTIFICATE_FILE";
/// The PEM private key of [`TLS_CERTIFICATE_FILE`].
pub const TLS_KEY_FILE: &str = "MODGEN_TLS_KEY_FILE";
/// The PEM CA bundle a process trusts for the `https://` endpoints it calls.
pub const TLS_CA_FILE: &str = "MODGEN_TLS_CA_FILE";
/// A file of revoked credentials the guard refuses before they expire; the host adds a
/// module's credentials when it gives up on the module.
pub const IDENTITY_REVOCATIONS_FILE: &str = "MODGEN_IDENTITY_REVOCATIONS_FILE";
/// The Unix domain socket a module started by a host listens on (an absolute path in
/// the host's per-run directory, 0700); the module registers `unix:<path>`. Unset
/// (standalone, or the host's `transport: tcp`): loopback TCP, per `--listen`.
pub const LISTEN_SOCKET: &str = "MODGEN_LISTEN_SOCKET";
