//! The JSON admin API: reset, the virtual clock, the delay model, the admin token.

use serde_json::json;

use crate::common::{ACCOUNT, TestServer, error_of};

#[tokio::test]
async fn reset_deletes_every_entity_and_the_root_still_works() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("alice").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();

    let reset = server.admin().post("reset", "").await;
    assert_eq!(reset, json!({"account_id": ACCOUNT, "dropped": 0}));

    let (code, _) = error_of(iam.get_user().user_name("alice").send().await);
    assert_eq!(code, "NoSuchEntity");
    let (code, _) = error_of(
        server
            .sts_as(&key.access_key_id, &key.secret_access_key)
            .get_caller_identity()
            .send()
            .await,
    );
    assert_eq!(code, "InvalidClientTokenId");
    let me = server.sts().get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some(ACCOUNT));
    iam.create_user().user_name("alice").send().await.unwrap();
    assert_eq!(iam.list_users().send().await.unwrap().users().len(), 1);
}

#[tokio::test]
async fn reset_drops_the_changes_still_waiting() {
    let server = TestServer::spawn_with(|c| c.consistency_delay = Some(60_000)).await;
    let admin = server.admin();
    server
        .iam()
        .create_user()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(admin.post("reset", "").await["dropped"], 1);
    assert_eq!(admin.propagate().await, 0);
    let (code, _) = error_of(server.iam().get_user().user_name("bob").send().await);
    assert_eq!(code, "NoSuchEntity");
}

#[tokio::test]
async fn the_clock_moves_forward_only() {
    let server = TestServer::spawn().await;
    let admin = server.admin();
    let start = admin.get("clock").await;
    assert_eq!(start["offset_seconds"], 0);
    let now = start["now"].as_str().unwrap();
    assert!(now.len() == 20 && now.ends_with('Z'), "{now}");

    let moved = admin.post("clock/advance", r#"{"seconds": 7200}"#).await;
    assert_eq!(moved["offset_seconds"], 7200);
    assert!(moved["now"].as_str().unwrap() > now);
    let moved = admin.post("clock/advance", r#"{"seconds": 0.5}"#).await;
    assert_eq!(moved["offset_seconds"], 7200.5);

    for body in [
        r#"{"seconds": -1}"#,
        r#"{"seconds": "60"}"#,
        r#"{"minutes": 1}"#,
        "{}",
        "not json",
        "",
    ] {
        let (status, error) = admin.call("POST", "clock/advance", Some(body)).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert!(error["error"].is_string(), "{body}: {error}");
    }
    let (_, error) = admin
        .call("POST", "clock/advance", Some(r#"{"seconds": -1}"#))
        .await;
    assert_eq!(
        error["error"],
        "seconds must be from 0 to 3162240000: the clock only moves forward"
    );
    assert_eq!(admin.get("clock").await["offset_seconds"], 7200.5);
}

#[tokio::test]
async fn put_consistency_replaces_the_delay_model() {
    let server = TestServer::spawn().await;
    let admin = server.admin();
    let model = admin
        .put(
            "consistency",
            r#"{"delay_ms": 60000, "seed": 3, "kinds": {"tags": {"jitter_ms": 10}}}"#,
        )
        .await;
    assert_eq!(model["seed"], 3);
    assert_eq!(
        model["kinds"]["access_keys"],
        json!({"delay_ms": 60000, "jitter_ms": 0})
    );
    assert_eq!(
        model["kinds"]["tags"],
        json!({"delay_ms": 60000, "jitter_ms": 10})
    );
    assert_eq!(admin.get("consistency").await, model);

    server
        .iam()
        .create_user()
        .user_name("carol")
        .send()
        .await
        .unwrap();
    assert_eq!(admin.get("consistency").await["pending"], 1);

    for (body, reason) in [
        ("not json", "the body is not the expected JSON"),
        (r#"{"kinds": {"roles": {}}}"#, "unknown variant `roles`"),
        (r#"{"delay": 1}"#, "unknown field `delay`"),
        (r#"{"profile": "instant"}"#, "unknown variant `instant`"),
        (r#"{"delay_ms": 3600001}"#, "at most 3600000 ms"),
    ] {
        let (status, error) = admin.call("PUT", "consistency", Some(body)).await;
        assert_eq!(status, 400, "{body}: {error}");
        let message = error["error"].as_str().unwrap();
        assert!(message.contains(reason), "{body}: {message}");
    }
    // A refused model leaves the one in force alone.
    assert_eq!(
        admin.get("consistency").await["kinds"]["entities"]["delay_ms"],
        60000
    );

    let immediate = admin.put("consistency", "{}").await;
    assert_eq!(immediate["kinds"]["entities"]["delay_ms"], 0);
    assert_eq!(
        immediate["pending"], 1,
        "waiting changes keep their due times"
    );
}

#[tokio::test]
async fn the_admin_token_guards_every_route_but_health() {
    let server = TestServer::spawn_with(|c| c.admin_token = Some("s3cret".into())).await;
    let open = server.admin();
    for (method, route) in [
        ("GET", "clock"),
        ("POST", "reset"),
        ("GET", "consistency"),
        ("POST", "propagate"),
    ] {
        let (status, error) = open.call(method, route, Some("{}")).await;
        assert_eq!(status, 401, "{method} {route}");
        assert!(error["error"].as_str().unwrap().contains("Bearer"));
    }
    let (status, _) = open.with_token("wrong").call("GET", "clock", None).await;
    assert_eq!(status, 401);

    let admin = server.admin().with_token("s3cret");
    admin.get("clock").await;
    admin.post("propagate", "").await;
    let (status, health) = server.admin().call("GET", "health", None).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["view"], "ready");
}

#[tokio::test]
async fn unknown_admin_routes_and_methods_answer_json() {
    let server = TestServer::spawn().await;
    let admin = server.admin();
    let (status, error) = admin.call("GET", "nothing-here", None).await;
    assert_eq!(status, 404);
    assert_eq!(error["error"], "no such admin route");
    let (status, error) = admin.call("GET", "reset", None).await;
    assert_eq!(status, 405);
    assert_eq!(error["error"], "method not allowed on this admin route");
}
