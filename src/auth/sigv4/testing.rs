//! Test fixtures: AWS's published example request, and requests signed by the official
//! signer (aws-sigv4), the oracle the verifier is held to.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation as OracleLocation, SigningParams,
    SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use axum::http::{HeaderMap, HeaderValue, Request};
use time::OffsetDateTime;

use super::{HttpRequest, Signature, parse};

/// The signature of AWS's example (`GET /?Action=ListUsers&Version=2010-05-08`).
pub(super) const AWS_EXAMPLE_SIGNATURE: &str =
    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

/// A request as the server holds it, owning what [`HttpRequest`] borrows.
#[derive(Debug, Clone)]
pub(super) struct OwnedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl OwnedRequest {
    pub fn request(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// The signature the request carries; panics if it carries none or a malformed one.
    pub fn signature(&self) -> Signature<'_> {
        parse(&self.request())
            .expect("the fixture's signature parses")
            .expect("the fixture is signed")
    }
}

/// The IAM `ListUsers` example of the SigV4 documentation, with its published signature.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>
pub(super) fn aws_example() -> OwnedRequest {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("host", "iam.amazonaws.com"),
        ("x-amz-date", "20150830T123600Z"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, Signature={AWS_EXAMPLE_SIGNATURE}"
    );
    headers.insert(
        "authorization",
        HeaderValue::from_str(&authorization).expect("valid header"),
    );
    OwnedRequest {
        method: "GET".to_owned(),
        path: "/".to_owned(),
        query: "Action=ListUsers&Version=2010-05-08".to_owned(),
        headers,
        body: Vec::new(),
    }
}

/// The host every oracle request is addressed to.
pub(super) const HOST: &str = "iam.amazonaws.com";

/// Who signs, for what, when, and how: the inputs of the official signer.
#[derive(Debug, Clone)]
pub(super) struct Signer {
    pub access_key_id: &'static str,
    pub secret: &'static str,
    pub session_token: Option<&'static str>,
    pub region: &'static str,
    pub service: &'static str,
    pub time: OffsetDateTime,
    /// `Some(expires_in)` presigns (query form); `None` signs the `Authorization` header.
    pub presign_for: Option<Duration>,
}

impl Signer {
    /// Signs `method https://iam.amazonaws.com{path_and_query}` with `headers` and `body`
    /// exactly as aws-sigv4 does for services other than S3, and returns the request the
    /// server would receive.
    pub fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> OwnedRequest {
        let identity = Credentials::new(
            self.access_key_id,
            self.secret,
            self.session_token.map(str::to_owned),
            None,
            "oracle",
        )
        .into();
        let mut settings = SigningSettings::default();
        if let Some(expires_in) = self.presign_for {
            settings.signature_location = OracleLocation::QueryParams;
            settings.expires_in = Some(expires_in);
        }
        let params: SigningParams<'_> = v4::SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name(self.service)
            .time(SystemTime::from(self.time))
            .settings(settings)
            .build()
            .expect("complete signing params")
            .into();
        let uri = format!("https://{HOST}{path_and_query}");
        let signable = SignableRequest::new(
            method,
            uri.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .expect("signable request");
        let (instructions, _) = sign(signable, &params)
            .expect("the oracle signs")
            .into_parts();

        let mut request = Request::builder().method(method).uri(&uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut request = request.body(()).expect("valid request");
        instructions.apply_to_request_http1x(&mut request);
        if !request.headers().contains_key("host") {
            request
                .headers_mut()
                .insert("host", HeaderValue::from_static(HOST));
        }
        OwnedRequest {
            method: method.to_owned(),
            path: request.uri().path().to_owned(),
            query: request.uri().query().unwrap_or_default().to_owned(),
            headers: request.headers().clone(),
            body: body.to_vec(),
        }
    }
}
