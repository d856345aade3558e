//! The key layout under the configured prefix `P` (ending in `/`):
//!
//! ```text
//! P instances/<instance_id>          -> JSON Instance       (under the instance's lease)
//! P services/<service>/<instance_id> -> module name         (under the instance's lease)
//! P revocations/<key>/<module>       -> JSON Revocation     (under a lease to its obsolete_at)
//! ```
//!
//! The instance keys are what the watch cache mirrors. The service keys exist for the
//! ownership claim: "who holds service S" is one prefix read, and "did anyone take S
//! since I looked" one prefix compare. Neither service names nor instance ids can hold
//! `/` (validation allows letters, digits and `_.-:`), so keys never run into each other.

pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    /// `prefix` as configured; a missing trailing `/` is added so `/a` and `/ab` stay apart.
    pub fn new(prefix: &str) -> Self {
        let mut prefix = prefix.to_owned();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        Self { prefix }
    }

    pub fn instances(&self) -> String {
        format!("{}instances/", self.prefix)
    }

    pub fn instance(&self, instance_id: &str) -> String {
        format!("{}instances/{instance_id}", self.prefix)
    }

    /// The instance id in an instance key; `None` for any other key.
    pub fn instance_id_of<'k>(&self, key: &'k [u8]) -> Option<&'k str> {
        let key = std::str::from_utf8(key).ok()?;
        key.strip_prefix(self.prefix.as_str())?
            .strip_prefix("instances/")
    }

    /// The prefix under which every holder of `service` has a key.
    pub fn holders(&self, service: &str) -> String {
        format!("{}services/{service}/", self.prefix)
    }

    pub fn holder(&self, service: &str, instance_id: &str) -> String {
        format!("{}services/{service}/{instance_id}", self.prefix)
    }

    pub fn revocations(&self) -> String {
        format!("{}revocations/", self.prefix)
    }

    /// One per issuing key and module: a later revocation replaces an earlier one.
    pub fn revocation(&self, key: &str, module: &str) -> String {
        format!("{}revocations/{key}/{module}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_gets_its_slash_and_instance_keys_round_trip() {
        let keys = Keys::new("/modgen/dir");
        assert_eq!(keys.instance("i-1"), "/modgen/dir/instances/i-1");
        assert_eq!(
            keys.instance_id_of(b"/modgen/dir/instances/i-1"),
            Some("i-1")
        );
        assert_eq!(keys.instance_id_of(b"/modgen/dirx/instances/i-1"), None);
        assert_eq!(keys.instance_id_of(b"/modgen/dir/services/a.A/i-1"), None);
        assert_eq!(keys.holder("a.A", "i-1"), "/modgen/dir/services/a.A/i-1");
        assert!(keys.holder("a.A", "i-1").starts_with(&keys.holders("a.A")));
        assert!(!keys.holder("a.AB", "i-1").starts_with(&keys.holders("a.A")));
    }
}
