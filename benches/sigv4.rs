//! SigV4 verification of a typical IAM request (issue 9: "< 5 µs"): the signature found in
//! the request (`parse`), then checked (`verify`: canonical request, string to sign, the
//! signing key derived from the secret, HMAC, constant-time compare). The requests are
//! signed by the official signer, aws-sigv4, in the setup, at a fixed time.
//!
//! - `header_post`: an IAM `CreateUser` form POST with the headers the Rust SDK sends.
//! - `presigned_get`: an STS `GetCallerIdentity` presigned URL (what EKS tokens are).
//! - `header_post/parse+verify_with_kept_key`: the same with the signing key already derived,
//!   as the server keeps it (per access key and day).
//! - `header_post/parse`: the parse alone, to tell the two stages apart.
//!
//! Run with `cargo bench --bench sigv4`.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, Request};
use iamlocal::auth::sigv4::{self, HttpRequest};
use time::OffsetDateTime;

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 2026-11-01T12:00:00Z: the verifier is given the same instant as "now".
const SIGNED_AT: u64 = 1_793_534_400;

/// A request as the server holds it, owning what [`HttpRequest`] borrows.
struct Owned {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Owned {
    fn request(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// Signs `method url` with `headers` and `body` for `service`, the way aws-sigv4 does for
/// the SDKs, and returns the request as the server would receive it.
fn signed(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    service: &str,
    presigned: bool,
) -> Owned {
    let identity = Credentials::new(KEY, SECRET, None, None, "bench").into();
    let mut settings = SigningSettings::default();
    if presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(900));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(SIGNED_AT))
        .settings(settings)
        .build()
        .expect("signing params")
        .into();
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("signs").into_parts();
    let mut request = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(()).expect("request");
    instructions.apply_to_request_http1x(&mut request);
    Owned {
        method: method.to_owned(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or("").to_owned(),
        headers: request.headers().clone(),
        body: body.to_vec(),
    }
}

fn header_post() -> Owned {
    let body = b"Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam-9%2F\
        &Tags.member.1.Key=team&Tags.member.1.Value=blue";
    let length = body.len().to_string();
    signed(
        "POST",
        "http://127.0.0.1:4599/",
        &[
            ("host", "127.0.0.1:4599"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", &length),
            ("user-agent", "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0"),
            (
                "x-amz-user-agent",
                "aws-sdk-rust/1.3.9 api/iam/1.90.0 os/linux lang/rust/1.95.0",
            ),
            (
                "amz-sdk-invocation-id",
                "3f1c9a9e-8b1e-4c47-9d0e-6a1d2b3c4d5e",
            ),
            ("amz-sdk-request", "attempt=1; max=1"),
        ],
        body,
        "iam",
        false,
    )
}

fn presigned_get() -> Owned {
    signed(
        "GET",
        "http://127.0.0.1:4599/?Action=GetCallerIdentity&Version=2011-06-15",
        &[("host", "127.0.0.1:4599")],
        b"",
        "sts",
        true,
    )
}

fn parse_and_verify(request: &Owned, now: OffsetDateTime) {
    let req = request.request();
    let signature = sigv4::parse(&req)
        .expect("the signature parses")
        .expect("the request is signed");
    sigv4::verify(&signature, &req, SECRET, now).expect("the signature verifies");
}

fn benches(c: &mut Criterion) {
    let now = OffsetDateTime::from_unix_timestamp(SIGNED_AT as i64).expect("a valid time");
    let post = header_post();
    let get = presigned_get();
    // Both must verify, or the timings would be of the error path.
    parse_and_verify(&post, now);
    parse_and_verify(&get, now);

    let mut group = c.benchmark_group("sigv4");
    group.bench_function("header_post/parse+verify", |b| {
        b.iter(|| parse_and_verify(black_box(&post), black_box(now)))
    });
    group.bench_function("presigned_get/parse+verify", |b| {
        b.iter(|| parse_and_verify(black_box(&get), black_box(now)))
    });
    // What the server does: the signing key is derived once per key and day, then kept.
    let key = sigv4::SigningKey::derive(
        SECRET,
        &sigv4::parse(&post.request()).unwrap().unwrap().scope,
    );
    group.bench_function("header_post/parse+verify_with_kept_key", |b| {
        b.iter(|| {
            let req = black_box(&post).request();
            let signature = sigv4::parse(&req).unwrap().unwrap();
            sigv4::verify_with_key(&signature, &req, &key, black_box(now)).unwrap();
        })
    });
    group.bench_function("header_post/parse", |b| {
        b.iter(|| sigv4::parse(black_box(&post.request())))
    });
    group.finish();
}

criterion_group!(sigv4_benches, benches);
criterion_main!(sigv4_benches);
