//! Who may call a module: the access policy the host hands it (`MODGEN_ACCESS_POLICY`),
//! checked after the caller's credential is verified.

use serde::{Deserialize, Serialize};
use tonic::Status;

/// Per module, from the host YAML (`modules.<name>.access`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    /// Module names allowed to call; absent means every module with a valid credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callers: Option<Vec<String>>,
    /// Whether calls without a credential are served (as an anonymous caller). Off under
    /// a host unless the YAML says otherwise; a module run standalone has no policy and
    /// serves everyone (development).
    #[serde(default)]
    pub anonymous: bool,
}

impl AccessPolicy {
    /// What a module run standalone does: anyone may call, nobody is verified.
    pub fn open() -> Self {
        Self {
            callers: None,
            anonymous: true,
        }
    }

    /// `Ok` when `caller` (a verified module name, `None` for anonymous) may call
    /// `module`: UNAUTHENTICATED for a refused anonymous call (it may retry with a
    /// credential), PERMISSION_DENIED for a known caller that is not allowed.
    pub fn admit(&self, caller: Option<&str>, module: &str) -> Result<(), Status> {
        match caller {
            None if self.anonymous => Ok(()),
            None => Err(Status::unauthenticated(format!(
                "module '{module}' does not accept anonymous calls: present a caller credential"
            ))),
            Some(caller) => match &self.callers {
                Some(allowed) if !allowed.iter().any(|name| name == caller) => {
                    Err(Status::permission_denied(format!(
                        "module '{caller}' may not call module '{module}'"
                    )))
                }
                _ => Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn an_unlisted_caller_is_denied_by_name() {
        let policy = AccessPolicy {
            callers: Some(vec!["orders".to_owned()]),
            anonymous: false,
        };
        assert!(policy.admit(Some("orders"), "billing").is_ok());
        let refused = policy.admit(Some("reports"), "billing").unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
        assert_eq!(
            refused.message(),
            "module 'reports' may not call module 'billing'"
        );
    }

    #[test]
    fn anonymous_calls_follow_the_switch() {
        let closed = AccessPolicy::default();
        assert_eq!(
            closed.admit(None, "billing").unwrap_err().code(),
            Code::Unauthenticated
        );
        assert!(AccessPolicy::open().admit(None, "billing").is_ok());
        assert!(closed.admit(Some("anyone"), "billing").is_ok());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = serde_json::from_str::<AccessPolicy>(r#"{"caller": ["a"]}"#).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `caller`"),
            "{error}"
        );
    }
}
