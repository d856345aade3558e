use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tonic::transport::Channel;

use super::ClientOptions;
use super::connect::{ConnectError, Target};
use crate::directory::Resolver;
use crate::identity::CallerCredential;

/// How long a resolved endpoint list is used before asking the directory again, so
/// instances that started since are picked too. Matches the default heartbeat interval:
/// the directory's view changes no faster than that.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// The instance a call goes to.
#[derive(Clone, Debug)]
pub struct Picked {
    pub channel: Channel,
    /// `http://host:port` or `unix:/path`, to hand back to [`ServiceChannels::report_unavailable`];
    /// shared, so that picking allocates nothing.
    pub endpoint: Arc<str>,
}

/// The channels behind one service: resolved through a [`Resolver`], one lazily
/// connected `Channel` per endpoint, picked round-robin. An endpoint reported unavailable
/// is forgotten; once none is left the service is resolved again.
#[derive(Clone)]
pub struct ServiceChannels {
    inner: Arc<Inner>,
}

struct Inner {
    service_name: String,
    options: ClientOptions,
    source: Source,
    /// What calls over these channels present: the resolver's module's own credential,
    /// else (`None`) the process's.
    credential: Option<CallerCredential>,
    state: Mutex<State>,
}

enum Source {
    Resolver(Arc<dyn Resolver>),
    /// One channel given by the caller; never resolved, never forgotten.
    Fixed(Picked),
}

struct State {
    endpoints: Vec<Arc<str>>,
    channels: HashMap<Arc<str>, Channel>,
    next: usize,
    resolved_at: Option<Instant>,
    refresh_interval: Duration,
}

impl State {
    fn is_fresh(&self) -> bool {
        !self.endpoints.is_empty()
            && self
                .resolved_at
                .is_some_and(|at| at.elapsed() < self.refresh_interval)
    }
}

impl ServiceChannels {
    pub fn new(service_name: &str, resolver: Arc<dyn Resolver>, options: ClientOptions) -> Self {
        let credential = resolver
            .caller()
            .and_then(|caller| caller.credential.clone());
        Self::with_source(
            service_name,
            Source::Resolver(resolver),
            credential,
            options,
        )
    }

    /// A fixed channel (tests, in-process loopback, an explicit `--endpoint`).
    pub fn from_channel(service_name: &str, channel: Channel, options: ClientOptions) -> Self {
        let picked = Picked {
            channel,
            endpoint: format!("fixed channel of '{service_name}'").into(),
        };
        Self::with_source(service_name, Source::Fixed(picked), None, options)
    }

    fn with_source(
        service_name: &str,
        source: Source,
        credential: Option<CallerCredential>,
        options: ClientOptions,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                service_name: service_name.to_owned(),
                options,
                source,
                credential,
                state: Mutex::new(State {
                    endpoints: Vec::new(),
                    channels: HashMap::new(),
                    next: 0,
                    resolved_at: None,
                    refresh_interval: DEFAULT_REFRESH_INTERVAL,
                }),
            }),
        }
    }

    /// How long a resolved list is trusted before the resolver is asked again
    /// (default [`DEFAULT_REFRESH_INTERVAL`]).
    pub fn with_refresh_interval(self, interval: Duration) -> Self {
        self.lock().refresh_interval = interval;
        self
    }

    pub fn service_name(&self) -> &str {
        &self.inner.service_name
    }

    /// The credential calls over these channels present instead of the process's.
    pub(crate) fn caller_credential(&self) -> Option<&CallerCredential> {
        self.inner.credential.as_ref()
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The next instance, round-robin. `UNAVAILABLE` when the directory knows none.
    pub async fn pick(&self) -> Result<Picked, tonic::Status> {
        match self.pick_known() {
            Some(picked) => Ok(picked),
            None => self.pick_resolving().await,
        }
    }

    /// Resolves the service again, then picks the next instance: for when
    /// [`Self::pick_known`] found none.
    pub(crate) async fn pick_resolving(&self) -> Result<Picked, tonic::Status> {
        if let Source::Resolver(resolver) = &self.inner.source {
            // Resolved without the lock held: the resolver is a network call.
            match resolver.resolve_all(&self.inner.service_name).await {
                Ok(endpoints) => self.replace_endpoints(endpoints),
                Err(status) => self.keep_stale_endpoints(status)?,
            }
        }
        self.next_listed(&mut self.lock())
    }

    /// The next instance without asking the directory: the fixed channel, or the next of
    /// the endpoints resolved before while they are fresh. `None` when [`Self::pick`] has
    /// to resolve.
    pub fn pick_known(&self) -> Option<Picked> {
        match &self.inner.source {
            Source::Fixed(picked) => Some(picked.clone()),
            Source::Resolver(_) => {
                let mut state = self.lock();
                if state.is_fresh() {
                    self.next_listed(&mut state).ok()
                } else {
                    None
                }
            }
        }
    }

    /// The next of the listed endpoints, connecting lazily to one not used before.
    fn next_listed(&self, state: &mut State) -> Result<Picked, tonic::Status> {
        // Why the last `https://` entry was skipped: the call's error if none is left,
        // since a missing CA bundle is a setting to fix, not an instance gone.
        let mut unverifiable = None;
        while !state.endpoints.is_empty() {
            let index = state.next % state.endpoints.len();
            state.next = state.next.wrapping_add(1);
            let uri = state.endpoints[index].clone();
            if let Some(channel) = state.channels.get(&uri) {
                return Ok(Picked {
                    channel: channel.clone(),
                    endpoint: uri,
                });
            }
            match Target::parse(&uri, &self.inner.options) {
                Ok(target) => {
                    let channel = target.connect_lazy();
                    state.channels.insert(uri.clone(), channel.clone());
                    return Ok(Picked {
                        channel,
                        endpoint: uri,
                    });
                }
                Err(error) => {
                    // A bad entry in the directory must not fail calls that other
                    // instances can serve.
                    tracing::warn!(service = %self.inner.service_name, %error, "skipping endpoint");
                    state.endpoints.remove(index);
                    if matches!(error, ConnectError::Tls { .. }) {
                        unverifiable = Some(error);
                    }
                }
            }
        }
        if let Some(error) = unverifiable {
            return Err(error.into());
        }
        Err(tonic::Status::unavailable(format!(
            "no live instance of service '{}' in the directory",
            self.inner.service_name
        )))
    }

    /// Forgets `endpoint` (its channel included) until the directory lists it again.
    pub fn report_unavailable(&self, endpoint: &str) {
        if matches!(self.inner.source, Source::Fixed(_)) {
            return;
        }
        let mut state = self.lock();
        state.endpoints.retain(|known| &**known != endpoint);
        state.channels.remove(endpoint);
    }

    /// A directory outage must not stop calls to instances that are still up: a refresh
    /// that fails keeps the list it had, and waits a full interval before trying again.
    fn keep_stale_endpoints(&self, status: tonic::Status) -> Result<(), tonic::Status> {
        let mut state = self.lock();
        if state.endpoints.is_empty() {
            return Err(status);
        }
        tracing::warn!(
            service = %self.inner.service_name,
            code = ?status.code(),
            message = status.message(),
            "resolving failed; using the endpoints resolved before"
        );
        state.resolved_at = Some(Instant::now());
        Ok(())
    }

    fn replace_endpoints(&self, endpoints: Vec<String>) {
        let endpoints: Vec<Arc<str>> = endpoints.into_iter().map(Arc::from).collect();
        let mut state = self.lock();
        // Connections to instances that are still listed are kept; the rest are closed.
        state.channels.retain(|uri, _| endpoints.contains(uri));
        state.endpoints = endpoints;
        state.resolved_at = Some(Instant::now());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for ServiceChannels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("ServiceChannels")
            .field("service_name", &self.inner.service_name)
            .field("endpoints", &state.endpoints)
            .finish()
    }
}
