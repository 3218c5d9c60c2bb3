//! The bundled catalogue of AWS managed policies: the real documents of the commonly
//! attached ones, attachable by `arn:aws:iam::aws:policy/…` in every account.
//! <https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html>
//!
//! AWS owns them: they have no rows in the store, cannot be changed or deleted, and the data
//! plane finds them here. Each document is the policy's default version as AWS publishes it
//! (the AWS Managed Policy Reference Guide), except `ReadOnlyAccess`: see its entry.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use time::OffsetDateTime;
use time::macros::datetime;

use crate::policy::{NamedPolicy, Policy, PolicyKind};

/// The account part of an AWS managed policy's ARN.
pub const ARN_PREFIX: &str = "arn:aws:iam::aws:policy";

/// One AWS managed policy, as `GetPolicy` and `GetPolicyVersion` describe it.
#[derive(Debug)]
pub struct AwsManagedPolicy {
    pub name: &'static str,
    pub path: &'static str,
    pub policy_id: &'static str,
    /// The default version's id: the only version the catalogue holds.
    pub version_id: &'static str,
    pub description: &'static str,
    pub document: &'static str,
    /// When AWS created the policy (approximate for some, see the catalogue).
    pub created_at: OffsetDateTime,
    /// When the default version was created: the policy's `UpdateDate`.
    pub updated_at: OffsetDateTime,
}

impl AwsManagedPolicy {
    pub fn arn(&self) -> String {
        format!("{ARN_PREFIX}{}{}", self.path, self.name)
    }
}

/// The catalogue, by name. Documents come from the AWS Managed Policy Reference Guide and
/// the zoph-io/MAMIP mirror of `GetPolicyVersion` (which agree for the versions listed).
/// Policy ids are AWS's where a public listing had them; those marked `unverified` are
/// recalled, not checked against a listing.
pub static CATALOGUE: &[AwsManagedPolicy] = &[
    AwsManagedPolicy {
        name: "AdministratorAccess",
        path: "/",
        policy_id: "ANPAIWMBCKSKIEE64ZLYK",
        version_id: "v1",
        description: "Provides full access to AWS services and resources.",
        document: include_str!("AdministratorAccess.json"),
        created_at: datetime!(2015-02-06 18:39:46 UTC),
        updated_at: datetime!(2015-02-06 18:39:46 UTC),
    },
    AwsManagedPolicy {
        name: "PowerUserAccess",
        path: "/",
        policy_id: "ANPAJYRXTHIB4FOVS3ZXS",
        version_id: "v12",
        description: "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        document: include_str!("PowerUserAccess.json"),
        created_at: datetime!(2015-02-06 18:39:47 UTC),
        updated_at: datetime!(2026-02-12 17:59:14 UTC),
    },
    AwsManagedPolicy {
        name: "ReadOnlyAccess",
        path: "/",
        // unverified
        policy_id: "ANPAILL3HVNFSB6DCOWYQ",
        // REDUCED: the real document lists well over a thousand actions. This one keeps,
        // verbatim, the entries of v87 (2022-05-23, as mirrored by zoph-io/MAMIP) for the
        // services people test against (IAM, STS, S3, DynamoDB, Lambda, Logs, SQS, SNS, KMS,
        // EC2, …) and drops the rest; AWS's current default version is newer than v87.
        version_id: "v87",
        description: "Provides read-only access to AWS services and resources.",
        document: include_str!("ReadOnlyAccess.json"),
        created_at: datetime!(2015-02-06 18:39:48 UTC),
        updated_at: datetime!(2022-05-23 20:16:18 UTC),
    },
    AwsManagedPolicy {
        name: "IAMFullAccess",
        path: "/",
        // unverified
        policy_id: "ANPAI7XKCFMBPM3QQRRVQ",
        version_id: "v2",
        description: "Provides full access to IAM via the AWS Management Console.",
        document: include_str!("IAMFullAccess.json"),
        created_at: datetime!(2015-02-06 18:40:38 UTC),
        updated_at: datetime!(2019-06-21 19:40:00 UTC),
    },
    AwsManagedPolicy {
        name: "IAMReadOnlyAccess",
        path: "/",
        policy_id: "ANPAJKSO7NDY4T57MWDSQ",
        version_id: "v4",
        description: "Provides read only access to IAM via the AWS Management Console.",
        document: include_str!("IAMReadOnlyAccess.json"),
        created_at: datetime!(2015-02-06 18:40:00 UTC),
        updated_at: datetime!(2018-01-25 19:11:27 UTC),
    },
    AwsManagedPolicy {
        name: "AmazonS3FullAccess",
        path: "/",
        // unverified
        policy_id: "ANPAIFIR6V6BVTRAHWINE",
        version_id: "v2",
        description: "Provides full access to all buckets via the AWS Management Console.",
        document: include_str!("AmazonS3FullAccess.json"),
        created_at: datetime!(2015-02-06 18:40:58 UTC),
        updated_at: datetime!(2021-09-27 20:16:37 UTC),
    },
    AwsManagedPolicy {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        policy_id: "ANPAIZTJ4DXE7G6AGAE6M",
        version_id: "v3",
        description: "Provides read only access to all buckets via the AWS Management Console.",
        document: include_str!("AmazonS3ReadOnlyAccess.json"),
        created_at: datetime!(2015-02-06 18:40:00 UTC),
        updated_at: datetime!(2023-08-10 21:31:39 UTC),
    },
    AwsManagedPolicy {
        name: "AWSLambdaBasicExecutionRole",
        path: "/service-role/",
        policy_id: "ANPAJNCQGXC42545SKXIK",
        version_id: "v1",
        description: "Provides write permissions to CloudWatch Logs.",
        document: include_str!("AWSLambdaBasicExecutionRole.json"),
        created_at: datetime!(2015-04-09 15:03:43 UTC),
        updated_at: datetime!(2015-04-09 15:03:43 UTC),
    },
    AwsManagedPolicy {
        name: "AmazonDynamoDBFullAccess",
        path: "/",
        // unverified
        policy_id: "ANPAINUGF2JSOSUY76KYA",
        version_id: "v15",
        description: "Provides full access to Amazon DynamoDB via the AWS Management Console.",
        document: include_str!("AmazonDynamoDBFullAccess.json"),
        created_at: datetime!(2015-02-06 18:40:00 UTC),
        updated_at: datetime!(2021-01-29 17:38:30 UTC),
    },
    AwsManagedPolicy {
        name: "AmazonSQSFullAccess",
        path: "/",
        // unverified
        policy_id: "ANPAI65L554VRJ33ECQS6",
        version_id: "v1",
        description: "Provides full access to Amazon SQS via the AWS Management Console.",
        document: include_str!("AmazonSQSFullAccess.json"),
        created_at: datetime!(2015-02-06 18:41:07 UTC),
        updated_at: datetime!(2015-02-06 18:41:07 UTC),
    },
    AwsManagedPolicy {
        name: "AmazonSNSFullAccess",
        path: "/",
        policy_id: "ANPAJWEKLCXXUNT2SOLSG",
        version_id: "v1",
        description: "Provides full access to Amazon SNS via the AWS Management Console.",
        document: include_str!("AmazonSNSFullAccess.json"),
        created_at: datetime!(2015-02-06 18:41:05 UTC),
        updated_at: datetime!(2015-02-06 18:41:05 UTC),
    },
    AwsManagedPolicy {
        name: "CloudWatchLogsFullAccess",
        path: "/",
        policy_id: "ANPAJ3ZGNWK2R5HW5BQFO",
        version_id: "v3",
        description: "Provides full access to CloudWatch Logs",
        document: include_str!("CloudWatchLogsFullAccess.json"),
        created_at: datetime!(2015-02-06 18:40:00 UTC),
        updated_at: datetime!(2025-05-20 17:07:06 UTC),
    },
    AwsManagedPolicy {
        name: "SecretsManagerReadWrite",
        path: "/",
        // unverified
        policy_id: "ANPAJTENQ6WVIUPNHIE2B",
        version_id: "v6",
        description: "Provides read/write access to AWS Secrets Manager via the AWS Management Console. Note: this exludes IAM actions, so combine with IAMFullAccess if rotation configuration is required.",
        document: include_str!("SecretsManagerReadWrite.json"),
        created_at: datetime!(2018-04-04 18:05:29 UTC),
        updated_at: datetime!(2026-08-25 23:37:10 UTC),
    },
];

/// The catalogue's documents, parsed once, by ARN, when first needed (about a millisecond, which
/// start-up need not wait for).
static PARSED: LazyLock<HashMap<String, (&'static AwsManagedPolicy, NamedPolicy)>> =
    LazyLock::new(|| {
        CATALOGUE
            .iter()
            .map(|p| {
                let arn = p.arn();
                let parsed = Policy::parse(p.document, PolicyKind::Identity { managed: true })
                    .unwrap_or_else(|e| panic!("bundled AWS managed policy {}: {e}", p.name));
                let named = NamedPolicy::new(arn.as_str(), Arc::new(parsed));
                (arn, (p, named))
            })
            .collect()
    });

/// Is this the ARN of an AWS managed policy (in the catalogue or not)?
pub fn is_aws_arn(policy_arn: &str) -> bool {
    policy_arn
        .strip_prefix(ARN_PREFIX)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// The catalogue's policy with this ARN.
pub fn by_arn(policy_arn: &str) -> Option<&'static AwsManagedPolicy> {
    PARSED.get(policy_arn).map(|(p, _)| *p)
}

/// The parsed default version of the catalogue's policy with this ARN, for the engine.
pub fn policy(policy_arn: &str) -> Option<NamedPolicy> {
    PARSED.get(policy_arn).map(|(_, named)| named.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_document_parses_as_a_managed_policy() {
        for p in CATALOGUE {
            if let Err(e) = Policy::parse(p.document, PolicyKind::Identity { managed: true }) {
                panic!("{}: {e}", p.name);
            }
            assert!(
                p.path.starts_with('/') && p.path.ends_with('/'),
                "{}",
                p.name
            );
            assert!(p.version_id.starts_with('v'), "{}", p.name);
        }
        assert_eq!(PARSED.len(), CATALOGUE.len(), "names are unique");
    }

    #[test]
    fn arns_include_the_path() {
        assert!(
            by_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").is_some()
        );
        assert!(by_arn("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole").is_none());
        assert!(is_aws_arn("arn:aws:iam::aws:policy/Nope"));
        assert!(!is_aws_arn("arn:aws:iam::123456789012:policy/Nope"));
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = CATALOGUE.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
    }
}
