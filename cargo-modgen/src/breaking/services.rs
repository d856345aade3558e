//! Services and their RPCs: removed (with a rename hint), added, request/response types and
//! streaming kinds of the RPCs in both sets.

use prost_types::{MethodDescriptorProto, ServiceDescriptorProto};

use super::index::Item;
use super::location::SERVICE_METHOD;
use super::messages::renamed_to;
use super::{ChangeKind, Diff};
use crate::error::Location;

type Service<'a> = Item<'a, ServiceDescriptorProto>;

impl Diff<'_> {
    pub(super) fn services(&mut self) {
        let (old, new) = (self.old, self.new);
        for (name, was) in &old.services {
            let Some(now) = new.services.get(name) else {
                let hint = renamed_to(was, &old.services, &new.services, same_rpcs);
                self.push(
                    ChangeKind::ServiceRemoved,
                    name,
                    format!("service `{name}` removed{hint} (its clients fail with UNIMPLEMENTED)"),
                    new.enclosing_location(name, was.file.name()),
                );
                continue;
            };
            self.rpcs(name, was, now);
        }
        for (name, now) in &new.services {
            if !old.services.contains_key(name) {
                self.push(
                    ChangeKind::ServiceAdded,
                    name,
                    format!("service `{name}` added"),
                    now.location(),
                );
            }
        }
    }

    fn rpcs(&mut self, service: &str, was: &Service<'_>, now: &Service<'_>) {
        for (j, rpc) in was.proto.method.iter().enumerate() {
            let subject = format!("{service}.{}", rpc.name());
            match find(now.proto, rpc.name()) {
                Some((i, same)) => self.rpc_signature(&subject, rpc, same, rpc_location(now, i)),
                None => {
                    // A rename hint: an RPC new in the same slot with the same signature.
                    let hint = now
                        .proto
                        .method
                        .get(j)
                        .filter(|m| {
                            find(was.proto, m.name()).is_none() && signature(m) == signature(rpc)
                        })
                        .map(|m| format!(" (renamed to `{}`?)", m.name()))
                        .unwrap_or_default();
                    self.push(
                        ChangeKind::RpcRemoved,
                        &subject,
                        format!(
                            "RPC `{subject}` removed{hint} (its callers fail with UNIMPLEMENTED)"
                        ),
                        now.location(),
                    );
                }
            }
        }
        for (i, rpc) in now.proto.method.iter().enumerate() {
            if find(was.proto, rpc.name()).is_none() {
                let subject = format!("{service}.{}", rpc.name());
                self.push(
                    ChangeKind::RpcAdded,
                    &subject,
                    format!("RPC `{subject}` added"),
                    rpc_location(now, i),
                );
            }
        }
    }

    fn rpc_signature(
        &mut self,
        subject: &str,
        was: &MethodDescriptorProto,
        now: &MethodDescriptorProto,
        at: Option<Location>,
    ) {
        for (side, before, after) in [
            ("request", was.input_type(), now.input_type()),
            ("response", was.output_type(), now.output_type()),
        ] {
            if before != after {
                self.push(
                    ChangeKind::RpcTypeChanged,
                    subject,
                    format!(
                        "RPC `{subject}` {side} type changed from `{}` to `{}` (wire)",
                        before.trim_start_matches('.'),
                        after.trim_start_matches('.')
                    ),
                    at.clone(),
                );
            }
        }
        let (before, after) = (streaming(was), streaming(now));
        if before != after {
            self.push(
                ChangeKind::RpcStreamingChanged,
                subject,
                format!("RPC `{subject}` changed from {before} to {after} (wire)"),
                at,
            );
        }
    }
}

fn streaming(rpc: &MethodDescriptorProto) -> &'static str {
    match (rpc.client_streaming(), rpc.server_streaming()) {
        (false, false) => "unary",
        (false, true) => "server streaming",
        (true, false) => "client streaming",
        (true, true) => "bidirectional streaming",
    }
}

fn signature(rpc: &MethodDescriptorProto) -> (&str, &str, &'static str) {
    (rpc.input_type(), rpc.output_type(), streaming(rpc))
}

/// The same RPC names and streaming kinds in the same order (message types aside: a
/// package change renames them too).
fn same_rpcs(a: &ServiceDescriptorProto, b: &ServiceDescriptorProto) -> bool {
    let rpcs = |s: &ServiceDescriptorProto| {
        s.method
            .iter()
            .map(|m| (m.name().to_string(), streaming(m)))
            .collect::<Vec<_>>()
    };
    rpcs(a) == rpcs(b)
}

fn find<'a>(
    service: &'a ServiceDescriptorProto,
    name: &str,
) -> Option<(usize, &'a MethodDescriptorProto)> {
    service
        .method
        .iter()
        .enumerate()
        .find(|(_, m)| m.name() == name)
}

fn rpc_location(service: &Service<'_>, index: usize) -> Option<Location> {
    let path = [service.path.as_slice(), &[SERVICE_METHOD, index as i32]].concat();
    super::location::locate(service.file, &path)
}
