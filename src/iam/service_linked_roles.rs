//! Service-linked roles: roles an AWS service defines (name, trust policy, permissions) and
//! owns. IAM makes them on request, refuses changes to them (`UnmodifiableEntity`, in the
//! store), and deletes them through a deletion task.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>

use super::roles::{RoleNameInput, RoleOutput, parse_trust};
use super::shapes::{GROUP_NAME, ROLE_DESCRIPTION};
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::aws_error;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::NewServiceLinkedRole;

/// A service that links roles: the principal it is named by, the role name AWS gives it,
/// the AWS managed policy (under `/aws-service-role/`) it attaches, and whether it takes a
/// `CustomSuffix`.
struct LinkedService {
    service: &'static str,
    role_name: &'static str,
    policy_name: &'static str,
    takes_suffix: bool,
}

/// Common services, from their service-linked role documentation. Of the rest AWS knows
/// nothing can be said here: they are refused as unknown. Only Auto Scaling (among these)
/// is known to take a suffix; some others may, and are refused one here.
const LINKED_SERVICES: &[LinkedService] = &[
    linked(
        "autoscaling.amazonaws.com",
        "AWSServiceRoleForAutoScaling",
        "AutoScalingServiceRolePolicy",
        true,
    ),
    linked(
        "cloudtrail.amazonaws.com",
        "AWSServiceRoleForCloudTrail",
        "CloudTrailServiceRolePolicy",
        false,
    ),
    linked(
        "config.amazonaws.com",
        "AWSServiceRoleForConfig",
        "AWSConfigServiceRolePolicy",
        false,
    ),
    linked(
        "ecs.amazonaws.com",
        "AWSServiceRoleForECS",
        "AmazonECSServiceRolePolicy",
        false,
    ),
    linked(
        "eks.amazonaws.com",
        "AWSServiceRoleForAmazonEKS",
        "AmazonEKSServiceRolePolicy",
        false,
    ),
    linked(
        "eks-nodegroup.amazonaws.com",
        "AWSServiceRoleForAmazonEKSNodegroup",
        "AWSServiceRoleForAmazonEKSNodegroup",
        false,
    ),
    linked(
        "elasticache.amazonaws.com",
        "AWSServiceRoleForElastiCache",
        "ElastiCacheServiceRolePolicy",
        false,
    ),
    linked(
        "elasticbeanstalk.amazonaws.com",
        "AWSServiceRoleForElasticBeanstalk",
        "AWSElasticBeanstalkServiceRolePolicy",
        false,
    ),
    linked(
        "elasticfilesystem.amazonaws.com",
        "AWSServiceRoleForAmazonElasticFileSystem",
        "AmazonElasticFileSystemServiceRolePolicy",
        false,
    ),
    linked(
        "elasticloadbalancing.amazonaws.com",
        "AWSServiceRoleForElasticLoadBalancing",
        "AWSElasticLoadBalancingServiceRolePolicy",
        false,
    ),
    linked(
        "es.amazonaws.com",
        "AWSServiceRoleForAmazonElasticsearchService",
        "AmazonElasticsearchServiceRolePolicy",
        false,
    ),
    linked(
        "guardduty.amazonaws.com",
        "AWSServiceRoleForAmazonGuardDuty",
        "AmazonGuardDutyServiceRolePolicy",
        false,
    ),
    linked(
        "lex.amazonaws.com",
        "AWSServiceRoleForLexBots",
        "AmazonLexBotPolicy",
        false,
    ),
    linked(
        "opensearchservice.amazonaws.com",
        "AWSServiceRoleForAmazonOpenSearchService",
        "AmazonOpenSearchServiceRolePolicy",
        false,
    ),
    linked(
        "organizations.amazonaws.com",
        "AWSServiceRoleForOrganizations",
        "AWSOrganizationsServiceTrustPolicy",
        false,
    ),
    linked(
        "rds.amazonaws.com",
        "AWSServiceRoleForRDS",
        "AmazonRDSServiceRolePolicy",
        false,
    ),
    linked(
        "spot.amazonaws.com",
        "AWSServiceRoleForEC2Spot",
        "AWSEC2SpotServiceRolePolicy",
        false,
    ),
    linked(
        "spotfleet.amazonaws.com",
        "AWSServiceRoleForEC2SpotFleet",
        "AWSEC2SpotFleetServiceRolePolicy",
        false,
    ),
    linked(
        "ssm.amazonaws.com",
        "AWSServiceRoleForAmazonSSM",
        "AmazonSSMServiceRolePolicy",
        false,
    ),
    linked(
        "support.amazonaws.com",
        "AWSServiceRoleForSupport",
        "AWSSupportServiceRolePolicy",
        false,
    ),
    linked(
        "trustedadvisor.amazonaws.com",
        "AWSServiceRoleForTrustedAdvisor",
        "AWSTrustedAdvisorServiceRolePolicy",
        false,
    ),
];

const fn linked(
    service: &'static str,
    role_name: &'static str,
    policy_name: &'static str,
    takes_suffix: bool,
) -> LinkedService {
    LinkedService {
        service,
        role_name,
        policy_name,
        takes_suffix,
    }
}

/// `customSuffixType`.
const CUSTOM_SUFFIX: Shape = Shape {
    min: 1,
    max: 64,
    ..GROUP_NAME
};

/// `DeletionTaskIdType`.
const DELETION_TASK_ID: Shape = Shape {
    min: 1,
    max: 1000,
    pattern: None,
};

pub struct CreateServiceLinkedRoleInput {
    service: String,
    description: Option<String>,
    custom_suffix: Option<String>,
}

impl FromQuery for CreateServiceLinkedRoleInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let service = input.required("AWSServiceName", &GROUP_NAME);
        let description = input.string("Description", &ROLE_DESCRIPTION);
        let custom_suffix = input.string("CustomSuffix", &CUSTOM_SUFFIX);
        input.finish()?;
        Ok(CreateServiceLinkedRoleInput {
            service,
            description,
            custom_suffix,
        })
    }
}

pub async fn create_service_linked_role(
    cx: &Ctx<'_>,
    input: CreateServiceLinkedRoleInput,
) -> Result<RoleOutput, AwsError> {
    let linked = LINKED_SERVICES
        .iter()
        .find(|s| s.service == input.service)
        .ok_or_else(|| {
            aws_error!(
                InvalidInput,
                "Service name {} is not supported for service-linked roles by iamlocal.",
                input.service
            )
        })?;
    let role_name = match &input.custom_suffix {
        None => linked.role_name.to_owned(),
        Some(suffix) if linked.takes_suffix => format!("{}_{suffix}", linked.role_name),
        Some(_) => {
            return Err(aws_error!(
                InvalidInput,
                "Custom suffix is not allowed for {}",
                linked.service
            ));
        }
    };
    let path = format!("/aws-service-role/{}/", linked.service);
    cx.authorize_with(
        "iam:CreateServiceLinkedRole",
        &arn::role(cx.account_id(), &path, &role_name),
        RequestKeys::default().aws_service_name(linked.service),
    )?;
    let trust_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{}"}},"Action":"sts:AssumeRole"}}]}}"#,
        linked.service
    );
    // The service's policy is attached when iamlocal's catalogue holds it.
    let policy_arn = format!(
        "{}/aws-service-role/{}",
        crate::aws_managed::ARN_PREFIX,
        linked.policy_name
    );
    let policy_arn = crate::aws_managed::by_arn(&policy_arn).map(|_| policy_arn);
    let role = cx
        .app
        .store
        .create_service_linked_role(
            cx.account_id(),
            NewServiceLinkedRole {
                role_name: &role_name,
                path: &path,
                parsed_trust: parse_trust(&trust_policy)?,
                trust_policy: &trust_policy,
                description: input.description.as_deref(),
                policy_arn: policy_arn.as_deref(),
            },
            cx.now(),
        )
        .await?;
    Ok(RoleOutput::new(role))
}

pub struct DeleteServiceLinkedRoleOutput {
    deletion_task_id: String,
}

impl ToXml for DeleteServiceLinkedRoleOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("DeletionTaskId", &self.deletion_task_id);
    }
}

pub async fn delete_service_linked_role(
    cx: &Ctx<'_>,
    input: RoleNameInput,
) -> Result<DeleteServiceLinkedRoleOutput, AwsError> {
    let role_arn = super::identity_policies::role_arn(cx, input.role_name());
    cx.authorize("iam:DeleteServiceLinkedRole", &role_arn)?;
    let deletion_task_id = cx
        .app
        .store
        .delete_service_linked_role(cx.account_id(), input.role_name(), cx.now())
        .await?;
    Ok(DeleteServiceLinkedRoleOutput { deletion_task_id })
}

pub struct DeletionStatusInput {
    deletion_task_id: String,
}

impl FromQuery for DeletionStatusInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let deletion_task_id = input.required("DeletionTaskId", &DELETION_TASK_ID);
        input.finish()?;
        Ok(DeletionStatusInput { deletion_task_id })
    }
}

pub struct DeletionStatusOutput {
    status: String,
    reason: Option<String>,
}

impl ToXml for DeletionStatusOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("Status", &self.status);
        if let Some(reason) = &self.reason {
            w.open("Reason");
            w.field("Reason", reason);
            w.close("Reason");
        }
    }
}

pub async fn get_service_linked_role_deletion_status(
    cx: &Ctx<'_>,
    input: DeletionStatusInput,
) -> Result<DeletionStatusOutput, AwsError> {
    let id = &input.deletion_task_id;
    // `task/aws-service-role/<service-principal-name>/<role-name>/<task-uuid>`
    let role_part = id
        .strip_prefix("task/")
        .and_then(|rest| rest.rsplit_once('/'))
        .map(|(role, _uuid)| role)
        .filter(|role| role.starts_with("aws-service-role/") && role.matches('/').count() == 2)
        .ok_or_else(|| aws_error!(InvalidInput, "Invalid deletion task id: {id}"))?;
    cx.authorize(
        "iam:GetServiceLinkedRoleDeletionStatus",
        &format!("arn:aws:iam::{}:role/{role_part}", cx.account_id()),
    )?;
    let task = cx
        .app
        .store
        .deletion_task(cx.account_id(), id)
        .await?
        .ok_or_else(|| aws_error!(NoSuchEntity, "Deletion task {id} cannot be found."))?;
    Ok(DeletionStatusOutput {
        status: task.status,
        reason: task.reason,
    })
}
