//! What every module serves beside its own routes, wherever it runs (its own process or a
//! host's): gRPC health, marked for each of its services, and server reflection of its
//! descriptors, so health checkers and `cargo modgen call` need not know where it runs.

use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use super::{ModuleSpec, OopError};

/// The health statuses of one module's services.
pub(crate) struct ModuleHealth {
    reporter: HealthReporter,
    services: &'static [&'static str],
}

impl ModuleHealth {
    /// Marks every service of the module SERVING.
    pub(crate) async fn serving(&self) {
        for service in self.services {
            self.reporter
                .set_service_status(*service, ServingStatus::Serving)
                .await;
        }
    }

    /// Marks every service of the module, and the server as a whole (`""`, which health
    /// checkers ask for by default), NOT_SERVING: a module on its way out.
    pub(crate) async fn not_serving(&self) {
        for service in self.services.iter().copied().chain([""]) {
            self.reporter
                .set_service_status(service, ServingStatus::NotServing)
                .await;
        }
    }
}

/// `routes` plus the health service and server reflection (v1 and v1alpha) of the spec's
/// descriptors, and the handle on the health statuses.
pub(crate) fn with_standard_services(
    routes: Routes,
    spec: &ModuleSpec,
) -> Result<(Routes, ModuleHealth), OopError> {
    let (reporter, health_service) = tonic_health::server::health_reporter();
    let reflection = || {
        spec.file_descriptor_sets.iter().fold(
            tonic_reflection::server::Builder::configure(),
            |builder, set| builder.register_encoded_file_descriptor_set(set),
        )
    };
    let v1 = reflection()
        .build_v1()
        .map_err(|error| OopError::Reflection(error.to_string()))?;
    // v1alpha too: grpcurl and older clients ask for it.
    let v1alpha = reflection()
        .build_v1alpha()
        .map_err(|error| OopError::Reflection(error.to_string()))?;
    let routes = routes
        .add_service(health_service)
        .add_service(v1)
        .add_service(v1alpha);
    let health = ModuleHealth {
        reporter,
        services: spec.service_names,
    };
    Ok((routes, health))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tonic_health::pb::health_check_response::ServingStatus as Wire;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

    use super::*;
    use crate::testing::serve_loopback;

    const SPEC: ModuleSpec = ModuleSpec {
        name: "pair",
        version: "1.0.0",
        service_names: &["a.v1.A", "b.v1.B"],
        file_descriptor_sets: &[],
        heartbeat_interval: Duration::from_secs(5),
    };

    async fn status(client: &mut HealthClient<tonic::transport::Channel>, service: &str) -> Wire {
        let request = HealthCheckRequest {
            service: service.to_owned(),
        };
        let reply = client.check(request).await.expect("a known service");
        reply.into_inner().status()
    }

    #[tokio::test]
    async fn every_service_of_the_module_serves_then_all_and_the_server_do_not() {
        let (routes, health) = with_standard_services(Routes::default(), &SPEC).unwrap();
        let server = serve_loopback(routes).await.unwrap();
        let mut client = HealthClient::new(server.channel.clone());

        health.serving().await;
        for service in ["a.v1.A", "b.v1.B", ""] {
            assert_eq!(
                status(&mut client, service).await,
                Wire::Serving,
                "{service:?}"
            );
        }

        health.not_serving().await;
        for service in ["a.v1.A", "b.v1.B", ""] {
            assert_eq!(
                status(&mut client, service).await,
                Wire::NotServing,
                "{service:?}"
            );
        }
    }
}
