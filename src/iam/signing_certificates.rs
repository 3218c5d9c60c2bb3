//! Signing certificates: X.509 certificates of users (or of the root) for the services
//! that still take SOAP-style signed requests. Two per user.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSigningCertificate.html>

use super::UserListing;
use super::access_keys::{ROOT_USER_NAME, status, subject};
use super::shapes::{CERTIFICATE_BODY, CERTIFICATE_ID, EXISTING_USER_NAME, KEY_STATUSES};
use super::users::write_truncation;
use super::x509;
use crate::api::{Ctx, FromQuery};
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::SigningCertificate;

pub struct UploadSigningCertificateInput {
    user_name: Option<String>,
    certificate_body: String,
}

impl FromQuery for UploadSigningCertificateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        let certificate_body = input.required("CertificateBody", &CERTIFICATE_BODY);
        input.finish()?;
        Ok(UploadSigningCertificateInput {
            user_name,
            certificate_body,
        })
    }
}

pub struct UploadSigningCertificateOutput {
    certificate: SigningCertificate,
}

impl ToXml for UploadSigningCertificateOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("Certificate");
        write_certificate(w, &self.certificate);
        w.close("Certificate");
    }
}

pub async fn upload_signing_certificate(
    cx: &Ctx<'_>,
    input: UploadSigningCertificateInput,
) -> Result<UploadSigningCertificateOutput, AwsError> {
    let subject = subject(cx, input.user_name)?;
    cx.authorize("iam:UploadSigningCertificate", &subject.arn)?;
    let parsed = x509::parse_certificate(&input.certificate_body)?;
    x509::check_not_expired(&parsed, cx.now())?;
    let certificate = cx
        .app
        .store
        .upload_signing_certificate(
            cx.account_id(),
            subject.user_name.as_deref(),
            &input.certificate_body,
            &parsed.der_sha256,
            cx.now(),
        )
        .await?;
    Ok(UploadSigningCertificateOutput { certificate })
}

pub struct ListSigningCertificatesOutput {
    certificates: Vec<SigningCertificate>,
    marker: Option<String>,
}

impl ToXml for ListSigningCertificatesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("Certificates", &self.certificates, write_certificate);
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_signing_certificates(
    cx: &Ctx<'_>,
    input: UserListing,
) -> Result<ListSigningCertificatesOutput, AwsError> {
    let subject = subject(cx, input.user_name)?;
    cx.authorize("iam:ListSigningCertificates", &subject.arn)?;
    let certificates = cx
        .app
        .store
        .list_signing_certificates(cx.account_id(), subject.user_name.as_deref())
        .await?;
    let (certificates, marker) = super::page_by_key(
        &certificates,
        |c| super::made_order(c.uploaded_at, &c.certificate_id),
        input.marker.as_deref(),
        input.max_items,
    )?;
    Ok(ListSigningCertificatesOutput {
        certificates,
        marker,
    })
}

pub struct UpdateSigningCertificateInput {
    user_name: Option<String>,
    certificate_id: String,
    active: bool,
}

impl FromQuery for UpdateSigningCertificateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        let certificate_id = input.required("CertificateId", &CERTIFICATE_ID);
        let status = input.required_enum("Status", KEY_STATUSES);
        input.finish()?;
        Ok(UpdateSigningCertificateInput {
            user_name,
            certificate_id,
            active: settable_status(&status, "Certificate")?,
        })
    }
}

/// `Active` or `Inactive`: `Expired` is a status IAM reports, never one it takes.
pub(super) fn settable_status(status: &str, what: &str) -> Result<bool, AwsError> {
    match status {
        "Active" => Ok(true),
        "Inactive" => Ok(false),
        _ => Err(aws_error!(
            InvalidInput,
            "{what} status can only be set to Active or Inactive."
        )),
    }
}

pub async fn update_signing_certificate(
    cx: &Ctx<'_>,
    input: UpdateSigningCertificateInput,
) -> Result<Empty, AwsError> {
    let subject = subject(cx, input.user_name)?;
    cx.authorize("iam:UpdateSigningCertificate", &subject.arn)?;
    cx.app
        .store
        .set_signing_certificate_status(
            cx.account_id(),
            subject.user_name.as_deref(),
            &input.certificate_id,
            input.active,
        )
        .await?;
    Ok(Empty)
}

pub struct DeleteSigningCertificateInput {
    user_name: Option<String>,
    certificate_id: String,
}

impl FromQuery for DeleteSigningCertificateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        let certificate_id = input.required("CertificateId", &CERTIFICATE_ID);
        input.finish()?;
        Ok(DeleteSigningCertificateInput {
            user_name,
            certificate_id,
        })
    }
}

pub async fn delete_signing_certificate(
    cx: &Ctx<'_>,
    input: DeleteSigningCertificateInput,
) -> Result<Empty, AwsError> {
    let subject = subject(cx, input.user_name)?;
    cx.authorize("iam:DeleteSigningCertificate", &subject.arn)?;
    cx.app
        .store
        .delete_signing_certificate(
            cx.account_id(),
            subject.user_name.as_deref(),
            &input.certificate_id,
        )
        .await?;
    Ok(Empty)
}

/// The members of `SigningCertificate`.
fn write_certificate(w: &mut XmlWriter, certificate: &SigningCertificate) {
    w.field(
        "UserName",
        certificate.user_name.as_deref().unwrap_or(ROOT_USER_NAME),
    );
    w.field("CertificateId", &certificate.certificate_id);
    w.field("CertificateBody", &certificate.certificate_body);
    w.field("Status", status(certificate.active));
    w.field("UploadDate", &iso8601(certificate.uploaded_at));
}
