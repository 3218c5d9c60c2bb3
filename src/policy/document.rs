//! Policy documents: JSON text → a validated, typed [`Policy`], once, when the policy is
//! written. The evaluator never sees JSON.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>
//!
//! The text is read by serde_json into its lenient `Value` (the "raw document"), checked in
//! the order IAM checks it, and compiled. The order matters, because IAM reports only the
//! first problem it meets; moto's AWS-verified table (`tests/test_iam/test_iam_policies.py`)
//! and LocalStack's validator pin it down:
//! 1. syntax (JSON, known elements, element types, `Effect` in any case, condition operator
//!    names): "Syntax errors in policy.";
//! 2. a `Principal` where the kind of policy has none ("Policy document should not specify a
//!    principal."), or none where it needs one ("Missing required field Principal");
//! 3. `Version` for managed policies: "Policy document must be version 2012-10-17 or
//!    greater.";
//! 4. "legacy parsing": `Effect` spelled exactly, dates that parse, resources shaped like ARNs;
//! 5. unique `Sid`s, then actions present;
//! 6. the resource format errors found in 4 (`Resource x must be in ARN format or "*".` …);
//! 7. action vendors (`Actions/Conditions must be prefaced by a vendor …`);
//! 8. resources present, or, for a trust policy, STS actions only and no `Resource`
//!    (LocalStack's AWS-validated validator checks these last);
//! 9. alphanumeric `Sid`s, and principals that look like principals.

mod position;

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::condition::{Condition, Operator, parse_date};
use super::err::{self, PolicyError};
use super::matching::{
    ArnPattern, Fold, Pattern, PrincipalEntry, PrincipalField, PrincipalPattern, Principals,
};
use super::variables::NoVariables;

/// What a document is for: each kind is validated the way IAM validates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a user, group or role: inline (`managed: false`) or a managed policy
    /// (`CreatePolicy`, `CreatePolicyVersion`), which must be version 2012-10-17.
    Identity { managed: bool },
    /// A managed policy used as a permissions boundary.
    Boundary,
    /// A session policy passed to `AssumeRole*` or `GetFederationToken`.
    Session,
    /// An organizations service control policy.
    Scp,
    /// A resource-based policy (an S3 bucket policy given to the simulator …): needs a
    /// `Principal`.
    Resource,
    /// A role's trust policy: needs a `Principal`, has no `Resource`.
    Trust,
}

impl PolicyKind {
    fn has_principals(self) -> bool {
        matches!(self, PolicyKind::Resource | PolicyKind::Trust)
    }

    fn needs_current_version(self) -> bool {
        matches!(
            self,
            PolicyKind::Identity { managed: true } | PolicyKind::Boundary | PolicyKind::Scp
        )
    }

    /// IAM's own documents want alphanumeric `Sid`s; other services' resource policies (S3,
    /// KMS) accept spaces.
    fn checks_sid_characters(self) -> bool {
        matches!(
            self,
            PolicyKind::Identity { .. }
                | PolicyKind::Boundary
                | PolicyKind::Session
                | PolicyKind::Trust
        )
    }
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2012_10_17,
    V2008_10_17,
    /// No `Version` element: the 2008 language, without policy variables.
    Absent,
}

/// A statement's `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A place in the policy text: line and column, both counted from 1 (0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A parsed, validated policy document. Immutable; share it as `Arc<Policy>`.
#[derive(Debug, Clone)]
pub struct Policy {
    version: Version,
    id: Option<String>,
    statements: Box<[Statement]>,
    index: ActionIndex,
}

/// One statement, compiled for matching.
#[derive(Debug, Clone)]
pub struct Statement {
    index: usize,
    sid: Option<Arc<str>>,
    effect: Effect,
    pub(crate) actions: Actions,
    /// `None` where the kind of policy has no `Resource` (a trust policy): every resource.
    pub(crate) resources: Option<Resources>,
    /// `None` in identity-based policies.
    pub(crate) principals: Option<Principals>,
    pub(crate) conditions: Box<[Condition]>,
    start: Position,
    end: Position,
}

/// `Action` or `NotAction`, lowercased (actions match ignoring case).
#[derive(Debug, Clone)]
pub(crate) struct Actions {
    pub(crate) negated: bool,
    pub(crate) patterns: Box<[Pattern]>,
    /// The service part of each entry, for the access reports that ask which services a
    /// statement reaches.
    services: Box<[ServicePart]>,
}

/// `svc` of an entry `svc:action`: its pattern, its text when it has no wildcard, and
/// whether the entry covers the whole service (`svc:*`).
#[derive(Debug, Clone)]
struct ServicePart {
    pattern: Pattern,
    literal: Option<Box<str>>,
    whole: bool,
}

impl ServicePart {
    fn new(entry: &str) -> ServicePart {
        let (service, action) = entry.split_once(':').unwrap_or((entry, "*"));
        ServicePart {
            pattern: Pattern::new(service, false, true),
            literal: (!service.contains(['*', '?'])).then(|| service.into()),
            whole: action.chars().all(|c| c == '*'),
        }
    }
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone)]
pub(crate) struct Resources {
    pub(crate) negated: bool,
    pub(crate) patterns: Box<[ArnPattern]>,
}

impl Statement {
    /// Its place in the `Statement` array, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    pub(crate) fn sid_shared(&self) -> Option<Arc<str>> {
        self.sid.clone()
    }

    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Does the statement's `Action` (or `NotAction`) reach some action of the service
    /// `namespace` (lowercase)? Resources and conditions are not looked at: what IAM's
    /// access reports call "could access".
    pub fn reaches_service(&self, namespace: &str) -> bool {
        let named = |whole_only: bool| {
            self.actions.services.iter().any(|part| {
                (part.whole || !whole_only)
                    && part.pattern.matches(namespace, Fold::Ascii, &NoVariables) == Some(true)
            })
        };
        if self.actions.negated {
            !named(true)
        } else {
            named(false)
        }
    }

    /// The services the statement's `Action` names without a wildcard (lowercase).
    pub fn named_services(&self) -> impl Iterator<Item = &str> {
        self.actions
            .services
            .iter()
            .filter(|_| !self.actions.negated)
            .filter_map(|part| part.literal.as_deref())
    }

    /// Does the statement's `Action` (or `NotAction`) match `action` (lowercase)?
    pub fn matches_action(&self, action: &str) -> bool {
        let listed = self
            .actions
            .patterns
            .iter()
            .any(|p| p.matches(action, Fold::None, &NoVariables) == Some(true));
        listed != self.actions.negated
    }

    /// Where the statement's `{` is in the text.
    pub fn start(&self) -> Position {
        self.start
    }

    /// Where the statement's `}` is in the text.
    pub fn end(&self) -> Position {
        self.end
    }
}

impl Policy {
    /// Parses and validates `json` as a policy of `kind`; the error carries AWS's
    /// `MalformedPolicyDocument` message.
    pub fn parse(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let value: Value = serde_json::from_str(json).map_err(|_| {
            // CreateRole and UpdateAssumeRolePolicy word bad JSON their own way.
            PolicyError::new(if kind == PolicyKind::Trust {
                err::INVALID_JSON
            } else {
                err::SYNTAX
            })
        })?;
        let raw = RawPolicy::read(&value)?;
        raw.check_principal_element(kind)?;
        if kind.needs_current_version() && raw.version != Version::V2012_10_17 {
            return Err(PolicyError::new(err::VERSION_TOO_OLD));
        }
        let resource_error = raw.legacy_parsing()?;
        raw.check_sids_unique()?;
        raw.check_present(&["Action", "NotAction"], err::NO_ACTIONS)?;
        if let Some(message) = resource_error {
            return Err(PolicyError::new(message));
        }
        raw.check_action_vendors()?;
        if kind == PolicyKind::Trust {
            raw.check_trust_actions()?;
            raw.check_no_resource()?;
        } else {
            raw.check_present(&["Resource", "NotResource"], err::NO_RESOURCES)?;
        }
        if kind.checks_sid_characters() {
            raw.check_sid_characters()?;
        }
        if kind.has_principals() {
            raw.check_principal_values()?;
        }
        Ok(raw.compile(json))
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The statements that can match an action of `service` (lowercase), in order: a
    /// decision looks at these only.
    pub(crate) fn candidates(&self, service: &str) -> impl Iterator<Item = &Statement> {
        self.index
            .candidates(service)
            .filter_map(|i| self.statements.get(i as usize))
    }

    /// The context keys the policy reads, in condition keys and in policy variables, each
    /// once (compared ignoring case) and spelled as first written: what
    /// `GetContextKeysForCustomPolicy` answers.
    pub fn context_keys(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        let mut keys = Vec::new();
        let mut add = |name: &str| {
            if seen.insert(name.to_lowercase()) {
                keys.push(name.to_owned());
            }
        };
        for statement in self.statements.iter() {
            if let Some(resources) = &statement.resources {
                for pattern in resources.patterns.iter() {
                    pattern.variables().for_each(|v| add(&v.name));
                }
            }
            for condition in statement.conditions.iter() {
                add(&condition.name);
                condition.variables().into_iter().for_each(|v| add(&v.name));
            }
        }
        keys
    }

    /// The principals the policy names, as written (`"*"` left out): a trust policy's
    /// writer checks they exist and answers [`PolicyError::invalid_principal`] if not.
    pub fn principals(&self) -> impl Iterator<Item = (PrincipalField, &str)> {
        self.statements
            .iter()
            .filter_map(|s| s.principals.as_ref())
            .flat_map(|p| p.entries.iter())
            .filter_map(|e| Some((e.field?, &*e.written)))
    }
}

/// The document as serde_json read it, with the statements found.
struct RawPolicy<'a> {
    version: Version,
    id: Option<&'a str>,
    statements: Vec<&'a Map<String, Value>>,
}

const STATEMENT_FIELDS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

fn syntax() -> PolicyError {
    PolicyError::new(err::SYNTAX)
}

impl<'a> RawPolicy<'a> {
    /// Step 1: the grammar, element by element.
    fn read(value: &'a Value) -> Result<RawPolicy<'a>, PolicyError> {
        let top = value.as_object().ok_or_else(syntax)?;
        if top
            .keys()
            .any(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
        {
            return Err(syntax());
        }
        let version = match top.get("Version") {
            None => Version::Absent,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008_10_17,
            Some(_) => return Err(syntax()),
        };
        let id = match top.get("Id") {
            None => None,
            Some(Value::String(id)) => Some(id.as_str()),
            Some(_) => return Err(syntax()),
        };
        let statements = match top.get("Statement") {
            Some(Value::Object(statement)) => vec![statement],
            Some(Value::Array(list)) if !list.is_empty() => list
                .iter()
                .map(Value::as_object)
                .collect::<Option<_>>()
                .ok_or_else(syntax)?,
            _ => return Err(syntax()),
        };
        for statement in &statements {
            read_statement(statement)?;
        }
        Ok(RawPolicy {
            version,
            id,
            statements,
        })
    }

    /// Step 2: a `Principal` where the kind of policy wants one, and nowhere else.
    fn check_principal_element(&self, kind: PolicyKind) -> Result<(), PolicyError> {
        for statement in &self.statements {
            let principal = statement
                .get("Principal")
                .or_else(|| statement.get("NotPrincipal"));
            match (kind.has_principals(), principal) {
                (false, None) => {}
                (false, Some(_)) => return Err(PolicyError::new(err::PRINCIPAL_NOT_ALLOWED)),
                (true, None) => return Err(PolicyError::new(err::MISSING_PRINCIPAL)),
                (true, Some(principal)) => {
                    principal_entries(principal).ok_or_else(syntax)?;
                }
            }
        }
        Ok(())
    }

    /// Step 4: IAM's "legacy parsing". Resource format problems do not fail it; the first
    /// one is returned, to be reported after the checks of step 5.
    fn legacy_parsing(&self) -> Result<Option<String>, PolicyError> {
        let legacy = || PolicyError::new(err::LEGACY_PARSING);
        for statement in &self.statements {
            // `Effect` in the wrong case passed step 1, and fails here.
            if !matches!(statement.get("Effect"), Some(Value::String(e)) if e == "Allow" || e == "Deny")
            {
                return Err(legacy());
            }
            for (name, block) in conditions(statement) {
                if !Operator::parse(name).is_some_and(|op| op.base.is_date()) {
                    continue;
                }
                for value in block.values() {
                    let values = condition_values(value).ok_or_else(syntax)?;
                    if values.iter().any(|v| parse_date(v).is_none()) {
                        return Err(legacy());
                    }
                }
            }
        }
        // As IAM does: every format problem is looked for, later ones overwrite earlier
        // ones, and once one is found the legacy check of further resources is skipped.
        let mut resource_error = None;
        for field in ["Resource", "NotResource"] {
            for statement in &self.statements {
                let Some(value) = statement.get(field) else {
                    continue;
                };
                let resources = strings(value).ok_or_else(syntax)?;
                let mut ordered = resources.clone();
                if value.is_array() {
                    ordered.sort_unstable_by(|a, b| b.cmp(a));
                }
                for resource in ordered {
                    if let Some(message) = resource_format_error(resource) {
                        resource_error = Some(message);
                    }
                }
                if resource_error.is_none() && !resources.iter().all(|r| legacy_resource(r)) {
                    return Err(legacy());
                }
            }
        }
        Ok(resource_error)
    }

    fn check_sids_unique(&self) -> Result<(), PolicyError> {
        let mut seen = HashSet::new();
        for sid in self.sids().filter(|s| !s.is_empty()) {
            if !seen.insert(sid) {
                return Err(PolicyError::new(err::SID_NOT_UNIQUE));
            }
        }
        Ok(())
    }

    fn check_sid_characters(&self) -> Result<(), PolicyError> {
        if self
            .sids()
            .all(|s| s.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            Ok(())
        } else {
            Err(PolicyError::new(err::SID_NOT_ALPHANUMERIC))
        }
    }

    fn sids(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.statements
            .iter()
            .filter_map(|s| s.get("Sid").and_then(Value::as_str))
    }

    /// Every statement has one of `fields`, and not as an empty list.
    fn check_present(&self, fields: &[&str; 2], message: &'static str) -> Result<(), PolicyError> {
        for statement in &self.statements {
            let present = fields.iter().find_map(|f| statement.get(*f));
            if present.is_none_or(|v| v.as_array().is_some_and(Vec::is_empty)) {
                return Err(PolicyError::new(message));
            }
        }
        Ok(())
    }

    /// Step 7: `service:action`, the service made of letters, digits, `-` and `.`.
    fn check_action_vendors(&self) -> Result<(), PolicyError> {
        for field in ["Action", "NotAction"] {
            for statement in &self.statements {
                let Some(actions) = statement.get(field).and_then(strings) else {
                    continue;
                };
                for action in actions {
                    let mut parts = action.split(':');
                    let vendor = parts.next().unwrap_or_default();
                    match (parts.next(), parts.next()) {
                        (None, _) if action != "*" => return Err(PolicyError::new(err::NO_VENDOR)),
                        (Some(_), Some(_)) => return Err(PolicyError::new(err::ONE_COLON)),
                        _ => {}
                    }
                    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
                    if vendor != "*" && !vendor.chars().all(valid) {
                        return Err(PolicyError::vendor_not_valid(vendor));
                    }
                }
            }
        }
        Ok(())
    }

    /// A trust policy grants STS actions only (the rule and its wording, double space
    /// included, as moto and LocalStack record IAM's answer).
    fn check_trust_actions(&self) -> Result<(), PolicyError> {
        const STS_ACTIONS: [&str; 11] = [
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
            "sts:DecodeAuthorizationMessage",
            "sts:GetAccessKeyInfo",
            "sts:GetCallerIdentity",
            "sts:GetFederationToken",
            "sts:GetServiceBearerToken",
            "sts:GetSessionToken",
            "sts:SetSourceIdentity",
            "sts:TagSession",
        ];
        // A wildcard is accepted when it covers at least one STS action (`sts:*`).
        let valid = |action: &str| {
            let pattern = Pattern::new(&action.to_lowercase(), false, true);
            STS_ACTIONS
                .iter()
                .any(|sts| pattern.matches(sts, Fold::Ascii, &NoVariables) == Some(true))
        };
        for statement in &self.statements {
            let actions = statement
                .get("Action")
                .and_then(strings)
                .unwrap_or_default();
            if statement.contains_key("NotAction") || !actions.iter().all(|a| valid(a)) {
                return Err(PolicyError::new(err::TRUST_ACTIONS));
            }
        }
        Ok(())
    }

    /// "Has prohibited field Resource": a trust policy's resource is the role itself.
    fn check_no_resource(&self) -> Result<(), PolicyError> {
        for statement in &self.statements {
            for field in ["Resource", "NotResource"] {
                if statement.contains_key(field) {
                    return Err(PolicyError::prohibited_field(field));
                }
            }
        }
        Ok(())
    }

    /// Step 9, for trust and resource-based policies: an `AWS` principal is `*`, an account
    /// id or an ARN. Whether the named user or role exists is the caller's question.
    fn check_principal_values(&self) -> Result<(), PolicyError> {
        for statement in &self.statements {
            let Some(principal) = statement
                .get("Principal")
                .or_else(|| statement.get("NotPrincipal"))
            else {
                continue;
            };
            for (field, value) in principal_entries(principal).ok_or_else(syntax)? {
                let valid = match field {
                    None => true,
                    Some(PrincipalField::Aws) => {
                        value == "*"
                            || (value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()))
                            || (value.starts_with("arn:")
                                && super::matching::split_arn(value).is_some())
                    }
                    Some(_) => !value.is_empty(),
                };
                if !valid {
                    let field = field.map_or("AWS", PrincipalField::as_str);
                    return Err(PolicyError::invalid_principal(field, value));
                }
            }
        }
        Ok(())
    }

    fn compile(&self, json: &str) -> Policy {
        let variables = self.version == Version::V2012_10_17;
        let spans = position::statement_spans(json);
        let statements = self
            .statements
            .iter()
            .enumerate()
            .map(|(index, raw)| {
                let (start, end) = spans.get(index).copied().unwrap_or_default();
                compile_statement(index, raw, variables, start, end)
            })
            .collect();
        Policy {
            version: self.version,
            id: self.id.map(str::to_owned),
            statements,
            index: ActionIndex::build(&self.statements),
        }
    }
}

/// Which statements can match an action of a given service (`iam`, `s3` …), built once so
/// that a decision does not try every action pattern of every statement.
#[derive(Debug, Clone, Default)]
struct ActionIndex {
    /// Statements to try whatever the service: `NotAction`, or a wildcard in a service
    /// (`*`, `s*:Get*`).
    always: Box<[u32]>,
    /// Per service, lowercased, the statements whose `Action` names it.
    by_service: Box<[ServiceStatements]>,
}

/// A service (lowercased) and the statements that name it.
type ServiceStatements = (Box<str>, Box<[u32]>);

impl ActionIndex {
    fn build(statements: &[&Map<String, Value>]) -> ActionIndex {
        let mut always = Vec::new();
        let mut by_service: Vec<(Box<str>, Vec<u32>)> = Vec::new();
        for (i, statement) in statements.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            let services: Option<Vec<String>> =
                statement
                    .get("Action")
                    .and_then(strings)
                    .and_then(|actions| {
                        actions
                            .iter()
                            .map(|a| {
                                let (service, _) = a.split_once(':')?;
                                (!service.contains(['*', '?'])).then(|| service.to_lowercase())
                            })
                            .collect()
                    });
            let Some(mut services) = services else {
                always.push(i);
                continue;
            };
            services.sort_unstable();
            services.dedup();
            for service in services {
                match by_service.iter_mut().find(|(s, _)| **s == *service) {
                    Some((_, list)) => list.push(i),
                    None => by_service.push((service.into(), vec![i])),
                }
            }
        }
        ActionIndex {
            always: always.into(),
            by_service: by_service.into_iter().map(|(s, l)| (s, l.into())).collect(),
        }
    }

    fn candidates(&self, service: &str) -> Merge<'_> {
        let listed = self
            .by_service
            .iter()
            .find(|(s, _)| s.len() == service.len() && **s == *service)
            .map_or(&[][..], |(_, list)| list);
        Merge {
            a: &self.always,
            b: listed,
        }
    }
}

/// Two ascending lists of statement numbers, merged.
struct Merge<'a> {
    a: &'a [u32],
    b: &'a [u32],
}

impl Iterator for Merge<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(x), Some(y)) => x < y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let list = if take_a { &mut self.a } else { &mut self.b };
        let (first, rest) = list.split_first()?;
        *list = rest;
        Some(*first)
    }
}

/// Step 1 for one statement.
fn read_statement(statement: &Map<String, Value>) -> Result<(), PolicyError> {
    if statement
        .keys()
        .any(|k| !STATEMENT_FIELDS.contains(&k.as_str()))
    {
        return Err(syntax());
    }
    for (a, b) in [
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ] {
        if statement.contains_key(a) && statement.contains_key(b) {
            return Err(syntax());
        }
    }
    match statement.get("Effect") {
        Some(Value::String(e))
            if e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny") => {}
        _ => return Err(syntax()),
    }
    for field in ["Action", "NotAction", "Resource", "NotResource"] {
        if statement.get(field).is_some_and(|v| strings(v).is_none()) {
            return Err(syntax());
        }
    }
    if statement.get("Sid").is_some_and(|v| !v.is_string()) {
        return Err(syntax());
    }
    if let Some(condition) = statement.get("Condition") {
        let condition = condition.as_object().ok_or_else(syntax)?;
        for (operator, block) in condition {
            let block = block.as_object().ok_or_else(syntax)?;
            if block.values().any(|v| condition_values(v).is_none()) {
                return Err(syntax());
            }
            // An unknown operator passes only with nothing under it.
            if Operator::parse(operator).is_none() && !block.is_empty() {
                return Err(syntax());
            }
        }
    }
    Ok(())
}

/// The condition blocks of a statement that passed step 1.
fn conditions(statement: &Map<String, Value>) -> impl Iterator<Item = (&str, &Map<String, Value>)> {
    statement
        .get("Condition")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(op, block)| Some((op.as_str(), block.as_object()?)))
}

/// A string or a list of strings.
fn strings(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(list) => list.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// A condition value: a string, number or boolean, or a list of them; read as text.
fn condition_values(value: &Value) -> Option<Vec<String>> {
    fn scalar(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    match value {
        Value::Array(list) => list.iter().map(scalar).collect(),
        scalar_value => scalar(scalar_value).map(|s| vec![s]),
    }
}

/// `"*"`, or an object of `AWS`/`Service`/`Federated`/`CanonicalUser` to a string or a
/// non-empty list of strings. `None` entries' field is the bare `"*"`.
fn principal_entries(value: &Value) -> Option<Vec<(Option<PrincipalField>, &str)>> {
    match value {
        Value::String(s) if s == "*" => Some(vec![(None, "*")]),
        Value::Object(map) if !map.is_empty() => {
            let mut entries = Vec::new();
            for (key, value) in map {
                let field = PrincipalField::from_key(key)?;
                let values = strings(value).filter(|v| !v.is_empty())?;
                entries.extend(values.into_iter().map(|v| (Some(field), v)));
            }
            Some(entries)
        }
        _ => None,
    }
}

const PARTITIONS: [&str; 9] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
    "*",
];

const IAM_RESOURCE_PREFIXES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// IAM's complaint about a `Resource` entry's shape, worded as IAM words it.
fn resource_format_error(resource: &str) -> Option<String> {
    if resource == "*" {
        return None;
    }
    let Some((_, rest)) = resource.split_once(':') else {
        return Some(format!(
            "Resource {resource} must be in ARN format or \"*\"."
        ));
    };
    let (partition, after) = match rest.split_once(':') {
        Some((partition, after)) => (partition, Some(after)),
        None => (rest, None),
    };
    if !PARTITIONS.contains(&partition) {
        // IAM spells the resource out as six parts, `*` standing in for missing ones.
        let parts: Vec<&str> = after.unwrap_or("").split(':').collect();
        let first = if parts[0].is_empty() && parts.len() == 1 {
            "*"
        } else {
            parts[0]
        };
        let part = |i: usize| parts.get(i).copied().unwrap_or("*");
        let last = if parts.len() > 3 {
            parts[3..].join(":")
        } else {
            "*".to_owned()
        };
        return Some(format!(
            "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{first}:{}:{}:{last}\".",
            part(1),
            part(2)
        ));
    }
    let Some(after) = after else {
        return Some(err::VENDOR_NOT_QUALIFIED.to_owned());
    };
    // `service:region:account:path`
    let (service, region_on) = after.split_once(':').unwrap_or((after, ""));
    let path = region_on.splitn(3, ':').nth(2).unwrap_or("");
    if !region_on.starts_with(':') {
        match service {
            "iam" => {
                return Some(format!(
                    "IAM resource {resource} cannot contain region information."
                ));
            }
            // S3 access points are regional.
            "s3" if !path.starts_with("accesspoint/") => {
                return Some(format!(
                    "Resource {resource} can not contain region information."
                ));
            }
            _ => {}
        }
    }
    // AWS's current wording: `"*", root, or …` (quoted from a 2026 CreatePolicyVersion
    // refusal); moto's older table has it without "root".
    if service == "iam"
        && path != "*"
        && path != "root"
        && !IAM_RESOURCE_PREFIXES.iter().any(|p| path.starts_with(p))
    {
        return Some(format!(
            "IAM resource path must either be \"*\", root, or start with {}.",
            IAM_RESOURCE_PREFIXES.join(", ")
        ));
    }
    None
}

/// What the legacy parser demands of a resource: six parts where there is a `::`, and a
/// service.
fn legacy_resource(resource: &str) -> bool {
    resource == "*"
        || ((resource.matches(':').count() >= 5 || !resource.contains("::"))
            && resource.split(':').nth(2).is_some_and(|s| !s.is_empty()))
}

fn compile_statement(
    index: usize,
    raw: &Map<String, Value>,
    variables: bool,
    start: Position,
    end: Position,
) -> Statement {
    let field = |positive: &'static str, negative: &'static str| {
        raw.get(positive)
            .map(|v| (false, v))
            .or_else(|| raw.get(negative).map(|v| (true, v)))
    };
    let actions = field("Action", "NotAction")
        .map(|(negated, v)| {
            let entries: Vec<String> = strings(v)
                .unwrap_or_default()
                .into_iter()
                .map(|a| a.to_lowercase())
                .collect();
            Actions {
                negated,
                patterns: entries
                    .iter()
                    .map(|a| Pattern::new(a, false, true))
                    .collect(),
                services: entries.iter().map(|a| ServicePart::new(a)).collect(),
            }
        })
        .unwrap_or(Actions {
            negated: false,
            patterns: Box::new([]),
            services: Box::new([]),
        });
    let resources = field("Resource", "NotResource").map(|(negated, v)| Resources {
        negated,
        patterns: strings(v)
            .unwrap_or_default()
            .into_iter()
            .map(|r| ArnPattern::new(r, variables))
            .collect(),
    });
    let principals = field("Principal", "NotPrincipal").map(|(negated, v)| Principals {
        negated,
        entries: principal_entries(v)
            .unwrap_or_default()
            .into_iter()
            .map(|(field, written)| PrincipalEntry {
                field,
                written: written.into(),
                pattern: match field {
                    Some(field) => PrincipalPattern::new(field, written),
                    None => PrincipalPattern::Any,
                },
            })
            .collect(),
    });
    let mut compiled = Vec::new();
    for (name, block) in conditions(raw) {
        // An unknown operator got this far only with an empty block: nothing to check.
        let Some(operator) = Operator::parse(name) else {
            continue;
        };
        for (key, value) in block {
            let values = condition_values(value).unwrap_or_default();
            compiled.push(Condition::new(operator, key, &values, variables));
        }
    }
    let effect = match raw.get("Effect").and_then(Value::as_str) {
        Some("Deny") => Effect::Deny,
        _ => Effect::Allow,
    };
    Statement {
        index,
        sid: raw.get("Sid").and_then(Value::as_str).map(Arc::from),
        effect,
        actions,
        resources,
        principals,
        conditions: compiled.into(),
        start,
        end,
    }
}

/// A size quota on policy documents, counted as AWS counts: characters other than
/// whitespace.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeQuota {
    ManagedPolicy,
    /// All of a user's inline policies together (the caller sums them).
    UserInlinePolicies,
    RoleInlinePolicies,
    GroupInlinePolicies,
    /// A role's trust policy; 2048 by default, raisable on AWS.
    TrustPolicy {
        limit: usize,
    },
}

impl SizeQuota {
    pub fn limit(self) -> usize {
        match self {
            SizeQuota::ManagedPolicy => 6144,
            SizeQuota::UserInlinePolicies => 2048,
            SizeQuota::RoleInlinePolicies => 10240,
            SizeQuota::GroupInlinePolicies => 5120,
            SizeQuota::TrustPolicy { limit } => limit,
        }
    }

    /// The quota's name in AWS's `LimitExceeded` message.
    pub fn name(self) -> &'static str {
        match self {
            SizeQuota::TrustPolicy { .. } => "ACLSizePerRole",
            _ => "PolicySize",
        }
    }
}

/// A document over its quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeExceeded {
    pub quota: SizeQuota,
    pub size: usize,
}

impl SizeExceeded {
    /// AWS's `LimitExceeded` message: `Cannot exceed quota for PolicySize: 2048`.
    pub fn message(&self) -> String {
        format!(
            "Cannot exceed quota for {}: {}",
            self.quota.name(),
            self.quota.limit()
        )
    }
}

/// A document's size as IAM counts it: characters other than whitespace.
pub fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Checks `size` (from [`policy_size`], summed over documents where the quota is for all of
/// them) against `quota`.
pub fn check_size(size: usize, quota: SizeQuota) -> Result<(), SizeExceeded> {
    if size > quota.limit() {
        Err(SizeExceeded { quota, size })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
