//! Outbound web identity federation: an account switch that lets its principals get JSON Web
//! Tokens of themselves (`sts:GetWebIdentityToken`) to present to services outside AWS.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound.html>
//!
//! AWS gives each account an issuer URL of its own; iamlocal's tokens come from its built-in
//! issuer, whose discovery document and keys it serves at `/.well-known/…`, so that URL is
//! the issuer identifier of every account.

use super::account::NoInput;
use crate::api::Ctx;
use crate::aws_error;
use crate::error::AwsError;
use crate::protocol::xml::{Empty, ToXml, XmlWriter};

pub struct IssuerOutput {
    issuer: String,
    /// `GetOutboundWebIdentityFederationInfo` says whether tokens may be had.
    enabled: Option<bool>,
}

impl ToXml for IssuerOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("IssuerIdentifier", &self.issuer);
        if let Some(enabled) = self.enabled {
            w.bool_field("JwtVendingEnabled", enabled);
        }
    }
}

fn feature_disabled() -> AwsError {
    aws_error!(
        FeatureDisabled,
        "Outbound web identity federation is disabled for this account."
    )
}

pub async fn enable_outbound_web_identity_federation(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<IssuerOutput, AwsError> {
    cx.authorize("iam:EnableOutboundWebIdentityFederation", "*")?;
    let store = &cx.app.store;
    if !store.set_outbound_federation(cx.account_id(), true).await? {
        return Err(aws_error!(
            FeatureEnabled,
            "Outbound web identity federation is already enabled for this account."
        ));
    }
    Ok(IssuerOutput {
        issuer: cx.app.oidc.builtin.url.clone(),
        enabled: None,
    })
}

pub async fn disable_outbound_web_identity_federation(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:DisableOutboundWebIdentityFederation", "*")?;
    if !cx
        .app
        .store
        .set_outbound_federation(cx.account_id(), false)
        .await?
    {
        return Err(feature_disabled());
    }
    Ok(Empty)
}

pub async fn get_outbound_web_identity_federation_info(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<IssuerOutput, AwsError> {
    cx.authorize("iam:GetOutboundWebIdentityFederationInfo", "*")?;
    if !cx
        .app
        .store
        .outbound_federation_enabled(cx.account_id())
        .await?
    {
        return Err(feature_disabled());
    }
    Ok(IssuerOutput {
        issuer: cx.app.oidc.builtin.url.clone(),
        enabled: Some(true),
    })
}
