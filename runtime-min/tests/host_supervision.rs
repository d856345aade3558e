//! The `modgen-host` binary supervising plain processes (`/bin/sh` children): output
//! forwarding, restarts, giving up, and stopping.

mod host_support;

use std::time::Duration;

use host_support::{Host, PATIENCE, alive, pid_in, wait_until_dead};

#[test]
fn module_output_is_forwarded_line_by_line_with_the_module_name_on_the_same_stream() {
    let mut host = Host::start(
        r#"
modules:
  talker:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", 'echo "first line"; echo "an error" >&2; echo "second line"; exec sleep 60']
"#,
    );
    host.stdout.wait_for("[talker] second line", PATIENCE);
    host.stderr.wait_for("[talker] an error", PATIENCE);
    let stdout = host.stdout.all();
    let first = stdout.iter().position(|l| l == "[talker] first line");
    let second = stdout.iter().position(|l| l == "[talker] second line");
    assert!(first.is_some() && first < second, "in order: {stdout:?}");
    assert_eq!(host.stdout.count("an error"), 0, "stderr stays on stderr");
    assert_eq!(host.stderr.count("line"), 0, "stdout stays on stdout");

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
}

#[test]
fn module_environment_carries_the_directory_config_and_yaml_variables() {
    let mut host = Host::start(
        r#"
modules:
  env:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", "env; echo end-of-env"]
        environment: { GREETING: hello, PORT: 8080 }
    config: { max_items: 10 }
"#,
    );
    let endpoint = host.directory_endpoint();
    host.stdout.wait_for("[env] end-of-env", PATIENCE);
    let stdout = host.stdout.all();
    let has = |line: String| stdout.contains(&line);
    assert!(
        has(format!("[env] MODGEN_DIRECTORY_ENDPOINT={endpoint}")),
        "{stdout:?}"
    );
    assert!(
        has(format!("[env] MODKIT_DIRECTORY_ENDPOINT={endpoint}")),
        "{stdout:?}"
    );
    assert!(has(
        r#"[env] MODGEN_MODULE_CONFIG={"config":{"max_items":10}}"#.to_owned()
    ));
    assert!(has(
        r#"[env] MODKIT_MODULE_CONFIG={"config":{"max_items":10}}"#.to_owned()
    ));
    assert!(has("[env] GREETING=hello".to_owned()));
    assert!(has("[env] PORT=8080".to_owned()));
    let token = host
        .stdout
        .wait_for("[env] MODGEN_DIRECTORY_TOKEN=", PATIENCE);
    assert_eq!(
        token.len(),
        "[env] MODGEN_DIRECTORY_TOKEN=".len() + 32,
        "{token}"
    );

    // `env` exits 0: done, not restarted, and the host keeps running until told to stop.
    host.stderr.wait_for(
        "module 'env' exited with status 0; not restarting it",
        PATIENCE,
    );
    assert!(host.child.try_wait().unwrap().is_none());
    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
    assert_eq!(host.stdout.count("[env] MODGEN_DIRECTORY_ENDPOINT="), 1);
}

#[test]
fn module_killed_with_sigkill_is_restarted() {
    let mut host = Host::start(
        r#"
modules:
  sleeper:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", 'echo "started pid=$$"; exec sleep 60']
restart: { initial_backoff: 50ms }
"#,
    );
    let first = pid_in(&host.stdout.wait_for("[sleeper] started pid=", PATIENCE));
    // SAFETY: kill(2); `first` is the live module the host just reported.
    unsafe { libc::kill(first, libc::SIGKILL) };

    host.stderr
        .wait_for("module 'sleeper' crashed (signal: 9 (SIGKILL)", PATIENCE);
    let second = pid_in(
        &host
            .stdout
            .wait_for_nth("[sleeper] started pid=", 2, PATIENCE),
    );
    assert_ne!(first, second);
    assert!(alive(second));

    host.signal(libc::SIGTERM);
    assert!(host.wait_exit(PATIENCE).success());
    assert!(!alive(second));
}

#[test]
fn crash_loop_gives_up_after_max_restarts_and_says_so_while_others_keep_running() {
    let mut host = Host::start(
        r#"
modules:
  flaky:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", "echo boom; exit 3"]
  steady:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", 'echo "steady pid=$$"; exec sleep 60']
restart: { max_restarts: 3, window: 60s, initial_backoff: 10ms, max_backoff: 40ms }
"#,
    );
    let steady = pid_in(&host.stdout.wait_for("[steady] steady pid=", PATIENCE));
    host.stderr.wait_for(
        "modgen-host: module 'flaky' crashed 3 times in 60s; giving up",
        PATIENCE,
    );
    assert_eq!(
        host.stderr
            .count("module 'flaky' crashed (exit status: 3); restarting in"),
        2
    );
    // Give a wrongly continued crash loop the time to show itself.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        host.stdout.count("[flaky] boom"),
        3,
        "one start and two restarts"
    );
    assert!(alive(steady), "the other module keeps running");
    assert!(
        host.child.try_wait().unwrap().is_none(),
        "the host keeps running"
    );

    host.signal(libc::SIGTERM);
    let status = host.wait_exit(PATIENCE);
    assert_eq!(
        status.code(),
        Some(1),
        "a module it gave up on fails the run"
    );
    assert!(!alive(steady));
}

#[test]
fn on_give_up_exit_stops_every_module_and_the_host_fails() {
    let mut host = Host::start(
        r#"
modules:
  steady:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", 'echo "steady pid=$$"; exec sleep 60']
  flaky:
    runtime:
      type: oop
      execution:
        executable_path: /bin/false
restart: { max_restarts: 2, initial_backoff: 10ms, on_give_up: exit }
"#,
    );
    let steady = pid_in(&host.stdout.wait_for("[steady] steady pid=", PATIENCE));
    let status = host.wait_exit(PATIENCE);
    assert_eq!(status.code(), Some(1));
    host.stderr
        .wait_for("module 'flaky' crashed 2 times in 60s; giving up", PATIENCE);
    host.stderr
        .wait_for("stopping every module (restart.on_give_up: exit)", PATIENCE);
    assert!(!alive(steady));
}

#[test]
fn module_ignoring_sigterm_is_killed_after_the_grace_period() {
    let mut host = Host::start(
        r#"
modules:
  stubborn:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", "trap '' TERM; echo \"ready pid=$$\"; while :; do sleep 0.05; done"]
shutdown: { grace_period: 300ms }
"#,
    );
    let stubborn = pid_in(&host.stdout.wait_for("[stubborn] ready pid=", PATIENCE));
    host.signal(libc::SIGTERM);
    let status = host.wait_exit(PATIENCE);
    host.stderr.wait_for(
        "module 'stubborn' still running 300ms after SIGTERM; sending SIGKILL",
        PATIENCE,
    );
    assert_eq!(
        status.code(),
        Some(1),
        "a module that needed SIGKILL is not a clean stop"
    );
    assert!(!alive(stubborn));
}

#[test]
fn sigterm_to_the_host_stops_every_module_and_exits_zero() {
    let mut host = Host::start(
        r#"
modules:
  one:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", 'trap "echo stopping; exit 0" TERM; echo "ready pid=$$"; while :; do sleep 0.05; done']
  two:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", 'echo "ready pid=$$"; exec sleep 60']
"#,
    );
    let one = pid_in(&host.stdout.wait_for("[one] ready pid=", PATIENCE));
    let two = pid_in(&host.stdout.wait_for("[two] ready pid=", PATIENCE));
    host.signal(libc::SIGTERM);
    let status = host.wait_exit(PATIENCE);
    assert!(status.success(), "{status:?}");
    assert!(
        host.stdout.count("[one] stopping") == 1,
        "the module saw SIGTERM"
    );
    assert!(!alive(one) && !alive(two));
}

#[test]
fn sigkilled_host_takes_its_modules_with_it() {
    let mut host = Host::start(
        r#"
modules:
  orphan:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", 'echo "ready pid=$$"; exec sleep 60']
"#,
    );
    let orphan = pid_in(&host.stdout.wait_for("[orphan] ready pid=", PATIENCE));
    host.signal(libc::SIGKILL);
    host.wait_exit(PATIENCE);
    assert!(
        wait_until_dead(orphan, PATIENCE),
        "module {orphan} outlived its SIGKILLed host"
    );
}

#[test]
fn missing_executable_stops_the_binary_naming_module_and_path() {
    let mut host = Host::start(
        r#"
modules:
  calculator:
    runtime:
      type: oop
      execution:
        executable_path: ~/no/such/calculator
"#,
    );
    let status = host.wait_exit(PATIENCE);
    assert_eq!(status.code(), Some(2));
    let home = std::env::var("HOME").unwrap();
    host.stderr.wait_for(
        &format!(
            "modgen-host: module 'calculator': executable not found: {home}/no/such/calculator"
        ),
        PATIENCE,
    );
    assert_eq!(
        host.stdout.count("directory listening"),
        0,
        "nothing was started"
    );
}

#[test]
fn yaml_errors_stop_the_binary_with_file_line_and_column() {
    let mut host = Host::start("modules: {}\nrestart: { max_restart: 3 }\n");
    let status = host.wait_exit(PATIENCE);
    assert_eq!(status.code(), Some(2));
    let line = host
        .stderr
        .wait_for("unknown field `max_restart`", PATIENCE);
    assert!(line.starts_with("modgen-host: "), "{line}");
    assert!(line.contains("host.yaml:2:"), "{line}");
}

#[test]
fn second_signal_exits_at_once_and_the_modules_die_with_the_host() {
    let mut host = Host::start(
        r#"
modules:
  stubborn:
    runtime:
      type: oop
      execution:
        executable_path: /bin/sh
        args: ["-c", "trap '' TERM; echo \"ready pid=$$\"; while :; do sleep 0.05; done"]
shutdown: { grace_period: 60s }
"#,
    );
    let stubborn = pid_in(&host.stdout.wait_for("[stubborn] ready pid=", PATIENCE));
    host.signal(libc::SIGTERM);
    host.stderr
        .wait_for("modgen-host: stopping modules", PATIENCE);
    host.signal(libc::SIGINT);
    let status = host.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(128 + libc::SIGINT));
    host.stderr.wait_for("second signal", PATIENCE);
    assert!(wait_until_dead(stubborn, PATIENCE));
}
