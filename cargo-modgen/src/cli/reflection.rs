//! Fetches a service's descriptors from the module itself (gRPC server reflection v1),
//! so `call` works against any running module without its `.proto` files at hand.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use prost_reflect::DescriptorPool;
use prost_types::FileDescriptorProto;
use tonic::transport::Channel;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};

/// Builds a descriptor pool holding `service` and everything its files import.
pub async fn descriptor_pool_for(
    channel: Channel,
    service: &str,
) -> Result<DescriptorPool, String> {
    let mut client = ServerReflectionClient::new(channel);
    let mut files: BTreeMap<String, FileDescriptorProto> = BTreeMap::new();

    let first = ask(
        &mut client,
        MessageRequest::FileContainingSymbol(service.to_owned()),
    )
    .await?;
    add_files(&mut files, first)?;

    // Servers may answer with the file alone; fetch missing imports until closed.
    loop {
        let missing: BTreeSet<String> = files
            .values()
            .flat_map(|file| file.dependency.iter().cloned())
            .filter(|dependency| !files.contains_key(dependency))
            .collect();
        if missing.is_empty() {
            break;
        }
        for name in missing {
            let reply = ask(&mut client, MessageRequest::FileByFilename(name)).await?;
            add_files(&mut files, reply)?;
        }
    }

    let mut pool = DescriptorPool::new();
    pool.add_file_descriptor_protos(files.into_values())
        .map_err(|error| format!("the module's descriptors are inconsistent: {error}"))?;
    Ok(pool)
}

/// The full names of the services the server offers (reflection's ListServices).
pub async fn list_services(channel: Channel) -> Result<Vec<String>, String> {
    let mut client = ServerReflectionClient::new(channel);
    let reply = ask(&mut client, MessageRequest::ListServices(String::new())).await?;
    match reply.message_response {
        Some(MessageResponse::ListServicesResponse(response)) => Ok(response
            .service
            .into_iter()
            .map(|service| service.name)
            .collect()),
        Some(MessageResponse::ErrorResponse(error)) => Err(format!(
            "server reflection: {} (code {})",
            error.error_message, error.error_code
        )),
        _ => Err("server reflection gave an unexpected answer".to_owned()),
    }
}

async fn ask(
    client: &mut ServerReflectionClient<Channel>,
    request: MessageRequest,
) -> Result<ServerReflectionResponse, String> {
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let mut replies = client
        .server_reflection_info(tokio_stream::once(request))
        .await
        .map_err(|status| {
            format!(
                "server reflection failed ({:?}): {}",
                status.code(),
                status.message()
            )
        })?
        .into_inner();
    replies
        .message()
        .await
        .map_err(|status| format!("server reflection failed: {}", status.message()))?
        .ok_or_else(|| "server reflection closed without an answer".to_owned())
}

fn add_files(
    files: &mut BTreeMap<String, FileDescriptorProto>,
    reply: ServerReflectionResponse,
) -> Result<(), String> {
    match reply.message_response {
        Some(MessageResponse::FileDescriptorResponse(response)) => {
            for bytes in response.file_descriptor_proto {
                let file = FileDescriptorProto::decode(bytes.as_slice())
                    .map_err(|error| format!("undecodable file descriptor: {error}"))?;
                files.entry(file.name().to_owned()).or_insert(file);
            }
            Ok(())
        }
        Some(MessageResponse::ErrorResponse(error)) => Err(format!(
            "server reflection: {} (code {})",
            error.error_message, error.error_code
        )),
        _ => Err("server reflection gave an unexpected answer".to_owned()),
    }
}
