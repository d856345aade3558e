//! The directory over real gRPC, one suite run against each backend: `memory::*` on the
//! embedded store, `etcd::*` on a real etcd started per test (see `etcd_support`).
//!
//! Auth and validation are judged before the store is reached, but heartbeat/deregister
//! of unknown instances and every accepted write do reach it, so they run on both too.
//! The suite files in `directory_suite/` are included into each backend's module and
//! read the backend from `super::BACKEND`.

mod directory_support;
mod etcd_support;

use directory_support::Backend;

macro_rules! directory_suite {
    ($backend:expr) => {
        pub const BACKEND: Backend = $backend;

        mod auth {
            include!("directory_suite/auth.rs");
        }
        mod liveness {
            include!("directory_suite/liveness.rs");
        }
        mod routing {
            include!("directory_suite/routing.rs");
        }
        mod validation {
            include!("directory_suite/validation.rs");
        }
        mod wire_compat {
            include!("directory_suite/wire_compat.rs");
        }
    };
}

mod memory {
    use super::Backend;
    directory_suite!(Backend::Memory);
}

mod etcd {
    use super::Backend;
    directory_suite!(Backend::Etcd);
}
