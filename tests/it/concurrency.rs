//! Many clients writing at once, and a process killed mid-write: every acknowledged write is
//! there exactly once afterwards, nothing answers 5xx or `database is locked`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::Connection;
use sqlx::sqlite::SqliteConnectOptions;

use crate::common::TestServer;
use crate::process::{Process, TempDir};

const CLIENTS: usize = 64;
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Each of 64 clients creates a user, attaches the shared policy, puts an inline one and
/// creates a key, all at once; then every write is checked to be there exactly once.
async fn sixty_four_clients_write_at_once(server: &TestServer) {
    let iam = server.iam();
    let policy_arn = iam
        .create_policy()
        .policy_name("shared")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let iam = server.iam();
        let policy_arn = policy_arn.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("user-{i}");
            iam.create_user().user_name(&name).send().await?;
            iam.attach_user_policy()
                .user_name(&name)
                .policy_arn(&policy_arn)
                .send()
                .await?;
            iam.put_user_policy()
                .user_name(&name)
                .policy_name("inline")
                .policy_document(ALLOW_ALL)
                .send()
                .await?;
            let key = iam.create_access_key().user_name(&name).send().await?;
            Ok::<_, aws_sdk_iam::Error>((name, key.access_key.unwrap().access_key_id))
        }));
    }
    let mut acknowledged = HashMap::new();
    for task in tasks {
        let (name, key) = task.await.unwrap().unwrap_or_else(|e| panic!("{e:?}"));
        acknowledged.insert(name, key);
    }

    let users: Vec<String> = iam
        .list_users()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.user_name)
        .collect();
    assert_eq!(users.len(), CLIENTS, "{users:?}");
    for (name, key) in &acknowledged {
        assert_eq!(users.iter().filter(|u| *u == name).count(), 1, "{name}");
        let attached = iam
            .list_attached_user_policies()
            .user_name(name)
            .send()
            .await
            .unwrap();
        assert_eq!(attached.attached_policies().len(), 1, "{name}");
        let inline = iam
            .list_user_policies()
            .user_name(name)
            .send()
            .await
            .unwrap();
        assert_eq!(inline.policy_names(), ["inline"], "{name}");
        let keys = iam.list_access_keys().user_name(name).send().await.unwrap();
        let ids: Vec<&str> = keys
            .access_key_metadata()
            .iter()
            .filter_map(|k| k.access_key_id())
            .collect();
        assert_eq!(ids, [key.as_str()], "{name}");
    }
    let policy = iam
        .get_policy()
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(policy.attachment_count, Some(CLIENTS as i32));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_in_memory() {
    let server = TestServer::spawn().await;
    tokio::time::timeout(
        Duration::from_secs(120),
        sixty_four_clients_write_at_once(&server),
    )
    .await
    .expect("done in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_on_a_database_file() {
    let dir = TempDir::new();
    let db = dir.path().join("state.db");
    let server = TestServer::spawn_with(|c| c.db = Some(db)).await;
    tokio::time::timeout(
        Duration::from_secs(120),
        sixty_four_clients_write_at_once(&server),
    )
    .await
    .expect("done in time");
    server.stop().await;
}

/// `PRAGMA integrity_check` of a database file, opened read-only.
async fn integrity_check(db: &std::path::Path) -> String {
    let options = SqliteConnectOptions::new().filename(db).read_only(true);
    let mut connection = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_write_keeps_every_acknowledged_user() {
    let dir = TempDir::new();
    let db = dir.path().join("state.db");
    let db_arg = db.to_str().unwrap();
    let mut process = Process::start(&["--db", db_arg]).await;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let iam = process.iam();
        let acknowledged = acknowledged.clone();
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let name = format!("w{w}-{n}");
                if iam.create_user().user_name(&name).send().await.is_err() {
                    return;
                }
                acknowledged.lock().unwrap().push(name);
            }
        }));
    }
    let loaded = tokio::time::timeout(Duration::from_secs(60), async {
        while acknowledged.lock().unwrap().len() < 100 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(loaded.is_ok(), "the load did not get going");
    process.kill();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let restarted = Process::start(&["--db", db_arg]).await;
    let users: Vec<String> = restarted
        .iam()
        .list_users()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.user_name)
        .collect();
    for name in &acknowledged {
        assert_eq!(users.iter().filter(|u| *u == name).count(), 1, "{name}");
    }
    // A write the process took but never answered may be there too; nothing else is.
    assert!(users.len() <= acknowledged.len() + 8, "{}", users.len());
    drop(restarted);
    assert_eq!(integrity_check(&db).await, "ok");
}

/// Writes committed together (`store/batch.rs`): one that fails (a name already taken) fails
/// alone, whatever batch it lands in.
async fn one_name_taken_by_many_at_once(server: &TestServer) {
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let iam = server.iam();
        tasks.push(tokio::spawn(async move {
            let name = if i % 2 == 0 {
                "same".to_owned()
            } else {
                format!("user-{i}")
            };
            let mut create = iam.create_user().user_name(&name);
            if i % 4 == 1 {
                create = create.tags(
                    aws_sdk_iam::types::Tag::builder()
                        .key("n")
                        .value(i.to_string())
                        .build()
                        .unwrap(),
                );
            }
            let result = create.send().await;
            (name, result.map(|_| ()).map_err(|e| e.into_service_error()))
        }));
    }
    let mut created_same = 0;
    for task in tasks {
        let (name, result) = task.await.unwrap();
        match result {
            Ok(()) if name == "same" => created_same += 1,
            Ok(()) => {}
            Err(e) if name == "same" => assert!(e.is_entity_already_exists_exception(), "{e:?}"),
            Err(e) => panic!("{name}: {e:?}"),
        }
    }
    assert_eq!(created_same, 1);
    let users = server
        .iam()
        .list_users()
        .max_items(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(users.users().len(), CLIENTS / 2 + 1);
    let tagged = server
        .iam()
        .list_user_tags()
        .user_name("user-5")
        .send()
        .await
        .unwrap();
    assert_eq!(tagged.tags()[0].value(), "5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_taken_at_once_by_many_is_created_once() {
    let server = TestServer::spawn().await;
    one_name_taken_by_many_at_once(&server).await;
    let dir = TempDir::new();
    let db = dir.path().join("state.db");
    let server = TestServer::spawn_with(|c| c.db = Some(db)).await;
    one_name_taken_by_many_at_once(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_sessions_at_once_each_get_working_credentials() {
    let server = TestServer::spawn().await;
    let (key, secret) = crate::sts::user_with_key(&server, "alice").await;
    let user_arn = format!("arn:aws:iam::{}:user/alice", crate::common::ACCOUNT);
    let role_arn = server
        .iam()
        .create_role()
        .role_name("busy")
        .assume_role_policy_document(crate::roles::trust(&user_arn))
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let sts = server.sts_as(&key, &secret);
        let role_arn = role_arn.clone();
        tasks.push(tokio::spawn(async move {
            sts.assume_role()
                .role_arn(role_arn)
                .role_session_name(format!("s{i}"))
                .send()
                .await
                .unwrap()
                .credentials
                .unwrap()
        }));
    }
    let mut key_ids = std::collections::HashSet::new();
    for task in tasks {
        let credentials = task.await.unwrap();
        let me = server
            .sts_temp(&credentials)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert!(me.arn().unwrap().contains(":assumed-role/busy/s"));
        key_ids.insert(credentials.access_key_id);
    }
    assert_eq!(key_ids.len(), CLIENTS);
    let role = server
        .iam()
        .get_role()
        .role_name("busy")
        .send()
        .await
        .unwrap();
    let last_used = role.role.unwrap().role_last_used.unwrap();
    assert!(last_used.last_used_date.is_some());
    assert_eq!(last_used.region.as_deref(), Some("us-east-1"));
}
