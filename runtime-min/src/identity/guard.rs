//! The server side: a tower layer in front of every module's routes that verifies the
//! caller's credential and applies the access policy before any implementation runs.
//!
//! Whatever the caller wrote as `x-modgen-caller` is dropped; the layer writes the
//! verified module name back in its place, so `CallContext::caller` (which reads that
//! header) only ever holds a name a host signed. Health and reflection stay open, so
//! probes and `grpcurl` work without a credential.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::SystemTime;

use tonic::Status;
use tonic::codegen::BoxFuture;

use super::credential::{Claims, CredentialError, TrustedKeys, unix_seconds};
use super::policy::AccessPolicy;
use super::revocation::Revocations;
use super::{CREDENTIAL_HEADER, reserved};
use crate::context::CALLER_HEADER;

/// Path prefixes served without a credential: probes and tooling.
const OPEN_PATHS: [&str; 2] = ["/grpc.health.v1.Health/", "/grpc.reflection."];

/// What a module checks on every call.
#[derive(Clone, Debug)]
pub struct CallGuard {
    module: Arc<str>,
    /// `None`: the module runs standalone and verifies nobody (every caller is anonymous).
    trust: Option<Arc<TrustedKeys>>,
    policy: Arc<AccessPolicy>,
    /// Credentials whose signature checked out, by their exact text: a caller presents
    /// the same credential on every call, so the signature is checked once per
    /// credential, and only the expiry per call.
    verified: Arc<Mutex<HashMap<String, Claims>>>,
    /// Withdrawn by the host before expiry; checked on every call, after the cache.
    revocations: Option<Revocations>,
}

/// Bound on remembered credentials (one per calling module start and renewal); when
/// full it starts over, which costs one signature check per caller.
const VERIFIED_CAPACITY: usize = 1024;

impl CallGuard {
    pub fn new(module: &str, trust: Option<TrustedKeys>, policy: AccessPolicy) -> Self {
        Self {
            module: module.into(),
            trust: trust.map(Arc::new),
            policy: Arc::new(policy),
            verified: Arc::default(),
            revocations: None,
        }
    }

    /// Also refuses the credentials in `revocations`.
    pub fn with_revocations(mut self, revocations: Revocations) -> Self {
        self.revocations = Some(revocations);
        self
    }

    /// The verified caller of a request to `path` (`None`: anonymous), or the refusal.
    pub fn check(&self, path: &str, headers: &http::HeaderMap) -> Result<Option<String>, Status> {
        if OPEN_PATHS.iter().any(|open| path.starts_with(open)) {
            return Ok(None);
        }
        let caller = self.verified_caller(headers)?;
        self.policy.admit(caller.as_deref(), &self.module)?;
        Ok(caller)
    }

    fn verified_caller(&self, headers: &http::HeaderMap) -> Result<Option<String>, Status> {
        let Some(trust) = &self.trust else {
            return Ok(None);
        };
        let mut presented = headers.get_all(CREDENTIAL_HEADER).iter();
        let Some(credential) = presented.next() else {
            return Ok(None);
        };
        if presented.next().is_some() {
            return Err(Status::unauthenticated(format!(
                "more than one `{CREDENTIAL_HEADER}`"
            )));
        }
        let credential = credential
            .to_str()
            .map_err(|_| Status::unauthenticated("the credential is not ASCII"))?;
        let claims = self
            .verify_once(trust, credential)
            .map_err(|error| Status::unauthenticated(error.to_string()))?;
        if self
            .revocations
            .as_ref()
            .is_some_and(|revocations| revocations.revokes(&claims))
        {
            return Err(Status::unauthenticated(format!(
                "the credential of module '{}' was revoked by its host",
                claims.module
            )));
        }
        let claimed = headers
            .get(CALLER_HEADER)
            .and_then(|value| value.to_str().ok());
        if let Some(claimed) = claimed.filter(|claimed| *claimed != claims.module) {
            return Err(Status::unauthenticated(format!(
                "the caller says it is module '{claimed}' but its credential is module '{}'",
                claims.module
            )));
        }
        Ok(Some(claims.module))
    }

    fn verify_once(
        &self,
        trust: &TrustedKeys,
        credential: &str,
    ) -> Result<Claims, CredentialError> {
        let now = SystemTime::now();
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(claims) = verified.get(credential) {
            if unix_seconds(now) < claims.expires_at {
                return Ok(claims.clone());
            }
            verified.remove(credential);
        }
        let claims = trust.verify_at(credential, now)?;
        if verified.len() >= VERIFIED_CAPACITY {
            verified.clear();
        }
        verified.insert(credential.to_owned(), claims.clone());
        Ok(claims)
    }
}

impl<S> tower_layer::Layer<S> for CallGuard {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded {
            guard: self.clone(),
            inner,
        }
    }
}

/// A service behind a [`CallGuard`].
#[derive(Clone, Debug)]
pub struct Guarded<S> {
    guard: CallGuard,
    inner: S,
}

impl<S, B> tower_service::Service<http::Request<B>> for Guarded<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        match self.guard.check(request.uri().path(), request.headers()) {
            Ok(caller) => {
                let headers = request.headers_mut();
                reserved::strip(headers);
                if let Some(caller) = caller.and_then(|c| http::HeaderValue::try_from(c).ok()) {
                    headers.insert(CALLER_HEADER, caller);
                }
                Box::pin(self.inner.call(request))
            }
            Err(status) => {
                tracing::info!(path = request.uri().path(), code = ?status.code(), message = status.message(), "call refused");
                Box::pin(std::future::ready(Ok(status.into_http())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::identity::Issuer;

    fn headers(credential: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(CREDENTIAL_HEADER, credential.parse().unwrap());
        headers
    }

    #[test]
    fn a_remembered_credential_still_needs_its_exact_text() {
        let issuer = Issuer::from_seed([3; 32]);
        let trust = TrustedKeys::parse(issuer.public_key()).unwrap();
        let guard = CallGuard::new("billing", Some(trust), AccessPolicy::default());
        let credential = issuer.issue("orders", Duration::from_secs(60));
        for _ in 0..2 {
            let caller = guard.check("/pkg.Svc/M", &headers(&credential)).unwrap();
            assert_eq!(caller.as_deref(), Some("orders"));
        }
        // Same claims, another signature: not the remembered text, so checked and refused.
        let (signed, _) = credential.rsplit_once('.').unwrap();
        let tampered = format!("{signed}.{}", "A".repeat(86));
        let refused = guard.check("/pkg.Svc/M", &headers(&tampered)).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    }

    #[test]
    fn probes_pass_without_a_credential_and_other_paths_do_not() {
        let trust = TrustedKeys::parse(Issuer::from_seed([3; 32]).public_key()).unwrap();
        let guard = CallGuard::new("billing", Some(trust), AccessPolicy::default());
        let none = http::HeaderMap::new();
        assert!(guard.check("/grpc.health.v1.Health/Check", &none).is_ok());
        assert!(
            guard
                .check(
                    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                    &none
                )
                .is_ok()
        );
        let refused = guard.check("/pkg.Svc/M", &none).unwrap_err();
        assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    }
}
