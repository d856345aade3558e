//! The client hub: one place where a module finds the clients of the services it calls,
//! by the trait it codes against (`hub.get::<dyn CalculatorApi>()`), whether the
//! implementation behind it is local or remote.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use crate::context::CallContext;

type Entries = HashMap<TypeId, Box<dyn Any + Send + Sync>>;

/// A type map of `Arc<T>` (usually `Arc<dyn Trait>`), cheap to clone and shared by clones.
#[derive(Default, Clone)]
pub struct ClientHub {
    // `Arc<dyn Trait>` is a fat pointer and not `Any` itself, so each entry boxes the
    // `Arc<T>`; the key is `TypeId::of::<T>()`, which is why a lookup can downcast back.
    entries: Arc<RwLock<Entries>>,
}

impl ClientHub {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `client` as the `T`, replacing any earlier one.
    pub fn register<T: ?Sized + Send + Sync + 'static>(&self, client: Arc<T>) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        entries.insert(TypeId::of::<T>(), Box::new(client));
    }

    /// The registered `T`, if any.
    pub fn get<T: ?Sized + Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&TypeId::of::<T>())
            .and_then(|entry| entry.downcast_ref::<Arc<T>>())
            .cloned()
    }

    /// Removes the `T` and returns it.
    pub fn remove<T: ?Sized + Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        entries
            .remove(&TypeId::of::<T>())
            .and_then(|entry| entry.downcast::<Arc<T>>().ok())
            .map(|boxed| *boxed)
    }

    pub fn contains<T: ?Sized + Send + Sync + 'static>(&self) -> bool {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.contains_key(&TypeId::of::<T>())
    }
}

impl std::fmt::Debug for ClientHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("ClientHub")
            .field("clients", &entries.len())
            .finish()
    }
}

/// The context an in-process implementation gets on a call through the hub (what the
/// SDK's `wire_client` returns for a module registered in the hub): `ctx` with the
/// calling module as its caller, or no caller when the client belongs to no module.
///
/// There is no wire and no credential between modules of one process: the name comes
/// from the handle the host gave the calling module (its resolver, see
/// [`crate::identity::Caller`]), so it is as trustworthy as the process itself. A caller
/// that passes its own incoming context on would otherwise hand the callee its own
/// caller's name. Copies the context only when the caller changes.
pub fn in_process_context<'a>(ctx: &'a CallContext, caller: Option<&str>) -> Cow<'a, CallContext> {
    if ctx.caller.as_deref() == caller {
        return Cow::Borrowed(ctx);
    }
    let mut ctx = ctx.clone();
    ctx.caller = caller.map(str::to_owned);
    Cow::Owned(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hub_call_names_the_calling_module_not_the_previous_hop() {
        let incoming = CallContext::new().with_caller("operator");
        let passed_on = in_process_context(&incoming, Some("orders"));
        assert_eq!(passed_on.caller.as_deref(), Some("orders"));
        assert_eq!(passed_on.request_id, incoming.request_id, "same call chain");
        assert_eq!(in_process_context(&incoming, None).caller, None);
        assert!(matches!(
            in_process_context(&passed_on, Some("orders")),
            Cow::Borrowed(_)
        ));
    }
}
