//! Who is calling: the SigV4 signature is checked against the key it names, and the key
//! resolved to its principal — all from the data plane, never the database.

mod caller;
pub mod sigv4;

pub use caller::Caller;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::api::Service;
use crate::app::App;
use crate::config::is_account_id;
use crate::error::AwsError;
use crate::store::KeyUse;
use crate::view::{AccessKeyRecord, Principal, SessionOf, SessionRecord};

/// Authenticates a request. The signature is checked before anything else is looked at,
/// so a tampered request is `SignatureDoesNotMatch` whatever it asks for.
pub async fn authenticate(app: &App, req: &sigv4::HttpRequest<'_>) -> Result<Caller, AwsError> {
    let signature = sigv4::parse(req)?.ok_or_else(AwsError::missing_authentication_token)?;
    let service = Service::from_signing_name(&signature.scope.service).ok_or_else(|| {
        crate::aws_error!(
            SignatureDoesNotMatch,
            "Credential should be scoped to correct service: 'iam'. "
        )
    })?;
    // The skew check is the one place that reads the real wall clock: SDKs sign with it.
    // AWS checks the time before it looks at the key.
    let now = OffsetDateTime::now_utc();
    if !app.config.accept_any_signature {
        sigv4::check_time(&signature, now)?;
    }
    let key_id = signature.access_key_id.as_str();
    let Resolved {
        secret,
        principal,
        session,
        stored,
    } = resolve_key(app, key_id)?;
    if !app.config.accept_any_signature {
        sigv4::verify(&signature, req, &secret, now)?;
    }
    match &session {
        // Temporary credentials are three parts; the token must be the one minted with
        // the key, and the virtual clock decides whether it has expired.
        Some(session) => {
            if signature.security_token.as_deref() != Some(session.session_token.as_str()) {
                return Err(AwsError::invalid_client_token_id());
            }
            if app.clock.now() >= session.expires_at {
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
        app.store
            .ensure_account(account_id, app.clock.now())
            .await?;
    }
    if stored {
        app.note_key_use(
            key_id,
            KeyUse {
                at: app.clock.now(),
                service: service.signing_name().to_owned(),
                region: signature.scope.region.clone(),
            },
        );
    }
    Ok(Caller {
        principal,
        session,
        access_key_id: signature.access_key_id.clone(),
        service,
        region: signature.scope.region.clone(),
    })
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
