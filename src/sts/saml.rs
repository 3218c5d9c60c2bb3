//! `AssumeRoleWithSAML`: temporary credentials for a role, in exchange for a SAML response
//! signed by an identity provider registered in the role's account (`CreateSAMLProvider`).
//! AWS answers it unsigned: the assertion is the proof of identity.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml>

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::digest;
use time::OffsetDateTime;

use crate::api::{Ctx, FromQuery, Origin};
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::iam::shapes::{MAX_TAGS, TAG_KEY, TAG_VALUE};
use crate::policy::{self, RequestContext};
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::saml::Assertion;
use crate::store::Tag;
use crate::view::SamlProviderRecord;

use super::role_session::{
    self, NewRoleSession, ROLE_ARN, RoleSession, SESSION_NAME, SessionPolicyInput, fits,
};

const SAML_ASSERTION: Shape = Shape {
    min: 4,
    max: 100_000,
    pattern: None,
};

/// The attributes AWS reads.
const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
const SOURCE_IDENTITY: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";
const PRINCIPAL_TAG: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
const TRANSITIVE_TAG_KEYS: &str = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";

/// The name-id formats whose common prefix AWS drops from `SubjectType`.
const NAME_ID_FORMAT_PREFIX: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:";
/// SAML's default `NameID` format.
const UNSPECIFIED_FORMAT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

pub struct AssumeRoleWithSamlInput {
    role_arn: String,
    principal_arn: String,
    assertion: String,
    duration_seconds: Option<i64>,
    session_policies: SessionPolicyInput,
}

impl FromQuery for AssumeRoleWithSamlInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let role_arn = input.required("RoleArn", &ROLE_ARN);
        let principal_arn = input.required("PrincipalArn", &ROLE_ARN);
        let assertion = input.required_secret("SAMLAssertion", &SAML_ASSERTION);
        let session_policies = SessionPolicyInput::read(&mut input);
        let duration_seconds = input.integer("DurationSeconds", 900, 43200);
        input.finish()?;
        Ok(AssumeRoleWithSamlInput {
            role_arn,
            principal_arn,
            assertion,
            duration_seconds,
            session_policies,
        })
    }
}

pub struct AssumeRoleWithSamlOutput {
    session: RoleSession,
    subject: String,
    subject_type: String,
    issuer: String,
    audience: String,
    name_qualifier: String,
}

impl ToXml for AssumeRoleWithSamlOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        self.session.write_xml(w);
        w.field("Subject", &self.subject);
        w.field("SubjectType", &self.subject_type);
        w.field("Issuer", &self.issuer);
        w.field("Audience", &self.audience);
        w.field("NameQualifier", &self.name_qualifier);
    }

    fn size_hint(&self) -> usize {
        self.session.xml_bytes() + 300 + self.subject.len() + self.issuer.len()
    }
}

/// The signed form: the signature names a caller, but only the assertion counts.
pub async fn assume_role_with_saml(
    cx: &Ctx<'_>,
    input: AssumeRoleWithSamlInput,
) -> Result<AssumeRoleWithSamlOutput, AwsError> {
    unsigned(&cx.origin(), input).await
}

pub async fn unsigned(
    origin: &Origin<'_>,
    input: AssumeRoleWithSamlInput,
) -> Result<AssumeRoleWithSamlOutput, AwsError> {
    let app = origin.app;
    let not_authorized =
        || AwsError::access_denied("Not authorized to perform sts:AssumeRoleWithSAML");
    let (account, _) =
        role_session::role_account_and_name(&input.role_arn).ok_or_else(not_authorized)?;
    // The provider must be registered in the role's account.
    let provider = app
        .view
        .saml_provider(&input.principal_arn)
        .filter(|p| p.account_id == account)
        .ok_or_else(|| invalid_token("Specified provider doesn't exist"))?;
    let xml = decode(&input.assertion)?;
    let assertion = Assertion::verify(&xml, &provider.signing_keys, &provider.decryption_keys)
        .map_err(|e| invalid_token(&e))?;
    if provider.encryption_required() && !assertion.encrypted {
        return Err(invalid_token(
            "The SAML provider requires encrypted assertions: its AssertionEncryptionMode is \
             Required",
        ));
    }
    // AWS (documented troubleshooting): the Issuer must be the entityID of the metadata the
    // provider was made with.
    if assertion.issuer != provider.entity_id {
        return Err(invalid_token("Issuer not present in specified provider"));
    }
    let now = origin.now();
    let claims = Claims::check(&assertion, &input, now)?;

    let role = role_session::find_role(&app.view, &input.role_arn).ok_or_else(not_authorized)?;
    let duration = input
        .duration_seconds
        .or(claims.session_duration)
        .unwrap_or(3600);
    role_session::check_duration(&role, duration)?;
    // The session lasts as asked, or until the IdP's SessionNotOnOrAfter, whichever is
    // shorter (checked by Claims to be in the future).
    let duration = match assertion.session_not_on_or_after {
        Some(end) => duration.min((end - now).whole_seconds().max(1)),
        None => duration,
    };
    let (policies, packed) =
        role_session::session_policies(&app.view, &input.session_policies, &claims.tags)?;

    let name_qualifier = name_qualifier(&assertion.issuer, &provider);
    let asks = role_session::asks(
        "sts:AssumeRoleWithSAML",
        !claims.tags.is_empty(),
        claims.source_identity.is_some(),
    );
    let trusted = role_session::trusts(&role, &asks, |action| {
        let mut request =
            RequestContext::new(action, &role.arn, policy::Principal::saml(&provider.arn));
        origin.add_global_keys(&mut request);
        add_saml_keys(
            &mut request,
            &assertion,
            &claims,
            &provider,
            &name_qualifier,
        );
        request
    });
    if !trusted {
        return Err(not_authorized());
    }

    let session = role_session::start(
        origin,
        NewRoleSession {
            role: &role,
            session_name: &claims.session_name,
            duration,
            session_policies: &input.session_policies,
            policies,
            tags: claims
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
            transitive_tag_keys: claims.transitive_tag_keys.clone(),
            source_identity: claims.source_identity.clone(),
            mfa_authenticated_at: None,
            packed_policy_size: packed,
        },
    )
    .await?;
    Ok(AssumeRoleWithSamlOutput {
        session,
        subject: assertion.subject.clone(),
        subject_type: claims.subject_type,
        issuer: assertion.issuer.clone(),
        audience: claims.audience,
        name_qualifier,
    })
}

fn invalid_token(message: &str) -> AwsError {
    aws_error!(InvalidIdentityToken, "{message}")
}

/// The XML of the base64 `SAMLResponse` an IdP posts.
fn decode(assertion: &str) -> Result<String, AwsError> {
    let compact: String = assertion
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(compact)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| invalid_token("The SAML assertion is not a base64-encoded SAML response"))
}

/// AWS's `NameQualifier`: with `Subject`, a unique id of the federated user.
/// `BASE64(SHA1(Issuer + account id + "/" + provider name))`.
fn name_qualifier(issuer: &str, provider: &SamlProviderRecord) -> String {
    let name = provider.arn.rsplit('/').next().unwrap_or_default();
    let text = format!("{issuer}{}/{name}", provider.account_id);
    STANDARD.encode(digest::digest(
        &digest::SHA1_FOR_LEGACY_USE_ONLY,
        text.as_bytes(),
    ))
}

/// The audiences AWS's sign-in endpoint answers to (its regional endpoints too).
fn is_aws_audience(audience: &str) -> bool {
    audience == "urn:amazon:webservices"
        || audience
            .strip_prefix("https://")
            .and_then(|rest| rest.strip_suffix("signin.aws.amazon.com/saml"))
            .is_some_and(|region| {
                region.is_empty()
                    || region.strip_suffix('.').is_some_and(|r| {
                        !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    })
            })
}

/// What AWS reads from a verified assertion and checks before any policy.
struct Claims {
    session_name: String,
    subject_type: String,
    /// The `Recipient` (AWS's `Audience` and `saml:aud`), else the audience named.
    audience: String,
    session_duration: Option<i64>,
    source_identity: Option<String>,
    tags: Vec<Tag>,
    transitive_tag_keys: Vec<String>,
}

impl Claims {
    fn check(
        assertion: &Assertion,
        input: &AssumeRoleWithSamlInput,
        now: OffsetDateTime,
    ) -> Result<Claims, AwsError> {
        if let Some(not_before) = assertion.not_before
            && now < not_before
        {
            return Err(invalid_token(&format!(
                "The SAML assertion is not valid yet: current date/time {} is before NotBefore {}",
                iso8601(now),
                iso8601(not_before)
            )));
        }
        let ends = [
            assertion.not_on_or_after,
            assertion.confirmation_not_on_or_after,
        ];
        if let Some(end) = ends.into_iter().flatten().filter(|end| now >= *end).min() {
            return Err(aws_error!(
                ExpiredTokenException,
                "Token is expired: current date/time {} must be before the expiration date/time {}",
                iso8601(now),
                iso8601(end)
            ));
        }
        if let Some(end) = assertion.session_not_on_or_after
            && now >= end
        {
            return Err(aws_error!(
                ExpiredTokenException,
                "Token is expired: current date/time {} must be before the session's \
                 SessionNotOnOrAfter {}",
                iso8601(now),
                iso8601(end)
            ));
        }
        let audience = assertion
            .audiences
            .iter()
            .find(|a| is_aws_audience(a))
            .ok_or_else(|| {
                invalid_token(
                    "The SAML assertion's AudienceRestriction must name \
                     https://signin.aws.amazon.com/saml",
                )
            })?;
        if assertion
            .recipient
            .as_deref()
            .is_some_and(|r| !is_aws_audience(r))
        {
            return Err(invalid_token(
                "The SAML assertion's Recipient must be https://signin.aws.amazon.com/saml",
            ));
        }
        if !names_role(assertion, &input.role_arn, &input.principal_arn) {
            return Err(AwsError::access_denied(
                "Not authorized to perform sts:AssumeRoleWithSAML: the assertion's \
                 https://aws.amazon.com/SAML/Attributes/Role attribute does not name this \
                 RoleArn and PrincipalArn",
            ));
        }
        let session_name = single(assertion, ROLE_SESSION_NAME)?
            .filter(|name| fits(&SESSION_NAME, name))
            .ok_or_else(|| {
                invalid_token(
                    "The SAML assertion must have one https://aws.amazon.com/SAML/Attributes/\
                     RoleSessionName attribute of 2 to 64 characters [\\w+=,.@-]",
                )
            })?
            .to_owned();
        let session_duration = match single(assertion, SESSION_DURATION)? {
            None => None,
            Some(value) => Some(
                value
                    .parse::<i64>()
                    .ok()
                    .filter(|d| (900..=43200).contains(d))
                    .ok_or_else(|| {
                        invalid_token("The SessionDuration attribute must be 900 to 43200 seconds")
                    })?,
            ),
        };
        let source_identity = match single(assertion, SOURCE_IDENTITY)? {
            None => None,
            Some(value) if fits(&SESSION_NAME, value) => Some(value.to_owned()),
            Some(_) => return Err(invalid_token("The SourceIdentity attribute is malformed")),
        };
        let (tags, transitive_tag_keys) = session_tags(assertion)?;
        Ok(Claims {
            session_name,
            subject_type: subject_type(assertion.subject_format.as_deref()),
            audience: assertion
                .recipient
                .clone()
                .unwrap_or_else(|| audience.clone()),
            session_duration,
            source_identity,
            tags,
            transitive_tag_keys,
        })
    }
}

/// Does a `Role` attribute value pair the role and the provider (`ROLE_ARN,PROVIDER_ARN`,
/// either order)?
fn names_role(assertion: &Assertion, role_arn: &str, provider_arn: &str) -> bool {
    assertion
        .attribute(ROLE)
        .unwrap_or_default()
        .iter()
        .any(|value| {
            value.split_once(',').is_some_and(|(a, b)| {
                let (a, b) = (a.trim(), b.trim());
                (a == role_arn && b == provider_arn) || (a == provider_arn && b == role_arn)
            })
        })
}

/// The one value of an attribute, if the assertion has it.
fn single<'a>(assertion: &'a Assertion, name: &str) -> Result<Option<&'a str>, AwsError> {
    match assertion.attribute(name) {
        None => Ok(None),
        Some([value]) => Ok(Some(value)),
        Some(_) => Err(invalid_token(&format!(
            "The attribute {name} must have exactly one value"
        ))),
    }
}

/// `persistent` for `urn:oasis:names:tc:SAML:2.0:nameid-format:persistent`; other formats
/// as they are.
fn subject_type(format: Option<&str>) -> String {
    let format = format.unwrap_or(UNSPECIFIED_FORMAT);
    format
        .strip_prefix(NAME_ID_FORMAT_PREFIX)
        .unwrap_or(format)
        .to_owned()
}

/// Session tags from `PrincipalTag:KEY` attributes, and the `TransitiveTagKeys` attribute.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-saml>
fn session_tags(assertion: &Assertion) -> Result<(Vec<Tag>, Vec<String>), AwsError> {
    let malformed = || invalid_token("A PrincipalTag attribute of the SAML assertion is malformed");
    let mut tags = Vec::new();
    for (name, values) in &assertion.attributes {
        let Some(key) = name.strip_prefix(PRINCIPAL_TAG) else {
            continue;
        };
        let [value] = values.as_slice() else {
            return Err(malformed());
        };
        if !fits(&TAG_KEY, key) || !fits(&TAG_VALUE, value) {
            return Err(malformed());
        }
        tags.push(Tag {
            key: key.to_owned(),
            value: value.clone(),
        });
    }
    if tags.len() > MAX_TAGS {
        return Err(malformed());
    }
    let transitive = assertion
        .attribute(TRANSITIVE_TAG_KEYS)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    role_session::check_session_tags(&tags, &transitive)?;
    Ok((tags, transitive))
}

/// The `saml:` condition keys, and those of the session asked for.
fn add_saml_keys(
    request: &mut RequestContext,
    assertion: &Assertion,
    claims: &Claims,
    provider: &SamlProviderRecord,
    name_qualifier: &str,
) {
    let provider_name = provider.arn.rsplit('/').next().unwrap_or_default();
    request.insert("saml:aud", &claims.audience);
    request.insert("saml:iss", &assertion.issuer);
    request.insert("saml:sub", &assertion.subject);
    request.insert("saml:sub_type", &claims.subject_type);
    request.insert("saml:namequalifier", name_qualifier);
    request.insert(
        "saml:doc",
        format!("{}/{provider_name}", provider.account_id),
    );
    request.insert("aws:FederatedProvider", &provider.arn);
    role_session::add_session_keys(
        request,
        &claims.session_name,
        claims.source_identity.as_deref(),
        &claims.tags,
        &claims.transitive_tag_keys,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_sign_in_audiences_are_recognised() {
        assert!(is_aws_audience("https://signin.aws.amazon.com/saml"));
        assert!(is_aws_audience(
            "https://eu-west-1.signin.aws.amazon.com/saml"
        ));
        assert!(is_aws_audience("urn:amazon:webservices"));
        assert!(!is_aws_audience(
            "https://evil.example/signin.aws.amazon.com/saml"
        ));
        assert!(!is_aws_audience("https://.signin.aws.amazon.com/saml"));
        assert!(!is_aws_audience("https://example.com/saml"));
    }

    #[test]
    fn subject_types_drop_the_saml2_prefix_only() {
        assert_eq!(
            subject_type(Some("urn:oasis:names:tc:SAML:2.0:nameid-format:transient")),
            "transient"
        );
        assert_eq!(subject_type(None), UNSPECIFIED_FORMAT);
    }

    #[test]
    fn the_name_qualifier_is_the_documented_hash() {
        // BASE64(SHA1("https://example.com/saml" + "123456789012" + "/MySAMLIdP"))
        let provider = SamlProviderRecord {
            arn: "arn:aws:iam::123456789012:saml-provider/MySAMLIdP".into(),
            account_id: "123456789012".into(),
            entity_id: String::new(),
            signing_keys: Vec::new(),
            decryption_keys: Vec::new(),
            private_key_stamps: Vec::new(),
            uuid: String::new(),
            metadata: "".into(),
            assertion_encryption_mode: None,
            valid_until: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let expected = STANDARD.encode(digest::digest(
            &digest::SHA1_FOR_LEGACY_USE_ONLY,
            b"https://example.com/saml123456789012/MySAMLIdP",
        ));
        assert_eq!(
            name_qualifier("https://example.com/saml", &provider),
            expected
        );
    }
}
