//! The fixture's configuration handling, through the real binary: refusals name the key
//! path and exit 2 before anything is bound; `--print-config` shows the merged result.

mod oop_fixture;

use std::net::TcpListener;

const BAD_DELAY: &str = r#"{"config": {"limits": {"max_delay_ms": 90000}}}"#;

#[tokio::test]
async fn a_config_that_breaks_a_rule_exits_2_naming_the_key_path_before_binding_or_connecting() {
    // Both would fail with exit 1 if tried before the config was checked: the listen
    // address is taken, and nothing answers at the directory address.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let nothing_there = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut command = oop_fixture::command();
    command
        .env("MODGEN_MODULE_CONFIG", BAD_DELAY)
        .args(["--listen", &taken.local_addr().unwrap().to_string()])
        .args(["--directory", &format!("http://{nothing_there}")]);

    let output = oop_fixture::run(command).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "echo: config error: limits.max_delay_ms: must be <= 60000 (got 90000)"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn an_unknown_key_in_the_config_file_is_refused_with_its_path_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.yaml");
    std::fs::write(&path, "label: a\nlimits:\n  max_dealy_ms: 5\n").unwrap();
    let mut command = oop_fixture::command();
    command.arg("--config").arg(&path);

    let output = oop_fixture::run(command).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(
        stderr.contains("limits.max_dealy_ms: unknown field `max_dealy_ms`"),
        "stderr:\n{stderr}"
    );
    assert!(
        stderr.contains(&path.display().to_string()),
        "names the file:\n{stderr}"
    );
}

#[tokio::test]
async fn a_value_of_the_wrong_type_names_the_key_and_the_variable() {
    let mut command = oop_fixture::command();
    command.env("MODKIT_MODULE_CONFIG", r#"{"config": {"label": 7}}"#);

    let output = oop_fixture::run(command).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(
        stderr.contains("label: invalid type: integer `7`"),
        "stderr:\n{stderr}"
    );
    assert!(stderr.contains("MODKIT_MODULE_CONFIG"), "stderr:\n{stderr}");
}

#[tokio::test]
async fn print_config_shows_defaults_then_file_then_environment_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.json");
    std::fs::write(
        &path,
        r#"{"config": {"label": "from-file", "limits": {"max_delay_ms": 100}}}"#,
    )
    .unwrap();
    let mut command = oop_fixture::command();
    command
        .env(
            "MODGEN_MODULE_CONFIG",
            r#"{"config": {"limits": {"max_delay_ms": 5}}}"#,
        )
        .arg("--config")
        .arg(&path)
        .arg("--print-config");

    let output = oop_fixture::run(command).await;

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout, "label: from-file\nlimits:\n  max_delay_ms: 5\n");
}

#[tokio::test]
async fn print_config_without_any_source_prints_the_defaults() {
    let mut command = oop_fixture::command();
    command.arg("--print-config");

    let output = oop_fixture::run(command).await;

    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "label: echo\nlimits:\n  max_delay_ms: 10000\n"
    );
}

#[tokio::test]
async fn an_unknown_flag_is_a_usage_error_with_exit_2() {
    let mut command = oop_fixture::command();
    command.arg("--no-such-flag");

    let output = oop_fixture::run(command).await;

    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--no-such-flag"));
}
