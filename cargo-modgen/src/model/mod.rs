//! The model: plain data that says everything the emitters need, names already made safe.
//!
//! No prost, tonic or token types here, so another gRPC backend later is a new emitter and
//! not a rewrite. The prost/tonic emitter gets the compiled protos as encoded bytes.

mod build;
mod codes;
mod config;
mod docs;
mod errors;

pub use build::{build, package_module};
pub use codes::GrpcCode;
pub use config::{ConfigField, ConfigType, ConfigValue, parse_duration};
pub use errors::{ErrorDetail, ErrorField, ErrorVariant, ProtoDeclaration, Scalar};

use std::time::Duration;

/// Everything one module's generators need.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub module: Module,
    pub sdk: Sdk,
    /// The services the manifest selected, in manifest order (proto order when it names none).
    pub services: Vec<Service>,
    pub protos: Protos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    /// The module's package name (`calculator`).
    pub name: String,
    pub version: String,
    pub config: Vec<ConfigField>,
    pub heartbeat_interval: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sdk {
    /// Cargo package name of the SDK (`calculator-sdk`).
    pub crate_name: String,
    /// The error enum's name (`CalculatorError`).
    pub error_type: String,
    /// Variants from the manifest, in manifest order, then those declared in the protos.
    pub error_variants: Vec<ErrorVariant>,
    /// `ErrorInfo.domain` of this SDK's errors: the (first) service's full name.
    pub error_domain: String,
}

/// The compiled protos, kept as bytes so the model stays free of prost types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protos {
    /// Encoded `FileDescriptorSet` of the module's files and all their imports, with
    /// source info (comments), in dependency order.
    pub descriptor_set: Vec<u8>,
    /// What the generated files were made from, for their headers: the manifest's file name
    /// and the proto names relative to their include roots. Never absolute paths, so the
    /// output does not depend on where the checkout lives.
    pub inputs: Vec<String>,
    /// Every file protox opened, on disk (for `cargo:rerun-if-changed` in build scripts).
    pub opened_paths: Vec<std::path::PathBuf>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// As written in the proto (`RouteGuide`).
    pub proto_name: String,
    /// The proto package (`routeguide`); empty for files without one.
    pub package: String,
    /// The fully qualified gRPC name (`routeguide.RouteGuide`).
    pub full_name: String,
    /// Rust module path of the package inside the SDK's `proto` module (`["routeguide"]`).
    pub package_module: Vec<String>,
    /// prost/tonic's name for the service (`RouteGuide`): tonic's server trait.
    pub rust_name: String,
    /// tonic's server module (`route_guide_server`).
    pub tonic_server_module: String,
    /// The SDK's API trait (`RouteGuideApi`).
    pub trait_name: String,
    /// The SDK's client struct (`RouteGuideClient`).
    pub client_name: String,
    /// The server adapter struct (`RouteGuideAdapter`).
    pub adapter_name: String,
    /// Prefix for per-service free items when the SDK has several services (`route_guide`);
    /// `None` when there is one service, so its items keep the short names.
    pub item_prefix: Option<String>,
    /// The proto comment as rustdoc lines ([`crate::docs::rustdoc`]), links written for a
    /// top-level module of the SDK.
    pub docs: Vec<String>,
    pub deprecated: bool,
    pub methods: Vec<Method>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method {
    /// As written in the proto (`GetFeature`); also the last segment of the gRPC path.
    pub proto_name: String,
    /// The API trait and client method (`get_feature`, `new_` for a reserved name).
    pub api_name: String,
    /// tonic's server trait method (`get_feature`).
    pub tonic_name: String,
    pub input: MessageRef,
    pub output: MessageRef,
    pub streaming: Streaming,
    /// As [`Service::docs`].
    pub docs: Vec<String>,
    pub deprecated: bool,
}

impl Method {
    /// The HTTP/2 path of the call (`/routeguide.RouteGuide/GetFeature`).
    pub fn grpc_path(&self, service: &Service) -> String {
        format!("/{}/{}", service.full_name, self.proto_name)
    }

    /// tonic's associated stream type on the server trait (`ListFeaturesStream`).
    pub fn tonic_stream_type(&self) -> String {
        format!("{}Stream", self.proto_name)
    }

    /// What the API method takes after `ctx`: every emitter that declares, implements or
    /// calls it asks here.
    pub fn request_param(&self) -> RequestParam {
        match (self.streaming.client_streams(), &self.input) {
            (true, _) => RequestParam::Stream,
            (false, MessageRef::Unit) => RequestParam::Unit,
            (false, _) => RequestParam::Message,
        }
    }
}

/// What an API method takes after `ctx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestParam {
    /// `requests: ApiStream<T>`: the RPC streams its requests.
    Stream,
    /// Nothing: a unary request of `google.protobuf.Empty`.
    Unit,
    /// `request: T`.
    Message,
}

/// The four kinds of gRPC call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Streaming {
    Unary,
    ServerStreaming,
    ClientStreaming,
    Bidi,
}

impl Streaming {
    pub fn from_flags(client_streaming: bool, server_streaming: bool) -> Self {
        match (client_streaming, server_streaming) {
            (false, false) => Streaming::Unary,
            (false, true) => Streaming::ServerStreaming,
            (true, false) => Streaming::ClientStreaming,
            (true, true) => Streaming::Bidi,
        }
    }

    pub fn client_streams(self) -> bool {
        matches!(self, Streaming::ClientStreaming | Streaming::Bidi)
    }

    pub fn server_streams(self) -> bool {
        matches!(self, Streaming::ServerStreaming | Streaming::Bidi)
    }
}

/// A request or response type, as the Rust code names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageRef {
    /// `google.protobuf.Empty`: tonic uses `()`.
    Unit,
    /// Another well-known type, from `prost_types` (`Timestamp`).
    WellKnown(String),
    /// A message generated into the SDK's `proto` module.
    Generated {
        /// The package's module path (`["opentelemetry", "proto", "common", "v1"]`).
        package_module: Vec<String>,
        /// Modules of enclosing messages (`["outer", "middle"]`), prost's nesting.
        parents: Vec<String>,
        /// The Rust type name (`KeyValue`).
        name: String,
    },
}
