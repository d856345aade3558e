//! The client hub maps a trait (or any type) to one shared implementation.

use std::sync::Arc;

use modgen_runtime::hub::ClientHub;

trait Greeter: Send + Sync {
    fn greet(&self) -> String;
}

struct English;
impl Greeter for English {
    fn greet(&self) -> String {
        "hello".into()
    }
}

struct French;
impl Greeter for French {
    fn greet(&self) -> String {
        "bonjour".into()
    }
}

#[test]
fn hub_returns_the_registered_dyn_trait_object() {
    let hub = ClientHub::new();
    hub.register::<dyn Greeter>(Arc::new(English));

    let greeter = hub.get::<dyn Greeter>().expect("registered");

    assert_eq!(greeter.greet(), "hello");
}

#[test]
fn hub_get_of_an_unregistered_type_is_none() {
    let hub = ClientHub::new();
    assert!(hub.get::<dyn Greeter>().is_none());
    assert!(!hub.contains::<dyn Greeter>());
}

#[test]
fn a_dyn_trait_and_a_concrete_type_are_different_keys() {
    let hub = ClientHub::new();
    hub.register(Arc::new(English));

    assert!(hub.get::<English>().is_some());
    assert!(hub.get::<dyn Greeter>().is_none());
}

#[test]
fn registering_again_replaces_and_clones_see_it() {
    let hub = ClientHub::new();
    let clone = hub.clone();
    hub.register::<dyn Greeter>(Arc::new(English));

    clone.register::<dyn Greeter>(Arc::new(French));

    assert_eq!(hub.get::<dyn Greeter>().unwrap().greet(), "bonjour");
}

#[test]
fn remove_returns_the_client_and_forgets_it() {
    let hub = ClientHub::new();
    hub.register::<dyn Greeter>(Arc::new(English));

    let removed = hub.remove::<dyn Greeter>().expect("was registered");

    assert_eq!(removed.greet(), "hello");
    assert!(hub.get::<dyn Greeter>().is_none());
}

#[test]
fn the_hub_is_shared_across_threads() {
    let hub = ClientHub::new();
    let writer = hub.clone();
    std::thread::spawn(move || writer.register::<dyn Greeter>(Arc::new(French)))
        .join()
        .unwrap();
    assert_eq!(hub.get::<dyn Greeter>().unwrap().greet(), "bonjour");
}
