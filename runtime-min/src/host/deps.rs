//! Dependencies between the modules of one host: the order they start in, and the
//! refusals (a cycle, a name that is not a module of the host) found before anything runs.
//!
//! The order is only half of it: a dependent is *started* once its dependencies are
//! ready (see `host::readiness`), so a slow dependency delays its dependents and
//! nothing else.

use std::fmt;

use super::config::ModuleEntry;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DependencyError {
    #[error("module '{module}' depends on '{dependency}', which is not a module of this host")]
    Unknown { module: String, dependency: String },
    /// The modules along the cycle, the first repeated at the end: `a -> b -> a`.
    #[error("modules depend on each other in a cycle: {}", Cycle(.0))]
    Cycle(Vec<String>),
}

struct Cycle<'a>(&'a [String]);

impl fmt::Display for Cycle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" -> "))
    }
}

/// Indices into `modules`, every module after its dependencies and otherwise in file
/// order. Unknown names are reported before cycles, each in file order, so the first
/// error is the one nearest the top of the YAML.
pub fn start_order(modules: &[ModuleEntry]) -> Result<Vec<usize>, DependencyError> {
    let index_of = |name: &str| modules.iter().position(|module| module.name == name);
    let mut edges = Vec::with_capacity(modules.len());
    for module in modules {
        let mut dependencies = Vec::with_capacity(module.deps.len());
        for dependency in &module.deps {
            let Some(index) = index_of(dependency) else {
                return Err(DependencyError::Unknown {
                    module: module.name.clone(),
                    dependency: dependency.clone(),
                });
            };
            dependencies.push(index);
        }
        edges.push(dependencies);
    }
    let mut walk = Walk {
        edges: &edges,
        state: vec![Mark::Unvisited; modules.len()],
        path: Vec::new(),
        order: Vec::with_capacity(modules.len()),
    };
    for start in 0..modules.len() {
        if let Err(cycle) = walk.visit(start) {
            let names = cycle.iter().map(|&i| modules[i].name.clone()).collect();
            return Err(DependencyError::Cycle(names));
        }
    }
    Ok(walk.order)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unvisited,
    /// On the current path: meeting it again closes a cycle.
    InProgress,
    Done,
}

/// A depth-first walk that emits a module once all its dependencies were emitted.
struct Walk<'a> {
    edges: &'a [Vec<usize>],
    state: Vec<Mark>,
    path: Vec<usize>,
    order: Vec<usize>,
}

impl Walk<'_> {
    /// `Err(cycle)`: the indices along the cycle, the first repeated at the end.
    fn visit(&mut self, node: usize) -> Result<(), Vec<usize>> {
        match self.state[node] {
            Mark::Done => return Ok(()),
            Mark::InProgress => {
                let from = self.path.iter().position(|&n| n == node).unwrap_or(0);
                let mut cycle = self.path[from..].to_vec();
                cycle.push(node);
                return Err(cycle);
            }
            Mark::Unvisited => {}
        }
        self.state[node] = Mark::InProgress;
        self.path.push(node);
        for &dependency in &self.edges[node] {
            self.visit(dependency)?;
        }
        self.path.pop();
        self.state[node] = Mark::Done;
        self.order.push(node);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::config::{Execution, ModuleRuntime, RuntimeKind};

    fn module(name: &str, deps: &[&str]) -> ModuleEntry {
        ModuleEntry {
            name: name.to_owned(),
            runtime: ModuleRuntime {
                kind: RuntimeKind::Oop,
                execution: Execution {
                    executable_path: "/bin/true".into(),
                    args: Vec::new(),
                    working_directory: None,
                    environment: Default::default(),
                },
            },
            config: None,
            deps: deps.iter().map(|d| (*d).to_owned()).collect(),
            tokenless: false,
            access: None,
            transport: None,
        }
    }

    fn names(modules: &[ModuleEntry]) -> Result<Vec<&str>, DependencyError> {
        let order = start_order(modules)?;
        Ok(order.iter().map(|&i| modules[i].name.as_str()).collect())
    }

    #[test]
    fn dependencies_come_first_and_independent_modules_keep_file_order() {
        let modules = [
            module("gateway", &["orders", "users"]),
            module("orders", &["db"]),
            module("metrics", &[]),
            module("users", &["db"]),
            module("db", &[]),
        ];
        assert_eq!(
            names(&modules),
            Ok(vec!["db", "orders", "users", "gateway", "metrics"])
        );
    }

    #[test]
    fn a_cycle_is_refused_naming_every_module_on_it() {
        let modules = [
            module("a", &[]),
            module("b", &["c"]),
            module("c", &["d"]),
            module("d", &["b"]),
        ];
        assert_eq!(
            names(&modules),
            Err(DependencyError::Cycle(vec![
                "b".into(),
                "c".into(),
                "d".into(),
                "b".into()
            ]))
        );
        let message = start_order(&modules).unwrap_err().to_string();
        assert_eq!(
            message,
            "modules depend on each other in a cycle: b -> c -> d -> b"
        );
    }

    #[test]
    fn a_module_depending_on_itself_is_a_cycle() {
        let modules = [module("a", &["a"])];
        assert_eq!(
            names(&modules),
            Err(DependencyError::Cycle(vec!["a".into(), "a".into()]))
        );
    }

    #[test]
    fn an_unknown_dependency_is_refused_naming_both_modules() {
        let modules = [module("a", &[]), module("b", &["a", "calc"])];
        let error = start_order(&modules).unwrap_err();
        assert_eq!(
            error.to_string(),
            "module 'b' depends on 'calc', which is not a module of this host"
        );
    }
}
