//! A client that does not use modgen, in another language: Python's grpcio with
//! grpcio-status reads a declared error's `ErrorInfo` reason, domain and fields.
//! Needs `python3` with `grpcio`, `grpcio-status` and `protobuf`; without them the test
//! is skipped with a note, except under `CI=true`, where it fails.

use std::process::Command;
use std::sync::Arc;

use modgen_roundtrip_tests::Failing;
use stress_sdk::StressError;
use stress_sdk::testing::serve_stress_for_test;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/read_error_details.py"
);

/// Whether the Python side is installed; under CI it must be.
fn python_ready() -> bool {
    let probe = Command::new("python3")
        .args([
            "-c",
            "import grpc, grpc_status, google.rpc.error_details_pb2",
        ])
        .output();
    let ready = probe.is_ok_and(|out| out.status.success());
    if !ready {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with grpcio, grpcio-status and protobuf is required under CI \
             (pip install grpcio grpcio-status protobuf)"
        );
        eprintln!("skipped: python3 with grpcio, grpcio-status and protobuf is not installed");
    }
    ready
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_grpcio_status_reads_the_reason_and_the_fields() {
    if !python_ready() {
        return;
    }
    let error = StressError::OutOfStock {
        message: "sold out".into(),
        sku: "A-7".into(),
        available: 2,
        r#type: 40,
        self_: true,
    };
    let (server, _client) = serve_stress_for_test(Arc::new(Failing::new(error))).await;

    let addr = server.addr.to_string();
    let output =
        tokio::task::spawn_blocking(move || Command::new("python3").args([SCRIPT, &addr]).output())
            .await
            .unwrap()
            .unwrap();

    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "code=FAILED_PRECONDITION\n\
         message=sold out\n\
         reason=OUT_OF_STOCK\n\
         domain=stress.v1.Stress\n\
         metadata.available=2\n\
         metadata.self=true\n\
         metadata.sku=A-7\n\
         metadata.type=40\n\
         detail=type.googleapis.com/stress.v1.OutOfStock\n"
    );
}
