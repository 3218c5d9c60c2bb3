//! The data plane's first build from a database file, after the port is open.
//!
//! Reading 100,000 users, their keys and 10,000 roles out of SQLite takes far longer than a
//! client should wait for the port. So with `--db` the server starts with the accounts
//! only, opens the port, and builds the rest of the view while it serves
//! ([`while_loading`]). Until it is built, every request waits for it (never an answer from
//! a half-built view, never a valid key refused because it is not loaded yet), with one
//! exception that needs no stored data at all: `GetCallerIdentity` signed with the
//! configured root credentials ([`answerable_while_loading`]). `GET /_iamlocal/health`
//! answers at once and says which state the view is in.
//!
//! Nothing writes while the view loads (writes are requests, and they wait), so the view
//! built from the snapshot replaces the partial one whole, in one step.

use std::sync::Arc;

use tokio::sync::watch;

use crate::app::App;
use crate::auth::sigv4;
use crate::aws_error;
use crate::error::AwsError;
use crate::protocol::query::Params;

/// Where the view's first build stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadState {
    Loading,
    Ready,
    /// The store could not be read; requests that need the view fail.
    Failed,
}

impl LoadState {
    pub fn name(self) -> &'static str {
        match self {
            LoadState::Loading => "loading",
            LoadState::Ready => "ready",
            LoadState::Failed => "failed",
        }
    }
}

#[derive(Debug)]
pub struct Loading {
    state: watch::Sender<LoadState>,
}

/// Ready: a view built before the port opens (memory, a bootstrap file) needs no waiting.
impl Default for Loading {
    fn default() -> Self {
        Loading {
            state: watch::Sender::new(LoadState::Ready),
        }
    }
}

impl Loading {
    /// Marks the view as being built: requests wait from now on.
    pub(crate) fn begin(&self) {
        self.state.send_replace(LoadState::Loading);
    }

    pub fn state(&self) -> LoadState {
        *self.state.borrow()
    }

    pub fn is_ready(&self) -> bool {
        self.state() == LoadState::Ready
    }

    fn finish(&self, state: LoadState) {
        self.state.send_replace(state);
    }

    /// Waits until the view is built; an error if it never will be.
    pub async fn wait(&self) -> Result<(), AwsError> {
        let mut state = self.state.subscribe();
        match state.wait_for(|s| *s != LoadState::Loading).await {
            Ok(s) if *s == LoadState::Ready => Ok(()),
            _ => Err(aws_error!(
                InternalFailure,
                "The stored state could not be loaded; see the server's log."
            )),
        }
    }
}

/// Runs `serving` and, if the view is still to be built, builds it alongside: polled by the
/// same task rather than spawned, so the view is built on the thread that opened the store
/// (the main thread), as it was before the port opened first. Built on another thread, the
/// records and the maps end up in another malloc arena than the one the start-up used, and
/// the resident memory with 100,000 users grows by about 20 MiB. The price: the listener
/// accepts no connection during the moments the view's maps are built. If `serving` ends
/// first (a shutdown), the load is abandoned and the requests waiting for it fail.
pub(crate) async fn while_loading<T>(app: &Arc<App>, serving: impl Future<Output = T>) -> T {
    if app.loading.state() != LoadState::Loading {
        return serving.await;
    }
    tokio::pin!(serving);
    tokio::select! {
        done = &mut serving => {
            app.loading.finish(LoadState::Failed);
            done
        }
        () = load(app.clone()) => serving.await,
    }
}

/// Builds the view from the whole store and swaps it in, then lets waiting requests through.
async fn load(app: Arc<App>) {
    let started = std::time::Instant::now();
    let built = async {
        let snapshot = app.store.snapshot().await?;
        app.view.replace(snapshot);
        app.access_log.load(app.store.service_accesses().await?);
        app.propagation.propagate();
        Ok::<_, AwsError>(())
    }
    .await;
    match built {
        Ok(()) => {
            tracing::info!(
                took_ms = started.elapsed().as_millis() as u64,
                "state loaded"
            );
            app.loading.finish(LoadState::Ready);
        }
        Err(e) => {
            tracing::error!(error = %e, "could not load the stored state");
            app.loading.finish(LoadState::Failed);
        }
    }
}

/// Can this request be answered before the view is built? Only `GetCallerIdentity` signed
/// with the configured root credentials, which the configuration alone resolves. Called
/// only while loading.
pub fn answerable_while_loading(app: &App, http: &sigv4::HttpRequest<'_>) -> bool {
    let Ok(Some(signature)) = sigv4::parse(http) else {
        return false;
    };
    if signature.access_key_id != app.config.root_access_key {
        return false;
    }
    let mut params = Params::default();
    let parsed = params.extend_from_form(http.query.as_bytes()).is_ok()
        && (http.method != "POST" || params.extend_from_form(http.body).is_ok());
    parsed && params.action() == Some("GetCallerIdentity")
}
