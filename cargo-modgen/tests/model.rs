//! The model built from real protos: streaming kinds, safe names, type paths, collisions.

mod common;

use modgen::model::{MessageRef, Streaming};
use modgen::{ErrorKind, Manifest};

fn case(name: &str) -> &'static common::Case {
    common::CASES.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn streaming_kind_comes_from_the_stream_keywords() {
    let model = case("route-guide").model();
    let kinds: Vec<(&str, Streaming)> = model.services[0]
        .methods
        .iter()
        .map(|m| (m.proto_name.as_str(), m.streaming))
        .collect();
    assert_eq!(
        kinds,
        [
            ("GetFeature", Streaming::Unary),
            ("ListFeatures", Streaming::ServerStreaming),
            ("RecordRoute", Streaming::ClientStreaming),
            ("RouteChat", Streaming::Bidi),
        ]
    );
}

#[test]
fn rpc_names_become_safe_rust_method_names() {
    let model = case("stress").model();
    let stress = &model.services[0];
    let names: Vec<(&str, &str, &str)> = stress
        .methods
        .iter()
        .map(|m| {
            (
                m.proto_name.as_str(),
                m.api_name.as_str(),
                m.tonic_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Type", "r#type", "r#type"),
            ("New", "new_", "new"),
            ("Clone", "clone_", "clone"),
            ("Connect", "connect_", "connect"),
            ("Ping", "ping", "ping"),
            ("Watch", "watch", "watch"),
            ("Upload", "upload", "upload"),
            ("Chat", "chat", "chat"),
            ("IntoList", "into_list", "into_list"),
            ("FromText", "from_text", "from_text"),
            ("Match", "r#match", "r#match"),
        ]
    );
    let client = &model.services[1];
    let names: Vec<&str> = client.methods.iter().map(|m| m.api_name.as_str()).collect();
    assert_eq!(names, ["self_", "r#async", "with_options_"]);
}

#[test]
fn two_services_get_prefixed_items_and_their_own_names() {
    let model = case("stress").model();
    let stress = &model.services[0];
    let client = &model.services[1];
    assert_eq!(
        (stress.trait_name.as_str(), stress.client_name.as_str()),
        ("StressApi", "StressClient")
    );
    assert_eq!(stress.item_prefix.as_deref(), Some("stress"));
    // A service named `Client`: the manifest renamed its client struct.
    assert_eq!(
        (client.trait_name.as_str(), client.client_name.as_str()),
        ("ClientApi", "ClientServiceClient")
    );
    assert_eq!(client.tonic_server_module, "client_server");
    assert_eq!(client.full_name, "stress.v1.Client");
}

#[test]
fn empty_is_unit_and_nested_messages_follow_prost_modules() {
    let model = case("stress").model();
    let ping = &model.services[0].methods[4];
    assert_eq!(
        (&ping.input, &ping.output),
        (&MessageRef::Unit, &MessageRef::Unit)
    );
    let with_options = &model.services[1].methods[2];
    assert_eq!(
        with_options.output,
        MessageRef::Generated {
            package_module: vec!["stress".into(), "v1".into()],
            parents: vec![
                "outer".into(),
                "middle".into(),
                "inner".into(),
                "deeper".into()
            ],
            name: "Deepest".into(),
        }
    );
    let self_ = &model.services[1].methods[0];
    assert!(matches!(&self_.input, MessageRef::Generated { name, .. } if name == "String"));
}

#[test]
fn proto_comments_become_docs_and_deprecation_is_kept() {
    let model = case("route-guide").model();
    assert_eq!(
        model.services[0].docs,
        ["Interface exported by the server."]
    );
    assert_eq!(model.services[0].methods[0].docs[0], "A simple RPC.");
    let stress = case("stress").model();
    let deprecated: Vec<&str> = stress.services[0]
        .methods
        .iter()
        .filter(|m| m.deprecated)
        .map(|m| m.proto_name.as_str())
        .collect();
    assert_eq!(deprecated, ["Match"]);
}

#[test]
fn colliding_generated_names_are_reported_together() {
    let manifest = Manifest::parse(
        r#"
[module]
name = "stress"

[proto]
files = ["stress/v1/stress.proto"]

[[services]]
name = "Stress"
trait = "SharedApi"

[[services]]
name = "stress.v1.Client"
trait = "SharedApi"
client = "StressClient"
"#,
        "modgen.toml",
    )
    .unwrap();
    let errors =
        modgen::load_manifest(&manifest, &case("stress").base_dir(), "modgen.toml").unwrap_err();
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "modgen.toml:14:9: the API trait of `stress.v1.Client` would be named `SharedApi`, which is already the API trait of `stress.v1.Stress`; choose other names with `trait` / `client` in `[[services]]` or `[sdk] error`",
            "modgen.toml:15:10: the client of `stress.v1.Client` would be named `StressClient`, which is already the client of `stress.v1.Stress`; choose other names with `trait` / `client` in `[[services]]` or `[sdk] error`",
        ]
    );
    assert!(errors.iter().all(|e| e.kind == ErrorKind::NameCollision));
}

#[test]
fn sdk_trait_is_rejected_when_several_services_are_generated() {
    let manifest = Manifest::parse(
        "[module]\nname = \"stress\"\n[proto]\nfiles = [\"stress/v1/stress.proto\"]\n[sdk]\ntrait = \"One\"\n",
        "modgen.toml",
    )
    .unwrap();
    let errors =
        modgen::load_manifest(&manifest, &case("stress").base_dir(), "modgen.toml").unwrap_err();
    assert_eq!(
        errors.to_string(),
        "modgen.toml:6:9: `[sdk] trait` names one trait, but several services are generated; set `trait` on each `[[services]]` entry instead"
    );
}
