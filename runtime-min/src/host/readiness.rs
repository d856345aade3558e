//! Whether each module is ready for its dependents: one watch channel per module,
//! written by its supervisor and read by the supervisors of the modules that depend on it.
//!
//! Ready means registered with the directory. Readiness only gates the *first* start of
//! a dependent: when a dependency crashes later and is restarted, its dependents keep
//! running and their calls recover through the client's retries.

use tokio::sync::watch;

use super::config::ModuleEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Starting,
    Ready,
    /// It ended (gave up on, finished, or never started) without ever being ready.
    Unavailable,
}

/// What one supervisor needs: its own state to publish, and its dependencies' to await.
pub struct ModuleReadiness {
    own: watch::Sender<Readiness>,
    dependencies: Vec<(String, watch::Receiver<Readiness>)>,
}

/// One [`ModuleReadiness`] per module, in the order of `modules`. The names in `deps`
/// must be modules of the list (`deps::start_order` checked that).
pub fn for_modules(modules: &[ModuleEntry]) -> Vec<ModuleReadiness> {
    let senders: Vec<_> = modules
        .iter()
        .map(|_| watch::Sender::new(Readiness::Starting))
        .collect();
    modules
        .iter()
        .zip(&senders)
        .map(|(module, own)| ModuleReadiness {
            own: own.clone(),
            dependencies: module
                .deps
                .iter()
                .filter_map(|name| {
                    let index = modules.iter().position(|m| &m.name == name)?;
                    Some((name.clone(), senders[index].subscribe()))
                })
                .collect(),
        })
        .collect()
}

impl ModuleReadiness {
    /// The dependencies not ready yet, for the host to say what it waits for.
    pub fn pending(&self) -> Vec<&str> {
        self.dependencies
            .iter()
            .filter(|(_, state)| *state.borrow() != Readiness::Ready)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Waits until every dependency is ready; `Err(name)` of the first one that ended
    /// without ever being ready.
    pub async fn dependencies_ready(&mut self) -> Result<(), String> {
        for (name, state) in &mut self.dependencies {
            match state.wait_for(|state| *state != Readiness::Starting).await {
                Ok(state) if *state == Readiness::Ready => {}
                // A dropped sender is a supervisor that ended: not ready either.
                _ => return Err(name.clone()),
            }
        }
        Ok(())
    }

    pub fn is_ready(&self) -> bool {
        *self.own.borrow() == Readiness::Ready
    }

    pub fn mark_ready(&self) {
        self.own.send_replace(Readiness::Ready);
    }

    /// At the supervisor's end: a module that never became ready never will.
    pub fn mark_ended(&self) {
        self.own.send_if_modified(|state| {
            let starting = *state == Readiness::Starting;
            if starting {
                *state = Readiness::Unavailable;
            }
            starting
        });
    }
}
