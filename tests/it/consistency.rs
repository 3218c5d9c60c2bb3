//! Eventual consistency: what a caller sees while a change has not propagated yet, as on AWS.
//! Most tests use a long delay and move things along with `propagate` or the virtual clock,
//! so they take no real time; one waits for the propagation task itself.

use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_iam::types::StatusType;
use iamlocal::consistency::Profile;

use crate::common::{TestServer, error_of, sts_at};
use crate::process::Process;

/// A delay no test waits for: only `propagate` or a clock advance make changes visible.
const LONG_MS: u64 = 60_000;

async fn slow_server() -> TestServer {
    TestServer::spawn_with(|c| c.consistency_delay = Some(LONG_MS)).await
}

/// Creates a user with a key; returns the key id and secret.
async fn user_with_key(server: &TestServer, name: &str) -> (String, String) {
    let iam = server.iam();
    iam.create_user().user_name(name).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    (key.access_key_id, key.secret_access_key)
}

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "*"}}]}}"#
    )
}

#[tokio::test]
async fn a_new_key_is_refused_until_it_propagates_on_its_own() {
    let server = TestServer::spawn_with(|c| c.consistency_delay = Some(800)).await;
    let (key, secret) = user_with_key(&server, "alice").await;
    let alice = server.sts_as(&key, &secret);
    let (code, message) = error_of(alice.get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );

    // The propagation task applies it once due, with no help: retry as an app would.
    let started = Instant::now();
    let me = loop {
        match alice.get_caller_identity().send().await {
            Ok(me) => break me,
            Err(_) if started.elapsed() < Duration::from_secs(5) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the key never propagated: {e:?}"),
        }
    };
    assert!(me.arn().unwrap().ends_with(":user/alice"));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn propagate_makes_every_waiting_change_visible_at_once() {
    let server = slow_server().await;
    let admin = server.admin();
    let (key, secret) = user_with_key(&server, "bob").await;
    let bob = server.sts_as(&key, &secret);
    let (code, _) = error_of(bob.get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");
    // The control plane has it already: IAM's own read APIs see it.
    server
        .iam()
        .get_user()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(admin.get("consistency").await["pending"], 2);

    assert_eq!(admin.propagate().await, 2);
    bob.get_caller_identity().send().await.unwrap();
    assert_eq!(admin.get("consistency").await["pending"], 0);
    assert_eq!(admin.propagate().await, 0);
}

#[tokio::test]
async fn advancing_the_virtual_clock_makes_changes_due() {
    let server = slow_server().await;
    let admin = server.admin();
    let (key, secret) = user_with_key(&server, "carol").await;
    let carol = server.sts_as(&key, &secret);

    let halfway = admin.post("clock/advance", r#"{"seconds": 30}"#).await;
    assert_eq!(halfway["applied"], 0);
    let (code, _) = error_of(carol.get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");

    let past = admin.post("clock/advance", r#"{"seconds": 31}"#).await;
    assert_eq!(past["applied"], 2);
    carol.get_caller_identity().send().await.unwrap();
}

#[tokio::test]
async fn a_deactivated_or_deleted_key_works_until_the_change_propagates() {
    let server = slow_server().await;
    let admin = server.admin();
    let iam = server.iam();
    let (key, secret) = user_with_key(&server, "dave").await;
    admin.propagate().await;
    let dave = server.sts_as(&key, &secret);
    dave.get_caller_identity().send().await.unwrap();

    iam.update_access_key()
        .user_name("dave")
        .access_key_id(&key)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    dave.get_caller_identity().send().await.unwrap();
    assert_eq!(admin.propagate().await, 1);
    let (code, _) = error_of(dave.get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");

    iam.update_access_key()
        .user_name("dave")
        .access_key_id(&key)
        .status(StatusType::Active)
        .send()
        .await
        .unwrap();
    admin.propagate().await;
    dave.get_caller_identity().send().await.unwrap();

    iam.delete_access_key()
        .user_name("dave")
        .access_key_id(&key)
        .send()
        .await
        .unwrap();
    dave.get_caller_identity().send().await.unwrap();
    admin.propagate().await;
    let (code, _) = error_of(dave.get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");
}

#[tokio::test]
async fn a_new_inline_policy_does_not_grant_yet_and_a_deleted_one_still_grants() {
    let server = slow_server().await;
    let admin = server.admin();
    let iam = server.iam();
    let (key, secret) = user_with_key(&server, "erin").await;
    admin.propagate().await;
    let erin = server.iam_as(&key, &secret);

    iam.put_user_policy()
        .user_name("erin")
        .policy_name("read-self")
        .policy_document(allow("iam:GetUser"))
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(erin.get_user().send().await);
    assert_eq!(code, "AccessDenied");
    admin.propagate().await;
    erin.get_user().send().await.unwrap();

    iam.delete_user_policy()
        .user_name("erin")
        .policy_name("read-self")
        .send()
        .await
        .unwrap();
    erin.get_user().send().await.unwrap();
    admin.propagate().await;
    let (code, _) = error_of(erin.get_user().send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn a_new_attachment_does_not_grant_yet_and_a_detached_policy_still_grants() {
    let server = slow_server().await;
    let admin = server.admin();
    let iam = server.iam();
    let (key, secret) = user_with_key(&server, "frank").await;
    let arn = iam
        .create_policy()
        .policy_name("ReadSelf")
        .policy_document(allow("iam:GetUser"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    admin.propagate().await;
    let frank = server.iam_as(&key, &secret);

    iam.attach_user_policy()
        .user_name("frank")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(frank.get_user().send().await);
    assert_eq!(code, "AccessDenied");
    admin.propagate().await;
    frank.get_user().send().await.unwrap();

    iam.detach_user_policy()
        .user_name("frank")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    frank.get_user().send().await.unwrap();
    admin.propagate().await;
    let (code, _) = error_of(frank.get_user().send().await);
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn a_change_never_overtakes_an_earlier_change_to_its_entity() {
    // Users take a minute; keys and policies no time at all.
    let server = slow_server().await;
    let admin = server.admin();
    admin
        .put(
            "consistency",
            &format!(r#"{{"kinds": {{"entities": {{"delay_ms": {LONG_MS}}}}}, "delay_ms": 0}}"#),
        )
        .await;
    let (key, secret) = user_with_key(&server, "gina").await;
    server
        .iam()
        .put_user_policy()
        .user_name("gina")
        .policy_name("read-self")
        .policy_document(allow("iam:GetUser"))
        .send()
        .await
        .unwrap();
    // The key is another entity and is visible; the policy is the user's and waits for it.
    let consistency = admin.get("consistency").await;
    assert_eq!(consistency["pending"], 2, "{consistency}");
    let gina = server.iam_as(&key, &secret);
    let (code, _) = error_of(gina.get_user().send().await);
    assert_eq!(code, "InvalidClientTokenId");

    let advanced = admin
        .post(
            "clock/advance",
            &format!(r#"{{"seconds": {}}}"#, LONG_MS / 1000 + 1),
        )
        .await;
    assert_eq!(advanced["applied"], 2);
    gina.get_user().send().await.unwrap();
}

#[tokio::test]
async fn with_no_delay_every_change_is_visible_when_the_call_returns() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "hank").await;
    server
        .sts_as(&key, &secret)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let consistency = server.admin().get("consistency").await;
    assert_eq!(consistency["pending"], 0);
    assert_eq!(consistency["profile"], "immediate");
    assert_eq!(consistency["kinds"]["access_keys"]["delay_ms"], 0);
}

#[tokio::test]
async fn the_realistic_profile_takes_seconds_and_explicit_numbers_override_it() {
    let server = TestServer::spawn_with(|c| {
        c.consistency_profile = Some(Profile::Realistic);
        c.consistency_jitter = Some(0);
        c.consistency_seed = Some(9);
    })
    .await;
    let model = server.admin().get("consistency").await;
    assert_eq!(model["profile"], "realistic");
    assert_eq!(model["seed"], 9);
    for (kind, delay_ms) in [
        ("access_keys", 3_000),
        ("policies", 2_000),
        ("trust_policies", 10_000),
        ("entities", 10_000),
        ("tags", 2_000),
    ] {
        assert_eq!(model["kinds"][kind]["delay_ms"], delay_ms, "{kind}");
        assert_eq!(model["kinds"][kind]["jitter_ms"], 0, "{kind}");
    }
    // The configured account and its root are there at once all the same.
    server.sts().get_caller_identity().send().await.unwrap();
}

#[tokio::test]
async fn a_restart_shows_everything_the_database_holds() {
    let dir = std::env::temp_dir().join(format!("iamlocal-it-consistency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let _ = std::fs::remove_file(&db);
    let first = TestServer::spawn_with(|c| {
        c.db = Some(db.clone());
        c.consistency_delay = Some(LONG_MS);
    })
    .await;
    let (key, secret) = user_with_key(&first, "ivy").await;
    first.stop().await;

    let second = TestServer::spawn_with(|c| {
        c.db = Some(db.clone());
        c.consistency_delay = Some(LONG_MS);
    })
    .await;
    second
        .sts_as(&key, &secret)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    second.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn trust_user(user: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::000000000000:user/{user}"}}, "Action": "sts:AssumeRole"}}}}"#
    )
}

#[tokio::test]
async fn a_new_role_cannot_be_assumed_until_it_propagates() {
    let server = slow_server().await;
    let (key, secret) = user_with_key(&server, "rob").await;
    server.admin().propagate().await;
    let role_arn = server
        .iam()
        .create_role()
        .role_name("fresh")
        .assume_role_policy_document(trust_user("rob"))
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    let rob = server.sts_as(&key, &secret);
    let (code, _) = error_of(
        rob.assume_role()
            .role_arn(&role_arn)
            .role_session_name("s1")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    server.admin().propagate().await;
    rob.assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_trust_policy_change_is_not_honoured_until_it_propagates() {
    let server = slow_server().await;
    let (key, secret) = user_with_key(&server, "sam").await;
    let iam = server.iam();
    // A trust policy can only name a user that exists.
    iam.create_user().user_name("other").send().await.unwrap();
    let role_arn = iam
        .create_role()
        .role_name("guarded")
        .assume_role_policy_document(trust_user("other"))
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    server.admin().propagate().await;
    iam.update_assume_role_policy()
        .role_name("guarded")
        .policy_document(trust_user("sam"))
        .send()
        .await
        .unwrap();
    let sam = server.sts_as(&key, &secret);
    let (code, _) = error_of(
        sam.assume_role()
            .role_arn(&role_arn)
            .role_session_name("s1")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied", "the old trust policy still applies");
    server.admin().propagate().await;
    sam.assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn advancing_the_clock_through_the_admin_api_expires_sts_credentials() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "tia").await;
    let session = server
        .sts_as(&key, &secret)
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let sts = server.sts_temp(session.credentials().unwrap());
    sts.get_caller_identity().send().await.unwrap();
    server
        .admin()
        .post("clock/advance", r#"{"seconds": 900}"#)
        .await;
    let (code, _) = error_of(sts.get_caller_identity().send().await);
    assert_eq!(code, "ExpiredToken");
}

/// What `GetUser`, `ListUsers` and `ListUserTags` answer, in comparable form.
async fn user_reads(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let dora = iam.get_user().user_name("DORA").send().await.unwrap();
    let dora = dora.user.unwrap();
    let mut reads = vec![format!("{dora:?}")];
    let tags = iam.list_user_tags().user_name("dora").send().await.unwrap();
    reads.push(format!("{:?}", tags.tags));
    for prefix in ["/", "/team/", "/nobody/"] {
        let mut marker = None;
        loop {
            let page = iam
                .list_users()
                .path_prefix(prefix)
                .max_items(1)
                .set_marker(marker)
                .send()
                .await
                .unwrap();
            reads.push(format!("{:?} {:?}", page.users, page.marker));
            marker = page.marker;
            if marker.is_none() {
                break;
            }
        }
    }
    reads
}

#[tokio::test]
async fn read_apis_answer_the_same_whether_changes_wait_or_not() {
    let server = slow_server().await;
    let iam = server.iam();
    let team = aws_sdk_iam::types::Tag::builder()
        .key("team")
        .value("blue")
        .build()
        .unwrap();
    iam.create_user()
        .user_name("dora")
        .path("/team/")
        .tags(team)
        .send()
        .await
        .unwrap();
    for name in ["Eve", "carl", "Bob"] {
        iam.create_user().user_name(name).send().await.unwrap();
    }
    // Answered by the control plane while changes wait, by the data plane once none do.
    let waiting = user_reads(&iam).await;
    assert!(server.admin().propagate().await > 0);
    assert_eq!(user_reads(&iam).await, waiting);
    assert!(waiting.iter().any(|r| r.contains("carl")));
}

#[tokio::test]
async fn a_per_kind_flag_delays_only_that_kind() {
    let process = Process::start(&["--consistency-delay-for", "access_keys=60000"]).await;
    let admin = process.admin();
    let model = admin.get("consistency").await;
    assert_eq!(model["kinds"]["access_keys"]["delay_ms"], LONG_MS);
    assert_eq!(model["kinds"]["entities"]["delay_ms"], 0);

    // A new user (an entity) is visible at once; its new key waits.
    let iam = process.iam();
    iam.create_user().user_name("alice").send().await.unwrap();
    assert_eq!(admin.get("consistency").await["pending"], 0);
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    assert_eq!(admin.get("consistency").await["pending"], 1);
    let alice = sts_at(
        &format!("http://{}", process.addr),
        Credentials::new(&key.access_key_id, &key.secret_access_key, None, None, "t"),
    );
    let (code, _) = error_of(alice.get_caller_identity().send().await);
    assert_eq!(code, "InvalidClientTokenId");
    assert_eq!(admin.propagate().await, 1);
    let me = alice.get_caller_identity().send().await.unwrap();
    assert!(me.arn().unwrap().ends_with(":user/alice"));
}

#[tokio::test]
async fn with_lagging_reads_a_new_user_is_not_found_until_it_propagates() {
    let server = TestServer::spawn_with(|c| {
        c.consistency_delay = Some(500);
        c.consistency_lagging_reads = true;
    })
    .await;
    let iam = server.iam();
    iam.create_user().user_name("alice").send().await.unwrap();
    let (code, message) = error_of(iam.get_user().user_name("alice").send().await);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(message, "The user with name alice cannot be found.");
    assert!(iam.list_users().send().await.unwrap().users.is_empty());

    server.admin().propagate().await;
    iam.get_user().user_name("alice").send().await.unwrap();
    assert_eq!(iam.list_users().send().await.unwrap().users.len(), 1);
}

/// An answer in comparable form: its `Debug`, or its error code.
pub(crate) fn shown<T: std::fmt::Debug, E: aws_sdk_iam::error::ProvideErrorMetadata>(
    answer: Result<T, aws_sdk_iam::error::SdkError<E>>,
) -> String {
    match answer {
        Ok(answer) => format!("{answer:?}"),
        Err(e) => aws_sdk_iam::error::ProvideErrorMetadata::code(&e)
            .unwrap_or("no code")
            .to_owned(),
    }
}

/// What the lagging read APIs answer about `dora`, her group, role and policies.
async fn lagging_reads(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let role = iam.get_role().role_name("builder").send().await;
    let roles = iam.list_roles().send().await;
    let group = iam.get_group().group_name("devs").send().await;
    let groups = iam.list_groups().send().await;
    let mine = iam.list_groups_for_user().user_name("dora").send().await;
    let keys = iam.list_access_keys().user_name("dora").send().await;
    let inline = iam.list_user_policies().user_name("dora").send().await;
    let attached = iam.list_attached_user_policies().user_name("dora").send();
    let attached = attached.await;
    let role_inline = iam.list_role_policies().role_name("builder").send().await;
    vec![
        shown(role.map(|r| r.role)),
        shown(roles.map(|r| r.roles)),
        shown(group.map(|g| (g.group, g.users))),
        shown(groups.map(|g| g.groups)),
        shown(mine.map(|g| g.groups)),
        shown(keys.map(|k| k.access_key_metadata)),
        shown(inline.map(|p| p.policy_names)),
        shown(attached.map(|p| p.attached_policies)),
        shown(role_inline.map(|p| p.policy_names)),
    ]
}

#[tokio::test]
async fn with_lagging_reads_get_and_list_answer_what_authorization_sees() {
    let server = TestServer::spawn().await;
    let admin = server.admin();
    let model = admin
        .put(
            "consistency",
            r#"{"delay_ms": 60000, "lagging_reads": true}"#,
        )
        .await;
    assert_eq!(model["lagging_reads"], true);
    let iam = server.iam();
    iam.create_user().user_name("dora").send().await.unwrap();
    let policy = iam
        .create_policy()
        .policy_name("read")
        .path("/team/")
        .policy_document(allow("s3:GetObject"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    admin.propagate().await;
    let before = lagging_reads(&iam).await;

    // Nothing of this is visible to reads yet.
    iam.create_role()
        .role_name("builder")
        .description("builds")
        .assume_role_policy_document(trust_user("dora"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("builder")
        .policy_name("inline")
        .policy_document(allow("s3:*"))
        .send()
        .await
        .unwrap();
    iam.create_group().group_name("devs").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("devs")
        .user_name("dora")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("dora")
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("dora")
        .policy_name("inline")
        .policy_document(allow("s3:*"))
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("dora")
        .policy_arn(policy.arn().unwrap())
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.get_role().role_name("builder").send().await);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(message, "The role with name builder cannot be found.");
    let (code, _) = error_of(iam.get_group().group_name("devs").send().await);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(lagging_reads(&iam).await, before);

    // Once propagated, they answer exactly what the control plane does.
    admin.propagate().await;
    let after = lagging_reads(&iam).await;
    assert_ne!(after, before);
    assert!(after.iter().all(|read| read != "NoSuchEntity"), "{after:?}");
    assert!(
        after[7].contains("read") && after[7].contains("/team/"),
        "{after:?}"
    );
    admin.put("consistency", r#"{"delay_ms": 60000}"#).await;
    assert_eq!(lagging_reads(&iam).await, after);

    // Deleted, they are still there until the deletions propagate.
    admin
        .put(
            "consistency",
            r#"{"delay_ms": 60000, "lagging_reads": true}"#,
        )
        .await;
    iam.detach_user_policy()
        .user_name("dora")
        .policy_arn(policy.arn().unwrap())
        .send()
        .await
        .unwrap();
    iam.delete_role_policy()
        .role_name("builder")
        .policy_name("inline")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("builder").send().await.unwrap();
    iam.remove_user_from_group()
        .group_name("devs")
        .user_name("dora")
        .send()
        .await
        .unwrap();
    iam.delete_group().group_name("devs").send().await.unwrap();
    assert_eq!(lagging_reads(&iam).await, after);
    admin.propagate().await;
    let gone = lagging_reads(&iam).await;
    assert_eq!((&*gone[0], &*gone[2]), ("NoSuchEntity", "NoSuchEntity"));
    assert_eq!(gone[7], "Some([])");
}

/// Pages of `ListUsers` (`MaxItems` 2, following markers) with their markers.
async fn user_pages(server: &TestServer, path_prefix: &str) -> Vec<(Vec<String>, Option<String>)> {
    let iam = server.iam();
    let mut pages = Vec::new();
    let mut marker = None;
    loop {
        let page = iam
            .list_users()
            .path_prefix(path_prefix)
            .max_items(2)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        let names = page
            .users()
            .iter()
            .map(|u| u.user_name().to_owned())
            .collect();
        marker = page.marker().map(str::to_owned);
        assert_eq!(page.is_truncated(), marker.is_some());
        pages.push((names, marker.clone()));
        if marker.is_none() {
            return pages;
        }
    }
}

#[tokio::test]
async fn listing_users_pages_alike_from_the_store_and_from_the_view() {
    // ListUsers reads the view when no change waits and the store otherwise: both must give
    // the same pages and markers, names ordered without case (`_` before
    // letters).
    let server = slow_server().await;
    let iam = server.iam();
    for (name, path) in [
        ("dave", "/a/"),
        ("Carol", "/a/"),
        ("_zed", "/a/"),
        ("bob", "/b/"),
        ("Alice", "/a/"),
        ("erin", "/a/b/"),
    ] {
        iam.create_user()
            .user_name(name)
            .path(path)
            .send()
            .await
            .unwrap();
    }
    let expected = [
        (vec!["_zed", "Alice"], Some("Carol")),
        (vec!["Carol", "dave"], Some("erin")),
        (vec!["erin"], None),
    ];
    let expected: Vec<(Vec<String>, Option<String>)> = expected
        .into_iter()
        .map(|(names, marker)| {
            let names = names.into_iter().map(str::to_owned).collect();
            (names, marker.map(str::to_owned))
        })
        .collect();
    assert!(server.admin().get("consistency").await["pending"].as_u64() > Some(0));
    let from_store = user_pages(&server, "/a/").await;
    server.admin().propagate().await;
    let from_view = user_pages(&server, "/a/").await;
    assert_eq!(from_store, expected);
    assert_eq!(from_view, expected);
}
