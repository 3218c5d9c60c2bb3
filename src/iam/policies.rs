//! Managed policies: the account's own (customer managed), and the bundled AWS managed ones,
//! which can be read and attached but not changed.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html>

use std::sync::Arc;

use super::shapes::{
    ARN, MARKER, PATH, POLICY_DESCRIPTION, POLICY_DOCUMENT, POLICY_NAME, POLICY_PATH,
    POLICY_VERSION_ID, check_tag_keys, read_tags,
};
use super::tagging::{Named, Taggable};
use super::users::{DEFAULT_MAX_ITEMS, write_tags, write_truncation};
use crate::api::{Ctx, FromQuery};
use crate::arn;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::policy::{Policy, PolicyKind, SizeQuota, check_size, policy_size};
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{
    ManagedPolicy, NewPolicy, PolicyEntity, PolicyUsage, PolicyVersion, Store, Tag,
};

pub struct CreatePolicyInput {
    policy_name: String,
    path: String,
    document: String,
    description: Option<String>,
    tags: Vec<Tag>,
}

impl FromQuery for CreatePolicyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let policy_name = input.required("PolicyName", &POLICY_NAME);
        let path = input.string("Path", &POLICY_PATH);
        let document = input.required("PolicyDocument", &POLICY_DOCUMENT);
        let description = input.string("Description", &POLICY_DESCRIPTION);
        let tags = read_tags(&mut input);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(CreatePolicyInput {
            policy_name,
            path: path.unwrap_or_else(|| "/".into()),
            document,
            description,
            tags,
        })
    }
}

pub struct PolicyOutput {
    policy: ManagedPolicy,
}

impl ToXml for PolicyOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("Policy");
        write_policy(w, &self.policy);
        w.opt_field("Description", self.policy.description.as_deref());
        write_tags(w, &self.policy.tags);
        w.close("Policy");
    }
}

pub async fn create_policy(
    cx: &Ctx<'_>,
    input: CreatePolicyInput,
) -> Result<PolicyOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize(
        "iam:CreatePolicy",
        &arn::policy(account, &input.path, &input.policy_name),
    )?;
    let parsed = parse_managed(&input.document)?;
    let policy = cx
        .app
        .store
        .create_policy(
            account,
            NewPolicy {
                policy_name: &input.policy_name,
                path: &input.path,
                description: input.description.as_deref(),
                document: &input.document,
                parsed,
                tags: &input.tags,
            },
            cx.now(),
        )
        .await?;
    Ok(PolicyOutput { policy })
}

/// [`Ctx::authorize`] for reading a managed policy. AWS managed policies live in AWS's own
/// account, yet every account may read them with its own identity-based policies alone (no
/// resource-based policy is needed): the caller's account stands in as the owner.
pub(crate) fn authorize_read(cx: &Ctx<'_>, action: &str, policy_arn: &str) -> Result<(), AwsError> {
    if !crate::aws_managed::is_aws_arn(policy_arn) {
        return cx.authorize(action, policy_arn);
    }
    let caller = cx.caller_policies(action, policy_arn);
    let input = crate::policy::EvaluationInput {
        resource_owner: Some(cx.account_id()),
        ..caller.input()
    };
    let decision = crate::policy::evaluate(&caller.request, &input);
    cx.conclude(caller.request, decision)
}

/// AWS managed policies belong to AWS's account, not the caller's: changing one is denied,
/// whatever the caller's own policies allow, as AWS denies it.
pub(crate) fn refuse_aws_managed(
    cx: &Ctx<'_>,
    action: &str,
    policy_arn: &str,
) -> Result<(), AwsError> {
    if crate::aws_managed::is_aws_arn(policy_arn) {
        return Err(AwsError::access_denied(format!(
            "User: {} is not authorized to perform: {action} on resource: {policy_arn}",
            cx.caller.arn()
        )));
    }
    Ok(())
}

/// Validates a managed policy's document: the grammar, then IAM's size quota.
pub(crate) fn parse_managed(document: &str) -> Result<Arc<Policy>, AwsError> {
    let parsed = Policy::parse(document, PolicyKind::Identity { managed: true })?;
    check_size(policy_size(document), SizeQuota::ManagedPolicy)
        .map_err(|e| AwsError::new(crate::error::ErrorCode::LimitExceeded, e.message()))?;
    Ok(Arc::new(parsed))
}

pub struct PolicyArnInput {
    policy_arn: String,
}

impl FromQuery for PolicyArnInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let policy_arn = input.required("PolicyArn", &ARN);
        input.finish()?;
        Ok(PolicyArnInput { policy_arn })
    }
}

pub async fn get_policy(cx: &Ctx<'_>, input: PolicyArnInput) -> Result<PolicyOutput, AwsError> {
    authorize_read(cx, "iam:GetPolicy", &input.policy_arn)?;
    let policy = cx
        .app
        .store
        .policy(cx.account_id(), &input.policy_arn)
        .await?;
    Ok(PolicyOutput { policy })
}

pub async fn delete_policy(cx: &Ctx<'_>, input: PolicyArnInput) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeletePolicy", &input.policy_arn)?;
    refuse_aws_managed(cx, "iam:DeletePolicy", &input.policy_arn)?;
    cx.app
        .store
        .delete_policy(cx.account_id(), &input.policy_arn)
        .await?;
    Ok(Empty)
}

pub struct GetPolicyVersionInput {
    policy_arn: String,
    version_id: String,
}

impl FromQuery for GetPolicyVersionInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let policy_arn = input.required("PolicyArn", &ARN);
        let version_id = input.required("VersionId", &POLICY_VERSION_ID);
        input.finish()?;
        Ok(GetPolicyVersionInput {
            policy_arn,
            version_id,
        })
    }
}

pub struct GetPolicyVersionOutput {
    version: PolicyVersion,
}

impl ToXml for GetPolicyVersionOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("PolicyVersion");
        write_version(w, &self.version);
        w.close("PolicyVersion");
    }
}

pub async fn get_policy_version(
    cx: &Ctx<'_>,
    input: GetPolicyVersionInput,
) -> Result<GetPolicyVersionOutput, AwsError> {
    authorize_read(cx, "iam:GetPolicyVersion", &input.policy_arn)?;
    let version = cx
        .app
        .store
        .policy_version(cx.account_id(), &input.policy_arn, &input.version_id)
        .await?;
    Ok(GetPolicyVersionOutput { version })
}

pub struct CreatePolicyVersionInput {
    policy_arn: String,
    document: String,
    set_as_default: bool,
}

impl FromQuery for CreatePolicyVersionInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let policy_arn = input.required("PolicyArn", &ARN);
        let document = input.required("PolicyDocument", &POLICY_DOCUMENT);
        let set_as_default = input.boolean("SetAsDefault");
        input.finish()?;
        Ok(CreatePolicyVersionInput {
            policy_arn,
            document,
            set_as_default: set_as_default.unwrap_or(false),
        })
    }
}

pub async fn create_policy_version(
    cx: &Ctx<'_>,
    input: CreatePolicyVersionInput,
) -> Result<GetPolicyVersionOutput, AwsError> {
    cx.authorize("iam:CreatePolicyVersion", &input.policy_arn)?;
    refuse_aws_managed(cx, "iam:CreatePolicyVersion", &input.policy_arn)?;
    let parsed = parse_managed(&input.document)?;
    let version = cx
        .app
        .store
        .create_policy_version(
            cx.account_id(),
            &input.policy_arn,
            &input.document,
            parsed,
            input.set_as_default,
            cx.now(),
        )
        .await?;
    Ok(GetPolicyVersionOutput { version })
}

pub async fn set_default_policy_version(
    cx: &Ctx<'_>,
    input: GetPolicyVersionInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:SetDefaultPolicyVersion", &input.policy_arn)?;
    refuse_aws_managed(cx, "iam:SetDefaultPolicyVersion", &input.policy_arn)?;
    cx.app
        .store
        .set_default_policy_version(
            cx.account_id(),
            &input.policy_arn,
            &input.version_id,
            cx.now(),
        )
        .await?;
    Ok(Empty)
}

pub async fn delete_policy_version(
    cx: &Ctx<'_>,
    input: GetPolicyVersionInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeletePolicyVersion", &input.policy_arn)?;
    refuse_aws_managed(cx, "iam:DeletePolicyVersion", &input.policy_arn)?;
    cx.app
        .store
        .delete_policy_version(cx.account_id(), &input.policy_arn, &input.version_id)
        .await?;
    Ok(Empty)
}

pub struct ListPolicyVersionsInput {
    policy_arn: String,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for ListPolicyVersionsInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let policy_arn = input.required("PolicyArn", &ARN);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListPolicyVersionsInput {
            policy_arn,
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct ListPolicyVersionsOutput {
    versions: Vec<PolicyVersion>,
    marker: Option<String>,
}

impl ToXml for ListPolicyVersionsOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("Versions", &self.versions, write_version);
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_policy_versions(
    cx: &Ctx<'_>,
    input: ListPolicyVersionsInput,
) -> Result<ListPolicyVersionsOutput, AwsError> {
    authorize_read(cx, "iam:ListPolicyVersions", &input.policy_arn)?;
    let versions = cx
        .app
        .store
        .list_policy_versions(cx.account_id(), &input.policy_arn)
        .await?;
    // Newest first, from the version the marker names on (at most five: paged in memory).
    let number = |id: &str| id.trim_start_matches('v').parse::<u64>().unwrap_or(0);
    let mut versions: Vec<_> = versions
        .into_iter()
        .filter(|v| {
            input
                .marker
                .as_deref()
                .is_none_or(|m| number(&v.version_id) <= number(m))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(number(&v.version_id)));
    let marker = versions.get(input.max_items).map(|v| v.version_id.clone());
    versions.truncate(input.max_items);
    Ok(ListPolicyVersionsOutput { versions, marker })
}

pub struct ListPoliciesInput {
    scope: String,
    only_attached: bool,
    usage: Option<PolicyUsage>,
    path_prefix: String,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for ListPoliciesInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let scope = input.enumeration("Scope", &["All", "AWS", "Local"]);
        let only_attached = input.boolean("OnlyAttached");
        let path_prefix = input.string("PathPrefix", &POLICY_PATH);
        let usage = read_usage(&mut input);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListPoliciesInput {
            scope: scope.unwrap_or_else(|| "All".into()),
            only_attached: only_attached.unwrap_or(false),
            usage,
            path_prefix: path_prefix.unwrap_or_else(|| "/".into()),
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct ListPoliciesOutput {
    policies: Vec<ManagedPolicy>,
    marker: Option<String>,
}

impl ToXml for ListPoliciesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        // ListPolicies leaves out descriptions and tags, as AWS does.
        w.members("Policies", &self.policies, write_policy);
        write_truncation(w, self.marker.as_deref());
    }
}

/// The account's own policies (`Scope=Local`), the bundled AWS managed ones (`Scope=AWS`),
/// or both by name (`Scope=All`, the default).
pub async fn list_policies(
    cx: &Ctx<'_>,
    input: ListPoliciesInput,
) -> Result<ListPoliciesOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize("iam:ListPolicies", &arn::policy(account, "/", ""))?;
    let marker = input.marker.as_deref();
    let aws = if input.scope == "Local" {
        Vec::new()
    } else {
        cx.app
            .store
            .list_aws_policies(
                account,
                &input.path_prefix,
                input.only_attached,
                input.usage,
            )
            .await?
            .into_iter()
            .filter(|p| marker.is_none_or(|m| name_key(&p.policy_name) >= name_key(m)))
            .collect()
    };
    let local = if input.scope == "AWS" {
        crate::store::Page {
            items: Vec::new(),
            marker: None,
        }
    } else {
        cx.app
            .store
            .list_policies(
                account,
                &input.path_prefix,
                input.only_attached,
                input.usage,
                marker,
                input.max_items,
            )
            .await?
    };
    let (policies, marker) = merge_by_name(aws, local, input.max_items);
    Ok(ListPoliciesOutput { policies, marker })
}

/// `PolicyUsageFilter`, as `ListPolicies` and `ListEntitiesForPolicy` take it.
fn read_usage(input: &mut Input<'_>) -> Option<PolicyUsage> {
    let usage = input.enumeration(
        "PolicyUsageFilter",
        &["PermissionsPolicy", "PermissionsBoundary"],
    )?;
    match usage.as_str() {
        "PermissionsPolicy" => Some(PolicyUsage::PermissionsPolicy),
        "PermissionsBoundary" => Some(PolicyUsage::PermissionsBoundary),
        _ => None,
    }
}

/// Managed policies for the generic tag actions (`TagPolicy` …), named by ARN.
pub struct ManagedPolicyKind;

impl Named for ManagedPolicyKind {
    const NAME_PARAM: &'static str = "PolicyArn";
    const NAME_SHAPE: Shape = ARN;
    const NOUN: &'static str = "Policy";

    async fn arn(_cx: &Ctx<'_>, name: &str) -> Result<String, AwsError> {
        Ok(name.to_owned())
    }
}

impl Taggable for ManagedPolicyKind {
    async fn tag(store: &Store, account: &str, arn: &str, tags: &[Tag]) -> Result<(), AwsError> {
        store.tag_policy(account, arn, tags).await
    }

    async fn untag(
        store: &Store,
        account: &str,
        arn: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        store.untag_policy(account, arn, keys).await
    }

    async fn tags(store: &Store, account: &str, arn: &str) -> Result<Vec<Tag>, AwsError> {
        Ok(store.policy(account, arn).await?.tags)
    }

    /// Every account may read AWS managed policies, their (absent) tags included.
    fn authorize_read(cx: &Ctx<'_>, action: &str, arn: &str) -> Result<(), AwsError> {
        authorize_read(cx, action, arn)
    }

    fn check_changeable(cx: &Ctx<'_>, action: &str, arn: &str) -> Result<(), AwsError> {
        refuse_aws_managed(cx, action, arn)
    }
}

pub struct ListEntitiesInput {
    policy_arn: String,
    entity_filter: Option<String>,
    path_prefix: String,
    usage: Option<PolicyUsage>,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for ListEntitiesInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let policy_arn = input.required("PolicyArn", &ARN);
        let entity_filter = input.enumeration(
            "EntityFilter",
            &[
                "User",
                "Role",
                "Group",
                "LocalManagedPolicy",
                "AWSManagedPolicy",
            ],
        );
        let path_prefix = input.string("PathPrefix", &PATH);
        let usage = read_usage(&mut input);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListEntitiesInput {
            policy_arn,
            entity_filter,
            path_prefix: path_prefix.unwrap_or_else(|| "/".into()),
            usage,
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct ListEntitiesOutput {
    entities: Vec<PolicyEntity>,
    marker: Option<String>,
}

impl ToXml for ListEntitiesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        for (list, kind) in [
            ("PolicyGroups", "Group"),
            ("PolicyUsers", "User"),
            ("PolicyRoles", "Role"),
        ] {
            let of_kind: Vec<&PolicyEntity> =
                self.entities.iter().filter(|e| e.kind == kind).collect();
            w.members(list, &of_kind, |w, e| {
                w.field(&format!("{kind}Name"), &e.name);
                w.field(&format!("{kind}Id"), &e.id);
            });
        }
        write_truncation(w, self.marker.as_deref());
    }
}

/// The groups, users and roles that use a policy. The page runs over all three lists at
/// once (groups first), so its marker is the kind and name of the next. `EntityFilter` values that
/// name policies match nothing: a policy is attached to no policy.
pub async fn list_entities_for_policy(
    cx: &Ctx<'_>,
    input: ListEntitiesInput,
) -> Result<ListEntitiesOutput, AwsError> {
    authorize_read(cx, "iam:ListEntitiesForPolicy", &input.policy_arn)?;
    let mut entities = cx
        .app
        .store
        .entities_for_policy(
            cx.account_id(),
            &input.policy_arn,
            input.usage,
            &input.path_prefix,
        )
        .await?;
    if let Some(filter) = &input.entity_filter {
        entities.retain(|e| &e.kind == filter);
    }
    let rank = |kind: &str| ["Group", "User", "Role"].iter().position(|k| *k == kind);
    let (entities, marker) = super::page_by_key(
        &entities,
        |e| format!("{}/{}", rank(&e.kind).unwrap_or(3), e.name),
        input.marker.as_deref(),
        input.max_items,
    )?;
    Ok(ListEntitiesOutput { entities, marker })
}

/// One page of policies by name from the AWS managed ones (all of them from the marker on)
/// and a page of the account's own: the marker is the first name left for the next page.
fn merge_by_name(
    aws: Vec<ManagedPolicy>,
    local: crate::store::Page<ManagedPolicy>,
    max_items: usize,
) -> (Vec<ManagedPolicy>, Option<String>) {
    let mut all = aws;
    all.extend(local.items);
    all.sort_by_cached_key(|p| name_key(&p.policy_name));
    // The account's policies past its page all sort at or after its marker.
    let mut marker = local.marker;
    if all.len() > max_items {
        let next = all[max_items].policy_name.clone();
        if marker
            .as_ref()
            .is_none_or(|m| name_key(&next) < name_key(m))
        {
            marker = Some(next);
        }
    }
    if let Some(m) = &marker {
        let m = name_key(m);
        all.retain(|p| name_key(&p.policy_name) < m);
    }
    (all, marker)
}

/// Policy names sort as the store sorts them (SQLite's `NOCASE`: ASCII case folded).
fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The members of the `Policy` shape that every action returns.
pub(crate) fn write_policy(w: &mut XmlWriter, policy: &ManagedPolicy) {
    w.field("PolicyName", &policy.policy_name);
    w.field("PolicyId", &policy.policy_id);
    w.field("Arn", &policy.arn);
    w.field("Path", &policy.path);
    w.field("DefaultVersionId", &policy.default_version_id);
    w.num_field("AttachmentCount", policy.attachment_count);
    w.num_field("PermissionsBoundaryUsageCount", policy.boundary_count);
    w.bool_field("IsAttachable", true);
    w.field("CreateDate", &iso8601(policy.created_at));
    w.field("UpdateDate", &iso8601(policy.updated_at));
}

/// The members of the `PolicyVersion` shape; listings leave out the document.
pub(crate) fn write_version(w: &mut XmlWriter, version: &PolicyVersion) {
    if let Some(document) = &version.document {
        w.field("Document", &encode_document(document));
    }
    w.field("VersionId", &version.version_id);
    w.bool_field("IsDefaultVersion", version.is_default);
    w.field("CreateDate", &iso8601(version.created_at));
}

/// IAM returns policy documents URL-encoded (RFC 3986), inside the XML.
pub(crate) fn encode_document(document: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(document, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_url_encoded_as_iam_returns_them() {
        assert_eq!(
            encode_document("{\"Effect\": \"Allow\"}"),
            "%7B%22Effect%22%3A%20%22Allow%22%7D"
        );
    }
}
