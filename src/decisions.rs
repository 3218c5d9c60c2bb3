//! The decisions log: the last authorization decisions the engine made for requests, kept in
//! a bounded ring in memory, so "why was this denied?" has an answer after the fact
//! (`GET /_iamlocal/decisions`), a least-privilege policy can be drawn from what a principal
//! did, and the token a denial carries can be decoded by `DecodeAuthorizationMessage`.
//!
//! Recording is cheap: the caller moves the request context and the decision it already has
//! into a record; the lock is held only to number it and push it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use serde_json::{Value, json};
use sha2::Sha256;
use time::OffsetDateTime;

use crate::ids::RequestId;
use crate::policy::{Decision, EvalDecision, PolicyType, RequestContext};

/// One decision, as the engine made it.
#[derive(Debug)]
pub struct DecisionRecord {
    /// Monotonic, from 1; set when the record is logged.
    pub id: u64,
    /// On the virtual clock.
    pub time: OffsetDateTime,
    pub request_id: RequestId,
    pub request: RequestContext,
    pub decision: Decision,
    /// AWS's access-denied message, for a denial.
    pub message: Option<String>,
}

impl DecisionRecord {
    pub fn principal(&self) -> &str {
        &self.request.principal().arn
    }

    pub fn account(&self) -> &str {
        &self.request.principal().account
    }

    /// The record as the admin API shows it.
    pub fn to_json(&self, log: &DecisionLog) -> Value {
        let matched: Vec<Value> = self
            .decision
            .matched
            .iter()
            .map(|m| {
                json!({
                    "policy_type": policy_type_name(m.policy_type),
                    "policy_id": &*m.policy_id,
                    "statement_index": m.statement_index,
                    "sid": m.sid.as_deref(),
                    "effect": format!("{:?}", m.effect),
                })
            })
            .collect();
        let allowed = self.decision.is_allowed();
        json!({
            "id": self.id,
            "time": crate::clock::iso8601(self.time),
            "request_id": &*self.request_id,
            "principal": self.principal(),
            "action": self.request.action(),
            "resource": self.request.resource(),
            "effect": effect_name(self.decision.effect),
            "decided_by": policy_type_name(self.decision.decided_by),
            "matched_statements": matched,
            "message": self.message,
            "encoded_message": (!allowed).then(|| log.encode(self.id)),
            "context": self.context_json(),
        })
    }

    /// The request's condition keys (lowercased, as the engine keeps them), sorted.
    fn context_json(&self) -> Value {
        let keys: BTreeMap<&str, &[String]> =
            self.request.iter().map(|(k, v)| (k, v.values())).collect();
        json!(keys)
    }

    /// What `DecodeAuthorizationMessage` returns, in AWS's shape.
    /// <https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html>
    pub fn decoded_message(&self) -> Value {
        let principal = self.request.principal();
        let items = |values: &[String]| -> Value {
            json!({ "items": values.iter().map(|v| json!({ "value": v })).collect::<Vec<_>>() })
        };
        let mut conditions: Vec<(&str, &[String])> =
            self.request.iter().map(|(k, v)| (k, v.values())).collect();
        conditions.sort_unstable_by_key(|(k, _)| *k);
        let matched: Vec<Value> = self
            .decision
            .matched
            .iter()
            .map(|m| {
                json!({
                    "statementId": m.sid.as_deref().map_or_else(|| m.statement_index.to_string(), str::to_owned),
                    "effect": format!("{:?}", m.effect).to_uppercase(),
                    "sourcePolicyId": &*m.policy_id,
                    "sourcePolicyType": policy_type_name(m.policy_type),
                })
            })
            .collect();
        json!({
            "allowed": self.decision.is_allowed(),
            "explicitDeny": self.decision.effect == EvalDecision::ExplicitDeny,
            "matchedStatements": { "items": matched },
            "failures": { "items": [] },
            "context": {
                "principal": { "id": principal.user_id, "arn": principal.arn },
                "action": self.request.action(),
                "resource": self.request.resource(),
                "conditions": {
                    "items": conditions
                        .into_iter()
                        .map(|(key, values)| json!({ "key": key, "values": items(values) }))
                        .collect::<Vec<_>>(),
                },
            },
        })
    }
}

/// `Allow`, `ExplicitDeny`, `ImplicitDeny`: the effect as the admin API names it.
pub fn effect_name(effect: EvalDecision) -> &'static str {
    match effect {
        EvalDecision::Allowed => "Allow",
        EvalDecision::ExplicitDeny => "ExplicitDeny",
        EvalDecision::ImplicitDeny => "ImplicitDeny",
    }
}

pub fn policy_type_name(t: PolicyType) -> &'static str {
    match t {
        PolicyType::Identity => "identity",
        PolicyType::Resource => "resource",
        PolicyType::Boundary => "boundary",
        PolicyType::Session => "session",
        PolicyType::Scp => "scp",
    }
}

/// Which records a query wants; every field optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub principal: Option<String>,
    pub action: Option<String>,
    pub effect: Option<String>,
    /// Only records with a greater id.
    pub since: Option<u64>,
    /// The most recent this many (of those that match).
    pub limit: Option<usize>,
}

impl Filter {
    fn matches(&self, record: &DecisionRecord) -> bool {
        self.since.is_none_or(|since| record.id > since)
            && self
                .principal
                .as_ref()
                .is_none_or(|p| p == record.principal())
            && self
                .action
                .as_ref()
                .is_none_or(|a| a.eq_ignore_ascii_case(record.request.action()))
            && self
                .effect
                .as_ref()
                .is_none_or(|e| e.eq_ignore_ascii_case(effect_name(record.decision.effect)))
    }
}

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC kept in an encoded message: enough that guessing one is hopeless.
const TAG_BYTES: usize = 16;
/// Encoded messages start with this, so they are recognisably iamlocal's.
const TOKEN_PREFIX: &str = "iamlocal-";

pub struct DecisionLog {
    capacity: usize,
    state: Mutex<Ring>,
    /// Signs encoded messages; drawn at start, so tokens do not outlive the process (and
    /// neither does the log they point into).
    key: [u8; 32],
}

#[derive(Default)]
struct Ring {
    next_id: u64,
    records: VecDeque<Arc<DecisionRecord>>,
}

impl DecisionLog {
    /// A log keeping the last `capacity` decisions (none when 0).
    pub fn new(capacity: usize) -> DecisionLog {
        let mut key = [0u8; 32];
        rand::rng().fill(&mut key[..]);
        DecisionLog {
            capacity,
            state: Mutex::new(Ring {
                next_id: 1,
                records: VecDeque::with_capacity(capacity.min(4096)),
            }),
            key,
        }
    }

    /// Numbers the record, keeps it (forgetting the oldest past capacity), and returns its id.
    pub fn record(&self, mut record: DecisionRecord) -> u64 {
        let mut ring = self.lock();
        let id = ring.next_id;
        ring.next_id += 1;
        if self.capacity == 0 {
            return id;
        }
        record.id = id;
        let record = Arc::new(record);
        if ring.records.len() >= self.capacity {
            let old = ring.records.pop_front();
            ring.records.push_back(record);
            drop(ring);
            drop(old);
        } else {
            ring.records.push_back(record);
        }
        id
    }

    /// The record with this id, while it is kept. Ids in the ring are consecutive.
    pub fn get(&self, id: u64) -> Option<Arc<DecisionRecord>> {
        let ring = self.lock();
        let first = ring.records.front()?.id;
        let index = usize::try_from(id.checked_sub(first)?).ok()?;
        ring.records.get(index).cloned()
    }

    /// The records that match, oldest first.
    pub fn query(&self, filter: &Filter) -> Vec<Arc<DecisionRecord>> {
        let all: Vec<Arc<DecisionRecord>> = self.lock().records.iter().cloned().collect();
        let mut matching: Vec<_> = all.into_iter().filter(|r| filter.matches(r)).collect();
        if let Some(limit) = filter.limit {
            let skip = matching.len().saturating_sub(limit);
            matching.drain(..skip);
        }
        matching
    }

    /// Forgets every record (for the admin reset); ids keep counting up.
    pub fn clear(&self) {
        let old = std::mem::take(&mut self.lock().records);
        drop(old);
    }

    /// The opaque token a denial carries: the decision id and an HMAC of it, so a token
    /// cannot be made up to read another decision.
    pub fn encode(&self, id: u64) -> String {
        let mut token = String::with_capacity(TOKEN_PREFIX.len() + 16 + 2 * TAG_BYTES);
        token.push_str(TOKEN_PREFIX);
        token.push_str(&hex::encode(id.to_be_bytes()));
        token.push_str(&hex::encode(&self.tag(id)[..TAG_BYTES]));
        token
    }

    /// The decision id of a token this log made; `None` for anything else.
    pub fn decode(&self, token: &str) -> Option<u64> {
        let body = token.trim().strip_prefix(TOKEN_PREFIX)?;
        let bytes = hex::decode(body).ok()?;
        if bytes.len() != 8 + TAG_BYTES {
            return None;
        }
        let (id, tag) = bytes.split_at(8);
        let id = u64::from_be_bytes(id.try_into().ok()?);
        self.mac(id).verify_truncated_left(tag).ok()?;
        Some(id)
    }

    fn mac(&self, id: u64) -> HmacSha256 {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC-SHA256 takes a key of any length");
        mac.update(&id.to_be_bytes());
        mac
    }

    fn tag(&self, id: u64) -> Vec<u8> {
        self.mac(id).finalize().into_bytes().to_vec()
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A least-privilege policy for what the records show: one `Allow` statement per set of
/// resources, naming the actions done on exactly that set, sorted. `None` without records.
pub fn least_privilege_policy(records: &[Arc<DecisionRecord>]) -> Option<Value> {
    let mut resources_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for record in records {
        let resource = match record.request.resource() {
            "" => "*",
            r => r,
        };
        resources_of
            .entry(record.request.action())
            .or_default()
            .insert(resource);
    }
    if resources_of.is_empty() {
        return None;
    }
    let mut actions_of: BTreeMap<BTreeSet<&str>, BTreeSet<&str>> = BTreeMap::new();
    for (action, resources) in resources_of {
        actions_of.entry(resources).or_default().insert(action);
    }
    let statements: Vec<Value> = actions_of
        .into_iter()
        .map(|(resources, actions)| {
            json!({
                "Effect": "Allow",
                "Action": actions.into_iter().collect::<Vec<_>>(),
                "Resource": resources.into_iter().collect::<Vec<_>>(),
            })
        })
        .collect();
    Some(json!({ "Version": "2012-10-17", "Statement": statements }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{EvaluationInput, Principal, evaluate};

    fn record(action: &str, resource: &str) -> DecisionRecord {
        let request = RequestContext::new(
            action,
            resource,
            Principal::user("arn:aws:iam::000000000000:user/bob", "AIDAEXAMPLE"),
        );
        let decision = evaluate(&request, &EvaluationInput::default());
        DecisionRecord {
            id: 0,
            time: OffsetDateTime::UNIX_EPOCH,
            request_id: crate::ids::request_id(),
            request,
            decision,
            message: None,
        }
    }

    #[test]
    fn the_ring_keeps_the_last_records_with_consecutive_ids() {
        let log = DecisionLog::new(2);
        let ids: Vec<u64> = (0..3)
            .map(|_| log.record(record("iam:GetUser", "*")))
            .collect();
        assert_eq!(ids, [1, 2, 3]);
        assert!(log.get(1).is_none());
        assert_eq!(log.get(3).unwrap().id, 3);
        assert!(log.get(4).is_none());
        let all = log.query(&Filter::default());
        assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn tokens_decode_only_when_made_by_this_log() {
        let log = DecisionLog::new(1);
        let token = log.encode(42);
        assert_eq!(log.decode(&token), Some(42));
        assert_eq!(DecisionLog::new(1).decode(&token), None);
        let forged = format!(
            "{TOKEN_PREFIX}{}{}",
            hex::encode(43u64.to_be_bytes()),
            &token[TOKEN_PREFIX.len() + 16..]
        );
        assert_eq!(log.decode(&forged), None);
        assert_eq!(log.decode("garbage"), None);
    }

    #[test]
    fn least_privilege_groups_actions_by_resource_set() {
        let records: Vec<_> = [
            ("iam:GetUser", "arn:aws:iam::000000000000:user/a"),
            ("iam:CreateUser", "arn:aws:iam::000000000000:user/a"),
            ("iam:ListUsers", "arn:aws:iam::000000000000:user/"),
            ("iam:GetUser", "arn:aws:iam::000000000000:user/a"),
        ]
        .into_iter()
        .map(|(a, r)| Arc::new(record(a, r)))
        .collect();
        let policy = least_privilege_policy(&records).unwrap();
        assert_eq!(
            policy["Statement"],
            json!([
                {"Effect": "Allow", "Action": ["iam:ListUsers"],
                 "Resource": ["arn:aws:iam::000000000000:user/"]},
                {"Effect": "Allow", "Action": ["iam:CreateUser", "iam:GetUser"],
                 "Resource": ["arn:aws:iam::000000000000:user/a"]},
            ])
        );
        assert!(least_privilege_policy(&[]).is_none());
    }
}
