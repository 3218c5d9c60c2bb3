//! Service-specific credentials: a user name and password for CodeCommit (Git over HTTPS)
//! or Amazon Keyspaces, or an API key for Bedrock or CloudWatch Logs. Two per user and
//! service; the password or key secret is shown by the call that makes it, never again.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_service-specific-creds.html>

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;

use super::access_keys::status;
use super::login_profiles::user_or_caller;
use super::passwords::PasswordHash;
use super::shapes::{CREDENTIAL_ID, KEY_STATUSES, MARKER, USER_NAME};
use super::signing_certificates::settable_status;
use super::users::{DEFAULT_MAX_ITEMS, user_arn, write_truncation};
use crate::api::{Ctx, FromQuery};
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{NewServiceCredential, ServiceCredential};

/// `serviceName` has no constraints in the model; the services decide.
const SERVICE_NAME: Shape = Shape {
    min: 0,
    max: usize::MAX,
    pattern: None,
};

/// What a service's credentials are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `ServiceUserName` (`USER-at-ACCOUNT`) and `ServicePassword`.
    Password,
    /// `ServiceCredentialAlias` and `ServiceCredentialSecret`, which may expire.
    ApiKey { alias_prefix: &'static str },
}

/// The services AWS documents as taking service-specific credentials.
pub(crate) fn kind_of(service_name: &str) -> Result<Kind, AwsError> {
    match service_name {
        "codecommit.amazonaws.com" | "cassandra.amazonaws.com" => Ok(Kind::Password),
        "bedrock.amazonaws.com" => Ok(Kind::ApiKey {
            alias_prefix: "BedrockAPIKey",
        }),
        "logs.amazonaws.com" => Ok(Kind::ApiKey {
            alias_prefix: "CloudWatchLogsAPIKey",
        }),
        _ => Err(aws_error!(
            NotSupportedService,
            "No such service {service_name} is supported for Service-Specific Credentials"
        )),
    }
}

/// A new password or key secret: 32 random bytes in base64, 44 characters as AWS's are.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    STANDARD.encode(bytes)
}

/// `BedrockAPIKey-xxxx-at-ACCOUNT`: the user-visible half of an API key. AWS says only that
/// it holds the user name and a suffix of version and creation information; iamlocal's
/// suffix is random.
pub(crate) fn new_alias(prefix: &str, user_name: &str, account_id: &str) -> String {
    let mut rng = rand::rng();
    let suffix: String = (0..4)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
        .collect();
    format!("{prefix}-{user_name}-{suffix}-at-{account_id}")
}

pub struct CreateServiceCredentialInput {
    user_name: String,
    service_name: String,
    credential_age_days: Option<i64>,
}

impl FromQuery for CreateServiceCredentialInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &USER_NAME);
        let service_name = input.required("ServiceName", &SERVICE_NAME);
        let credential_age_days = input.integer("CredentialAgeDays", 1, 36600);
        input.finish()?;
        Ok(CreateServiceCredentialInput {
            user_name,
            service_name,
            credential_age_days,
        })
    }
}

/// A credential as `CreateServiceSpecificCredential` and `ResetServiceSpecificCredential`
/// show it: with its new secret.
pub struct ServiceCredentialOutput {
    credential: ServiceCredential,
    secret: String,
    now: time::OffsetDateTime,
}

impl ToXml for ServiceCredentialOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let c = &self.credential;
        w.open("ServiceSpecificCredential");
        write_credential(w, c, self.now);
        if c.service_user_name.is_some() {
            w.field("ServicePassword", &self.secret);
        } else {
            w.field("ServiceCredentialSecret", &self.secret);
        }
        w.close("ServiceSpecificCredential");
    }
}

pub async fn create_service_specific_credential(
    cx: &Ctx<'_>,
    input: CreateServiceCredentialInput,
) -> Result<ServiceCredentialOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize(
        "iam:CreateServiceSpecificCredential",
        &user_arn(cx, &input.user_name),
    )?;
    let kind = kind_of(&input.service_name)?;
    let (service_user_name, alias) = match kind {
        Kind::Password if input.credential_age_days.is_some() => {
            // AWS documents the member as valid for API keys only; the code is iamlocal's.
            return Err(aws_error!(
                InvalidInput,
                "CredentialAgeDays is valid only for Bedrock and CloudWatch Logs API keys."
            ));
        }
        Kind::Password => (Some(format!("{}-at-{account}", input.user_name)), None),
        Kind::ApiKey { alias_prefix } => (
            None,
            Some(new_alias(alias_prefix, &input.user_name, account)),
        ),
    };
    let secret = new_secret();
    let now = cx.now();
    let expires_at = input
        .credential_age_days
        .map(|days| now + time::Duration::days(days));
    let credential = cx
        .app
        .store
        .create_service_credential(
            account,
            NewServiceCredential {
                user_name: &input.user_name,
                service_name: &input.service_name,
                service_user_name: service_user_name.as_deref(),
                service_credential_alias: alias.as_deref(),
                secret: &PasswordHash::new(&secret),
                expires_at,
            },
            now,
        )
        .await?;
    Ok(ServiceCredentialOutput {
        credential,
        secret,
        now,
    })
}

pub struct ListServiceCredentialsInput {
    user_name: Option<String>,
    service_name: Option<String>,
    all_users: bool,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for ListServiceCredentialsInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &USER_NAME);
        let service_name = input.string("ServiceName", &SERVICE_NAME);
        let all_users = input.boolean("AllUsers").unwrap_or(false);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        if all_users && user_name.is_some() {
            return Err(aws_error!(
                InvalidInput,
                "AllUsers cannot be specified together with UserName."
            ));
        }
        Ok(ListServiceCredentialsInput {
            user_name,
            service_name,
            all_users,
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct ListServiceCredentialsOutput {
    credentials: Vec<ServiceCredential>,
    marker: Option<String>,
    now: time::OffsetDateTime,
}

impl ToXml for ListServiceCredentialsOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("ServiceSpecificCredentials", &self.credentials, |w, c| {
            write_credential(w, c, self.now);
        });
        write_truncation(w, self.marker.as_deref());
    }
}

/// One user's credentials, or with `AllUsers` every user's (authorized on `user/*`).
pub async fn list_service_specific_credentials(
    cx: &Ctx<'_>,
    input: ListServiceCredentialsInput,
) -> Result<ListServiceCredentialsOutput, AwsError> {
    let account = cx.account_id();
    let store = &cx.app.store;
    if let Some(service) = &input.service_name {
        kind_of(service)?;
    }
    let credentials = if input.all_users {
        cx.authorize(
            "iam:ListServiceSpecificCredentials",
            &crate::arn::user(account, "/", "*"),
        )?;
        store
            .list_all_service_credentials(account, input.service_name.as_deref())
            .await?
    } else {
        let user_name = user_or_caller(cx, input.user_name)?;
        cx.authorize(
            "iam:ListServiceSpecificCredentials",
            &user_arn(cx, &user_name),
        )?;
        store
            .list_service_credentials(account, &user_name, input.service_name.as_deref())
            .await?
    };
    let (credentials, marker) = super::page_by_key(
        &credentials,
        |c| {
            let made = super::made_order(c.created_at, &c.credential_id);
            format!("{}/{made}", c.user_name)
        },
        input.marker.as_deref(),
        input.max_items,
    )?;
    Ok(ListServiceCredentialsOutput {
        credentials,
        marker,
        now: cx.now(),
    })
}

pub struct CredentialOfUserInput {
    user_name: Option<String>,
    credential_id: String,
}

impl FromQuery for CredentialOfUserInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &USER_NAME);
        let credential_id = input.required("ServiceSpecificCredentialId", &CREDENTIAL_ID);
        input.finish()?;
        Ok(CredentialOfUserInput {
            user_name,
            credential_id,
        })
    }
}

pub async fn reset_service_specific_credential(
    cx: &Ctx<'_>,
    input: CredentialOfUserInput,
) -> Result<ServiceCredentialOutput, AwsError> {
    let user_name = user_or_caller(cx, input.user_name)?;
    cx.authorize(
        "iam:ResetServiceSpecificCredential",
        &user_arn(cx, &user_name),
    )?;
    let secret = new_secret();
    let credential = cx
        .app
        .store
        .reset_service_credential(
            cx.account_id(),
            &user_name,
            &input.credential_id,
            &PasswordHash::new(&secret),
        )
        .await?;
    Ok(ServiceCredentialOutput {
        credential,
        secret,
        now: cx.now(),
    })
}

pub struct UpdateServiceCredentialInput {
    user_name: Option<String>,
    credential_id: String,
    active: bool,
}

impl FromQuery for UpdateServiceCredentialInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &USER_NAME);
        let credential_id = input.required("ServiceSpecificCredentialId", &CREDENTIAL_ID);
        let status = input.required_enum("Status", KEY_STATUSES);
        input.finish()?;
        Ok(UpdateServiceCredentialInput {
            user_name,
            credential_id,
            active: settable_status(&status, "Service-specific credential")?,
        })
    }
}

pub async fn update_service_specific_credential(
    cx: &Ctx<'_>,
    input: UpdateServiceCredentialInput,
) -> Result<Empty, AwsError> {
    let user_name = user_or_caller(cx, input.user_name)?;
    cx.authorize(
        "iam:UpdateServiceSpecificCredential",
        &user_arn(cx, &user_name),
    )?;
    cx.app
        .store
        .set_service_credential_status(
            cx.account_id(),
            &user_name,
            &input.credential_id,
            input.active,
        )
        .await?;
    Ok(Empty)
}

pub async fn delete_service_specific_credential(
    cx: &Ctx<'_>,
    input: CredentialOfUserInput,
) -> Result<Empty, AwsError> {
    let user_name = user_or_caller(cx, input.user_name)?;
    cx.authorize(
        "iam:DeleteServiceSpecificCredential",
        &user_arn(cx, &user_name),
    )?;
    cx.app
        .store
        .delete_service_credential(cx.account_id(), &user_name, &input.credential_id)
        .await?;
    Ok(Empty)
}

/// The members of `ServiceSpecificCredential(Metadata)` other than the secret. A credential
/// past its expiration date shows `Expired`.
fn write_credential(w: &mut XmlWriter, c: &ServiceCredential, now: time::OffsetDateTime) {
    let expired = c.expires_at.is_some_and(|at| at <= now);
    w.field("UserName", &c.user_name);
    w.field("Status", if expired { "Expired" } else { status(c.active) });
    w.opt_field("ServiceUserName", c.service_user_name.as_deref());
    w.opt_field(
        "ServiceCredentialAlias",
        c.service_credential_alias.as_deref(),
    );
    w.field("CreateDate", &iso8601(c.created_at));
    if let Some(at) = c.expires_at {
        w.field("ExpirationDate", &iso8601(at));
    }
    w.field("ServiceSpecificCredentialId", &c.credential_id);
    w.field("ServiceName", &c.service_name);
}
