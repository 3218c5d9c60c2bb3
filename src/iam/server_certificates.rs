//! Server certificates: TLS certificates kept in IAM for ELB and CloudFront. The private key
//! is checked against the certificate on upload and never returned (nor kept).
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html>

use super::PathListing;
use super::shapes::{
    CERTIFICATE_BODY, CERTIFICATE_CHAIN, PATH, PRIVATE_KEY, SERVER_CERTIFICATE_NAME,
    check_tag_keys, read_tags,
};
use super::tagging::{Named, Taggable};
use super::users::{write_tags, write_truncation};
use super::x509;
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{NewServerCertificate, ServerCertificate, Store, Tag};

/// Server certificates for the generic tag actions (`TagServerCertificate` …).
pub struct ServerCertificateKind;

impl Named for ServerCertificateKind {
    const NAME_PARAM: &'static str = "ServerCertificateName";
    const NAME_SHAPE: Shape = SERVER_CERTIFICATE_NAME;
    const NOUN: &'static str = "ServerCertificate";

    async fn arn(cx: &Ctx<'_>, name: &str) -> Result<String, AwsError> {
        certificate_arn(cx, name).await
    }
}

impl Taggable for ServerCertificateKind {
    async fn tag(store: &Store, account: &str, name: &str, tags: &[Tag]) -> Result<(), AwsError> {
        store.tag_server_certificate(account, name, tags).await
    }

    async fn untag(
        store: &Store,
        account: &str,
        name: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        store.untag_server_certificate(account, name, keys).await
    }

    async fn tags(store: &Store, account: &str, name: &str) -> Result<Vec<Tag>, AwsError> {
        Ok(store.server_certificate(account, name).await?.tags)
    }
}

/// The ARN of a certificate as authorization sees it: with its real path when it exists,
/// else with `/`.
async fn certificate_arn(cx: &Ctx<'_>, name: &str) -> Result<String, AwsError> {
    let account = cx.account_id();
    let path = cx.app.store.server_certificate_path(account, name).await?;
    Ok(arn::server_certificate(
        account,
        path.as_deref().unwrap_or("/"),
        name,
    ))
}

pub struct UploadServerCertificateInput {
    name: String,
    path: String,
    certificate_body: String,
    private_key: String,
    certificate_chain: Option<String>,
    tags: Vec<Tag>,
}

impl FromQuery for UploadServerCertificateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let path = input.string("Path", &PATH);
        let name = input.required("ServerCertificateName", &SERVER_CERTIFICATE_NAME);
        let certificate_body = input.required("CertificateBody", &CERTIFICATE_BODY);
        let private_key = input.required_secret("PrivateKey", &PRIVATE_KEY);
        let certificate_chain = input.string("CertificateChain", &CERTIFICATE_CHAIN);
        let tags = read_tags(&mut input);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(UploadServerCertificateInput {
            name,
            path: path.unwrap_or_else(|| "/".into()),
            certificate_body,
            private_key,
            certificate_chain,
            tags,
        })
    }
}

pub struct UploadServerCertificateOutput {
    certificate: ServerCertificate,
}

impl ToXml for UploadServerCertificateOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.open("ServerCertificateMetadata");
        write_metadata(w, &self.certificate);
        w.close("ServerCertificateMetadata");
        write_tags(w, &self.certificate.tags);
    }
}

pub async fn upload_server_certificate(
    cx: &Ctx<'_>,
    input: UploadServerCertificateInput,
) -> Result<UploadServerCertificateOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize_with(
        "iam:UploadServerCertificate",
        &arn::server_certificate(account, &input.path, &input.name),
        RequestKeys::default().tags(&input.tags),
    )?;
    let certificate = x509::parse_certificate(&input.certificate_body)?;
    x509::check_not_expired(&certificate, cx.now())?;
    x509::check_key_pair(&certificate, &input.private_key)?;
    if let Some(chain) = &input.certificate_chain {
        x509::check_chain(chain)?;
    }
    let certificate = cx
        .app
        .store
        .upload_server_certificate(
            account,
            NewServerCertificate {
                name: &input.name,
                path: &input.path,
                certificate_body: &input.certificate_body,
                certificate_chain: input.certificate_chain.as_deref(),
                expires_at: certificate.not_after,
                tags: &input.tags,
            },
            cx.now(),
        )
        .await?;
    Ok(UploadServerCertificateOutput { certificate })
}

/// The input of every action that names one server certificate and nothing else.
pub struct ServerCertificateNameInput {
    name: String,
}

impl FromQuery for ServerCertificateNameInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required("ServerCertificateName", &SERVER_CERTIFICATE_NAME);
        input.finish()?;
        Ok(ServerCertificateNameInput { name })
    }
}

pub struct GetServerCertificateOutput {
    certificate: ServerCertificate,
}

impl ToXml for GetServerCertificateOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let certificate = &self.certificate;
        w.open("ServerCertificate");
        w.open("ServerCertificateMetadata");
        write_metadata(w, certificate);
        w.close("ServerCertificateMetadata");
        w.field("CertificateBody", &certificate.certificate_body);
        w.opt_field("CertificateChain", certificate.certificate_chain.as_deref());
        write_tags(w, &certificate.tags);
        w.close("ServerCertificate");
    }
}

pub async fn get_server_certificate(
    cx: &Ctx<'_>,
    input: ServerCertificateNameInput,
) -> Result<GetServerCertificateOutput, AwsError> {
    cx.authorize(
        "iam:GetServerCertificate",
        &certificate_arn(cx, &input.name).await?,
    )?;
    let certificate = cx
        .app
        .store
        .server_certificate(cx.account_id(), &input.name)
        .await?;
    Ok(GetServerCertificateOutput { certificate })
}

pub struct ListServerCertificatesOutput {
    certificates: Vec<ServerCertificate>,
    marker: Option<String>,
}

impl ToXml for ListServerCertificatesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members(
            "ServerCertificateMetadataList",
            &self.certificates,
            write_metadata,
        );
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_server_certificates(
    cx: &Ctx<'_>,
    input: PathListing,
) -> Result<ListServerCertificatesOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize(
        "iam:ListServerCertificates",
        &arn::server_certificate(account, "/", ""),
    )?;
    let page = cx
        .app
        .store
        .list_server_certificates(
            account,
            &input.path_prefix,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListServerCertificatesOutput {
        certificates: page.items,
        marker: page.marker,
    })
}

pub struct UpdateServerCertificateInput {
    name: String,
    new_path: Option<String>,
    new_name: Option<String>,
}

impl FromQuery for UpdateServerCertificateInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let name = input.required("ServerCertificateName", &SERVER_CERTIFICATE_NAME);
        let new_path = input.string("NewPath", &PATH);
        let new_name = input.string("NewServerCertificateName", &SERVER_CERTIFICATE_NAME);
        input.finish()?;
        Ok(UpdateServerCertificateInput {
            name,
            new_path,
            new_name,
        })
    }
}

/// A rename needs the permission on both the old and the new name, as AWS documents.
pub async fn update_server_certificate(
    cx: &Ctx<'_>,
    input: UpdateServerCertificateInput,
) -> Result<Empty, AwsError> {
    let account = cx.account_id();
    let old_arn = certificate_arn(cx, &input.name).await?;
    cx.authorize("iam:UpdateServerCertificate", &old_arn)?;
    if input.new_name.is_some() || input.new_path.is_some() {
        let path = match &input.new_path {
            Some(path) => path.clone(),
            None => cx
                .app
                .store
                .server_certificate_path(account, &input.name)
                .await?
                .unwrap_or_else(|| "/".into()),
        };
        let name = input.new_name.as_deref().unwrap_or(&input.name);
        let new_arn = arn::server_certificate(account, &path, name);
        if new_arn != old_arn {
            cx.authorize("iam:UpdateServerCertificate", &new_arn)?;
        }
    }
    cx.app
        .store
        .update_server_certificate(
            account,
            &input.name,
            input.new_name.as_deref(),
            input.new_path.as_deref(),
        )
        .await?;
    Ok(Empty)
}

pub async fn delete_server_certificate(
    cx: &Ctx<'_>,
    input: ServerCertificateNameInput,
) -> Result<Empty, AwsError> {
    cx.authorize(
        "iam:DeleteServerCertificate",
        &certificate_arn(cx, &input.name).await?,
    )?;
    cx.app
        .store
        .delete_server_certificate(cx.account_id(), &input.name)
        .await?;
    Ok(Empty)
}

/// The members of `ServerCertificateMetadata`.
fn write_metadata(w: &mut XmlWriter, certificate: &ServerCertificate) {
    w.field("Path", &certificate.path);
    w.field("ServerCertificateName", &certificate.name);
    w.field("ServerCertificateId", &certificate.server_certificate_id);
    w.field("Arn", &certificate.arn);
    w.field("UploadDate", &iso8601(certificate.uploaded_at));
    w.field("Expiration", &iso8601(certificate.expires_at));
}
