//! Authentication is never fooled: a request signed by hand, then changed after signing in one
//! part the signature covers, is refused; a part it does not cover may change freely.
//! (`signatures.rs` has the first cases of each kind; this walks every signed part.)

use std::time::{Duration, SystemTime};

use crate::common::{RawRequest, RawResponse, Signing, TestServer};

const CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

fn header_mut<'r>(request: &'r mut RawRequest, name: &str) -> &'r mut String {
    &mut request
        .headers
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no {name} header"))
        .1
}

/// A form POST with one extra header, which the signer signs like any other.
fn form_with_signed_header() -> RawRequest {
    let mut request = RawRequest::form(CALLER_IDENTITY);
    request.headers.push(("x-custom".into(), "one".into()));
    request
}

fn assert_refused(response: &RawResponse, code: &str, what: &str) {
    assert_eq!(response.code(), Some(code), "{what}: {}", response.body);
    assert!(
        response.status == 400 || response.status == 403,
        "{what}: {}",
        response.status
    );
}

#[tokio::test]
async fn every_signed_part_of_a_header_signature_is_covered() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("other").send().await.unwrap();
    let other_key = iam
        .create_access_key()
        .user_name("other")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap()
        .access_key_id;
    let raw = server.raw();
    let signed = raw.sign(&form_with_signed_header(), &Signing::sts());
    assert_eq!(raw.send(&signed).await.status, 200, "as signed");

    type Tamper = Box<dyn Fn(&mut RawRequest)>;
    let other = other_key.clone();
    let cases: Vec<(&str, &str, Tamper)> = vec![
        (
            "path",
            "SignatureDoesNotMatch",
            Box::new(|r| r.path_and_query = "/x".into()),
        ),
        (
            "query",
            "SignatureDoesNotMatch",
            Box::new(|r| r.path_and_query = "/?Extra=1".into()),
        ),
        (
            "signed header",
            "SignatureDoesNotMatch",
            Box::new(|r| *header_mut(r, "x-custom") = "two".into()),
        ),
        (
            "signed header dropped",
            "SignatureDoesNotMatch",
            Box::new(|r| r.headers.retain(|(k, _)| k != "x-custom")),
        ),
        (
            "signed header unlisted",
            "SignatureDoesNotMatch",
            Box::new(|r| {
                let a = header_mut(r, "authorization");
                *a = a.replace("content-type;", "");
            }),
        ),
        (
            "body",
            "SignatureDoesNotMatch",
            Box::new(|r| r.body = b"Action=GetCallerIdentity&Version=2011-06-15&X=1".to_vec()),
        ),
        (
            "date",
            "SignatureDoesNotMatch",
            Box::new(|r| {
                let date = header_mut(r, "x-amz-date");
                let last = date.pop().unwrap(); // the trailing Z
                let second = date.pop().unwrap();
                date.push(if second == '0' { '1' } else { '0' });
                date.push(last);
            }),
        ),
        (
            "region",
            "SignatureDoesNotMatch",
            Box::new(|r| {
                let a = header_mut(r, "authorization");
                *a = a.replace("/us-east-1/", "/eu-west-1/");
            }),
        ),
        (
            "service",
            "SignatureDoesNotMatch",
            Box::new(|r| {
                let a = header_mut(r, "authorization");
                *a = a.replace("/sts/", "/iam/");
            }),
        ),
        (
            "access key id, another real one",
            "SignatureDoesNotMatch",
            Box::new(move |r| {
                let a = header_mut(r, "authorization");
                *a = a.replace("Credential=test/", &format!("Credential={other}/"));
            }),
        ),
        (
            "access key id, unknown",
            "InvalidClientTokenId",
            Box::new(|r| {
                let a = header_mut(r, "authorization");
                *a = a.replace("Credential=test/", "Credential=AKIAIOSFODNN7EXAMPLE/");
            }),
        ),
        (
            "signature",
            "SignatureDoesNotMatch",
            Box::new(|r| {
                let a = header_mut(r, "authorization");
                let last = a.pop().unwrap();
                a.push(if last == '0' { '1' } else { '0' });
            }),
        ),
        (
            "signature cut short",
            "IncompleteSignature",
            Box::new(|r| {
                let a = header_mut(r, "authorization");
                *a = a[..a.find(", Signature=").unwrap()].to_owned();
            }),
        ),
    ];
    for (what, code, tamper) in cases {
        let mut request = signed.clone();
        tamper(&mut request);
        assert_refused(&raw.send(&request).await, code, what);
    }
}

#[tokio::test]
async fn the_method_is_covered() {
    let server = TestServer::spawn().await;
    let raw = server.raw();
    let signed = raw.sign(
        &RawRequest::get(&format!("/?{CALLER_IDENTITY}")),
        &Signing::sts(),
    );
    assert_eq!(raw.send(&signed).await.status, 200);
    let mut posted = signed.clone();
    posted.method = "POST".into();
    assert_refused(&raw.send(&posted).await, "SignatureDoesNotMatch", "method");
}

#[tokio::test]
async fn an_unsigned_header_may_change_freely() {
    let server = TestServer::spawn().await;
    let raw = server.raw();
    let mut signed = raw.sign(&RawRequest::form(CALLER_IDENTITY), &Signing::sts());
    // The official signer never signs user-agent: proxies rewrite it.
    assert!(!header_mut(&mut signed, "authorization").contains("user-agent"));
    signed
        .headers
        .push(("user-agent".into(), "changed/1.0".into()));
    signed
        .headers
        .push(("x-unsigned".into(), "anything".into()));
    let response = raw.send(&signed).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

#[tokio::test]
async fn a_presigned_url_past_its_time_or_with_a_longer_life_is_refused() {
    let server = TestServer::spawn().await;
    let raw = server.raw();
    let request = RawRequest::get(&format!("/?{CALLER_IDENTITY}"));
    // Signed 16 minutes ago with X-Amz-Expires=300: past both its own expiry and the
    // 15-minute window STS holds every signature to.
    let stale = Signing {
        presigned: true,
        time: SystemTime::now() - Duration::from_secs(16 * 60),
        ..Signing::sts()
    };
    let response = raw.send(&raw.sign(&request, &stale)).await;
    assert_refused(&response, "SignatureDoesNotMatch", "expired");
    assert!(
        response
            .element("Message")
            .unwrap()
            .starts_with("Signature expired: "),
        "{}",
        response.body
    );

    let fresh = Signing {
        presigned: true,
        ..Signing::sts()
    };
    let mut longer = raw.sign(&request, &fresh);
    longer.path_and_query = longer
        .path_and_query
        .replace("X-Amz-Expires=300", "X-Amz-Expires=604800");
    assert_refused(
        &raw.send(&longer).await,
        "SignatureDoesNotMatch",
        "X-Amz-Expires",
    );
}

#[tokio::test]
async fn a_session_token_only_works_with_its_own_session_keys() {
    let server = TestServer::spawn().await;
    let iam = server.iam();
    iam.create_user().user_name("sam").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("sam")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let sts = server.sts_as(&key.access_key_id, &key.secret_access_key);
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let out = sts.get_session_token().send().await.unwrap();
        sessions.push(out.credentials.unwrap());
    }
    let (a, b) = (&sessions[0], &sessions[1]);
    let signing_as_a = Signing {
        key: a.access_key_id.clone(),
        secret: a.secret_access_key.clone(),
        session_token: Some(a.session_token.clone()),
        ..Signing::sts()
    };
    let raw = server.raw();
    let request = RawRequest::form(CALLER_IDENTITY);
    assert_eq!(raw.signed(&request, &signing_as_a).await.status, 200);

    // B's token, signed properly with A's keys.
    let mixed = Signing {
        session_token: Some(b.session_token.clone()),
        ..signing_as_a.clone()
    };
    assert_refused(
        &raw.signed(&request, &mixed).await,
        "InvalidClientTokenId",
        "another session's token",
    );

    // A's request, its token swapped for B's after signing.
    let mut swapped = raw.sign(&request, &signing_as_a);
    *header_mut(&mut swapped, "x-amz-security-token") = b.session_token.clone();
    assert_refused(
        &raw.send(&swapped).await,
        "SignatureDoesNotMatch",
        "token swapped after signing",
    );

    // No token at all.
    let mut dropped = raw.sign(&request, &signing_as_a);
    dropped
        .headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("x-amz-security-token"));
    let response = raw.send(&dropped).await;
    assert!(
        matches!(
            response.code(),
            Some("SignatureDoesNotMatch" | "InvalidClientTokenId")
        ),
        "{}",
        response.body
    );
}
