//! The `{{ module_name }}` module as its own process (run it under `modgen-host`, see host.yaml).
//! `run` handles the command line, config, serving and the directory; `build` (lib.rs)
//! builds the implementation.

use std::process::ExitCode;

fn main() -> ExitCode {
    {{ lib }}::generated::run({{ lib }}::build)
}
