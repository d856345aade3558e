//! The host YAML: ModKit's shape, our optional sections, and the errors a user sees.

use std::path::{Path, PathBuf};
use std::time::Duration;

use modgen_runtime::directory::Backend;
use modgen_runtime::directory::config::DEFAULT_ETCD_PREFIX;
use modgen_runtime::host::{
    self, ConfigError, DirectoryAuth, DirectoryBackend, HostConfig, HostError, OnGiveUp,
    RuntimeKind,
};
use tokio_util::sync::CancellationToken;

#[test]
fn modkit_shaped_yaml_parses() {
    let yaml = r#"
modules:
  calculator:
    runtime:
      type: oop
      execution:
        executable_path: /opt/modules/calculator
        args: ["-v", "--listen", "127.0.0.1:0"]
        working_directory: /tmp
        environment:
          RUST_LOG: info
          PORT: 8080
          VERBOSE: true
    config:
      max_items: 10
      labels: [a, b]
  accum:
    runtime:
      type: oop
      execution:
        executable_path: /opt/modules/accum
"#;
    let config = HostConfig::from_yaml_str(yaml, Path::new("/etc/modgen/host.yaml")).unwrap();

    let names: Vec<_> = config.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["calculator", "accum"], "file order is start order");
    let calculator = &config.modules[0];
    assert_eq!(calculator.runtime.kind, RuntimeKind::Oop);
    let execution = &calculator.runtime.execution;
    assert_eq!(
        execution.executable_path,
        PathBuf::from("/opt/modules/calculator")
    );
    assert_eq!(execution.args, ["-v", "--listen", "127.0.0.1:0"]);
    assert_eq!(execution.working_directory, Some(PathBuf::from("/tmp")));
    assert_eq!(execution.environment["RUST_LOG"], "info");
    assert_eq!(execution.environment["PORT"], "8080");
    assert_eq!(execution.environment["VERBOSE"], "true");
    assert_eq!(
        calculator.config,
        Some(serde_json::json!({ "max_items": 10, "labels": ["a", "b"] }))
    );
    assert_eq!(config.modules[1].config, None);
    assert!(config.modules[1].runtime.execution.args.is_empty());

    // The sections of ours are optional, with the documented defaults.
    assert_eq!(config.directory.listen.to_string(), "127.0.0.1:0");
    assert_eq!(config.directory.heartbeat_interval, Duration::from_secs(5));
    assert_eq!(config.directory.ttl, Duration::from_secs(15));
    assert_eq!(config.directory.auth, DirectoryAuth::Token);
    assert_eq!(config.restart.max_restarts, 5);
    assert_eq!(config.restart.window, Duration::from_secs(60));
    assert_eq!(config.restart.initial_backoff, Duration::from_millis(200));
    assert_eq!(config.restart.max_backoff, Duration::from_secs(10));
    assert_eq!(config.restart.on_give_up, OnGiveUp::Continue);
    assert_eq!(config.shutdown.grace_period, Duration::from_secs(10));
}

#[test]
fn our_sections_override_the_defaults() {
    let yaml = r#"
directory:
  listen: 127.0.0.1:7700
  heartbeat_interval: 1s
  ttl: 3500ms
  auth: disabled
modules: {}
restart: { max_restarts: 2, window: 1m30s, initial_backoff: 50ms, max_backoff: 2s, on_give_up: exit }
shutdown: { grace_period: 3s }
"#;
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    assert_eq!(config.directory.listen.port(), 7700);
    assert_eq!(config.directory.heartbeat_interval, Duration::from_secs(1));
    assert_eq!(config.directory.ttl, Duration::from_millis(3500));
    assert_eq!(config.directory.auth, DirectoryAuth::Disabled);
    assert!(config.modules.is_empty());
    assert_eq!(config.restart.max_restarts, 2);
    assert_eq!(config.restart.window, Duration::from_secs(90));
    assert_eq!(config.restart.initial_backoff, Duration::from_millis(50));
    assert_eq!(config.restart.on_give_up, OnGiveUp::Exit);
    assert_eq!(config.shutdown.grace_period, Duration::from_secs(3));
}

#[test]
fn tilde_in_paths_expands_to_home() {
    let home = PathBuf::from(std::env::var_os("HOME").expect("tests run with HOME set"));
    let yaml = r#"
modules:
  calculator:
    runtime:
      type: oop
      execution:
        executable_path: ~/bin/calculator
        working_directory: "~"
"#;
    let config = HostConfig::from_yaml_str(yaml, Path::new("/etc/modgen/host.yaml")).unwrap();
    let execution = &config.modules[0].runtime.execution;
    assert_eq!(execution.executable_path, home.join("bin/calculator"));
    // Quoted: a bare `~` is YAML's null.
    assert_eq!(execution.working_directory, Some(home));
}

#[test]
fn relative_paths_resolve_against_the_yaml_files_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("host.yaml");
    std::fs::write(
        &file,
        r#"
modules:
  calculator:
    runtime:
      type: oop
      execution:
        executable_path: ../target/debug/calculator
        working_directory: ./
"#,
    )
    .unwrap();
    let config = HostConfig::from_yaml_file(&file).unwrap();
    let execution = &config.modules[0].runtime.execution;
    assert_eq!(
        execution.executable_path,
        dir.path().join("../target/debug/calculator")
    );
    assert_eq!(execution.working_directory, Some(dir.path().join("./")));
}

#[test]
fn unknown_key_is_an_error_with_its_line_and_column() {
    let yaml = "modules:
  calculator:
    runtime:
      type: oop
      execution:
        executable_path: /bin/true
        enviroment: { RUST_LOG: info }
";
    let error = HostConfig::from_yaml_str(yaml, Path::new("conf/host.yaml")).unwrap_err();
    let ConfigError::Parse { line, column, .. } = &error else {
        panic!("expected a parse error, got {error:?}");
    };
    assert_eq!((*line, *column), (Some(7), Some(9)));
    let message = error.to_string();
    assert!(message.starts_with("conf/host.yaml:7:9: "), "{message}");
    assert!(message.contains("unknown field `enviroment`"), "{message}");
    assert!(
        message.contains("environment"),
        "names the expected keys: {message}"
    );
}

#[test]
fn unknown_top_level_section_is_an_error() {
    let error =
        HostConfig::from_yaml_str("modules: {}\nserver: { port: 1 }\n", Path::new("h.yaml"))
            .unwrap_err()
            .to_string();
    assert!(error.starts_with("h.yaml:2:1: "), "{error}");
    assert!(error.contains("unknown field `server`"), "{error}");
}

#[test]
fn an_unknown_runtime_type_is_refused_naming_both_kinds() {
    let yaml = "modules:
  calculator:
    runtime:
      type: wasm
      execution:
        executable_path: /bin/true
";
    let error = HostConfig::from_yaml_str(yaml, Path::new("host.yaml"))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("host.yaml:4:"), "{error}");
    assert!(error.contains("modules.calculator.runtime: "), "{error}");
    assert!(
        error.contains("runtime type `wasm` is not supported: use `oop`"),
        "{error}"
    );
    assert!(error.contains("or `local`"), "{error}");
}

#[test]
fn a_local_module_needs_no_execution_but_an_oop_one_does() {
    let local = "modules:\n  calc:\n    runtime: { type: local }\n";
    let config = HostConfig::from_yaml_str(local, Path::new("host.yaml")).unwrap();
    assert_eq!(config.modules[0].runtime.kind, RuntimeKind::Local);

    let oop = "modules:\n  calc:\n    runtime: { type: oop }\n";
    let error = HostConfig::from_yaml_str(oop, Path::new("host.yaml"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "host.yaml: module 'calc': `type: oop` needs `runtime.execution.executable_path`"
    );
}

#[test]
fn durations_need_a_unit() {
    let error = HostConfig::from_yaml_str("shutdown: { grace_period: 10 }\n", Path::new("h.yaml"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("shutdown.grace_period"), "{error}");
}

#[test]
fn duplicate_module_names_are_refused() {
    let yaml = "modules:
  a: { runtime: { type: oop, execution: { executable_path: /bin/true } } }
  a: { runtime: { type: oop, execution: { executable_path: /bin/true } } }
";
    let error = HostConfig::from_yaml_str(yaml, Path::new("h.yaml"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("module `a` appears twice"), "{error}");
}

#[tokio::test]
async fn missing_executable_is_reported_naming_the_module_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a program").unwrap();
    let yaml = format!(
        "modules:
  present:
    runtime: {{ type: oop, execution: {{ executable_path: /bin/sh }} }}
  calculator:
    runtime: {{ type: oop, execution: {{ executable_path: /nonexistent/bin/calculator }} }}
  notes:
    runtime: {{ type: oop, execution: {{ executable_path: {} }} }}
",
        notes.display()
    );
    let config = HostConfig::from_yaml_str(&yaml, Path::new("host.yaml")).unwrap();
    let error = host::run(config, CancellationToken::new())
        .await
        .unwrap_err();
    let HostError::Launch(problems) = &error else {
        panic!("expected a launch error, got {error:?}");
    };
    let named: Vec<_> = problems
        .iter()
        .map(|p| (p.module.as_str(), p.path.clone(), p.problem.as_str()))
        .collect();
    assert_eq!(
        named,
        [
            (
                "calculator",
                PathBuf::from("/nonexistent/bin/calculator"),
                "executable not found"
            ),
            (
                "notes",
                notes.clone(),
                "executable has no execute permission"
            ),
        ]
    );
    assert_eq!(
        error.to_string(),
        format!(
            "module 'calculator': executable not found: /nonexistent/bin/calculator\n\
             module 'notes': executable has no execute permission: {}",
            notes.display()
        )
    );
}

#[test]
fn etcd_backend_takes_endpoints_and_prefix() {
    let yaml = r#"
directory:
  backend: etcd
  endpoints: [http://127.0.0.1:2379, http://127.0.0.1:22379]
  prefix: /prod/directory/
"#;
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    assert_eq!(config.directory.backend, DirectoryBackend::Etcd);
    let Backend::Etcd(etcd) = config.directory.backend().unwrap() else {
        panic!("etcd backend expected");
    };
    assert_eq!(
        etcd.endpoints,
        ["http://127.0.0.1:2379", "http://127.0.0.1:22379"]
    );
    assert_eq!(etcd.prefix, "/prod/directory/");
}

#[test]
fn etcd_backend_without_a_prefix_uses_the_default_one() {
    let yaml = "directory: { backend: etcd, endpoints: [http://127.0.0.1:2379] }\n";
    let config = HostConfig::from_yaml_str(yaml, Path::new("host.yaml")).unwrap();
    let Backend::Etcd(etcd) = config.directory.backend().unwrap() else {
        panic!("etcd backend expected");
    };
    assert_eq!(etcd.prefix, DEFAULT_ETCD_PREFIX);
}

#[test]
fn etcd_backend_without_endpoints_is_refused_at_the_backend_line() {
    let yaml = "modules: {}\ndirectory:\n  backend: etcd\n";
    let error = HostConfig::from_yaml_str(yaml, Path::new("host.yaml"))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("host.yaml:3:3: "), "{error}");
    assert!(error.contains("needs `endpoints`"), "{error}");
}

#[test]
fn endpoints_without_the_etcd_backend_are_refused() {
    let yaml = "directory:\n  endpoints: [http://127.0.0.1:2379]\n";
    let error = HostConfig::from_yaml_str(yaml, Path::new("host.yaml"))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("host.yaml:2:3: "), "{error}");
    assert!(error.contains("only used with `backend: etcd`"), "{error}");
}

#[test]
fn an_unknown_backend_is_a_parse_error_with_its_position() {
    let yaml = "directory:\n  backend: zookeeper\n";
    let error = HostConfig::from_yaml_str(yaml, Path::new("host.yaml"))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("host.yaml:2:"), "{error}");
    assert!(error.contains("zookeeper"), "{error}");
}

#[test]
fn identity_and_access_sections_parse_and_a_misspelt_access_key_is_located() {
    let yaml = "identity:
  signing_key_file: keys/host.key
  credential_ttl: 2m
  trusted_keys: [abc]
modules:
  billing:
    runtime: { type: oop, execution: { executable_path: /bin/true } }
    access: { callers: [orders], anonymous: true }
  orders:
    runtime: { type: oop, execution: { executable_path: /bin/true } }
";
    let config = HostConfig::from_yaml_str(yaml, Path::new("/etc/modgen/host.yaml")).unwrap();
    assert!(config.identity.enabled, "on unless switched off");
    assert_eq!(
        config.identity.signing_key_file,
        Some(PathBuf::from("/etc/modgen/keys/host.key"))
    );
    assert_eq!(config.identity.credential_ttl, Duration::from_secs(120));
    assert_eq!(config.identity.trusted_keys, ["abc"]);
    let access = config.modules[0].access.as_ref().unwrap();
    assert_eq!(access.callers.as_deref(), Some(&["orders".to_owned()][..]));
    assert!(access.anonymous);
    assert_eq!(config.modules[1].access, None);

    let typo = "modules:
  billing:
    runtime: { type: oop, execution: { executable_path: /bin/true } }
    access: { caller: [orders] }
";
    let message = HostConfig::from_yaml_str(typo, Path::new("host.yaml"))
        .unwrap_err()
        .to_string();
    assert!(message.starts_with("host.yaml:4:"), "{message}");
    assert!(message.contains("unknown field `caller`"), "{message}");
}
