//! A module that calls a module, run the three ways the calculator example's host YAMLs
//! give, with the same code: both modules inside the workspace's host binary
//! (`host.local.yaml`), both as their own processes (`host.yaml`), and one of each
//! (`host.mixed.yaml`). Each time, `cargo modgen call` asks the tally for a total, which
//! the tally adds up by calling the calculator through its SDK: through the host's client
//! hub when both are local, over gRPC through the directory (to the calculator's Unix
//! socket, also when it runs in the host's process) otherwise.
//!
//! Slow: the first `cargo modgen run` builds the example's crates and its host binary
//! (dependencies come from the shared target directory); the other two find them built.

mod common;

use std::path::Path;

use common::running::{Running, json, modgen, modgen_ok, stderr};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/calculator");

/// What each layout prints once the module serves: the host says it of a local module,
/// an OoP module's own ready line comes through the host with its name.
fn ready_line(module: &str, local: bool) -> String {
    if local {
        format!("modgen-host: local module '{module}' serving on ")
    } else {
        format!("[{module}] modgen: listening on ")
    }
}

#[test]
fn the_tally_answers_through_the_calculator_local_oop_and_mixed() {
    let example = Path::new(EXAMPLE);
    for (host_yaml, calculator_local, tally_local) in [
        ("host.local.yaml", true, true),
        ("host.yaml", false, false),
        ("host.mixed.yaml", true, false),
    ] {
        let mut run = Running::start_with(example, &["--host-config", host_yaml]);
        let directory = run.wait_for_directory();
        // In the host's process or in their own, both serve on their Unix sockets: in
        // the mixed layout the tally's calls reach the local calculator over its socket.
        for (module, local) in [("calculator", calculator_local), ("tally", tally_local)] {
            let ready = run.wait_for_line(&ready_line(module, local));
            let endpoint = ready.rsplit(' ').next().unwrap_or_default();
            assert!(
                endpoint.starts_with("unix:/") && endpoint.ends_with(&format!("/{module}.sock")),
                "{host_yaml}: {ready}"
            );
        }

        let total = modgen_ok(
            example,
            &[
                "call",
                "--directory",
                &directory,
                "oop.tally.v1.TallyService/Total",
                r#"{"values": [1, 2, 3, 4]}"#,
            ],
        );
        let total = json(&total);
        assert_eq!(
            (&total["total"], &total["additions"]),
            (&"10".into(), &3.into()),
            "{host_yaml}: {total}"
        );

        // The calculator's overflow reaches the tally's caller as the tally's own error.
        let overflow = modgen(
            example,
            &[
                "call",
                "--directory",
                &directory,
                "oop.tally.v1.TallyService/Total",
                &format!(r#"{{"values": ["{}", "1"]}}"#, i64::MAX),
            ],
        );
        assert!(!overflow.status.success(), "{host_yaml}");
        assert!(
            stderr(&overflow).starts_with("error: OUT_OF_RANGE (11): "),
            "{host_yaml}: {}",
            stderr(&overflow)
        );

        let (status, output) = run.terminate();
        assert_eq!(status.code(), Some(0), "{host_yaml}:\n{output}");
    }
}

/// A `type: local` module needs a host binary that links it: one the workspace does not
/// have is refused before anything is built.
#[test]
fn a_local_module_the_host_binary_does_not_link_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let yaml = temp.path().join("host.yaml");
    std::fs::write(
        &yaml,
        "modules:\n  calculator:\n    runtime: { type: local }\n  stranger:\n    runtime: { type: local }\n",
    )
    .unwrap();
    let output = modgen(
        Path::new(EXAMPLE),
        &["run", "--host-config", yaml.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).trim(),
        format!(
            "error: {}: module 'stranger' is `type: local`, but the workspace's host binary \
             `calculator-host` does not link it (it links: calculator, tally); make it \
             `type: oop`, or add the module to this workspace",
            yaml.display()
        )
    );
}
