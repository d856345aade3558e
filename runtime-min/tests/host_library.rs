//! The host as a library (what `cargo modgen run` calls): the outcome it reports.

use std::path::Path;
use std::time::Duration;

use modgen_runtime::host::{self, HostConfig, ModuleEnd};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcome_reports_each_modules_end_in_yaml_order() {
    let yaml = r#"
modules:
  server:
    runtime: { type: oop, execution: { executable_path: /bin/sleep, args: ["60"] } }
  oneshot:
    runtime: { type: oop, execution: { executable_path: /bin/true } }
  broken:
    runtime: { type: oop, execution: { executable_path: /bin/false } }
restart: { max_restarts: 2, initial_backoff: 10ms }
"#;
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    let cancel = CancellationToken::new();
    let running = host::start(config, cancel.clone()).await.unwrap();
    assert!(
        running
            .directory_endpoint()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(running.directory_token().map(str::len), Some(32));

    // Long enough for `oneshot` to finish and `broken` to be given up on, even on a
    // loaded machine; `server` runs until cancelled.
    tokio::time::sleep(Duration::from_secs(2)).await;
    cancel.cancel();
    let outcome = running.wait().await.unwrap();

    let ends: Vec<_> = outcome
        .modules
        .iter()
        .map(|m| (m.module.as_str(), m.starts, &m.end))
        .collect();
    assert!(
        matches!(
            ends[..],
            [
                ("server", 1, ModuleEnd::Stopped { killed: false, .. }),
                ("oneshot", 1, ModuleEnd::Finished),
                ("broken", 2, ModuleEnd::GaveUp { crashes: 2 }),
            ]
        ),
        "{ends:?}"
    );
    assert!(!outcome.is_clean(), "a module was given up on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_disabled_hands_out_no_token() {
    let yaml = "directory: { auth: disabled }\nmodules: {}\n";
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    let cancel = CancellationToken::new();
    let running = host::start(config, cancel.clone()).await.unwrap();
    assert_eq!(running.directory_token(), None);
    cancel.cancel();
    let outcome = running.wait().await.unwrap();
    assert!(outcome.modules.is_empty() && outcome.is_clean());
}
