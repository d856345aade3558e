//! Which service a name typed after `cargo modgen call` means. The directory knows services
//! by the name their module *registered*, which need not be the proto's full name (ModKit
//! registers `calculator.v1.CalculatorService` for a proto in package `oop.calculator.v1`),
//! so a name matches a registered one when it equals it or is a dotted suffix of it:
//! `CalculatorService` and `v1.CalculatorService` both mean `calculator.v1.CalculatorService`.

use std::collections::BTreeMap;

use modgen_runtime::directory::DirectoryClient;
use modgen_runtime::directory::proto::InstanceInfo;
use tonic::Code;

use super::call::CallError;

/// `true` when `name` equals `full` or is a run of `full`'s trailing dotted segments.
pub fn is_dotted_suffix(name: &str, full: &str) -> bool {
    full == name
        || full
            .strip_suffix(name)
            .is_some_and(|head| head.ends_with('.'))
}

/// `Service` of `pkg.v1.Service`.
pub fn last_segment(full_name: &str) -> &str {
    full_name.rsplit('.').next().unwrap_or(full_name)
}

/// The registered names `query` means: itself when registered, else every registered name
/// it is a dotted suffix of. Sorted, each once.
pub fn matching<'a>(query: &str, registered: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut suffixed: Vec<&str> = Vec::new();
    for name in registered {
        if name == query {
            return vec![name];
        }
        if is_dotted_suffix(query, name) {
            suffixed.push(name);
        }
    }
    suffixed.sort_unstable();
    suffixed.dedup();
    suffixed
}

/// A service the directory resolved: the name it is registered under and one endpoint.
pub struct Resolved {
    pub registered_name: String,
    pub endpoint: String,
}

/// Resolves `query` through the directory. With a modgen directory, every live service is
/// listed (ListInstances with an empty module name) and `query` is matched against those
/// names; a directory that lists nothing that way (ModKit's) gets `query` as it is.
pub async fn resolve(client: &DirectoryClient, query: &str) -> Result<Resolved, CallError> {
    // Listing is best effort: on failure the exact name is still tried below.
    let owners = client
        .list_instances("")
        .await
        .map(|instances| service_owners(&instances))
        .unwrap_or_default();
    let registered_name = match matching(query, owners.keys().map(String::as_str)).as_slice() {
        [one] => (*one).to_owned(),
        [] => query.to_owned(),
        several => return Err(ambiguous(query, several, &owners)),
    };
    match client.resolve(&registered_name).await {
        Ok(endpoint) => Ok(Resolved {
            registered_name,
            endpoint,
        }),
        Err(status) if status.code() == Code::NotFound => Err(CallError::Usage(format!(
            "{}{}",
            status.message(),
            known_services(&owners)
        ))),
        Err(status) => Err(CallError::Remote(status)),
    }
}

/// Live service name → the modules serving it.
fn service_owners(instances: &[InstanceInfo]) -> BTreeMap<String, Vec<String>> {
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for instance in instances {
        for service in &instance.grpc_services {
            let modules = owners.entry(service.service_name.clone()).or_default();
            if !modules.contains(&instance.module_name) {
                modules.push(instance.module_name.clone());
            }
        }
    }
    owners
}

fn ambiguous(
    query: &str,
    candidates: &[&str],
    owners: &BTreeMap<String, Vec<String>>,
) -> CallError {
    let mut message = format!(
        "'{query}' matches {} live services; name one in full:",
        candidates.len()
    );
    for candidate in candidates {
        let modules = owners
            .get(*candidate)
            .map(|m| m.join(", "))
            .unwrap_or_default();
        message.push_str(&format!("\n  {candidate} (module {modules})"));
    }
    CallError::Usage(message)
}

fn known_services(owners: &BTreeMap<String, Vec<String>>) -> String {
    if owners.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = owners.keys().map(String::as_str).collect();
    format!("; live services: {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dotted_suffix_ends_at_a_segment_boundary() {
        assert!(is_dotted_suffix("Echo", "a.v1.Echo"));
        assert!(is_dotted_suffix("v1.Echo", "a.v1.Echo"));
        assert!(is_dotted_suffix("a.v1.Echo", "a.v1.Echo"));
        assert!(!is_dotted_suffix("cho", "a.v1.Echo"));
        assert!(!is_dotted_suffix("x.a.v1.Echo", "a.v1.Echo"));
    }

    #[test]
    fn an_exact_registration_wins_over_longer_names_ending_with_it() {
        let registered = ["oop.a.v1.Echo", "a.v1.Echo", "b.v1.Echo"];
        assert_eq!(matching("a.v1.Echo", registered), ["a.v1.Echo"]);
    }

    #[test]
    fn a_short_name_matches_every_registration_ending_with_it() {
        let registered = ["b.v1.Echo", "a.v1.Echo", "calc.v1.Calculator"];
        assert_eq!(matching("Echo", registered), ["a.v1.Echo", "b.v1.Echo"]);
        assert_eq!(matching("Calculator", registered), ["calc.v1.Calculator"]);
        assert!(matching("Nothing", registered).is_empty());
    }
}
