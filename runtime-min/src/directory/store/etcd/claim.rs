//! Registration as an etcd transaction: read who holds the instance id and each service
//! name, decide, then write only if none of what was read changed since. Two hosts racing
//! for one name both read it free, but only the first transaction's compares hold; the
//! second sees the name changed, reads again, and is refused.

use etcd_client::{
    Compare, CompareOp, GetOptions, KvClient, PutOptions, Txn, TxnOp, TxnOpResponse,
};

use super::keys::Keys;
use crate::directory::store::{Claim, Instance, StoreError};

/// A read-then-write race lost this many times in a row is reported, not retried forever.
const MAX_ATTEMPTS: usize = 16;

/// What the claim read found, at one revision.
struct Holders {
    revision: i64,
    /// The module and lease of the entry that has the instance id now, if any.
    current: Option<(Instance, i64)>,
    /// Per requested service (in registration order), the module of each holder.
    services: Vec<Vec<String>>,
}

/// The outcome of a claim that ran: the answer, the revision of the write when granted,
/// and the lease of the replaced entry (to revoke).
pub(crate) struct Claimed {
    pub claim: Claim,
    pub revision: i64,
    pub replaced_lease: Option<i64>,
}

pub(crate) async fn claim(
    kv: &mut KvClient,
    keys: &Keys,
    instance: &Instance,
    lease: i64,
) -> Result<Claimed, StoreError> {
    let value = serde_json::to_vec(instance).map_err(|error| StoreError(error.to_string()))?;
    for _ in 0..MAX_ATTEMPTS {
        let holders = read_holders(kv, keys, instance).await?;
        if let Some(refusal) = conflict(&holders, instance) {
            return Ok(Claimed {
                claim: refusal,
                revision: holders.revision,
                replaced_lease: None,
            });
        }
        let txn = Txn::new()
            .when(unchanged_since(keys, instance, holders.revision))
            .and_then(writes(keys, instance, &holders, &value, lease));
        let response = kv.txn(txn).await.map_err(super::unavailable)?;
        if response.succeeded() {
            return Ok(Claimed {
                claim: Claim::Granted {
                    replaced: holders.current.is_some(),
                },
                revision: response.header().map_or(0, |header| header.revision()),
                replaced_lease: holders
                    .current
                    .map(|(_, old)| old)
                    .filter(|old| *old != lease),
            });
        }
    }
    Err(StoreError(format!(
        "registration of instance `{}` kept racing with other writes; try again",
        instance.instance_id
    )))
}

/// One consistent read: the instance key and every holder of each requested service.
async fn read_holders(
    kv: &mut KvClient,
    keys: &Keys,
    instance: &Instance,
) -> Result<Holders, StoreError> {
    let mut reads = vec![TxnOp::get(keys.instance(&instance.instance_id), None)];
    reads.extend(instance.services.iter().map(|service| {
        TxnOp::get(
            keys.holders(&service.service_name),
            Some(GetOptions::new().with_prefix()),
        )
    }));
    let response = kv
        .txn(Txn::new().and_then(reads))
        .await
        .map_err(super::unavailable)?;
    let revision = response.header().map_or(0, |header| header.revision());
    let mut gets = response.op_responses().into_iter().map(|op| match op {
        TxnOpResponse::Get(get) => get.kvs().to_vec(),
        _ => Vec::new(),
    });
    let current = gets.next().unwrap_or_default().first().and_then(|kv| {
        let instance = serde_json::from_slice::<Instance>(kv.value()).ok()?;
        Some((instance, kv.lease()))
    });
    let services = gets
        .map(|holders| {
            holders
                .iter()
                .map(|kv| String::from_utf8_lossy(kv.value()).into_owned())
                .collect()
        })
        .collect();
    Ok(Holders {
        revision,
        current,
        services,
    })
}

/// Every key that exists lives under a lease that has not expired, so any holder found
/// is live: the refusal needs no clock.
fn conflict(holders: &Holders, instance: &Instance) -> Option<Claim> {
    if let Some((current, _)) = &holders.current
        && current.module != instance.module
    {
        return Some(Claim::InstanceOwned {
            owner: current.module.clone(),
        });
    }
    instance
        .services
        .iter()
        .zip(&holders.services)
        .find_map(|(service, modules)| {
            let owner = modules.iter().find(|module| **module != instance.module)?;
            Some(Claim::ServiceOwned {
                service: service.service_name.clone(),
                owner: owner.clone(),
            })
        })
}

/// Nothing the decision rested on changed after `revision`: the instance key, and no
/// holder of any requested service was added or rewritten. (A holder vanishing, its
/// lease expired, only frees names, so it need not fail the write.)
fn unchanged_since(keys: &Keys, instance: &Instance, revision: i64) -> Vec<Compare> {
    let mut compares = vec![Compare::mod_revision(
        keys.instance(&instance.instance_id),
        CompareOp::Less,
        revision + 1,
    )];
    compares.extend(instance.services.iter().map(|service| {
        Compare::mod_revision(
            keys.holders(&service.service_name),
            CompareOp::Less,
            revision + 1,
        )
        .with_prefix()
    }));
    compares
}

/// The instance and its service holders under the new lease; the holders of services
/// the replaced entry served and this one does not are deleted.
fn writes(
    keys: &Keys,
    instance: &Instance,
    holders: &Holders,
    value: &[u8],
    lease: i64,
) -> Vec<TxnOp> {
    let id = &instance.instance_id;
    let under_lease = || Some(PutOptions::new().with_lease(lease));
    let mut ops = vec![TxnOp::put(keys.instance(id), value, under_lease())];
    ops.extend(instance.services.iter().map(|service| {
        TxnOp::put(
            keys.holder(&service.service_name, id),
            instance.module.as_str(),
            under_lease(),
        )
    }));
    if let Some((previous, _)) = &holders.current {
        let dropped = previous.services.iter().filter(|old| {
            !instance
                .services
                .iter()
                .any(|new| new.service_name == old.service_name)
        });
        ops.extend(dropped.map(|old| TxnOp::delete(keys.holder(&old.service_name, id), None)));
    }
    ops
}
