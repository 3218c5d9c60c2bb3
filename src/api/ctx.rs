//! What a handler knows of its request, and how it asks whether the caller may do what it
//! asks: the caller's policies from the data plane, evaluated by the policy engine.

use std::net::IpAddr;
use std::sync::{Arc, LazyLock};

use crate::app::App;
use crate::auth::Caller;
use crate::decisions::DecisionRecord;
use crate::error::AwsError;
use crate::ids::RequestId;
use crate::policy::{self, ContextValue, Decision, EvaluationInput, RequestContext, RequestOrigin};
use crate::store::Tag;
use crate::view::{Principal, SessionOf};

/// What a handler knows of its request.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub caller: &'a Caller,
    /// The address the request came from (`aws:SourceIp`), when known.
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    /// The id the response carries, kept with each decision made for the request.
    pub request_id: RequestId,
    /// The virtual time of the request, read once: its decisions, the conditions they
    /// evaluate and what it makes all carry the same time.
    pub now: time::OffsetDateTime,
}

impl Ctx<'_> {
    pub fn account_id(&self) -> &str {
        self.caller.account_id()
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.now
    }

    /// Is the caller allowed `action` (e.g. `iam:CreateUser`) on `resource`?
    ///
    /// Decided by the policy engine over the data plane: the root user may do anything in
    /// its own account, everyone else what their policies allow. A denial reads as AWS's.
    pub fn authorize(&self, action: &str, resource: &str) -> Result<(), AwsError> {
        self.authorize_with(action, resource, RequestKeys::default())
    }

    /// [`Ctx::authorize`] for an action whose request carries condition keys of its own.
    pub fn authorize_with(
        &self,
        action: &str,
        resource: &str,
        keys: RequestKeys,
    ) -> Result<(), AwsError> {
        let mut caller = self.caller_policies(action, resource);
        for (key, value) in keys.0 {
            caller.request.insert(&key, value);
        }
        let decision = policy::evaluate(&caller.request, &caller.input());
        self.conclude(caller.request, decision)
    }

    /// Enforces a decision the engine made on `request`: logs it in the decisions log and,
    /// for a denial, returns AWS's access-denied error, which names the logged decision.
    /// Every enforced decision goes through here.
    pub fn conclude(&self, request: RequestContext, decision: Decision) -> Result<(), AwsError> {
        let app = self.app;
        let now = self.now();
        app.metrics.decision(decision.effect);
        let message = (!decision.is_allowed()).then(|| policy::denial_message(&request, &decision));
        if message.is_none()
            && let Some(entity) = self.caller.entity_arn()
        {
            app.access_log
                .record(entity, request.action(), now, &self.caller.region);
        }
        let id = app.decisions.record(DecisionRecord {
            id: 0,
            time: now,
            request_id: self.request_id,
            request,
            decision,
            message: message.clone(),
        });
        match message {
            None => Ok(()),
            Some(message) => {
                let mut error = AwsError::access_denied(message);
                error.decision_id = Some(id);
                Err(error)
            }
        }
    }

    /// The request context of the caller doing `action` on `resource`, with the caller's
    /// own policies: what every authorization starts from.
    pub fn caller_policies(&self, action: &str, resource: &str) -> CallerPolicies {
        let view = &self.app.view;
        let caller = self.caller;
        let user_id = caller.user_id();
        let mut identity = None;
        let (principal, owner_id, mut tags, boundary) = match &caller.principal {
            Principal::Root { account_id } => {
                (policy::Principal::root(account_id), None, Vec::new(), None)
            }
            Principal::FederatedUser(session) => {
                let SessionOf::Federated { user_id, .. } = &session.of else {
                    unreachable!("only federation sessions are federated-user principals")
                };
                let arn = caller.arn();
                match user_id.as_ref().and_then(|id| view.user(id)) {
                    Some(user) => (
                        policy::Principal::federated_user(&arn, &user.arn),
                        Some(user.user_id.clone()),
                        user.tags.clone(),
                        user.permissions_boundary.clone(),
                    ),
                    None => {
                        // Issued by root, whose own permissions are everything; or by a
                        // user deleted since, whose are nothing.
                        if user_id.is_none() {
                            identity = Some(vec![ROOT_PERMISSIONS.clone()]);
                        }
                        let issuer = crate::arn::root(&session.account_id);
                        (
                            policy::Principal::federated_user(&arn, &issuer),
                            None,
                            Vec::new(),
                            None,
                        )
                    }
                }
            }
            Principal::User(user) => (
                policy::Principal::user(&user.arn, &user.user_id),
                Some(user.user_id.clone()),
                user.tags.clone(),
                user.permissions_boundary.clone(),
            ),
            Principal::AssumedRole(session) => {
                let SessionOf::Role {
                    role_id, role_arn, ..
                } = &session.of
                else {
                    unreachable!("only role sessions are assumed-role principals")
                };
                let role = view.role(role_id);
                (
                    policy::Principal::assumed_role(&caller.arn(), role_arn, &user_id),
                    Some(role_id.clone()),
                    role.as_ref().map(|r| r.tags.clone()).unwrap_or_default(),
                    role.and_then(|r| r.permissions_boundary.clone()),
                )
            }
        };
        let mut request = RequestContext::new(action, resource, principal);
        self.origin().add_global_keys(&mut request);
        if let Some(session) = &caller.session {
            // Session tags override the principal's own tags of the same key.
            for (key, value) in &session.tags {
                tags.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
                tags.push((key.clone(), value.clone()));
            }
            request.insert(
                "aws:TokenIssueTime",
                crate::clock::iso8601(session.issued_at),
            );
            add_mfa_keys(&mut request, session.mfa_authenticated_at, self.now());
            if let Some(source_identity) = &session.source_identity {
                request.insert("aws:SourceIdentity", source_identity);
            }
        }
        for (key, value) in &tags {
            request.insert(&format!("aws:PrincipalTag/{key}"), value);
        }
        // IAM resources answer to both keys; `iam:ResourceTag` is IAM's own name for them.
        for (key, value) in view.resource_tags(resource) {
            request.insert(&format!("iam:ResourceTag/{key}"), value.clone());
            request.insert(&format!("aws:ResourceTag/{key}"), value);
        }
        CallerPolicies {
            request,
            identity: identity.unwrap_or_else(|| {
                owner_id
                    .map(|id| view.identity_policies(&id))
                    .unwrap_or_default()
            }),
            boundary: boundary.map(|arn| view.boundary_policy(&arn)),
            session: caller.session.as_ref().and_then(|s| s.policies.clone()),
        }
    }

    /// What is known of the request apart from who signed it.
    pub fn origin(&self) -> Origin<'_> {
        Origin {
            app: self.app,
            region: &self.caller.region,
            source_ip: self.source_ip,
            user_agent: self.user_agent,
            now: self.now,
        }
    }
}

/// `aws:MultiFactorAuthPresent` of temporary credentials, and `aws:MultiFactorAuthAge` (in
/// seconds) when they were made with MFA. Long-term credentials carry neither, as on AWS.
pub fn add_mfa_keys(
    request: &mut RequestContext,
    mfa_authenticated_at: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) {
    request.insert("aws:MultiFactorAuthPresent", mfa_authenticated_at.is_some());
    if let Some(at) = mfa_authenticated_at {
        request.insert("aws:MultiFactorAuthAge", (now - at).whole_seconds().max(0));
    }
}

/// What is known of a request whoever sent it, signed or not: enough for the global
/// condition keys. The few actions AWS answers unsigned get only this.
pub struct Origin<'a> {
    pub app: &'a App,
    pub region: &'a str,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    /// The virtual time of the request (see [`Ctx::now`]).
    pub now: time::OffsetDateTime,
}

impl Origin<'_> {
    pub fn now(&self) -> time::OffsetDateTime {
        self.now
    }

    /// Gives `request` the global condition keys every request has, whoever makes it.
    pub fn add_global_keys(&self, request: &mut RequestContext) {
        request.set_origin(RequestOrigin {
            now: self.now(),
            region: self.region.to_owned(),
            source_ip: self.source_ip,
            user_agent: self.user_agent.map(str::to_owned),
        });
    }
}

/// What the root user may do, as an identity-based policy: what a federated user that root
/// issued starts from, before its session policy narrows it.
static ROOT_PERMISSIONS: LazyLock<policy::NamedPolicy> = LazyLock::new(|| {
    let document =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let parsed = policy::Policy::parse(document, policy::PolicyKind::Identity { managed: false })
        .expect("the root policy parses");
    policy::NamedPolicy::new("root", Arc::new(parsed))
});

/// Condition keys an action adds to its request, beside the global ones.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html#awsidentityandaccessmanagementiam-policy-keys>
#[derive(Debug, Default)]
pub struct RequestKeys(Vec<(String, ContextValue)>);

impl RequestKeys {
    /// `iam:PermissionsBoundary`: lets administrators be made to attach a boundary (AWS's
    /// delegation pattern).
    pub fn boundary(mut self, policy_arn: Option<&str>) -> Self {
        if let Some(arn) = policy_arn {
            self.0.push(("iam:PermissionsBoundary".into(), arn.into()));
        }
        self
    }

    /// `iam:PolicyARN`: the managed policy an action attaches or detaches.
    pub fn policy_arn(mut self, policy_arn: &str) -> Self {
        self.0.push(("iam:PolicyARN".into(), policy_arn.into()));
        self
    }

    /// `iam:AWSServiceName`: the service a service-linked role is made for.
    pub fn aws_service_name(mut self, service: &str) -> Self {
        self.0.push(("iam:AWSServiceName".into(), service.into()));
        self
    }

    /// `aws:RequestTag/KEY` for each tag, and `aws:TagKeys`.
    pub fn tags(mut self, tags: &[Tag]) -> Self {
        if tags.is_empty() {
            return self;
        }
        for tag in tags {
            self.0.push((
                format!("aws:RequestTag/{}", tag.key),
                tag.value.as_str().into(),
            ));
        }
        self.tag_keys(tags.iter().map(|t| t.key.clone()).collect())
    }

    /// A key of the action's own (`sts:DurationSeconds`, …).
    pub fn with(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.0.push((key.into(), value.into()));
        self
    }

    /// `aws:TagKeys`: the tag keys a request names.
    pub fn tag_keys(mut self, keys: Vec<String>) -> Self {
        self.0
            .push(("aws:TagKeys".into(), ContextValue::Multi(keys)));
        self
    }
}

/// The caller's side of an authorization: the request context and the caller's policies.
pub struct CallerPolicies {
    pub request: RequestContext,
    pub identity: Vec<policy::NamedPolicy>,
    pub boundary: Option<policy::NamedPolicy>,
    pub session: Option<Vec<policy::NamedPolicy>>,
}

impl CallerPolicies {
    /// The evaluation input with only the caller's policies; add a resource policy to it
    /// where the action has one.
    pub fn input(&self) -> EvaluationInput<'_> {
        EvaluationInput {
            identity: &self.identity,
            boundary: self.boundary.as_ref(),
            session: self.session.as_deref(),
            ..EvaluationInput::default()
        }
    }
}
