//! The `routeguide` module as its own process (run it under `modgen-host`, see host.yaml).
//! `run` handles the command line, config, serving and the directory; the closure
//! builds the implementation, and may use the handle to reach other modules.

use std::process::ExitCode;
use std::sync::Arc;

use routeguide::Routeguide;

fn main() -> ExitCode {
    routeguide::generated::run(
        |config, _handle| async move { Ok(Arc::new(Routeguide::new(config)?)) },
    )
}
