//! The decisions log (`/_iamlocal/decisions`), the least-privilege policy drawn from it, and
//! `DecodeAuthorizationMessage` of the token a denial carries.

use serde_json::Value;

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

const HEADER: &str = "x-iamlocal-encoded-authorization-message";

/// May read users, may not delete any (statement `NoDeletes`).
const BOB_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadUsers", "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}]}"#;

/// A user `bob` with [`BOB_POLICY`]; returns his IAM client.
async fn bob(server: &TestServer) -> aws_sdk_iam::Client {
    let (key, secret) = user_with_key(server, "bob").await;
    server
        .iam()
        .put_user_policy()
        .user_name("bob")
        .policy_name("bob-policy")
        .policy_document(BOB_POLICY)
        .send()
        .await
        .unwrap();
    server.iam_as(&key, &secret)
}

fn bob_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/bob")
}

fn decisions(body: &Value) -> &Vec<Value> {
    body["decisions"].as_array().unwrap()
}

#[tokio::test]
async fn a_denied_call_is_logged_with_its_effect_message_and_statement() {
    let server = TestServer::spawn().await;
    let bob = bob(&server).await;

    let (code, message) = error_of(bob.delete_user().user_name("carol").send().await);
    assert_eq!(code, "AccessDenied");

    let admin = server.admin();
    let body = admin
        .get(&format!(
            "decisions?principal={}&effect=ExplicitDeny",
            bob_arn()
        ))
        .await;
    let [denial] = decisions(&body).as_slice() else {
        panic!("one explicit denial expected: {body}");
    };
    assert_eq!(denial["action"], "iam:DeleteUser");
    assert_eq!(
        denial["resource"],
        format!("arn:aws:iam::{ACCOUNT}:user/carol")
    );
    assert_eq!(denial["effect"], "ExplicitDeny");
    assert_eq!(denial["decided_by"], "identity");
    assert_eq!(denial["message"], message);
    let matched = &denial["matched_statements"][0];
    assert_eq!(matched["sid"], "NoDeletes");
    assert_eq!(matched["policy_id"], "bob-policy");
    assert_eq!(matched["statement_index"], 1);
    assert_eq!(denial["context"]["aws:username"][0], "bob");
    // The log shows the keys the request had, not only those the policies read.
    assert_eq!(denial["context"]["aws:requestedregion"][0], "us-east-1");
    assert_eq!(denial["context"]["aws:sourceip"][0], "127.0.0.1");
    assert_eq!(denial["context"]["aws:principaltype"][0], "User");
    assert!(
        denial["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert!(denial["encoded_message"].as_str().is_some());

    // An allowed call is logged too, with the statement that allowed it, and no message.
    bob.get_user().user_name("bob").send().await.unwrap();
    let body = admin
        .get(&format!("decisions?principal={}&effect=allow", bob_arn()))
        .await;
    let [allowed] = decisions(&body).as_slice() else {
        panic!("one allow expected: {body}");
    };
    assert_eq!(allowed["matched_statements"][0]["sid"], "ReadUsers");
    assert!(allowed["message"].is_null() && allowed["encoded_message"].is_null());
}

#[tokio::test]
async fn decisions_are_filtered_by_action_effect_since_and_limit() {
    let server = TestServer::spawn().await;
    let bob = bob(&server).await;
    for _ in 0..3 {
        let (code, _) = error_of(bob.list_users().send().await);
        assert_eq!(code, "AccessDenied");
    }
    bob.get_user().user_name("bob").send().await.unwrap();

    let admin = server.admin();
    let principal = bob_arn();
    let all = admin.get(&format!("decisions?principal={principal}")).await;
    let ids: Vec<u64> = decisions(&all)
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");

    let listed = admin
        .get(&format!(
            "decisions?principal={principal}&action=iam:ListUsers"
        ))
        .await;
    assert_eq!(decisions(&listed).len(), 3);
    assert!(
        decisions(&listed)
            .iter()
            .all(|d| d["effect"] == "ImplicitDeny"
                && d["matched_statements"] == serde_json::json!([]))
    );

    let since = admin
        .get(&format!("decisions?principal={principal}&since={}", ids[1]))
        .await;
    assert_eq!(
        decisions(&since)
            .iter()
            .map(|d| d["id"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        ids[2..]
    );

    let last = admin
        .get(&format!("decisions?principal={principal}&limit=1"))
        .await;
    assert_eq!(decisions(&last)[0]["id"].as_u64(), Some(ids[3]));
    assert_eq!(decisions(&last)[0]["action"], "iam:GetUser");

    let (status, _) = admin.call("GET", "decisions?limit=many", None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_log_keeps_only_the_configured_number_of_decisions() {
    let server = TestServer::spawn_with(|c| c.decisions_capacity = 2).await;
    let bob = bob(&server).await;
    for _ in 0..3 {
        let _ = bob.list_users().send().await;
    }
    let admin = server.admin();
    let body = admin.get("decisions").await;
    assert_eq!(decisions(&body).len(), 2);

    // A reset forgets them, as it forgets everything else.
    admin.post("reset", "").await;
    let body = admin.get("decisions").await;
    assert_eq!(decisions(&body).len(), 0);
}

#[tokio::test]
async fn a_least_privilege_policy_lists_the_recorded_actions() {
    let server = TestServer::spawn().await;
    let bob = bob(&server).await;
    bob.get_user().user_name("bob").send().await.unwrap();
    let _ = bob.delete_user().user_name("bob").send().await;
    let _ = bob.list_users().send().await;

    let admin = server.admin();
    let policy = admin
        .get(&format!("decisions/policy?principal={}", bob_arn()))
        .await;
    assert_eq!(policy["Version"], "2012-10-17");
    let statements = policy["Statement"].as_array().unwrap();
    assert!(statements.iter().all(|s| s["Effect"] == "Allow"));
    let bob_only = statements
        .iter()
        .find(|s| s["Resource"] == serde_json::json!([bob_arn()]))
        .expect("a statement for bob's own ARN");
    assert_eq!(
        bob_only["Action"],
        serde_json::json!(["iam:DeleteUser", "iam:GetUser"])
    );
    let mut actions: Vec<&str> = statements
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap())
        .map(|a| a.as_str().unwrap())
        .collect();
    actions.sort_unstable();
    assert_eq!(actions, ["iam:DeleteUser", "iam:GetUser", "iam:ListUsers"]);

    // The document is a policy IAM accepts.
    server
        .iam()
        .create_policy()
        .policy_name("bob-least-privilege")
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();

    let (status, _) = admin
        .call(
            "GET",
            &format!("decisions/policy?principal=arn:aws:iam::{ACCOUNT}:user/nobody"),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_denials_encoded_message_decodes_to_what_was_decided() {
    let server = TestServer::spawn().await;
    let bob = bob(&server).await;

    let err = bob
        .delete_user()
        .user_name("carol")
        .send()
        .await
        .expect_err("denied");
    let encoded = err
        .raw_response()
        .and_then(|r| r.headers().get(HEADER))
        .expect("the denial carries an encoded message")
        .to_owned();

    let decoded = server
        .sts()
        .decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .unwrap();
    let message: Value = serde_json::from_str(decoded.decoded_message().unwrap()).unwrap();
    assert_eq!(message["allowed"], false);
    assert_eq!(message["explicitDeny"], true);
    assert_eq!(
        message["matchedStatements"]["items"][0]["statementId"],
        "NoDeletes"
    );
    assert_eq!(message["matchedStatements"]["items"][0]["effect"], "DENY");
    assert_eq!(message["failures"]["items"], serde_json::json!([]));
    let context = &message["context"];
    assert_eq!(context["principal"]["arn"], bob_arn());
    assert!(
        context["principal"]["id"]
            .as_str()
            .unwrap()
            .starts_with("AIDA")
    );
    assert_eq!(context["action"], "iam:DeleteUser");
    assert_eq!(
        context["resource"],
        format!("arn:aws:iam::{ACCOUNT}:user/carol")
    );
    let username = context["conditions"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "aws:username")
        .expect("the request's condition keys");
    assert_eq!(username["values"]["items"][0]["value"], "bob");

    // The log names the same token.
    let body = server
        .admin()
        .get(&format!(
            "decisions?principal={}&effect=ExplicitDeny",
            bob_arn()
        ))
        .await;
    assert_eq!(decisions(&body)[0]["encoded_message"], encoded);
}

#[tokio::test]
async fn decoding_needs_the_permission_and_a_real_message() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "dora").await;
    let dora = server.sts_as(&key, &secret);
    let err = server
        .iam_as(&key, &secret)
        .list_users()
        .send()
        .await
        .expect_err("denied");
    let encoded = err
        .raw_response()
        .and_then(|r| r.headers().get(HEADER))
        .unwrap()
        .to_owned();

    let (code, message) = error_of(
        dora.decode_authorization_message()
            .encoded_message(&encoded)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(
        message.contains("sts:DecodeAuthorizationMessage"),
        "{message}"
    );

    server
        .iam()
        .put_user_policy()
        .user_name("dora")
        .policy_name("decode")
        .policy_document(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:DecodeAuthorizationMessage", "Resource": "*"}}"#)
        .send()
        .await
        .unwrap();
    dora.decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .unwrap();

    // A tampered token, and one that was never a token.
    let mut tampered = encoded.clone();
    let last = if tampered.ends_with('0') { '1' } else { '0' };
    tampered.pop();
    tampered.push(last);
    for garbage in [tampered.as_str(), "not-an-encoded-message"] {
        let (code, _) = error_of(
            dora.decode_authorization_message()
                .encoded_message(garbage)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidAuthorizationMessageException", "{garbage}");
    }
}
