//! IAM SAML providers: which identity providers' signed assertions `AssumeRoleWithSAML`
//! accepts in an account, named by their SAML metadata document.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html>
//!
//! A provider may hold two private keys (`AddPrivateKey`, `RemovePrivateKey`) to decrypt
//! encrypted assertions with; `AssertionEncryptionMode=Required` refuses plain ones.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html>

use super::shapes::ARN;
use super::shapes::{check_tag_keys, read_tags};
use super::tagging::{Named, Taggable};
use super::users::write_tags;
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Pattern, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::saml::{DecryptionKey, Metadata};
use crate::store::{
    PrivateKeyChange, SamlPrivateKey, SamlProvider, SamlProviderDocument, Store, Tag,
};
use crate::sts::identity::NoInput;
use time::OffsetDateTime;

pub(crate) const METADATA_DOCUMENT: Shape = Shape {
    min: 1000,
    max: 10_000_000,
    pattern: None,
};

/// `[\w._-]+`
fn is_provider_name(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

pub(crate) const PROVIDER_NAME: Shape = Shape {
    min: 1,
    max: 128,
    pattern: Some(Pattern {
        text: r"[\w._-]+",
        matches: is_provider_name,
    }),
};

/// `[\u0009\u000A\u000D\u0020-\u00FF]+`
fn is_private_key(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'))
}

const PRIVATE_KEY: Shape = Shape {
    min: 1,
    max: 16384,
    pattern: Some(Pattern {
        text: r"[\u0009\u000A\u000D\u0020-\u00FF]+",
        matches: is_private_key,
    }),
};

const PRIVATE_KEY_ID: Shape = Shape {
    min: 22,
    max: 64,
    pattern: Some(Pattern {
        text: "[A-Z0-9]+",
        matches: |s| {
            s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        },
    }),
};

const ENCRYPTION_MODES: &[&str] = &["Required", "Allowed"];

/// The metadata document read, or AWS's refusal of it.
pub(crate) fn parse_metadata(document: &str) -> Result<Metadata, AwsError> {
    Metadata::parse(document)
        .map_err(|reason| aws_error!(InvalidInput, "Could not parse metadata: {reason}."))
}

/// A private key as `AddPrivateKey` gives it: read, or AWS's refusal of it.
pub(crate) fn parse_private_key(
    pem: &str,
    now: OffsetDateTime,
) -> Result<SamlPrivateKey, AwsError> {
    let key = DecryptionKey::from_pem(pem)
        .map_err(|reason| aws_error!(InvalidInput, "The private key is not valid: {reason}."))?;
    Ok(SamlPrivateKey {
        key_id: key.id,
        private_key: pem.to_owned(),
        added_at: now,
    })
}

pub struct CreateInput {
    metadata: String,
    name: String,
    tags: Vec<Tag>,
    encryption_mode: Option<String>,
    add_private_key: Option<String>,
}

impl FromQuery for CreateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let metadata = input.required("SAMLMetadataDocument", &METADATA_DOCUMENT);
        let name = input.required("Name", &PROVIDER_NAME);
        let tags = read_tags(&mut input);
        let encryption_mode = input.enumeration("AssertionEncryptionMode", ENCRYPTION_MODES);
        let add_private_key = input.secret("AddPrivateKey", &PRIVATE_KEY);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(CreateInput {
            metadata,
            name,
            tags,
            encryption_mode,
            add_private_key,
        })
    }
}

pub struct CreateOutput {
    arn: String,
    tags: Vec<Tag>,
}

impl ToXml for CreateOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("SAMLProviderArn", &self.arn);
        write_tags(w, &self.tags);
    }
}

pub async fn create_saml_provider(
    cx: &Ctx<'_>,
    input: CreateInput,
) -> Result<CreateOutput, AwsError> {
    let account = cx.account_id();
    let arn = arn::saml_provider(account, &input.name);
    cx.authorize_with(
        "iam:CreateSAMLProvider",
        &arn,
        RequestKeys::default().tags(&input.tags),
    )?;
    let parsed = parse_metadata(&input.metadata)?;
    let private_keys = match &input.add_private_key {
        Some(pem) => vec![parse_private_key(pem, cx.now())?],
        None => Vec::new(),
    };
    let document = SamlProviderDocument {
        metadata: &input.metadata,
        parsed: &parsed,
        assertion_encryption_mode: input.encryption_mode.as_deref(),
        private_keys: &private_keys,
    };
    let provider = cx
        .app
        .store
        .create_saml_provider(account, &arn, &document, &input.tags, cx.now())
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
        let arn = input.required("SAMLProviderArn", &ARN);
        input.finish()?;
        Ok(ArnInput { arn })
    }
}

pub struct GetOutput(SamlProvider);

impl ToXml for GetOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let provider = &self.0;
        w.field("SAMLProviderUUID", &provider.uuid);
        w.field("SAMLMetadataDocument", &provider.metadata);
        w.field("CreateDate", &iso8601(provider.created_at));
        w.opt_field("ValidUntil", provider.valid_until.map(iso8601).as_deref());
        write_tags(w, &provider.tags);
        w.opt_field(
            "AssertionEncryptionMode",
            provider.assertion_encryption_mode.as_deref(),
        );
        // The keys' ids and dates only: IAM never gives a private key back.
        w.members("PrivateKeyList", &provider.private_keys, |w, key| {
            w.field("KeyId", &key.key_id);
            w.field("Timestamp", &iso8601(key.added_at));
        });
    }
}

pub async fn get_saml_provider(cx: &Ctx<'_>, input: ArnInput) -> Result<GetOutput, AwsError> {
    cx.authorize("iam:GetSAMLProvider", &input.arn)?;
    let provider = cx
        .app
        .store
        .saml_provider(cx.account_id(), &input.arn)
        .await?;
    Ok(GetOutput(provider))
}

pub struct ListOutput(Vec<SamlProvider>);

impl ToXml for ListOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("SAMLProviderList", &self.0, |w, provider| {
            w.field("Arn", &provider.arn);
            w.opt_field("ValidUntil", provider.valid_until.map(iso8601).as_deref());
            w.field("CreateDate", &iso8601(provider.created_at));
        });
    }
}

pub async fn list_saml_providers(cx: &Ctx<'_>, _: NoInput) -> Result<ListOutput, AwsError> {
    cx.authorize("iam:ListSAMLProviders", "*")?;
    let providers = cx.app.store.list_saml_providers(cx.account_id()).await?;
    Ok(ListOutput(providers))
}

pub async fn delete_saml_provider(cx: &Ctx<'_>, input: ArnInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteSAMLProvider", &input.arn)?;
    cx.app
        .store
        .delete_saml_provider(cx.account_id(), &input.arn)
        .await?;
    Ok(Empty)
}

pub struct UpdateInput {
    arn: String,
    metadata: Option<String>,
    encryption_mode: Option<String>,
    add_private_key: Option<String>,
    remove_private_key: Option<String>,
}

impl FromQuery for UpdateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let metadata = input.string("SAMLMetadataDocument", &METADATA_DOCUMENT);
        let arn = input.required("SAMLProviderArn", &ARN);
        let encryption_mode = input.enumeration("AssertionEncryptionMode", ENCRYPTION_MODES);
        let add_private_key = input.secret("AddPrivateKey", &PRIVATE_KEY);
        let remove_private_key = input.string("RemovePrivateKey", &PRIVATE_KEY_ID);
        input.finish()?;
        Ok(UpdateInput {
            arn,
            metadata,
            encryption_mode,
            add_private_key,
            remove_private_key,
        })
    }
}

pub struct UpdateOutput {
    arn: String,
}

impl ToXml for UpdateOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("SAMLProviderArn", &self.arn);
    }
}

pub async fn update_saml_provider(
    cx: &Ctx<'_>,
    input: UpdateInput,
) -> Result<UpdateOutput, AwsError> {
    cx.authorize("iam:UpdateSAMLProvider", &input.arn)?;
    let parsed = input.metadata.as_deref().map(parse_metadata).transpose()?;
    let metadata = input.metadata.as_deref().zip(parsed.as_ref());
    let added = input
        .add_private_key
        .as_deref()
        .map(|pem| parse_private_key(pem, cx.now()))
        .transpose()?;
    let keys = PrivateKeyChange {
        add: added.as_ref(),
        remove: input.remove_private_key.as_deref(),
    };
    cx.app
        .store
        .update_saml_provider(
            cx.account_id(),
            &input.arn,
            metadata,
            input.encryption_mode.as_deref(),
            keys,
        )
        .await?;
    Ok(UpdateOutput { arn: input.arn })
}

/// SAML providers for the shared tag actions (`TagSAMLProvider` …), named by ARN.
pub struct SamlProviderKind;

impl Named for SamlProviderKind {
    const NAME_PARAM: &'static str = "SAMLProviderArn";
    const NAME_SHAPE: Shape = ARN;
    const NOUN: &'static str = "SAMLProvider";

    async fn arn(_cx: &Ctx<'_>, arn: &str) -> Result<String, AwsError> {
        Ok(arn.to_owned())
    }
}

impl Taggable for SamlProviderKind {
    async fn tag(store: &Store, account: &str, arn: &str, tags: &[Tag]) -> Result<(), AwsError> {
        store.tag_saml_provider(account, arn, tags).await
    }

    async fn untag(
        store: &Store,
        account: &str,
        arn: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        store.untag_saml_provider(account, arn, keys).await
    }

    async fn tags(store: &Store, account: &str, arn: &str) -> Result<Vec<Tag>, AwsError> {
        Ok(store.saml_provider(account, arn).await?.tags)
    }
}
