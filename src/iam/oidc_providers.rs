//! IAM OpenID Connect providers: which issuers' ID tokens `AssumeRoleWithWebIdentity`
//! accepts in an account, and for which audiences (client ids).
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html>
//!
//! AWS takes `https://` URLs without a port only. iamlocal also takes the URL of an issuer
//! whose keys it knows (its built-in issuer, `http://127.0.0.1:PORT`, and any given with
//! `--oidc-jwks`), since those are the only issuers whose tokens it can verify offline.

use super::shapes::{ARN, check_tag_keys, read_tags};
use super::tagging::{Named, Taggable};
use super::users::write_tags;
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::oidc;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{MAX_CLIENT_IDS, OidcProvider, OidcProviderLists, Store, Tag};
use crate::sts::identity::NoInput;

pub(crate) const URL: Shape = Shape {
    min: 1,
    max: 255,
    pattern: None,
};

pub(crate) const CLIENT_ID: Shape = Shape {
    min: 1,
    max: 255,
    pattern: None,
};

/// A thumbprint is the hex SHA-1 of a certificate: 40 characters.
pub(crate) const THUMBPRINT: Shape = Shape {
    min: 40,
    max: 40,
    pattern: None,
};

/// A provider keeps five thumbprints at most (certificate rotation).
const MAX_THUMBPRINTS: usize = 5;

/// The provider URL without its scheme (`host/path`), or AWS's refusal of it.
pub(crate) fn provider_url(issuers: &oidc::Issuers, url: &str) -> Result<String, AwsError> {
    if issuers.is_known(url) {
        return Ok(oidc::provider_url(url).to_owned());
    }
    let invalid = || aws_error!(InvalidInput, "Invalid Open ID Connect Provider URL.");
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(aws_error!(
            ValidationError,
            "Invalid Open ID Connect Provider URL"
        ));
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(aws_error!(
            ValidationError,
            "Invalid Open ID Connect Provider URL"
        ));
    }
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(aws_error!(
            InvalidInput,
            "Invalid Open ID Connect Provider URL. The URL must begin with https://."
        ));
    }
    // No user info, port, query or fragment; a host name of letters, digits, '-' and '.'.
    if rest.contains(['?', '#']) || rest.contains(char::is_whitespace) {
        return Err(invalid());
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(invalid());
    }
    Ok(oidc::provider_url(url).to_owned())
}

pub(crate) fn check_thumbprints(thumbprints: &[String]) -> Result<(), AwsError> {
    if thumbprints.len() > MAX_THUMBPRINTS {
        return Err(aws_error!(
            InvalidInput,
            "Thumbprint list must contain fewer than 5 entries."
        ));
    }
    Ok(())
}

pub(crate) fn check_client_ids(client_ids: &[String]) -> Result<(), AwsError> {
    if client_ids.len() > MAX_CLIENT_IDS {
        return Err(aws_error!(
            LimitExceeded,
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        ));
    }
    Ok(())
}

/// The list as given, without repeats.
pub(crate) fn unique(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.clone()));
    items
}

pub struct CreateInput {
    url: String,
    client_ids: Vec<String>,
    thumbprints: Vec<String>,
    tags: Vec<Tag>,
}

impl FromQuery for CreateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let url = input.required("Url", &URL);
        let client_ids = input.string_list("ClientIDList", usize::MAX, &CLIENT_ID);
        let thumbprints = input.string_list("ThumbprintList", usize::MAX, &THUMBPRINT);
        let tags = read_tags(&mut input);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(CreateInput {
            url,
            client_ids: unique(client_ids),
            thumbprints: unique(thumbprints),
            tags,
        })
    }
}

pub struct CreateOutput {
    arn: String,
    tags: Vec<Tag>,
}

impl ToXml for CreateOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("OpenIDConnectProviderArn", &self.arn);
        write_tags(w, &self.tags);
    }
}

pub async fn create_open_id_connect_provider(
    cx: &Ctx<'_>,
    input: CreateInput,
) -> Result<CreateOutput, AwsError> {
    let url = provider_url(&cx.app.oidc, &input.url)?;
    check_thumbprints(&input.thumbprints)?;
    check_client_ids(&input.client_ids)?;
    let account = cx.account_id();
    let arn = arn::oidc_provider(account, &url);
    cx.authorize_with(
        "iam:CreateOpenIDConnectProvider",
        &arn,
        RequestKeys::default().tags(&input.tags),
    )?;
    let lists = OidcProviderLists {
        client_ids: input.client_ids,
        thumbprints: input.thumbprints,
    };
    let provider = cx
        .app
        .store
        .create_oidc_provider(account, &arn, &url, &lists, &input.tags, cx.now())
        .await?;
    Ok(CreateOutput {
        arn: provider.arn,
        tags: provider.tags,
    })
}

/// The input of the actions about one provider and nothing else.
pub struct ArnInput {
    arn: String,
}

impl FromQuery for ArnInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let arn = input.required("OpenIDConnectProviderArn", &ARN);
        input.finish()?;
        Ok(ArnInput { arn })
    }
}

pub struct GetOutput(OidcProvider);

impl ToXml for GetOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let provider = &self.0;
        w.field("Url", &provider.url);
        w.members("ClientIDList", &provider.client_ids, |w, id| w.text(id));
        w.members("ThumbprintList", &provider.thumbprints, |w, t| w.text(t));
        w.field("CreateDate", &iso8601(provider.created_at));
        write_tags(w, &provider.tags);
    }
}

pub async fn get_open_id_connect_provider(
    cx: &Ctx<'_>,
    input: ArnInput,
) -> Result<GetOutput, AwsError> {
    cx.authorize("iam:GetOpenIDConnectProvider", &input.arn)?;
    let provider = cx
        .app
        .store
        .oidc_provider(cx.account_id(), &input.arn)
        .await?;
    Ok(GetOutput(provider))
}

pub struct ListOutput {
    arns: Vec<String>,
}

impl ToXml for ListOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("OpenIDConnectProviderList", &self.arns, |w, arn| {
            w.field("Arn", arn)
        });
    }
}

pub async fn list_open_id_connect_providers(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<ListOutput, AwsError> {
    cx.authorize("iam:ListOpenIDConnectProviders", "*")?;
    let arns = cx.app.store.list_oidc_providers(cx.account_id()).await?;
    Ok(ListOutput { arns })
}

/// AWS: "This operation is idempotent; it does not fail or return an error if you call the
/// operation for a provider that does not exist."
pub async fn delete_open_id_connect_provider(
    cx: &Ctx<'_>,
    input: ArnInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteOpenIDConnectProvider", &input.arn)?;
    cx.app
        .store
        .delete_oidc_provider(cx.account_id(), &input.arn)
        .await?;
    Ok(Empty)
}

pub struct ThumbprintInput {
    arn: String,
    thumbprints: Vec<String>,
}

impl FromQuery for ThumbprintInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let arn = input.required("OpenIDConnectProviderArn", &ARN);
        input.require_present("ThumbprintList");
        let thumbprints = input.string_list("ThumbprintList", usize::MAX, &THUMBPRINT);
        input.finish()?;
        Ok(ThumbprintInput {
            arn,
            thumbprints: unique(thumbprints),
        })
    }
}

pub async fn update_thumbprint(cx: &Ctx<'_>, input: ThumbprintInput) -> Result<Empty, AwsError> {
    check_thumbprints(&input.thumbprints)?;
    cx.authorize("iam:UpdateOpenIDConnectProviderThumbprint", &input.arn)?;
    cx.app
        .store
        .update_oidc_provider(cx.account_id(), &input.arn, |lists| {
            lists.thumbprints = input.thumbprints;
            Ok(())
        })
        .await?;
    Ok(Empty)
}

pub struct ClientIdInput {
    arn: String,
    client_id: String,
}

impl FromQuery for ClientIdInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let arn = input.required("OpenIDConnectProviderArn", &ARN);
        let client_id = input.required("ClientID", &CLIENT_ID);
        input.finish()?;
        Ok(ClientIdInput { arn, client_id })
    }
}

/// Adding a client id the provider already has changes nothing.
pub async fn add_client_id(cx: &Ctx<'_>, input: ClientIdInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:AddClientIDToOpenIDConnectProvider", &input.arn)?;
    cx.app
        .store
        .update_oidc_provider(cx.account_id(), &input.arn, |lists| {
            if !lists.client_ids.contains(&input.client_id) {
                lists.client_ids.push(input.client_id);
            }
            check_client_ids(&lists.client_ids)
        })
        .await?;
    Ok(Empty)
}

/// AWS: removing a client id that does not exist is not an error.
pub async fn remove_client_id(cx: &Ctx<'_>, input: ClientIdInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:RemoveClientIDFromOpenIDConnectProvider", &input.arn)?;
    cx.app
        .store
        .update_oidc_provider(cx.account_id(), &input.arn, |lists| {
            lists.client_ids.retain(|id| *id != input.client_id);
            Ok(())
        })
        .await?;
    Ok(Empty)
}

/// OpenID Connect providers for the shared tag actions (`TagOpenIDConnectProvider` …),
/// named by ARN.
pub struct OidcProviderKind;

impl Named for OidcProviderKind {
    const NAME_PARAM: &'static str = "OpenIDConnectProviderArn";
    const NAME_SHAPE: Shape = ARN;
    const NOUN: &'static str = "OpenIDConnectProvider";

    async fn arn(_cx: &Ctx<'_>, arn: &str) -> Result<String, AwsError> {
        Ok(arn.to_owned())
    }
}

impl Taggable for OidcProviderKind {
    async fn tag(store: &Store, account: &str, arn: &str, tags: &[Tag]) -> Result<(), AwsError> {
        store.tag_oidc_provider(account, arn, tags).await
    }

    async fn untag(
        store: &Store,
        account: &str,
        arn: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        store.untag_oidc_provider(account, arn, keys).await
    }

    async fn tags(store: &Store, account: &str, arn: &str) -> Result<Vec<Tag>, AwsError> {
        Ok(store.oidc_provider(account, arn).await?.tags)
    }
}
