//! `modgen-host [--config host.yaml] [-v]`: runs the directory and the modules of a host
//! YAML until SIGINT/SIGTERM. Exit status: 0 when every module stopped cleanly, 1 when
//! one did not (or the host gave up on one), 2 when the YAML is unusable.
//!
//! It links no module, so every module must be `type: oop`; a workspace's host binary
//! (`<workspace>/host/`, generated) is the same program with the workspace's modules
//! linked in, for `type: local`.

use std::process::ExitCode;

fn main() -> ExitCode {
    modgen_runtime::host::main(Vec::new())
}
