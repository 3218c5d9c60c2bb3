//! Access advisor: the services a user, group, role or policy could reach, and when each was
//! last used, from what iamlocal really allowed.

use aws_sdk_iam::types::{AccessAdvisorUsageGranularityType, JobStatusType, PolicyType};

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

const ALICE_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUsers", "s3:GetObject"], "Resource": "*"},
    {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}"#;

const GROUP_POLICY: &str = r#"{"Version": "2012-10-17", "Statement":
    {"Effect": "Allow", "Action": "sqs:Send*", "Resource": "*"}}"#;

/// alice (in group devs) with her own policy, having called GetUser once.
async fn alice_who_called_get_user(server: &TestServer) -> String {
    let iam = server.iam();
    let (key, secret) = user_with_key(server, "alice").await;
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("own")
        .policy_document(ALICE_POLICY)
        .send()
        .await
        .unwrap();
    iam.create_group().group_name("devs").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("devs")
        .user_name("alice")
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("devs")
        .policy_name("queues")
        .policy_document(GROUP_POLICY)
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("devs")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .unwrap();
    server
        .iam_as(&key, &secret)
        .get_user()
        .send()
        .await
        .unwrap();
    format!("arn:aws:iam::{ACCOUNT}:user/alice")
}

#[tokio::test]
async fn a_users_report_shows_the_services_its_policies_reach_and_what_it_used() {
    let server = TestServer::spawn().await;
    let alice = alice_who_called_get_user(&server).await;
    let iam = server.iam();
    let job = iam
        .generate_service_last_accessed_details()
        .arn(&alice)
        .granularity(AccessAdvisorUsageGranularityType::ActionLevel)
        .send()
        .await
        .unwrap()
        .job_id
        .unwrap();
    let report = iam
        .get_service_last_accessed_details()
        .job_id(&job)
        .send()
        .await
        .unwrap();
    assert_eq!(report.job_status(), &JobStatusType::Completed);
    assert_eq!(
        report.job_type(),
        Some(&AccessAdvisorUsageGranularityType::ActionLevel)
    );
    let services: Vec<&str> = report
        .services_last_accessed()
        .iter()
        .map(|s| s.service_namespace())
        .collect();
    // The deny of ec2 grants nothing; the group's policies count for its members.
    assert_eq!(services, ["iam", "s3", "sqs"]);
    let iam_service = &report.services_last_accessed()[0];
    assert_eq!(
        iam_service.service_name(),
        "AWS Identity and Access Management"
    );
    assert!(iam_service.last_authenticated().is_some());
    assert_eq!(
        iam_service.last_authenticated_entity(),
        Some(alice.as_str())
    );
    assert_eq!(iam_service.last_authenticated_region(), Some("us-east-1"));
    assert_eq!(iam_service.total_authenticated_entities(), Some(1));
    let tracked = iam_service.tracked_actions_last_accessed();
    let get_user = tracked
        .iter()
        .find(|a| a.action_name() == Some("GetUser"))
        .unwrap();
    assert!(get_user.last_accessed_time().is_some());
    assert_eq!(get_user.last_accessed_entity(), Some(alice.as_str()));
    // Allowed (by IAMReadOnlyAccess too) but never used.
    let list_roles = tracked
        .iter()
        .find(|a| a.action_name() == Some("ListRoles"))
        .unwrap();
    assert!(list_roles.last_accessed_time().is_none());
    assert!(
        tracked
            .iter()
            .all(|a| a.action_name() != Some("CreateUser"))
    );
    let s3 = &report.services_last_accessed()[1];
    assert!(s3.last_authenticated().is_none());
    assert_eq!(s3.total_authenticated_entities(), Some(0));

    // Paged by MaxItems.
    let first = iam
        .get_service_last_accessed_details()
        .job_id(&job)
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.services_last_accessed().len(), 2);
    assert!(first.is_truncated());
    let rest = iam
        .get_service_last_accessed_details()
        .job_id(&job)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.services_last_accessed()[0].service_namespace(), "sqs");
}

#[tokio::test]
async fn a_groups_report_lists_the_members_that_used_a_service() {
    let server = TestServer::spawn().await;
    let alice = alice_who_called_get_user(&server).await;
    let iam = server.iam();
    iam.create_user().user_name("bob").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("devs")
        .user_name("bob")
        .send()
        .await
        .unwrap();
    let job = iam
        .generate_service_last_accessed_details()
        .arn(format!("arn:aws:iam::{ACCOUNT}:group/devs"))
        .send()
        .await
        .unwrap()
        .job_id
        .unwrap();
    let report = iam
        .get_service_last_accessed_details()
        .job_id(&job)
        .send()
        .await
        .unwrap();
    let iam_service = report
        .services_last_accessed()
        .iter()
        .find(|s| s.service_namespace() == "iam")
        .unwrap();
    assert_eq!(
        iam_service.last_authenticated_entity(),
        Some(alice.as_str())
    );
    assert!(iam_service.tracked_actions_last_accessed().is_empty());
    let entities = iam
        .get_service_last_accessed_details_with_entities()
        .job_id(&job)
        .service_namespace("iam")
        .send()
        .await
        .unwrap();
    let listed: Vec<(&str, bool)> = entities
        .entity_details_list()
        .iter()
        .map(|e| {
            (
                e.entity_info().unwrap().name(),
                e.last_authenticated().is_some(),
            )
        })
        .collect();
    assert_eq!(listed, [("alice", true), ("bob", false)]);
}

#[tokio::test]
async fn the_policies_granting_each_service_are_listed() {
    let server = TestServer::spawn().await;
    let alice = alice_who_called_get_user(&server).await;
    let iam = server.iam();
    let granted = iam
        .list_policies_granting_service_access()
        .arn(&alice)
        .service_namespaces("iam")
        .service_namespaces("sqs")
        .service_namespaces("ec2")
        .send()
        .await
        .unwrap();
    let entries = granted.policies_granting_service_access();
    let names = |i: usize| -> Vec<(&str, &PolicyType, Option<&str>)> {
        entries[i]
            .policies()
            .iter()
            .map(|p| (p.policy_name(), p.policy_type(), p.entity_name()))
            .collect()
    };
    assert_eq!(entries[0].service_namespace(), Some("iam"));
    assert_eq!(
        names(0),
        [
            ("own", &PolicyType::Inline, Some("alice")),
            ("IAMReadOnlyAccess", &PolicyType::Managed, None)
        ]
    );
    assert_eq!(names(1), [("queues", &PolicyType::Inline, Some("devs"))]);
    assert!(names(2).is_empty());
}

#[tokio::test]
async fn reports_name_entities_and_jobs_that_exist() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    let (code, _) = error_of(
        iam.generate_service_last_accessed_details()
            .arn(format!("arn:aws:iam::{ACCOUNT}:user/nobody"))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let (code, _) = error_of(
        iam.get_service_last_accessed_details()
            .job_id("3f2f8a4e-6b7c-4d1e-9a0b-1c2d3e4f5a6b")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let (code, _) = error_of(
        iam.list_policies_granting_service_access()
            .arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
            .service_namespaces("iam")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");

    // A policy's report covers the users and roles it is attached to.
    iam.create_role()
        .role_name("reader")
        .assume_role_policy_document(crate::roles::trust(&format!("arn:aws:iam::{ACCOUNT}:root")))
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("reader")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let job = iam
        .generate_service_last_accessed_details()
        .arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .unwrap()
        .job_id
        .unwrap();
    let entities = iam
        .get_service_last_accessed_details_with_entities()
        .job_id(&job)
        .service_namespace("iam")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = entities
        .entity_details_list()
        .iter()
        .map(|e| e.entity_info().unwrap().name())
        .collect();
    assert_eq!(names, ["reader"]);
}

/// What was used is written to a database file, so a new report after a restart still knows.
#[tokio::test]
async fn last_accesses_survive_a_restart_with_a_database_file() {
    let dir = std::env::temp_dir().join(format!("iamlocal-advisor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let _ = std::fs::remove_file(&db);
    let first = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let alice = alice_who_called_get_user(&first).await;
    first.stop().await;

    let second = TestServer::spawn_with(|c| c.db = Some(db.clone())).await;
    let iam = second.iam();
    let job = iam
        .generate_service_last_accessed_details()
        .arn(&alice)
        .send()
        .await
        .unwrap()
        .job_id
        .unwrap();
    let report = iam
        .get_service_last_accessed_details()
        .job_id(&job)
        .send()
        .await
        .unwrap();
    let iam_service = &report.services_last_accessed()[0];
    assert_eq!(iam_service.service_namespace(), "iam");
    assert!(iam_service.last_authenticated().is_some());
    assert_eq!(
        iam_service.last_authenticated_entity(),
        Some(alice.as_str())
    );

    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
