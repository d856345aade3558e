//! Metadata names only the runtime may set: a caller cannot smuggle an identity (or the
//! credential of someone else) through them.

use super::CREDENTIAL_HEADER;
use crate::context::CALLER_HEADER;

/// Names the server-side guard removes from every request before the implementation
/// sees it (it writes the verified caller back itself).
pub const STRIPPED_ON_ARRIVAL: [&str; 2] = [CREDENTIAL_HEADER, CALLER_HEADER];

pub(crate) fn strip(headers: &mut http::HeaderMap) {
    for name in STRIPPED_ON_ARRIVAL {
        headers.remove(name);
    }
}
