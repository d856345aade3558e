//! `testing.rs`: serve any implementation on a loopback port and get a connected client,
//! and a fake of every API trait (`fake.rs`).

use proc_macro2::TokenStream;
use quote::quote;

use super::item;
use crate::emit::rust::{doc, ident};
use crate::error::Error;
use crate::model::Model;

pub fn emit(model: &Model) -> Result<TokenStream, Error> {
    let surface = api_surface(model)?;
    let functions = model.services.iter().map(|service| {
        let api = ident(&service.trait_name);
        let client = ident(&service.client_name);
        let serve = item(service, "serve_for_test");
        let routes = item(service, "routes");
        let serve_doc = doc(&format!(
            "Serves `api` as `{}` on `127.0.0.1:0` until the returned server drops, and a\n\
             client connected to it: the real wire path, for consumers' tests.\n\n\
             # Panics\n\n\
             When no loopback port can be bound.",
            service.full_name
        ));
        quote! {
            #serve_doc
            pub async fn #serve(api: Arc<dyn #api>) -> (LoopbackServer, #client) {
                let server = serve_loopback(#routes(api))
                    .await
                    .expect("bind a loopback port for the test server");
                let client = #client::from_channel(server.channel.clone());
                (server, client)
            }
        }
    });
    let traits = model.services.iter().map(|s| ident(&s.trait_name));
    let clients = model.services.iter().map(|s| ident(&s.client_name));
    let routes = model.services.iter().map(|s| item(s, "routes"));
    let fakes = super::fake::emit(model);
    Ok(quote! {
        //! Test helpers for consumers of this SDK.

        use std::sync::Arc;

        pub use modgen_runtime::testing::LoopbackServer;
        use modgen_runtime::testing::serve_loopback;

        use super::api::{#(#traits),*};
        use super::client::{#(#clients),*};
        use super::server::{#(#routes),*};

        #(#functions)*

        #fakes

        #surface
    })
}

/// `API_SURFACE`: the services and every message and enum they reach, one line per RPC,
/// field and value, as `concat!` of lines so the generated file reads like the text.
fn api_surface(model: &Model) -> Result<TokenStream, Error> {
    let text = crate::surface::of_model(model)?;
    let lines = text.split_inclusive('\n');
    Ok(quote! {
        /// The wire contract of this SDK as text: its services, and every message and enum
        /// their RPCs reach (field numbers, types, JSON names). Snapshot it in a test
        /// (`insta::assert_snapshot!(API_SURFACE)`) and a proto change shows up in review
        /// as a diff of what callers send and receive.
        pub const API_SURFACE: &str = concat!(#(#lines),*);
    })
}
