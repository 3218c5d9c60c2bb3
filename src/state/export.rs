//! The state as `GET /_iamlocal/state` shows it: secrets only when asked for.

use super::model::{AccessKey, StateDocument};
use crate::error::AwsError;
use crate::store::Store;

pub async fn export(store: &Store, secrets: bool) -> Result<StateDocument, AwsError> {
    let mut document = store.state_document().await?;
    if !secrets {
        for key in access_keys(&mut document) {
            key.secret = None;
        }
        let users = document
            .accounts
            .iter_mut()
            .flat_map(|a| a.users.iter_mut());
        for user in users {
            if let Some(profile) = &mut user.login_profile {
                profile.salt = None;
                profile.password_hash = None;
            }
            user.password_history.clear();
            for credential in &mut user.service_specific_credentials {
                credential.salt = None;
                credential.secret_hash = None;
            }
        }
        let devices = document
            .accounts
            .iter_mut()
            .flat_map(|a| &mut a.mfa_devices);
        for device in devices {
            device.seed = None;
            device.last_step = None;
            device.drift_steps = None;
        }
        let saml_keys = document
            .accounts
            .iter_mut()
            .flat_map(|a| &mut a.saml_providers)
            .flat_map(|p| &mut p.private_keys);
        for key in saml_keys {
            key.private_key = None;
        }
    }
    Ok(document)
}

fn access_keys(document: &mut StateDocument) -> impl Iterator<Item = &mut AccessKey> {
    document.accounts.iter_mut().flat_map(|account| {
        let users = account
            .users
            .iter_mut()
            .flat_map(|u| u.access_keys.iter_mut());
        users.chain(account.root_access_keys.iter_mut())
    })
}
