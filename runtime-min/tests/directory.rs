//! The directory over real gRPC, one suite run against each backend: `memory::*` on the
//! embedded store, `etcd::*` on a real etcd started per test (see `etcd_support`).
//!
//! The suite files in `directory_suite/` are included into each backend's module and
//! read the backend from `super::BACKEND`.

mod directory_support;
mod etcd_support;

use directory_support::Backend;

macro_rules! directory_suite {
    ($backend:expr) => {
        pub const BACKEND: Backend = $backend;

        mod liveness {
            include!("directory_suite/liveness.rs");
        }
        mod routing {
            include!("directory_suite/routing.rs");
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
