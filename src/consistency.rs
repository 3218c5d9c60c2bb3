//! Propagation from the control plane (SQLite) to the data plane (the view).
//!
//! Every committed write publishes its [`Change`]s here, in commit order. With the default
//! delay of zero they are applied before the API call returns (read-your-writes); the
//! configurable delay model of AWS's eventual consistency plugs in at this seam.

use std::sync::Arc;

use crate::view::{Change, View};

#[derive(Debug)]
pub struct Propagation {
    view: Arc<View>,
}

impl Propagation {
    pub fn new(view: Arc<View>) -> Self {
        Propagation { view }
    }

    /// Called by the store right after a commit, while it still holds the write lock, so
    /// changes reach the view in the order they were committed.
    pub fn publish(&self, changes: Vec<Change>) {
        self.view.apply(changes);
    }
}
