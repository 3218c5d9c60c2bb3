//! The shared state of a running server: configuration, control plane, data plane, clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::clock::Clock;
use crate::config::Config;
use crate::consistency::Propagation;
use crate::error::AwsError;
use crate::store::{KeyUse, Store};
use crate::view::View;

pub struct App {
    pub config: Config,
    pub store: Store,
    pub view: Arc<View>,
    pub clock: Clock,
    key_uses: Mutex<HashMap<String, KeyUse>>,
}

impl App {
    /// Opens the store, makes sure the configured account exists, and builds the data
    /// plane from what the store holds.
    pub async fn start(config: Config) -> Result<Arc<App>, sqlx::Error> {
        let view = Arc::new(View::new());
        let propagation = Arc::new(Propagation::new(view.clone()));
        let store = Store::open(config.db.as_deref(), propagation).await?;
        let app = App {
            config,
            store,
            view,
            clock: Clock::new(),
            key_uses: Mutex::new(HashMap::new()),
        };
        let snapshot = app.store.snapshot().await.map_err(to_sqlx)?;
        app.view.apply(snapshot);
        app.store
            .ensure_account(&app.config.account_id, app.clock.now())
            .await
            .map_err(to_sqlx)?;
        Ok(Arc::new(app))
    }

    /// Notes that a stored access key was used; written to the store in batches, because
    /// a write per request would put SQLite on the hot path.
    pub fn note_key_use(&self, access_key_id: &str, key_use: KeyUse) {
        let mut uses = self.key_uses.lock().unwrap_or_else(|e| e.into_inner());
        uses.insert(access_key_id.to_owned(), key_use);
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

fn to_sqlx(e: AwsError) -> sqlx::Error {
    sqlx::Error::Protocol(e.to_string())
}
