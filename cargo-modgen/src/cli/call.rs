//! `cargo modgen call <Service>/<Method> '<json>'`: resolve the service through the
//! directory, learn its schema from the module (server reflection), call it, print JSON.

use std::str::FromStr;
use std::time::Duration;

use http::uri::PathAndQuery;
use prost_reflect::{DynamicMessage, MethodDescriptor, SerializeOptions, ServiceDescriptor};
use tokio_stream::StreamExt;
use tonic::Status;
use tonic::client::Grpc;
use tonic::transport::Channel;

use modgen::model::GrpcCode;
use modgen_runtime::client::{ClientOptions, connect};
use modgen_runtime::context::CallContext;
use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::identity::{install_process_credential, run_dir};

use super::dynamic_codec::DynamicCodec;
use super::lookup;
use super::reflection::{descriptor_pool_for, list_services};

/// What `call` was asked to do, already parsed by the CLI.
pub struct CallRequest {
    /// `pkg.Service/Method`.
    pub target: String,
    /// The request as JSON: an object, or for client-streaming and bidi calls an array
    /// of objects sent one by one.
    pub json: String,
    pub directory: Option<String>,
    /// Skip the directory and call this endpoint.
    pub endpoint: Option<String>,
    pub timeout: Duration,
}

/// A failed call: what to print on stderr. Remote errors keep their gRPC code and message.
#[derive(Debug)]
pub enum CallError {
    Usage(String),
    Remote(Status),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Usage(message) => f.write_str(message),
            CallError::Remote(status) => write!(
                f,
                "{} ({}): {}",
                code_name(status.code()),
                status.code() as i32,
                status.message()
            ),
        }
    }
}

impl From<Status> for CallError {
    fn from(status: Status) -> Self {
        CallError::Remote(status)
    }
}

/// Runs the call and writes each response to `out` as pretty JSON, one after another.
pub async fn call(request: CallRequest, out: &mut dyn std::io::Write) -> Result<(), CallError> {
    let (service, method_name) = split_target(&request.target)?;
    let (service, endpoint) = match &request.endpoint {
        Some(endpoint) => (service.to_owned(), endpoint.clone()),
        None => {
            let resolved = through_directory(request.directory.as_deref(), service).await?;
            (resolved.registered_name, resolved.endpoint)
        }
    };
    present_credential(request.directory.as_deref());
    let options = ClientOptions::default();
    let channel = connect(&endpoint, &options)
        .await
        .map_err(|error| CallError::Usage(format!("cannot connect to {endpoint}: {error}")))?;

    let service_descriptor = described_service(channel.clone(), &service, &endpoint).await?;
    let service = service_descriptor.full_name();
    let method = service_descriptor
        .methods()
        .find(|method| method.name() == method_name)
        .ok_or_else(|| {
            let known: Vec<String> = service_descriptor
                .methods()
                .map(|method| method.name().to_owned())
                .collect();
            CallError::Usage(format!(
                "service '{service}' has no method '{method_name}' (it has: {})",
                known.join(", ")
            ))
        })?;

    let messages = parse_messages(&method, &request.json)?;
    let context = CallContext::new().with_timeout(request.timeout);
    invoke(channel, &method, messages, &context, out).await
}

/// Calls go out with a credential when one is at hand: the file
/// `MODGEN_IDENTITY_CREDENTIAL_FILE` names, else the operator credential the host of
/// `directory` left for its user. Without one the call is anonymous, which a module
/// under a host refuses unless its policy allows it.
fn present_credential(directory: Option<&str>) {
    let named = std::env::var_os(modgen_contract::env::IDENTITY_CREDENTIAL_FILE)
        .filter(|path| !path.is_empty())
        .map(std::path::PathBuf::from);
    let operator = directory.map(run_dir::operator_credential);
    if let Some(path) = named.or(operator).filter(|path| path.is_file()) {
        install_process_credential(path);
    }
}

async fn through_directory(
    directory: Option<&str>,
    service: &str,
) -> Result<lookup::Resolved, CallError> {
    let directory = directory.ok_or_else(|| {
        CallError::Usage(
            "no directory to resolve through: pass --directory URI, set \
             MODGEN_DIRECTORY_ENDPOINT, or start the workspace with `cargo modgen run`"
                .to_owned(),
        )
    })?;
    let client = DirectoryClient::connect(directory).await.map_err(|error| {
        CallError::Usage(format!(
            "cannot reach the directory at {directory}: {error}"
        ))
    })?;
    lookup::resolve(&client, service).await
}

/// The service as the module describes it. The name it was registered under is asked for
/// first; when the module does not know that name (ModKit registers names that differ from
/// its proto's), the one service it serves with the same last segment
/// (`calculator.v1.CalculatorService` → `oop.calculator.v1.CalculatorService`).
async fn described_service(
    channel: Channel,
    service: &str,
    endpoint: &str,
) -> Result<ServiceDescriptor, CallError> {
    if let Ok(pool) = descriptor_pool_for(channel.clone(), service).await
        && let Some(described) = pool.get_service_by_name(service)
    {
        return Ok(described);
    }
    let served = list_services(channel.clone())
        .await
        .map_err(|error| CallError::Usage(format!("{endpoint}: {error}")))?;
    let alike: Vec<&String> = served
        .iter()
        .filter(|name| lookup::last_segment(name) == lookup::last_segment(service))
        .collect();
    let [proto_name] = alike.as_slice() else {
        return Err(CallError::Usage(format!(
            "{endpoint} does not describe service '{service}' (it serves: {})",
            served.join(", ")
        )));
    };
    let pool = descriptor_pool_for(channel, proto_name)
        .await
        .map_err(|error| CallError::Usage(format!("{endpoint}: {error}")))?;
    pool.get_service_by_name(proto_name).ok_or_else(|| {
        CallError::Usage(format!(
            "{endpoint} does not describe service '{proto_name}'"
        ))
    })
}

fn split_target(target: &str) -> Result<(&str, &str), CallError> {
    let (service, method) = target.rsplit_once('/').ok_or_else(|| {
        CallError::Usage(format!(
            "'{target}' is not <Service>/<Method>, e.g. oop.calculator.v1.CalculatorService/Add"
        ))
    })?;
    if service.is_empty() || method.is_empty() {
        return Err(CallError::Usage(format!(
            "'{target}' is not <Service>/<Method>"
        )));
    }
    Ok((service, method))
}

/// Client-streaming and bidi methods take a JSON array (one message per element); the
/// others take exactly one object.
fn parse_messages(method: &MethodDescriptor, json: &str) -> Result<Vec<DynamicMessage>, CallError> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|error| CallError::Usage(format!("the request is not JSON: {error}")))?;
    let values = match value {
        serde_json::Value::Array(values) if method.is_client_streaming() => values,
        value if method.is_client_streaming() => vec![value],
        serde_json::Value::Array(_) => {
            return Err(CallError::Usage(format!(
                "{} takes one request object, not an array",
                method.full_name()
            )));
        }
        value => vec![value],
    };
    values
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            DynamicMessage::deserialize(method.input(), value).map_err(|error| {
                let at = if method.is_client_streaming() {
                    format!(" (element {index})")
                } else {
                    String::new()
                };
                CallError::Usage(format!(
                    "the request does not match {}{at}: {error}",
                    method.input().full_name()
                ))
            })
        })
        .collect()
}

async fn invoke(
    channel: Channel,
    method: &MethodDescriptor,
    mut messages: Vec<DynamicMessage>,
    context: &CallContext,
    out: &mut dyn std::io::Write,
) -> Result<(), CallError> {
    let path = PathAndQuery::from_str(&format!(
        "/{}/{}",
        method.parent_service().full_name(),
        method.name()
    ))
    .map_err(|error| CallError::Usage(format!("invalid method path: {error}")))?;
    let codec = DynamicCodec::new(method.output());
    let mut grpc = Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|error| Status::unavailable(format!("the module is not ready: {error}")))?;

    match (method.is_client_streaming(), method.is_server_streaming()) {
        (false, false) => {
            let request = context.to_request(messages.remove(0));
            let response = grpc.unary(request, path, codec).await?;
            print_message(out, &response.into_inner())
        }
        (false, true) => {
            let request = context.to_request(messages.remove(0));
            let mut stream = grpc
                .server_streaming(request, path, codec)
                .await?
                .into_inner();
            while let Some(message) = stream.message().await? {
                print_message(out, &message)?;
            }
            Ok(())
        }
        (true, false) => {
            let request = context.to_request(tokio_stream::iter(messages));
            let response = grpc.client_streaming(request, path, codec).await?;
            print_message(out, &response.into_inner())
        }
        (true, true) => {
            let request = context.to_request(tokio_stream::iter(messages));
            let mut stream = grpc.streaming(request, path, codec).await?.into_inner();
            while let Some(message) = stream.next().await {
                print_message(out, &message?)?;
            }
            Ok(())
        }
    }
}

fn print_message(out: &mut dyn std::io::Write, message: &DynamicMessage) -> Result<(), CallError> {
    // Defaults are printed so a zero sum reads `"sum": "0"`, not `{}`.
    let options = SerializeOptions::new().skip_default_fields(false);
    let mut serializer = serde_json::Serializer::pretty(Vec::new());
    message
        .serialize_with_options(&mut serializer, &options)
        .map_err(|error| CallError::Usage(format!("cannot print the response: {error}")))?;
    let mut text = serializer.into_inner();
    text.push(b'\n');
    out.write_all(&text)
        .map_err(|error| CallError::Usage(format!("cannot write the response: {error}")))
}

/// The canonical upper-case name of a gRPC code, as in the gRPC spec.
pub fn code_name(code: tonic::Code) -> &'static str {
    GrpcCode::from_number(code as i32).map_or("UNKNOWN", GrpcCode::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_are_the_spec_names() {
        assert_eq!(code_name(tonic::Code::InvalidArgument), "INVALID_ARGUMENT");
        assert_eq!(code_name(tonic::Code::Unauthenticated), "UNAUTHENTICATED");
    }

    #[test]
    fn target_splits_at_the_last_slash() {
        let (service, method) = split_target("oop.calculator.v1.CalculatorService/Add").unwrap();
        assert_eq!(service, "oop.calculator.v1.CalculatorService");
        assert_eq!(method, "Add");
    }

    #[test]
    fn target_without_method_is_a_usage_error() {
        assert!(matches!(
            split_target("Calculator"),
            Err(CallError::Usage(_))
        ));
        assert!(matches!(
            split_target("Calculator/"),
            Err(CallError::Usage(_))
        ));
    }
}
