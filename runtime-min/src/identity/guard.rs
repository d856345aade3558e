//! The server side: a tower layer in front of every module's routes that verifies the
//! caller's credential and applies the access policy before any implementation runs.
//!
//! Whatever the caller wrote as `x-modgen-caller` is dropped; the layer writes the
//! verified module name back in its place, so `CallContext::caller` (which reads that
//! header) only ever holds a name a host signed. Health and reflection stay open, so
//! probes and `grpcurl` work without a credential.

use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::Status;
use tonic::codegen::BoxFuture;

use super::credential::TrustedKeys;
use super::policy::AccessPolicy;
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
}

impl CallGuard {
    pub fn new(module: &str, trust: Option<TrustedKeys>, policy: AccessPolicy) -> Self {
        Self {
            module: module.into(),
            trust: trust.map(Arc::new),
            policy: Arc::new(policy),
        }
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
        let claims = trust
            .verify(credential)
            .map_err(|error| Status::unauthenticated(error.to_string()))?;
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
