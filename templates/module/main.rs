//! The `{{ module_name }}` module as its own process (run it under `modgen-host`, see host.yaml).
//! `run` handles the command line, config, serving and the directory; the closure builds
//! the implementation, and may use the handle to reach other modules.

use std::process::ExitCode;
use std::sync::Arc;

use {{ lib }}::{{ service_struct }};

fn main() -> ExitCode {
    {{ lib }}::generated::run(|config, _handle| async move {
        Ok(Arc::new({{ service_struct }}::new(config)))
    })
}
