// Each malformed input is refused with its gRPC code and a message that starts with
// the wire path of the offending field. Requests are built from the raw proto types so
// that nothing on the client side cleans them up first.

use modgen_runtime::directory::proto::directory_service_client::DirectoryServiceClient;
use modgen_runtime::directory::proto::{
    DeregisterInstanceRequest, GrpcServiceEndpoint, HeartbeatRequest, ListInstancesRequest,
    RegisterInstanceRequest, ResolveGrpcServiceRequest,
};
use modgen_runtime::directory::{AuthMode, DirectoryConfig};
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;

use super::BACKEND;

fn valid_request() -> RegisterInstanceRequest {
    RegisterInstanceRequest {
        module_name: "calc".into(),
        instance_id: "6f1c2a9e-8d4b-4c3a-9e2f-0b1a2c3d4e5f".into(),
        grpc_services: vec![GrpcServiceEndpoint {
            service_name: "calc.v1.Calc".into(),
            endpoint_uri: "http://127.0.0.1:4001".into(),
        }],
        version: "1.0.0".into(),
    }
}

fn endpoint(uri: &str) -> impl Fn(&mut RegisterInstanceRequest) + '_ {
    move |request| request.grpc_services[0].endpoint_uri = uri.into()
}

/// A client of a directory on this suite's backend; `None` skips the test. The served
/// directory (and its etcd) lives until the test's runtime ends.
async fn start(cancel: &CancellationToken) -> Option<DirectoryServiceClient<Channel>> {
    let directory = BACKEND
        .serve(DirectoryConfig::new(AuthMode::Disabled), cancel)
        .await?;
    let client = DirectoryServiceClient::connect(directory.endpoint.clone())
        .await
        .expect("client connects");
    tokio::spawn(async move {
        let _held_until_the_runtime_ends = directory;
        std::future::pending::<()>().await;
    });
    Some(client)
}

#[tokio::test]
async fn each_malformed_registration_names_its_field_with_the_right_code() {
    let cancel = CancellationToken::new();
    let Some(mut client) = start(&cancel).await else {
        return;
    };
    type Edit = Box<dyn Fn(&mut RegisterInstanceRequest)>;
    let cases: Vec<(&str, Edit, Code, &str)> = vec![
        (
            "empty module",
            Box::new(|r| r.module_name.clear()),
            Code::InvalidArgument,
            "module_name",
        ),
        (
            "module with space",
            Box::new(|r| r.module_name = "my calc".into()),
            Code::InvalidArgument,
            "module_name",
        ),
        (
            "empty instance id",
            Box::new(|r| r.instance_id.clear()),
            Code::InvalidArgument,
            "instance_id",
        ),
        (
            "instance id with NUL",
            Box::new(|r| r.instance_id = "abc\0def".into()),
            Code::InvalidArgument,
            "instance_id",
        ),
        (
            "instance id with newline",
            Box::new(|r| r.instance_id = "abc\ndef".into()),
            Code::InvalidArgument,
            "instance_id",
        ),
        (
            "instance id too long",
            Box::new(|r| r.instance_id = "x".repeat(4096)),
            Code::InvalidArgument,
            "instance_id",
        ),
        (
            "version with control char",
            Box::new(|r| r.version = "1.0\u{7}".into()),
            Code::InvalidArgument,
            "version",
        ),
        (
            "no services",
            Box::new(|r| r.grpc_services.clear()),
            Code::InvalidArgument,
            "grpc_services",
        ),
        (
            "empty service name",
            Box::new(|r| r.grpc_services[0].service_name.clear()),
            Code::InvalidArgument,
            "grpc_services[0].service_name",
        ),
        (
            "service name with slash",
            Box::new(|r| r.grpc_services[0].service_name = "calc/Calc".into()),
            Code::InvalidArgument,
            "grpc_services[0].service_name",
        ),
        (
            "reserved service name",
            Box::new(|r| r.grpc_services[0].service_name = "modgen.Secret".into()),
            Code::PermissionDenied,
            "grpc_services[0].service_name",
        ),
        (
            "empty endpoint",
            Box::new(endpoint("")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "endpoint without scheme",
            Box::new(endpoint("127.0.0.1:4001")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "non-http endpoint",
            Box::new(endpoint("ftp://127.0.0.1:21")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "relative unix socket endpoint",
            Box::new(endpoint("unix:calc.sock")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "unix socket endpoint with a host",
            Box::new(endpoint("unix://host/tmp/calc.sock")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "endpoint with path",
            Box::new(endpoint("http://127.0.0.1:4001/api")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "garbage endpoint",
            Box::new(endpoint("http://exa mple:1")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "port zero",
            Box::new(endpoint("http://127.0.0.1:0")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "non-numeric port",
            Box::new(endpoint("http://127.0.0.1:notaport")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "port above 65535",
            Box::new(endpoint("http://127.0.0.1:70000")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "empty port",
            Box::new(endpoint("http://127.0.0.1:")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "empty host",
            Box::new(endpoint("http://:4001")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "host that is no host name",
            Box::new(endpoint("http://calc..local:4001")),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "endpoint too long",
            Box::new(|r| {
                r.grpc_services[0].endpoint_uri = format!("http://{}.local:1", "a".repeat(5000))
            }),
            Code::InvalidArgument,
            "grpc_services[0].endpoint_uri",
        ),
        (
            "module with tab",
            Box::new(|r| r.module_name = "calc\t".into()),
            Code::InvalidArgument,
            "module_name",
        ),
        (
            "module too long",
            Box::new(|r| r.module_name = "m".repeat(10_000)),
            Code::InvalidArgument,
            "module_name",
        ),
        (
            "instance id with trailing space",
            Box::new(|r| r.instance_id.push(' ')),
            Code::InvalidArgument,
            "instance_id",
        ),
        (
            "version too long",
            Box::new(|r| r.version = "1".repeat(10_000)),
            Code::InvalidArgument,
            "version",
        ),
        (
            "service name with space",
            Box::new(|r| r.grpc_services[0].service_name = "calc.v1. Calc".into()),
            Code::InvalidArgument,
            "grpc_services[0].service_name",
        ),
        (
            "service name segment starting with a digit",
            Box::new(|r| r.grpc_services[0].service_name = "calc.1v.Calc".into()),
            Code::InvalidArgument,
            "grpc_services[0].service_name",
        ),
        (
            "service name with empty segment",
            Box::new(|r| r.grpc_services[0].service_name = "calc..Calc".into()),
            Code::InvalidArgument,
            "grpc_services[0].service_name",
        ),
        (
            "service name too long",
            Box::new(|r| r.grpc_services[0].service_name = format!("calc.{}", "C".repeat(10_000))),
            Code::InvalidArgument,
            "grpc_services[0].service_name",
        ),
        (
            "too many services",
            Box::new(|r| {
                r.grpc_services = (0..1000)
                    .map(|i| GrpcServiceEndpoint {
                        service_name: format!("calc.v1.S{i}"),
                        endpoint_uri: "http://127.0.0.1:4001".into(),
                    })
                    .collect()
            }),
            Code::InvalidArgument,
            "grpc_services",
        ),
        (
            "second service malformed",
            Box::new(|r| {
                r.grpc_services.push(GrpcServiceEndpoint {
                    service_name: "calc.v1.Admin".into(),
                    endpoint_uri: "grpc://127.0.0.1:4002".into(),
                })
            }),
            Code::InvalidArgument,
            "grpc_services[1].endpoint_uri",
        ),
        (
            "service listed twice",
            Box::new(|r| r.grpc_services.push(r.grpc_services[0].clone())),
            Code::InvalidArgument,
            "grpc_services[1].service_name",
        ),
    ];

    for (case, edit, code, field) in cases {
        let mut request = valid_request();
        edit(&mut request);
        let status = client.register_instance(request).await.expect_err(case);
        assert_eq!(status.code(), code, "{case}: {}", status.message());
        assert!(
            status.message().starts_with(&format!("{field}:")),
            "{case}: message `{}` does not name `{field}`",
            status.message()
        );
    }
    // The unedited request is fine, so each refusal above came from its one edit.
    client
        .register_instance(valid_request())
        .await
        .expect("valid request accepted");
    cancel.cancel();
}

#[tokio::test]
async fn heartbeat_of_unknown_instance_is_not_found() {
    let cancel = CancellationToken::new();
    let Some(mut client) = start(&cancel).await else {
        return;
    };

    let status = client
        .heartbeat(HeartbeatRequest {
            module_name: "calc".into(),
            instance_id: "never-registered".into(),
        })
        .await
        .expect_err("unknown");

    assert_eq!(status.code(), Code::NotFound);
    assert!(
        status.message().contains("never-registered"),
        "{}",
        status.message()
    );
    cancel.cancel();
}

#[tokio::test]
async fn heartbeat_under_another_module_name_is_not_found() {
    let cancel = CancellationToken::new();
    let Some(mut client) = start(&cancel).await else {
        return;
    };
    client
        .register_instance(valid_request())
        .await
        .expect("registered");

    let status = client
        .heartbeat(HeartbeatRequest {
            module_name: "someone-else".into(),
            instance_id: valid_request().instance_id,
        })
        .await
        .expect_err("wrong module");

    assert_eq!(status.code(), Code::NotFound);
    cancel.cancel();
}

#[tokio::test]
async fn deregister_of_unknown_instance_is_not_found() {
    let cancel = CancellationToken::new();
    let Some(mut client) = start(&cancel).await else {
        return;
    };

    let status = client
        .deregister_instance(DeregisterInstanceRequest {
            module_name: "calc".into(),
            instance_id: "never-registered".into(),
        })
        .await
        .expect_err("unknown");

    assert_eq!(status.code(), Code::NotFound);
    cancel.cancel();
}

#[tokio::test]
async fn malformed_ids_on_heartbeat_and_deregister_are_invalid_argument_not_internal() {
    let cancel = CancellationToken::new();
    let Some(mut client) = start(&cancel).await else {
        return;
    };

    let heartbeat = client
        .heartbeat(HeartbeatRequest {
            module_name: "calc".into(),
            instance_id: "bad\u{1b}[31mid".into(),
        })
        .await
        .expect_err("malformed");
    let deregister = client
        .deregister_instance(DeregisterInstanceRequest {
            module_name: String::new(),
            instance_id: "i-1".into(),
        })
        .await
        .expect_err("malformed");

    assert_eq!(heartbeat.code(), Code::InvalidArgument);
    assert!(
        heartbeat.message().starts_with("instance_id:"),
        "{}",
        heartbeat.message()
    );
    assert!(
        !heartbeat.message().contains('\u{1b}'),
        "control characters are escaped"
    );
    assert_eq!(deregister.code(), Code::InvalidArgument);
    assert!(
        deregister.message().starts_with("module_name:"),
        "{}",
        deregister.message()
    );
    cancel.cancel();
}

#[tokio::test]
async fn resolve_and_list_name_their_bad_fields() {
    let cancel = CancellationToken::new();
    let Some(mut client) = start(&cancel).await else {
        return;
    };

    let empty_service = client
        .resolve_grpc_service(ResolveGrpcServiceRequest {
            service_name: String::new(),
        })
        .await
        .expect_err("empty");
    let unknown_service = client
        .resolve_grpc_service(ResolveGrpcServiceRequest {
            service_name: "nobody.v1.Here".into(),
        })
        .await
        .expect_err("nobody serves it");
    let bad_module = client
        .list_instances(ListInstancesRequest {
            module_name: "calc\n".into(),
        })
        .await
        .expect_err("newline");
    let spaced_service = client
        .resolve_grpc_service(ResolveGrpcServiceRequest {
            service_name: "calc.v1.Calc ".into(),
        })
        .await
        .expect_err("trailing space");

    assert_eq!(empty_service.code(), Code::InvalidArgument);
    assert!(
        empty_service.message().starts_with("service_name:"),
        "{}",
        empty_service.message()
    );
    assert_eq!(unknown_service.code(), Code::NotFound);
    assert!(
        unknown_service.message().contains("nobody.v1.Here"),
        "{}",
        unknown_service.message()
    );
    assert_eq!(bad_module.code(), Code::InvalidArgument);
    assert!(
        bad_module.message().starts_with("module_name:"),
        "{}",
        bad_module.message()
    );
    assert_eq!(spaced_service.code(), Code::InvalidArgument);
    assert!(
        spaced_service.message().starts_with("service_name:"),
        "{}",
        spaced_service.message()
    );
    cancel.cancel();
}

/// What ModKit modules send (a UUIDv4 instance id, `http://127.0.0.1:PORT`), and the other
/// shapes a real deployment uses (`unix:` sockets under a host included), are accepted
/// and resolvable.
#[tokio::test]
async fn modkit_shaped_registrations_are_accepted() {
    let cancel = CancellationToken::new();
    let Some(mut client) = start(&cancel).await else {
        return;
    };
    let cases = [
        (
            "calculator",
            "calculator.v1.CalculatorService",
            "http://127.0.0.1:50051",
        ),
        (
            "calc_ipv6",
            "oop.calculator.v1.CalculatorService",
            "http://[::1]:65535",
        ),
        (
            "calc-tls",
            "calc.v1._Internal2",
            "https://calc.svc.cluster.local",
        ),
        ("calc.edge", "Calculator", "http://localhost:1/"),
        // A module under a host, on its private socket.
        (
            "calc-socket",
            "calc.v1.Calculator",
            "unix:/run/user/1000/modgen/run-127-0-0-1-4000/calc.sock",
        ),
        ("calc-grpc-form", "calc.v2.Calculator", "unix:///tmp/calc.sock"),
    ];

    for (module, service, uri) in cases {
        let instance_id = uuid::Uuid::new_v4().to_string();
        client
            .register_instance(RegisterInstanceRequest {
                module_name: module.into(),
                instance_id: instance_id.clone(),
                grpc_services: vec![GrpcServiceEndpoint {
                    service_name: service.into(),
                    endpoint_uri: uri.into(),
                }],
                version: "0.1.0".into(),
            })
            .await
            .unwrap_or_else(|status| panic!("{module} {uri}: {}", status.message()));
        client
            .heartbeat(HeartbeatRequest {
                module_name: module.into(),
                instance_id: instance_id.clone(),
            })
            .await
            .unwrap_or_else(|status| panic!("{module} heartbeat: {}", status.message()));
        let resolved = client
            .resolve_grpc_service(ResolveGrpcServiceRequest {
                service_name: service.into(),
            })
            .await
            .expect("resolvable")
            .into_inner();
        assert_eq!(resolved.endpoint_uri, uri);
        assert_eq!(resolved.instance_id, instance_id);
    }
    cancel.cancel();
}

#[tokio::test]
async fn list_with_an_empty_module_name_lists_every_module() {
    let cancel = CancellationToken::new();
    let Some(mut client) = start(&cancel).await else {
        return;
    };
    for (module, id, service) in [("b-mod", "i-2", "b.v1.Echo"), ("a-mod", "i-1", "a.v1.Echo")] {
        client
            .register_instance(RegisterInstanceRequest {
                module_name: module.into(),
                instance_id: id.into(),
                grpc_services: vec![GrpcServiceEndpoint {
                    service_name: service.into(),
                    endpoint_uri: "http://127.0.0.1:4001".into(),
                }],
                version: "1".into(),
            })
            .await
            .expect("registered");
    }

    let listed = client
        .list_instances(ListInstancesRequest {
            module_name: String::new(),
        })
        .await
        .expect("listed")
        .into_inner()
        .instances;

    let modules: Vec<&str> = listed.iter().map(|i| i.module_name.as_str()).collect();
    assert_eq!(modules, ["a-mod", "b-mod"]);
    assert_eq!(listed[1].grpc_services[0].service_name, "b.v1.Echo");
    cancel.cancel();
}
