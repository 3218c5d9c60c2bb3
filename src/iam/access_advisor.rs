//! Access advisor: which services a user, group, role or managed policy could reach through
//! its permissions policies, and when each was last used there, drawn from what iamlocal
//! really allowed (`access_log`).
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html>
//!
//! `GenerateServiceLastAccessedDetails` computes the whole report at once and keeps it under
//! its job id, so a job is `COMPLETED` as soon as it exists and later activity does not
//! change it. As on AWS, only permissions policies count (no boundaries, no resource
//! policies); a service is reachable when an `Allow` statement's `Action` reaches it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use time::OffsetDateTime;

use super::shapes::{ARN, MARKER};
use super::users::DEFAULT_MAX_ITEMS;
use crate::access_log::Access;
use crate::api::{Ctx, FromQuery, model_operations};
use crate::aws_error;
use crate::error::AwsError;
use crate::policy::{Effect, Policy, PolicyKind};
use crate::protocol::query::{Input, Params, Pattern, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::standalone::JOB_ID;
use crate::store::{Owner, PolicyUsage};

/// Service namespaces and the names AWS shows for them: the services a wildcard (`*`,
/// `NotAction`) can reach. A service a policy names outright is listed too, under
/// its namespace, even when it is not here.
const SERVICES: &[(&str, &str)] = &[
    ("acm", "AWS Certificate Manager"),
    ("apigateway", "Amazon API Gateway"),
    ("athena", "Amazon Athena"),
    ("autoscaling", "Amazon EC2 Auto Scaling"),
    ("cloudformation", "AWS CloudFormation"),
    ("cloudfront", "Amazon CloudFront"),
    ("cloudtrail", "AWS CloudTrail"),
    ("cloudwatch", "Amazon CloudWatch"),
    ("codebuild", "AWS CodeBuild"),
    ("cognito-idp", "Amazon Cognito User Pools"),
    ("dynamodb", "Amazon DynamoDB"),
    ("ec2", "Amazon EC2"),
    ("ecr", "Amazon Elastic Container Registry"),
    ("ecs", "Amazon Elastic Container Service"),
    ("eks", "Amazon Elastic Kubernetes Service"),
    ("elasticloadbalancing", "Elastic Load Balancing"),
    ("events", "Amazon EventBridge"),
    ("firehose", "Amazon Kinesis Firehose"),
    ("glue", "AWS Glue"),
    ("iam", "AWS Identity and Access Management"),
    ("kinesis", "Amazon Kinesis"),
    ("kms", "AWS Key Management Service"),
    ("lambda", "AWS Lambda"),
    ("logs", "Amazon CloudWatch Logs"),
    ("organizations", "AWS Organizations"),
    ("rds", "Amazon RDS"),
    ("route53", "Amazon Route 53"),
    ("s3", "Amazon S3"),
    ("secretsmanager", "AWS Secrets Manager"),
    ("ses", "Amazon SES"),
    ("sns", "Amazon SNS"),
    ("sqs", "Amazon SQS"),
    ("ssm", "AWS Systems Manager"),
    ("states", "AWS Step Functions"),
    ("sts", "AWS Security Token Service"),
    ("xray", "AWS X-Ray"),
];

fn service_name(namespace: &str) -> String {
    SERVICES
        .iter()
        .find(|(ns, _)| *ns == namespace)
        .map_or_else(|| namespace.to_owned(), |(_, name)| (*name).to_owned())
}

/// `[\w-]*`
fn is_namespace(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

const SERVICE_NAMESPACE: Shape = Shape {
    min: 1,
    max: 64,
    pattern: Some(Pattern {
        text: r"[\w-]*",
        matches: is_namespace,
    }),
};

/// One permissions policy of an entity, and whose it is.
struct GrantingPolicy {
    name: String,
    /// `None` for an inline policy.
    arn: Option<String>,
    /// The owner of an inline policy: `USER`, `GROUP` or `ROLE`, and its name.
    owner: Option<(&'static str, String)>,
    policy: Arc<Policy>,
}

impl GrantingPolicy {
    fn reaches(&self, namespace: &str) -> bool {
        allows(&self.policy, |s| s.reaches_service(namespace))
    }
}

fn allows(policy: &Policy, test: impl Fn(&crate::policy::Statement) -> bool) -> bool {
    policy
        .statements()
        .iter()
        .any(|s| s.effect() == Effect::Allow && test(s))
}

/// A user or role whose activity a report covers.
#[derive(Debug, Clone)]
struct Entity {
    kind: &'static str,
    arn: String,
    name: String,
    id: String,
    path: String,
}

/// What an access advisor ARN names, resolved in the caller's account.
struct Subject {
    policies: Vec<GrantingPolicy>,
    entities: Vec<Entity>,
}

/// The kind and name (or, for a policy, the whole ARN) an IAM ARN of the account names.
fn parse_arn<'a>(account_id: &str, arn: &'a str) -> Option<(&'a str, &'a str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let (kind, path_and_name) = resource.split_once('/')?;
    let name = path_and_name.rsplit('/').next()?;
    match kind {
        "policy" if account == account_id || account == "aws" => Some((kind, arn)),
        "user" | "group" | "role" if account == account_id => Some((kind, name)),
        _ => None,
    }
}

fn invalid_arn(arn: &str) -> AwsError {
    aws_error!(
        InvalidInput,
        "ARN {arn} is not valid: it must name a user, group, role or policy of this account."
    )
}

async fn inline_policies(
    cx: &Ctx<'_>,
    owner: Owner<'_>,
    kind: &'static str,
    owner_name: &str,
) -> Result<Vec<GrantingPolicy>, AwsError> {
    let store = &cx.app.store;
    let account = cx.account_id();
    let mut policies = Vec::new();
    for name in store.list_inline_policies(account, owner).await? {
        let (name, document) = store.inline_policy(account, owner, &name).await?;
        let policy = Policy::parse(&document, PolicyKind::Identity { managed: false })?;
        policies.push(GrantingPolicy {
            name,
            arn: None,
            owner: Some((kind, owner_name.to_owned())),
            policy: Arc::new(policy),
        });
    }
    Ok(policies)
}

async fn attached_policies(
    cx: &Ctx<'_>,
    owner: Owner<'_>,
) -> Result<Vec<GrantingPolicy>, AwsError> {
    let attached = cx
        .app
        .store
        .list_attached_policies(cx.account_id(), owner, "/")
        .await?;
    Ok(attached
        .into_iter()
        .filter_map(|(name, arn)| {
            let managed = cx.app.view.managed_policy(&arn)?;
            Some(GrantingPolicy {
                name,
                arn: Some(arn),
                owner: None,
                policy: managed.policy,
            })
        })
        .collect())
}

/// Inline then managed policies of one owner.
async fn owner_policies(
    cx: &Ctx<'_>,
    owner: Owner<'_>,
    kind: &'static str,
    name: &str,
) -> Result<Vec<GrantingPolicy>, AwsError> {
    let mut policies = inline_policies(cx, owner, kind, name).await?;
    policies.extend(attached_policies(cx, owner).await?);
    Ok(policies)
}

async fn user_entity(cx: &Ctx<'_>, name: &str) -> Result<Entity, AwsError> {
    let user = cx.app.store.user(cx.account_id(), name).await?;
    Ok(Entity {
        kind: "USER",
        arn: user.arn,
        name: user.user_name,
        id: user.user_id,
        path: user.path,
    })
}

async fn role_entity(cx: &Ctx<'_>, name: &str) -> Result<Entity, AwsError> {
    let role = cx.app.store.role(cx.account_id(), name).await?;
    Ok(Entity {
        kind: "ROLE",
        arn: role.arn,
        name: role.role_name,
        id: role.role_id,
        path: role.path,
    })
}

async fn group_members(cx: &Ctx<'_>, group: &str) -> Result<Vec<Entity>, AwsError> {
    let (_, members) = cx
        .app
        .store
        .group(cx.account_id(), group, None, 1000)
        .await?;
    Ok(members
        .items
        .into_iter()
        .map(|user| Entity {
            kind: "USER",
            arn: user.arn,
            name: user.user_name,
            id: user.user_id,
            path: user.path,
        })
        .collect())
}

/// The permissions policies of a user (its groups' included), group or role.
async fn identity_policies(
    cx: &Ctx<'_>,
    kind: &str,
    name: &str,
) -> Result<Vec<GrantingPolicy>, AwsError> {
    Ok(match kind {
        "user" => {
            let mut policies = owner_policies(cx, Owner::User(name), "USER", name).await?;
            let groups = cx
                .app
                .store
                .groups_for_user(cx.account_id(), name, None, 1000)
                .await?;
            for group in groups.items {
                let owner = Owner::Group(&group.group_name);
                policies.extend(owner_policies(cx, owner, "GROUP", &group.group_name).await?);
            }
            policies
        }
        "group" => owner_policies(cx, Owner::Group(name), "GROUP", name).await?,
        _ => owner_policies(cx, Owner::Role(name), "ROLE", name).await?,
    })
}

async fn subject(cx: &Ctx<'_>, arn: &str) -> Result<Subject, AwsError> {
    let (kind, name) = parse_arn(cx.account_id(), arn).ok_or_else(|| invalid_arn(arn))?;
    let entities = match kind {
        "user" => vec![user_entity(cx, name).await?],
        "role" => vec![role_entity(cx, name).await?],
        "group" => group_members(cx, name).await?,
        _ => return policy_subject(cx, arn).await,
    };
    Ok(Subject {
        policies: identity_policies(cx, kind, name).await?,
        entities,
    })
}

/// A managed policy: the users and roles it is attached to, directly or through a group.
async fn policy_subject(cx: &Ctx<'_>, arn: &str) -> Result<Subject, AwsError> {
    let store = &cx.app.store;
    let policy = store.policy(cx.account_id(), arn).await?;
    let managed = cx.app.view.managed_policy(arn).ok_or_else(|| {
        aws_error!(
            NoSuchEntity,
            "Policy {arn} does not exist or is not attachable."
        )
    })?;
    let mut entities = Vec::new();
    let attached = store
        .entities_for_policy(
            cx.account_id(),
            arn,
            Some(PolicyUsage::PermissionsPolicy),
            "/",
        )
        .await?;
    for entity in attached {
        match entity.kind.as_str() {
            "Group" => entities.extend(group_members(cx, &entity.name).await?),
            "User" => entities.push(user_entity(cx, &entity.name).await?),
            _ => entities.push(role_entity(cx, &entity.name).await?),
        }
    }
    entities.sort_by(|a, b| a.arn.cmp(&b.arn));
    entities.dedup_by(|a, b| a.arn == b.arn);
    Ok(Subject {
        policies: vec![GrantingPolicy {
            name: policy.policy_name,
            arn: Some(policy.arn),
            owner: None,
            policy: managed.policy,
        }],
        entities,
    })
}

/// The services the policies reach, by namespace.
fn reachable_services(policies: &[GrantingPolicy]) -> Vec<String> {
    let mut candidates: BTreeSet<String> =
        SERVICES.iter().map(|(ns, _)| (*ns).to_owned()).collect();
    for p in policies {
        for statement in p.policy.statements() {
            candidates.extend(statement.named_services().map(str::to_owned));
        }
    }
    candidates
        .into_iter()
        .filter(|ns| policies.iter().any(|p| p.reaches(ns)))
        .collect()
}

/// The last access among several: (time, entity ARN, region).
type Last = Option<(OffsetDateTime, String, String)>;

fn later(last: &mut Last, entity: &str, access: &Access) {
    if last.as_ref().is_none_or(|(t, _, _)| access.time > *t) {
        *last = Some((access.time, entity.to_owned(), access.region.clone()));
    }
}

/// A completed report, kept under its job id.
pub struct Report {
    created: OffsetDateTime,
    action_level: bool,
    services: Vec<ServiceReport>,
    entities: Vec<Entity>,
}

struct ServiceReport {
    namespace: String,
    name: String,
    last: Last,
    total_entities: usize,
    /// Per entity (by index into the report's entities), its last access to the service.
    by_entity: Vec<Option<OffsetDateTime>>,
    /// For `ACTION_LEVEL`: each action the policies allow (for the services iamlocal speaks,
    /// from their models; elsewhere those seen), with its last access.
    actions: Vec<(String, Last)>,
}

fn build_report(cx: &Ctx<'_>, subject: Subject, action_level: bool) -> Report {
    let log = &cx.app.access_log;
    let activity: Vec<_> = subject.entities.iter().map(|e| log.of(&e.arn)).collect();
    let services = reachable_services(&subject.policies)
        .into_iter()
        .map(|namespace| {
            let prefix = format!("{namespace}:");
            let mut last = None;
            let mut by_entity = Vec::with_capacity(activity.len());
            let mut actions: HashMap<String, Last> = HashMap::new();
            for (entity, accesses) in subject.entities.iter().zip(&activity) {
                let mut entity_last: Option<OffsetDateTime> = None;
                for (action, access) in accesses {
                    // Lowercase, as the model's names are compared.
                    let Some(name) = action.strip_prefix(&prefix).map(str::to_ascii_lowercase)
                    else {
                        continue;
                    };
                    later(&mut last, &entity.arn, access);
                    entity_last = entity_last.max(Some(access.time));
                    later(
                        actions.entry(name.to_owned()).or_default(),
                        &entity.arn,
                        access,
                    );
                }
                by_entity.push(entity_last);
            }
            let tracked = if action_level {
                tracked_actions(&namespace, &subject.policies, actions)
            } else {
                Vec::new()
            };
            ServiceReport {
                name: service_name(&namespace),
                total_entities: by_entity.iter().filter(|t| t.is_some()).count(),
                namespace,
                last,
                by_entity,
                actions: tracked,
            }
        })
        .collect();
    Report {
        created: cx.now(),
        action_level,
        services,
        entities: subject.entities,
    }
}

/// The service's actions the policies allow, named as its model names them, each with the
/// last access seen (`seen`, by lowercase name). Actions seen that the model does not
/// name (services iamlocal does not speak) keep the lowercase name they were seen under.
fn tracked_actions(
    namespace: &str,
    policies: &[GrantingPolicy],
    mut seen: HashMap<String, Last>,
) -> Vec<(String, Last)> {
    let mut actions: Vec<(String, Last)> = model_operations(namespace)
        .iter()
        .filter(|op| {
            let action = format!("{namespace}:{}", op.to_ascii_lowercase());
            policies
                .iter()
                .any(|p| allows(&p.policy, |s| s.matches_action(&action)))
        })
        .map(|op| {
            (
                (*op).to_owned(),
                seen.remove(&op.to_ascii_lowercase()).flatten(),
            )
        })
        .collect();
    actions.extend(seen);
    actions.sort_by(|a, b| a.0.cmp(&b.0));
    actions
}

pub struct GenerateInput {
    arn: String,
    action_level: bool,
}

impl FromQuery for GenerateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let arn = input.required("Arn", &ARN);
        let granularity = input.enumeration("Granularity", &["SERVICE_LEVEL", "ACTION_LEVEL"]);
        input.finish()?;
        Ok(GenerateInput {
            arn,
            action_level: granularity.as_deref() == Some("ACTION_LEVEL"),
        })
    }
}

pub struct JobIdOutput {
    job_id: String,
}

impl ToXml for JobIdOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("JobId", &self.job_id);
    }
}

pub async fn generate_service_last_accessed_details(
    cx: &Ctx<'_>,
    input: GenerateInput,
) -> Result<JobIdOutput, AwsError> {
    // A report on an AWS managed policy is a read of it, which every account may do.
    super::policies::authorize_read(cx, "iam:GenerateServiceLastAccessedDetails", &input.arn)?;
    let subject = subject(cx, &input.arn).await?;
    let report = build_report(cx, subject, input.action_level);
    let job_id = uuid::Uuid::new_v4().to_string();
    cx.app
        .access_log
        .keep_report(&job_id, cx.account_id(), report);
    Ok(JobIdOutput { job_id })
}

fn report_of(cx: &Ctx<'_>, job_id: &str) -> Result<Arc<Report>, AwsError> {
    cx.app
        .access_log
        .report(job_id, cx.account_id())
        .ok_or_else(|| aws_error!(NoSuchEntity, "No report with job id {job_id} exists."))
}

pub struct GetDetailsInput {
    job_id: String,
    marker: Option<usize>,
    max_items: usize,
}

impl FromQuery for GetDetailsInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let job_id = input.required("JobId", &JOB_ID);
        let max_items = input.integer("MaxItems", 1, 1000);
        let marker = input.string("Marker", &MARKER);
        input.finish()?;
        Ok(GetDetailsInput {
            job_id,
            marker: super::offset_marker(marker)?,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct GetDetailsOutput {
    report: Arc<Report>,
    start: usize,
    end: usize,
    marker: Option<String>,
}

fn write_job(w: &mut XmlWriter, report: &Report) {
    w.field("JobStatus", "COMPLETED");
    w.field("JobCreationDate", &crate::clock::iso8601(report.created));
    w.field("JobCompletionDate", &crate::clock::iso8601(report.created));
}

fn write_page(w: &mut XmlWriter, marker: Option<&str>) {
    w.bool_field("IsTruncated", marker.is_some());
    w.opt_field("Marker", marker);
}

impl ToXml for GetDetailsOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let report = &self.report;
        write_job(w, report);
        w.field(
            "JobType",
            if report.action_level {
                "ACTION_LEVEL"
            } else {
                "SERVICE_LEVEL"
            },
        );
        let page = &report.services[self.start..self.end];
        w.members("ServicesLastAccessed", page, |w, s| {
            w.field("ServiceName", &s.name);
            w.field("ServiceNamespace", &s.namespace);
            if let Some((time, entity, region)) = &s.last {
                w.field("LastAuthenticated", &crate::clock::iso8601(*time));
                w.field("LastAuthenticatedEntity", entity);
                w.field("LastAuthenticatedRegion", region);
            }
            w.num_field("TotalAuthenticatedEntities", s.total_entities);
            if report.action_level {
                w.members(
                    "TrackedActionsLastAccessed",
                    &s.actions,
                    |w, (name, last)| {
                        w.field("ActionName", name);
                        if let Some((time, entity, region)) = last {
                            w.field("LastAccessedEntity", entity);
                            w.field("LastAccessedTime", &crate::clock::iso8601(*time));
                            w.field("LastAccessedRegion", region);
                        }
                    },
                );
            }
        });
        write_page(w, self.marker.as_deref());
    }
}

/// One page of `len` items from `marker` (an offset), and the next marker.
fn page(len: usize, marker: Option<usize>, max_items: usize) -> (usize, usize, Option<String>) {
    let start = marker.unwrap_or(0).min(len);
    let end = (start + max_items).min(len);
    (start, end, (end < len).then(|| end.to_string()))
}

pub async fn get_service_last_accessed_details(
    cx: &Ctx<'_>,
    input: GetDetailsInput,
) -> Result<GetDetailsOutput, AwsError> {
    cx.authorize("iam:GetServiceLastAccessedDetails", "*")?;
    let report = report_of(cx, &input.job_id)?;
    let (start, end, marker) = page(report.services.len(), input.marker, input.max_items);
    Ok(GetDetailsOutput {
        report,
        start,
        end,
        marker,
    })
}

pub struct WithEntitiesInput {
    details: GetDetailsInput,
    namespace: String,
}

impl FromQuery for WithEntitiesInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let namespace = input.required("ServiceNamespace", &SERVICE_NAMESPACE);
        input.finish()?;
        Ok(WithEntitiesInput {
            details: GetDetailsInput::from_query(params)?,
            namespace,
        })
    }
}

pub struct WithEntitiesOutput {
    report: Arc<Report>,
    /// Entities (indexes into the report's) with their last access, most recent first.
    entities: Vec<(usize, Option<OffsetDateTime>)>,
    marker: Option<String>,
}

impl ToXml for WithEntitiesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        write_job(w, &self.report);
        w.members("EntityDetailsList", &self.entities, |w, (i, last)| {
            let e = &self.report.entities[*i];
            w.open("EntityInfo");
            w.field("Arn", &e.arn);
            w.field("Name", &e.name);
            w.field("Type", e.kind);
            w.field("Id", &e.id);
            w.field("Path", &e.path);
            w.close("EntityInfo");
            if let Some(time) = last {
                w.field("LastAuthenticated", &crate::clock::iso8601(*time));
            }
        });
        write_page(w, self.marker.as_deref());
    }
}

pub async fn get_service_last_accessed_details_with_entities(
    cx: &Ctx<'_>,
    input: WithEntitiesInput,
) -> Result<WithEntitiesOutput, AwsError> {
    cx.authorize("iam:GetServiceLastAccessedDetailsWithEntities", "*")?;
    let report = report_of(cx, &input.details.job_id)?;
    let namespace = input.namespace.to_ascii_lowercase();
    let service = report
        .services
        .iter()
        .find(|s| s.namespace == namespace)
        .ok_or_else(|| {
            aws_error!(
                InvalidInput,
                "Service namespace {} is not in the report of job {}.",
                input.namespace,
                input.details.job_id
            )
        })?;
    let mut entities: Vec<(usize, Option<OffsetDateTime>)> =
        service.by_entity.iter().copied().enumerate().collect();
    entities.sort_by_key(|e| std::cmp::Reverse(e.1));
    let (start, end, marker) = page(
        entities.len(),
        input.details.marker,
        input.details.max_items,
    );
    let entities = entities[start..end].to_vec();
    Ok(WithEntitiesOutput {
        report,
        entities,
        marker,
    })
}

pub struct GrantingInput {
    arn: String,
    namespaces: Vec<String>,
    marker: Option<usize>,
}

impl FromQuery for GrantingInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let marker = input.string("Marker", &MARKER);
        let arn = input.required("Arn", &ARN);
        input.require_present("ServiceNamespaces");
        let namespaces = input.string_list("ServiceNamespaces", 200, &SERVICE_NAMESPACE);
        input.finish()?;
        Ok(GrantingInput {
            arn,
            namespaces,
            marker: super::offset_marker(marker)?,
        })
    }
}

pub struct GrantingOutput {
    entries: Vec<(String, Vec<Arc<GrantingPolicy>>)>,
}

impl ToXml for GrantingOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members(
            "PoliciesGrantingServiceAccess",
            &self.entries,
            |w, (namespace, policies)| {
                w.field("ServiceNamespace", namespace);
                w.members("Policies", policies, |w, p| {
                    w.field("PolicyName", &p.name);
                    w.field(
                        "PolicyType",
                        if p.arn.is_some() { "MANAGED" } else { "INLINE" },
                    );
                    w.opt_field("PolicyArn", p.arn.as_deref());
                    if let Some((kind, name)) = &p.owner {
                        w.field("EntityType", kind);
                        w.field("EntityName", name);
                    }
                });
            },
        );
        w.bool_field("IsTruncated", false);
    }
}

/// Which of a user's (its groups' included), group's or role's permissions policies reach
/// each service asked about.
pub async fn list_policies_granting_service_access(
    cx: &Ctx<'_>,
    input: GrantingInput,
) -> Result<GrantingOutput, AwsError> {
    super::policies::authorize_read(cx, "iam:ListPoliciesGrantingServiceAccess", &input.arn)?;
    if input.marker.is_some_and(|m| m > 0) {
        return Err(aws_error!(InvalidInput, "Invalid Marker."));
    }
    let (kind, name) = parse_arn(cx.account_id(), &input.arn)
        .filter(|(kind, _)| *kind != "policy")
        .ok_or_else(|| invalid_arn(&input.arn))?;
    let policies: Vec<Arc<GrantingPolicy>> = identity_policies(cx, kind, name)
        .await?
        .into_iter()
        .map(Arc::new)
        .collect();
    let entries = input
        .namespaces
        .into_iter()
        .map(|namespace| {
            let ns = namespace.to_ascii_lowercase();
            let granting = policies
                .iter()
                .filter(|p| p.reaches(&ns))
                .cloned()
                .collect();
            (namespace, granting)
        })
        .collect();
    Ok(GrantingOutput { entries })
}
