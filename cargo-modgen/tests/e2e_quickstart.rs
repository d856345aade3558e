//! The README's quickstart, for real: `cargo modgen new` from a corpus proto, an
//! implementation written into the user-owned file, `cargo modgen run` (build, host,
//! directory, the module out of process), `cargo modgen call`, a call through the
//! generated SDK client, then SIGTERM: the module deregisters and everything exits 0.
//!
//! Slow (it builds the generated workspace; the dependencies come from the shared target
//! directory), so it runs the whole story once per proto rather than once per assertion.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");
const CHECKOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// Covers a cold build of the generated crates on 2 busy cores.
const BUILD_PATIENCE: Duration = Duration::from_secs(900);
const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn calculator_from_the_corpus_proto_runs_out_of_process_and_answers() {
    let temp = tempfile::tempdir().unwrap();
    let workspace = temp.path().join("calculator");
    let proto = format!("{CORPUS}/hyperspot/oop/calculator/v1/accum.proto");
    let include = format!("{CORPUS}/hyperspot");
    modgen_ok(
        temp.path(),
        &[
            "new",
            "calculator",
            "--proto",
            &proto,
            "--include",
            &include,
        ],
    );
    std::fs::write(
        workspace.join("calculator/src/service.rs"),
        CALCULATOR_IMPLEMENTATION,
    )
    .unwrap();
    std::fs::create_dir_all(workspace.join("calculator/examples")).unwrap();
    std::fs::write(
        workspace.join("calculator/examples/sdk_client.rs"),
        CALCULATOR_SDK_CLIENT,
    )
    .unwrap();
    share_lockfile(&workspace);

    let mut run = Running::start(&workspace);
    let directory = run.wait_for_directory();
    run.wait_for_line("[calculator] modgen: listening on ");

    let sum = modgen_ok(
        &workspace,
        &[
            "call",
            "oop.calculator.v1.CalculatorService/Add",
            r#"{"a": 40, "b": 2}"#,
        ],
    );
    assert_eq!(json(&sum)["sum"], "42", "{sum}");

    let overflow = modgen(
        &workspace,
        &[
            "call",
            "oop.calculator.v1.CalculatorService/Add",
            &format!(r#"{{"a": "{}", "b": "1"}}"#, i64::MAX),
        ],
    );
    assert!(!overflow.status.success());
    assert_eq!(
        stderr(&overflow).trim(),
        "error: INVALID_ARGUMENT (3): 9223372036854775807 + 1 overflows i64"
    );

    // The one live service ending with `CalculatorService`, found through the directory.
    let short_name = modgen_ok(
        &workspace,
        &["call", "CalculatorService/Add", r#"{"a": 1, "b": 1}"#],
    );
    assert_eq!(json(&short_name)["sum"], "2", "{short_name}");

    // A program outside the host calls as the host's operator, with the credential
    // only this user can read.
    let operator = modgen_runtime::identity::run_dir::operator_credential(&directory);
    let from_sdk = cargo_with_env(
        &workspace,
        &[
            "run",
            "--quiet",
            "-p",
            "calculator",
            "--example",
            "sdk_client",
            "--",
            &directory,
        ],
        &[(
            modgen_contract::env::IDENTITY_CREDENTIAL_FILE,
            operator.as_os_str(),
        )],
    );
    assert!(from_sdk.status.success(), "{}", stderr(&from_sdk));
    assert_eq!(stdout(&from_sdk).trim(), "sum=7 overflow=InvalidArgument");

    let (status, output) = run.terminate();
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(
        output.contains("[calculator] ") && output.contains("deregistered from the directory"),
        "{output}"
    );
}

#[test]
fn route_guide_from_the_corpus_proto_streams_through_call() {
    let temp = tempfile::tempdir().unwrap();
    let workspace = temp.path().join("routeguide");
    let proto = format!("{CORPUS}/grpc/examples/route_guide.proto");
    let include = format!("{CORPUS}/grpc");
    modgen_ok(
        temp.path(),
        &[
            "new",
            "routeguide",
            "--proto",
            &proto,
            "--include",
            &include,
        ],
    );
    std::fs::write(
        workspace.join("routeguide/src/service.rs"),
        ROUTE_GUIDE_IMPLEMENTATION,
    )
    .unwrap();
    share_lockfile(&workspace);

    let mut run = Running::start(&workspace);
    run.wait_for_directory();
    run.wait_for_line("[routeguide] modgen: listening on ");

    let feature = modgen_ok(
        &workspace,
        &[
            "call",
            "routeguide.RouteGuide/GetFeature",
            r#"{"latitude": 2, "longitude": 3}"#,
        ],
    );
    assert_eq!(json(&feature)["name"], "feature at 2,3", "{feature}");

    let listed = modgen_ok(
        &workspace,
        &[
            "call",
            "routeguide.RouteGuide/ListFeatures",
            r#"{"lo": {"latitude": 0, "longitude": 0}, "hi": {"latitude": 1, "longitude": 2}}"#,
        ],
    );
    let names: Vec<String> = serde_json::Deserializer::from_str(&listed)
        .into_iter::<serde_json::Value>()
        .map(|value| value.unwrap()["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "feature at 0,0",
            "feature at 0,1",
            "feature at 0,2",
            "feature at 1,0",
            "feature at 1,1",
            "feature at 1,2"
        ]
    );

    let summary = modgen_ok(
        &workspace,
        &[
            "call",
            "routeguide.RouteGuide/RecordRoute",
            r#"[{"latitude": 1, "longitude": 1}, {"latitude": 5, "longitude": 5}]"#,
        ],
    );
    assert_eq!(json(&summary)["pointCount"], 2, "{summary}");

    // The implementation echoes the request stream, so each note comes back in order.
    let chat = modgen_ok(
        &workspace,
        &[
            "call",
            "routeguide.RouteGuide/RouteChat",
            r#"[{"message": "first"}, {"message": "second"}]"#,
        ],
    );
    let messages: Vec<String> = serde_json::Deserializer::from_str(&chat)
        .into_iter::<serde_json::Value>()
        .map(|value| value.unwrap()["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(messages, ["first", "second"]);

    let (status, output) = run.terminate();
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(
        output.contains("deregistered from the directory"),
        "{output}"
    );
}

/// `cargo modgen run` as a child, its stdout and stderr merged into one line channel.
struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(workspace: &Path) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
            .args(["modgen", "run"])
            .current_dir(workspace)
            .env("CARGO_TARGET_DIR", target_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (sender, lines) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if sender.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The endpoint the host's directory listens on, as it prints it.
    fn wait_for_directory(&mut self) -> String {
        let line =
            self.wait_for_line_within("modgen-host: directory listening on ", BUILD_PATIENCE);
        line.rsplit(' ').next().unwrap().to_owned()
    }

    fn wait_for_line(&mut self, start: &str) -> String {
        self.wait_for_line_within(start, PATIENCE)
    }

    fn wait_for_line_within(&mut self, start: &str, patience: Duration) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(start) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    let _ = self.child.kill();
                    panic!(
                        "no line starting with {start:?}; output so far:\n{}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// SIGTERM, then everything the run printed until it exited.
    fn terminate(mut self) -> (ExitStatus, String) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "`run` did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        // The reader threads end when the pipes close.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (status, self.seen.join("\n"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(CHECKOUT).join("target"))
}

/// The checkout's lockfile pins the generated workspace to the versions already built in
/// the shared target directory, so only the generated crates compile.
fn share_lockfile(workspace: &Path) {
    std::fs::copy(
        Path::new(CHECKOUT).join("Cargo.lock"),
        workspace.join("Cargo.lock"),
    )
    .unwrap();
}

fn modgen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-modgen"))
        .arg("modgen")
        .args(args)
        .current_dir(dir)
        .env_remove("MODGEN_DIRECTORY_ENDPOINT")
        .output()
        .unwrap()
}

fn modgen_ok(dir: &Path, args: &[&str]) -> String {
    let output = modgen(dir, args);
    assert!(
        output.status.success(),
        "cargo modgen {args:?} failed:\n{}",
        stderr(&output)
    );
    stdout(&output)
}

fn cargo_with_env(dir: &Path, args: &[&str], vars: &[(&str, &std::ffi::OsStr)]) -> Output {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .envs(vars.iter().copied())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

const CALCULATOR_IMPLEMENTATION: &str = r#"
use async_trait::async_trait;
use calculator_sdk::proto::oop::calculator::v1::{AddRequest, AddResponse};
use calculator_sdk::{CalculatorApi, CalculatorError, CallContext};

use crate::generated::CalculatorConfig;

pub struct Calculator;

impl Calculator {
    pub fn new(_config: CalculatorConfig) -> Self {
        Calculator
    }
}

#[async_trait]
impl CalculatorApi for Calculator {
    async fn add(&self, _ctx: &CallContext, request: AddRequest) -> Result<AddResponse, CalculatorError> {
        let sum = request.a.checked_add(request.b).ok_or_else(|| {
            CalculatorError::InvalidArgument(format!("{} + {} overflows i64", request.a, request.b))
        })?;
        Ok(AddResponse { sum })
    }
}
"#;

const CALCULATOR_SDK_CLIENT: &str = r#"
use std::sync::Arc;

use calculator_sdk::proto::oop::calculator::v1::AddRequest;
use calculator_sdk::{CalculatorError, CallContext, wire_client};
use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::hub::ClientHub;

#[tokio::main]
async fn main() {
    let directory = std::env::args().nth(1).expect("directory endpoint");
    let directory = DirectoryClient::connect(&directory).await.expect("directory");
    let calculator = wire_client(&ClientHub::new(), Arc::new(directory)).await.expect("wired");
    let ctx = CallContext::new().with_caller("sdk_client");
    let sum = calculator.add(&ctx, AddRequest { a: 3, b: 4 }).await.expect("add").sum;
    let overflow = match calculator.add(&ctx, AddRequest { a: i64::MAX, b: 1 }).await {
        Err(CalculatorError::InvalidArgument(_)) => "InvalidArgument",
        other => panic!("expected InvalidArgument, got {other:?}"),
    };
    println!("sum={sum} overflow={overflow}");
}
"#;

const ROUTE_GUIDE_IMPLEMENTATION: &str = r#"
use async_trait::async_trait;
use futures_util::StreamExt;
use routeguide_sdk::proto::routeguide::{Feature, Point, Rectangle, RouteNote, RouteSummary};
use routeguide_sdk::{ApiStream, CallContext, RouteGuideApi, RouteguideError};

use crate::generated::RouteguideConfig;

pub struct Routeguide;

impl Routeguide {
    pub fn new(_config: RouteguideConfig) -> Self {
        Routeguide
    }
}

fn feature_at(point: Point) -> Feature {
    Feature {
        name: format!("feature at {},{}", point.latitude, point.longitude),
        location: Some(point),
    }
}

#[async_trait]
impl RouteGuideApi for Routeguide {
    async fn get_feature(&self, _ctx: &CallContext, request: Point) -> Result<Feature, RouteguideError> {
        Ok(feature_at(request))
    }

    async fn list_features(
        &self,
        _ctx: &CallContext,
        request: Rectangle,
    ) -> Result<ApiStream<Feature>, RouteguideError> {
        let (lo, hi) = (request.lo.unwrap_or_default(), request.hi.unwrap_or_default());
        let mut features = Vec::new();
        for latitude in lo.latitude..=hi.latitude {
            for longitude in lo.longitude..=hi.longitude {
                features.push(Ok(feature_at(Point { latitude, longitude })));
            }
        }
        Ok(Box::pin(futures_util::stream::iter(features)))
    }

    async fn record_route(
        &self,
        _ctx: &CallContext,
        mut requests: ApiStream<Point>,
    ) -> Result<RouteSummary, RouteguideError> {
        let mut summary = RouteSummary::default();
        while let Some(point) = requests.next().await {
            point?;
            summary.point_count += 1;
        }
        Ok(summary)
    }

    async fn route_chat(
        &self,
        _ctx: &CallContext,
        requests: ApiStream<RouteNote>,
    ) -> Result<ApiStream<RouteNote>, RouteguideError> {
        Ok(requests)
    }
}
"#;
