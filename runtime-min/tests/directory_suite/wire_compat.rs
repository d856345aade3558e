// ModKit's own directory schema, compiled at test time from the shared corpus, drives
// our server: every request below is a `DynamicMessage` built from ModKit's descriptor
// and every reply is decoded with it, so no type of ours sits between the bytes.

use std::time::Duration;

use modgen_runtime::directory::{AuthMode, DirectoryConfig};
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage,
    ServiceDescriptor, Value,
};
use tokio_util::sync::CancellationToken;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;

use super::BACKEND;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus");
const MODKIT_PROTO: &str = "hyperspot/directory/v1/directory.proto";
const OURS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../proto");
const OUR_PROTO: &str = "modgen/directory/v1/directory.proto";
const SERVICE: &str = "module_orchestrator.v1.directory.DirectoryService";

fn pool(include: &str, file: &str) -> DescriptorPool {
    let fds = protox::compile([file], [include]).expect("proto compiles");
    DescriptorPool::decode(fds.encode_to_vec().as_slice()).expect("descriptor pool")
}

fn modkit_service() -> ServiceDescriptor {
    let pool = pool(CORPUS, MODKIT_PROTO);
    let service = pool.get_service_by_name(SERVICE).expect("ModKit's service");
    assert_eq!(
        service.parent_file().name(),
        MODKIT_PROTO,
        "descriptor comes from ModKit's file"
    );
    service
}

/// Encodes any dynamic message; decodes replies with the method's output descriptor.
struct DynamicCodec(MessageDescriptor);

impl Codec for DynamicCodec {
    type Encode = DynamicMessage;
    type Decode = DynamicMessage;
    type Encoder = DynamicEncoder;
    type Decoder = DynamicDecoder;

    fn encoder(&mut self) -> DynamicEncoder {
        DynamicEncoder
    }

    fn decoder(&mut self) -> DynamicDecoder {
        DynamicDecoder(self.0.clone())
    }
}

struct DynamicEncoder;

impl Encoder for DynamicEncoder {
    type Item = DynamicMessage;
    type Error = Status;

    fn encode(&mut self, item: DynamicMessage, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst)
            .map_err(|error| Status::internal(error.to_string()))
    }
}

struct DynamicDecoder(MessageDescriptor);

impl Decoder for DynamicDecoder {
    type Item = DynamicMessage;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<DynamicMessage>, Status> {
        DynamicMessage::decode(self.0.clone(), src)
            .map(Some)
            .map_err(|error| Status::internal(error.to_string()))
    }
}

/// A ModKit client: no metadata, the method path and messages from ModKit's descriptor.
struct ModkitClient {
    grpc: tonic::client::Grpc<Channel>,
    service: ServiceDescriptor,
}

impl ModkitClient {
    fn request(&self, method: &str, fields: &[(&str, Value)]) -> DynamicMessage {
        let method = self.method(method);
        let mut message = DynamicMessage::new(method.input());
        for (name, value) in fields {
            message
                .try_set_field_by_name(name, value.clone())
                .unwrap_or_else(|error| {
                    panic!("ModKit's {} has {name}: {error}", method.input().name())
                });
        }
        message
    }

    fn method(&self, name: &str) -> prost_reflect::MethodDescriptor {
        self.service
            .methods()
            .find(|method| method.name() == name)
            .unwrap_or_else(|| panic!("ModKit's service has {name}"))
    }

    async fn call(
        &mut self,
        method: &str,
        message: DynamicMessage,
    ) -> Result<DynamicMessage, Status> {
        let method = self.method(method);
        let path = format!("/{}/{}", self.service.full_name(), method.name());
        let path = http::uri::PathAndQuery::try_from(path).expect("path");
        self.grpc
            .ready()
            .await
            .map_err(|error| Status::unavailable(error.to_string()))?;
        let response = self
            .grpc
            .unary(
                tonic::Request::new(message),
                path,
                DynamicCodec(method.output()),
            )
            .await?;
        Ok(response.into_inner())
    }
}

fn string_field(message: &DynamicMessage, name: &str) -> String {
    match message.get_field_by_name(name).as_deref() {
        Some(Value::String(value)) => value.clone(),
        other => panic!("{name} is not a string: {other:?}"),
    }
}

#[tokio::test]
async fn a_client_built_from_modkits_proto_registers_heartbeats_resolves_and_lists() {
    let cancel = CancellationToken::new();
    let Some(directory) = BACKEND
        .serve(DirectoryConfig::new(AuthMode::Disabled), &cancel)
        .await
    else {
        return;
    };
    let channel = tonic::transport::Endpoint::from_shared(directory.endpoint.clone())
        .expect("uri")
        .connect()
        .await
        .expect("connects");
    let service = modkit_service();
    let mut modkit = ModkitClient {
        grpc: tonic::client::Grpc::new(channel),
        service,
    };
    let instance_id = uuid::Uuid::new_v4().to_string();
    let endpoint_message = |service_name: &str, endpoint_uri: &str| {
        let descriptor = modkit
            .service
            .parent_pool()
            .get_message_by_name("module_orchestrator.v1.directory.GrpcServiceEndpoint")
            .expect("ModKit's GrpcServiceEndpoint");
        let mut endpoint = DynamicMessage::new(descriptor);
        endpoint.set_field_by_name("service_name", Value::String(service_name.into()));
        endpoint.set_field_by_name("endpoint_uri", Value::String(endpoint_uri.into()));
        Value::Message(endpoint)
    };
    let register = modkit.request(
        "RegisterInstance",
        &[
            ("module_name", Value::String("calculator".into())),
            ("instance_id", Value::String(instance_id.clone())),
            (
                "grpc_services",
                Value::List(vec![endpoint_message(
                    "calculator.v1.CalculatorService",
                    "http://127.0.0.1:50123",
                )]),
            ),
            ("version", Value::String("0.1.0".into())),
        ],
    );
    let heartbeat = modkit.request(
        "Heartbeat",
        &[
            ("module_name", Value::String("calculator".into())),
            ("instance_id", Value::String(instance_id.clone())),
        ],
    );

    let registered = modkit
        .call("RegisterInstance", register)
        .await
        .expect("register accepted");
    let beat = modkit
        .call("Heartbeat", heartbeat.clone())
        .await
        .expect("heartbeat accepted");
    let resolved = modkit
        .call(
            "ResolveGrpcService",
            modkit.request(
                "ResolveGrpcService",
                &[(
                    "service_name",
                    Value::String("calculator.v1.CalculatorService".into()),
                )],
            ),
        )
        .await
        .expect("resolved");
    let listed = modkit
        .call(
            "ListInstances",
            modkit.request(
                "ListInstances",
                &[("module_name", Value::String("calculator".into()))],
            ),
        )
        .await
        .expect("listed");

    assert_eq!(registered.descriptor().full_name(), "google.protobuf.Empty");
    assert_eq!(beat.descriptor().full_name(), "google.protobuf.Empty");
    assert_eq!(
        string_field(&resolved, "endpoint_uri"),
        "http://127.0.0.1:50123"
    );
    // Our additions arrive as fields ModKit's schema does not know, and are skipped.
    assert!(resolved.unknown_fields().count() > 0);
    let instances = match listed.get_field_by_name("instances").as_deref() {
        Some(Value::List(items)) => items.clone(),
        other => panic!("instances is not a list: {other:?}"),
    };
    assert_eq!(instances.len(), 1);
    let Value::Message(info) = &instances[0] else {
        panic!("instance is not a message");
    };
    assert_eq!(string_field(info, "module_name"), "calculator");
    assert_eq!(string_field(info, "instance_id"), instance_id);
    assert_eq!(string_field(info, "endpoint_uri"), "http://127.0.0.1:50123");
    assert_eq!(string_field(info, "version"), "0.1.0");

    let deregister = modkit.request(
        "DeregisterInstance",
        &[
            ("module_name", Value::String("calculator".into())),
            ("instance_id", Value::String(instance_id.clone())),
        ],
    );
    modkit
        .call("DeregisterInstance", deregister)
        .await
        .expect("deregistered");
    let status = modkit
        .call("Heartbeat", heartbeat)
        .await
        .expect_err("forgotten");
    assert_eq!(
        status.code(),
        tonic::Code::NotFound,
        "ModKit clients learn to register again"
    );
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), directory.running.task)
        .await
        .expect("stops")
        .expect("no panic")
        .expect("clean stop");
}

fn kind_name(field: &FieldDescriptor) -> String {
    match field.kind() {
        Kind::Message(message) => message.full_name().to_owned(),
        Kind::Enum(enumeration) => enumeration.full_name().to_owned(),
        other => format!("{other:?}"),
    }
}

#[test]
fn our_proto_keeps_every_modkit_method_message_and_field() {
    let modkit = pool(CORPUS, MODKIT_PROTO);
    let ours = pool(OURS, OUR_PROTO);
    let our_service = ours
        .get_service_by_name(SERVICE)
        .expect("same service name");

    for method in modkit_service().methods() {
        let our_method = our_service
            .methods()
            .find(|m| m.name() == method.name())
            .unwrap_or_else(|| panic!("method {} kept", method.name()));
        assert_eq!(our_method.input().full_name(), method.input().full_name());
        assert_eq!(our_method.output().full_name(), method.output().full_name());
        assert_eq!(
            our_method.is_client_streaming(),
            method.is_client_streaming()
        );
        assert_eq!(
            our_method.is_server_streaming(),
            method.is_server_streaming()
        );
    }
    let mut checked = 0;
    for message in modkit
        .all_messages()
        .filter(|m| m.package_name() == "module_orchestrator.v1.directory")
    {
        let our_message = ours
            .get_message_by_name(message.full_name())
            .unwrap_or_else(|| panic!("message {} kept", message.full_name()));
        for field in message.fields() {
            let our_field = our_message
                .get_field(field.number())
                .unwrap_or_else(|| panic!("{} field {} kept", message.name(), field.number()));
            assert_eq!(
                our_field.name(),
                field.name(),
                "{}.{}",
                message.name(),
                field.name()
            );
            assert_eq!(
                kind_name(&our_field),
                kind_name(&field),
                "{}.{}",
                message.name(),
                field.name()
            );
            assert_eq!(
                our_field.cardinality(),
                field.cardinality(),
                "{}.{}",
                message.name(),
                field.name()
            );
            checked += 1;
        }
    }
    // ModKit's nine messages hold 18 fields; fewer would mean the filter above missed some.
    assert_eq!(checked, 18, "compared {checked} fields");
}
