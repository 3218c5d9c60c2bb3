//! Who is calling: the SigV4 signature is checked against the key it names, and the key
//! resolved to its principal — all from the data plane, never the database.

mod caller;
pub mod sigv4;

pub use caller::Caller;

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::api::Service;
use crate::app::App;
use crate::config::is_account_id;
use crate::error::AwsError;
use crate::view::{AccessKeyRecord, Principal, SessionOf, SessionRecord};

/// Authenticates a request. The signature is checked before anything else is looked at,
/// so a tampered request is `SignatureDoesNotMatch` whatever it asks for. `None`: the
/// request is not signed, which only the few actions AWS answers unsigned accept.
/// `wall_clock` is the request's one reading of the real clock, `now` the same moment on the
/// virtual clock ([`crate::clock::Clock::at`]).
pub async fn authenticate(
    app: &App,
    req: &sigv4::HttpRequest<'_>,
    wall_clock: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<Option<Caller>, AwsError> {
    let Some(signature) = sigv4::parse(req)? else {
        return Ok(None);
    };
    let service = Service::from_signing_name(&signature.scope.service).ok_or_else(|| {
        crate::aws_error!(
            SignatureDoesNotMatch,
            "Credential should be scoped to correct service: 'iam'. "
        )
    })?;
    // The skew check is the one place that uses the real wall clock: SDKs sign with it.
    // AWS checks the time before it looks at the key.
    if !app.config.accept_any_signature {
        sigv4::check_time(&signature, wall_clock)?;
    }
    let key_id = &*signature.access_key_id;
    let Resolved {
        secret,
        principal,
        session,
        stored,
    } = resolve_key(app, key_id)?;
    if !app.config.accept_any_signature {
        let key = app.signing_keys.get(key_id, &secret, &signature.scope);
        sigv4::verify_with_key(&signature, req, &key, wall_clock)?;
    }
    match &session {
        // Temporary credentials are three parts; the token must be the one minted with
        // the key, and the virtual clock decides whether it has expired.
        Some(session) => {
            let token = signature.security_token.as_deref().unwrap_or_default();
            if !session.token_digest.matches(token) {
                return Err(AwsError::invalid_client_token_id());
            }
            if now >= session.expires_at {
                return Err(AwsError::expired_token());
            }
        }
        // Long-term keys carry no session token; a token with one is a forgery.
        None if signature.security_token.is_some() => {
            return Err(AwsError::invalid_client_token_id());
        }
        None => {}
    }
    if let Principal::Root { account_id } = &principal
        && !app.view.has_account(account_id)
    {
        app.store.ensure_account(account_id, now).await?;
    }
    if stored {
        app.note_key_use(key_id, now, service.signing_name(), &signature.scope.region);
    }
    let sigv4::Signature {
        access_key_id,
        scope,
        ..
    } = signature;
    Ok(Some(Caller {
        principal,
        session,
        access_key_id: access_key_id.into_owned(),
        service,
        region: scope.region.into_owned(),
    }))
}

/// Compares two secrets without stopping at the first difference (only the length can
/// leak): session tokens here, the admin token in `admin`.
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && std::hint::black_box(a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y))) == 0
}

/// Signing keys already derived, by access key id and credential scope. Deriving one takes
/// four HMACs; a client signs every request of a day with the same one.
#[derive(Default)]
pub struct SigningKeys {
    /// By a hash of the key id and the scope, so a lookup allocates nothing; each entry
    /// names what it was derived for, and a hash collision simply replaces the other entry
    /// (so foldhash, quicker than SipHash, is enough: a collision costs a derivation).
    keys: std::sync::Mutex<HashMap<u64, DerivedKey, foldhash::fast::RandomState>>,
    hasher: foldhash::fast::RandomState,
}

/// A derived signing key and what it was derived from.
struct DerivedKey {
    key_id: String,
    scope: sigv4::CredentialScope<'static>,
    secret: String,
    key: sigv4::SigningKey,
}

/// More keys than any test suite uses in a day: past it the cache starts over.
const SIGNING_KEYS_KEPT: usize = 10_000;

impl SigningKeys {
    /// The key for this access key id, secret and scope. Entries remember the secret they
    /// were derived from, so a key id whose secret changed (a restart with another root
    /// secret) never gets a stale key.
    fn get(
        &self,
        key_id: &str,
        secret: &str,
        scope: &sigv4::CredentialScope<'_>,
    ) -> sigv4::SigningKey {
        let hash = self
            .hasher
            .hash_one((key_id, &*scope.date, &*scope.region, &*scope.service));
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = keys.get(&hash)
            && known.key_id == key_id
            && known.scope == *scope
            && known.secret == secret
        {
            return known.key.clone();
        }
        if keys.len() >= SIGNING_KEYS_KEPT {
            keys.clear();
        }
        let key = sigv4::SigningKey::derive(secret, scope);
        keys.insert(
            hash,
            DerivedKey {
                key_id: key_id.to_owned(),
                scope: scope.clone().into_owned(),
                secret: secret.to_owned(),
                key: key.clone(),
            },
        );
        key
    }
}

/// What a key id stands for.
struct Resolved {
    secret: String,
    principal: Principal,
    session: Option<Arc<SessionRecord>>,
    /// A stored long-term key, whose use is recorded (not a configured root credential).
    stored: bool,
}

fn resolve_key(app: &App, key_id: &str) -> Result<Resolved, AwsError> {
    let config = &app.config;
    if key_id == config.root_access_key {
        return Ok(Resolved {
            secret: config.root_secret_key.clone(),
            principal: Principal::Root {
                account_id: config.account_id.clone(),
            },
            session: None,
            stored: false,
        });
    }
    if let Some((key, principal)) = app.view.access_key(key_id) {
        let AccessKeyRecord {
            active,
            secret_access_key,
            ..
        } = key.as_ref();
        if !active {
            return Err(AwsError::invalid_client_token_id());
        }
        return Ok(Resolved {
            secret: secret_access_key.clone(),
            principal,
            session: None,
            stored: true,
        });
    }
    if let Some(session) = app.view.session(key_id) {
        let principal = match &session.of {
            SessionOf::Role { .. } => Principal::AssumedRole(session.clone()),
            SessionOf::Federated { .. } => Principal::FederatedUser(session.clone()),
            SessionOf::Caller { user_id: None } => Principal::Root {
                account_id: session.account_id.clone(),
            },
            SessionOf::Caller {
                user_id: Some(user_id),
            } => Principal::User(
                app.view
                    .user(user_id)
                    .ok_or_else(AwsError::invalid_client_token_id)?,
            ),
        };
        return Ok(Resolved {
            secret: session.secret_access_key.clone(),
            principal,
            session: Some(session),
            stored: false,
        });
    }
    if app.view.is_expired_session(key_id) {
        return Err(AwsError::expired_token());
    }
    // The local-emulator convention: a 12-digit key id signed with the root secret is the
    // root of that account.
    if !config.single_account && is_account_id(key_id) {
        return Ok(Resolved {
            secret: config.root_secret_key.clone(),
            principal: Principal::Root {
                account_id: key_id.to_owned(),
            },
            session: None,
            stored: false,
        });
    }
    Err(AwsError::invalid_client_token_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(date: &str) -> sigv4::CredentialScope<'_> {
        sigv4::CredentialScope {
            date: date.into(),
            region: "us-east-1".into(),
            service: "iam".into(),
        }
    }

    #[test]
    fn signing_keys_are_kept_per_scope_and_follow_the_secret() {
        let keys = SigningKeys::default();
        let signature = |key: sigv4::SigningKey| {
            use hmac::Mac;
            let mut mac = key.mac();
            mac.update(b"string to sign");
            mac.finalize().into_bytes().to_vec()
        };
        let expected = |secret: &str, date: &str| {
            signature(sigv4::SigningKey::new(&sigv4::signing_key(
                secret,
                &scope(date),
            )))
        };
        let first = keys.get("AKIAEXAMPLE", "secret", &scope("20261127"));
        assert_eq!(signature(first), expected("secret", "20261127"));
        let again = keys.get("AKIAEXAMPLE", "secret", &scope("20261127"));
        assert_eq!(signature(again), expected("secret", "20261127"));
        assert_eq!(keys.keys.lock().unwrap().len(), 1);
        let next_day = keys.get("AKIAEXAMPLE", "secret", &scope("20261128"));
        assert_eq!(signature(next_day), expected("secret", "20261128"));
        let other_secret = keys.get("AKIAEXAMPLE", "other", &scope("20261127"));
        assert_eq!(signature(other_secret), expected("other", "20261127"));
        let other_key = keys.get("AKIAOTHER", "secret", &scope("20261127"));
        assert_eq!(signature(other_key), expected("secret", "20261127"));
    }
}
