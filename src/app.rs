//! The shared state of a running server: configuration, control plane, data plane, clock.

use std::sync::{Arc, Mutex};

use crate::access_log::AccessLog;
use crate::auth::SigningKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::consistency::{DelayModel, Propagation};
use crate::decisions::DecisionLog;
use crate::error::AwsError;
use crate::loading::Loading;
use crate::metrics::Metrics;
use crate::oidc::Issuers;
use crate::state::bootstrap;
use crate::state::{Defaults, ValidState};
use crate::store::{KeyUse, Store};
use crate::view::View;

pub struct App {
    pub config: Config,
    pub store: Store,
    pub view: Arc<View>,
    pub clock: Arc<Clock>,
    /// The queue between the store and the view, with its delay model.
    pub propagation: Arc<Propagation>,
    key_uses: Mutex<crate::view::FastMap<String, KeyUse>>,
    pub signing_keys: SigningKeys,
    /// The last authorization decisions, for the admin API and `DecodeAuthorizationMessage`.
    pub decisions: DecisionLog,
    pub metrics: Metrics,
    /// The `--bootstrap` file's state, validated once: every reset goes back to it.
    bootstrap: ValidState,
    /// The OpenID Connect issuers whose tokens verify: the built-in one and configured ones.
    pub oidc: Issuers,
    /// When each user and role was last allowed each action, and the access advisor reports.
    pub access_log: AccessLog<crate::iam::access_advisor::Report>,
    /// The built-in test SAML IdP (a well-known key: for tests only).
    pub saml_idp: crate::saml::TestIdp,
    /// Whether the view is built yet (it is built after the port opens with `--db`).
    pub loading: Loading,
}

impl App {
    /// Opens the store, applies the bootstrap file to an empty database, makes sure the
    /// configured account exists, and builds the data plane from what the store holds.
    pub async fn start(config: Config) -> Result<Arc<App>, StartError> {
        let model = DelayModel::from_config(&config)?;
        let view = Arc::new(View::new());
        let clock = Arc::new(Clock::new());
        let issuer = config
            .oidc_issuer
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.listen));
        let oidc = Issuers::start(&issuer, &config.oidc_jwks)?;
        let bootstrap = match &config.bootstrap {
            Some(file) => bootstrap::load(
                file,
                &Defaults {
                    account_id: &config.account_id,
                    now: clock.now(),
                    issuers: &oidc,
                },
            )?,
            None => ValidState::default(),
        };
        let propagation = Arc::new(Propagation::new(view.clone(), clock.clone(), model));
        let store = Store::open(config.db.as_deref(), propagation.clone()).await?;
        let app = App {
            decisions: DecisionLog::new(config.decisions_capacity),
            metrics: Metrics::default(),
            config,
            store,
            view,
            clock,
            propagation,
            key_uses: Mutex::default(),
            signing_keys: SigningKeys::default(),
            bootstrap,
            oidc,
            access_log: AccessLog::new(),
            saml_idp: crate::saml::TestIdp::new()?,
            loading: Loading::default(),
        };
        // A database that already holds state (`--db`) keeps it: the file seeds new ones.
        let seed = app.config.bootstrap.is_some() && !app.store.has_accounts().await?;
        // A database file may hold a large state: its view is built after the port opens
        // (see `loading`), from the accounts alone until then.
        let in_background = !seed && app.config.db.is_some();
        if seed {
            app.store.replace_state(&app.bootstrap).await?;
        } else if in_background {
            app.view.apply(app.store.account_changes().await?);
        } else {
            let snapshot = app.store.snapshot().await?;
            app.view.apply(snapshot);
        }
        if let Some(file) = &app.config.bootstrap {
            tracing::info!(file = %file.display(), applied = seed, "bootstrap file read; resets apply it");
        }
        app.store
            .ensure_account(&app.config.account_id, app.clock.now())
            .await?;
        // What the store held is visible at once, whatever the delay model says.
        app.propagation.propagate();
        if in_background {
            // `Server::run_until_stopped` builds it while it serves.
            app.loading.begin();
        }
        Ok(Arc::new(app))
    }

    /// Back to the state of a first start: every entity deleted, the view emptied, waiting
    /// changes dropped, the bootstrap file's state (if any) and the configured account
    /// created again. The clock and the delay model stay as they are: time only moves
    /// forward. Returns how many waiting changes were dropped.
    pub async fn reset(&self) -> Result<usize, AwsError> {
        self.replace_state(&self.bootstrap).await
    }

    /// Replaces the whole state with a validated document, as `PUT /_iamlocal/state` does:
    /// temporary credentials are forgotten, and everything is visible at once.
    pub async fn replace_state(&self, state: &ValidState) -> Result<usize, AwsError> {
        self.key_uses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.decisions.clear();
        self.access_log.clear();
        let dropped = self.store.replace_state(state).await?;
        self.store
            .ensure_account(&self.config.account_id, self.clock.now())
            .await?;
        self.propagation.propagate();
        Ok(dropped)
    }

    /// Notes that a stored access key was used; written to the store in batches, because
    /// a write per request would put SQLite on the hot path.
    pub fn note_key_use(
        &self,
        access_key_id: &str,
        at: time::OffsetDateTime,
        service: &str,
        region: &str,
    ) {
        let mut uses = self.key_uses.lock().unwrap_or_else(|e| e.into_inner());
        match uses.get_mut(access_key_id) {
            // The same key again, usually from the same client: nothing to allocate.
            Some(last) => {
                last.at = at;
                if last.service != service {
                    service.clone_into(&mut last.service);
                }
                if last.region != region {
                    region.clone_into(&mut last.region);
                }
            }
            None => {
                let key_use = KeyUse {
                    at,
                    service: service.to_owned(),
                    region: region.to_owned(),
                };
                uses.insert(access_key_id.to_owned(), key_use);
            }
        }
    }

    /// Forgets temporary credentials that have expired (on the virtual clock): they can
    /// never be used again, and an STS-heavy test suite would otherwise grow without end.
    pub async fn prune_expired_sessions(&self) -> Result<(), AwsError> {
        let now = self.clock.now();
        self.store.delete_expired_sessions(now).await?;
        self.view.drop_expired_sessions(now);
        Ok(())
    }

    /// Writes the access advisor's accesses noted since the last time to the store.
    pub async fn flush_service_accesses(&self) -> Result<(), AwsError> {
        let accesses = self.access_log.take_unwritten();
        self.store.record_service_accesses(&accesses).await
    }

    /// Writes the noted key uses to the store.
    pub async fn flush_key_uses(&self) -> Result<(), AwsError> {
        let uses: Vec<(String, KeyUse)> = {
            let mut uses = self.key_uses.lock().unwrap_or_else(|e| e.into_inner());
            uses.drain().collect()
        };
        self.store.record_key_uses(&uses).await
    }
}

/// Why the server could not start: the configuration, the bootstrap file or the database.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;
