//! SSH public keys of users, for CodeCommit: five per user, RSA only.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html>

use super::access_keys::status;
use super::openssh;
use super::shapes::{CREDENTIAL_ID, KEY_STATUSES, MARKER, SSH_PUBLIC_KEY_BODY, USER_NAME};
use super::signing_certificates::settable_status;
use super::users::{user_arn, write_truncation};
use crate::api::{Ctx, FromQuery};
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::SshPublicKey;
use crate::view::Principal;

pub struct UploadSshPublicKeyInput {
    user_name: String,
    body: String,
}

impl FromQuery for UploadSshPublicKeyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &USER_NAME);
        let body = input.required("SSHPublicKeyBody", &SSH_PUBLIC_KEY_BODY);
        input.finish()?;
        Ok(UploadSshPublicKeyInput { user_name, body })
    }
}

/// A key as `UploadSSHPublicKey` and `GetSSHPublicKey` show it, its body in `body`.
pub struct SshPublicKeyOutput {
    key: SshPublicKey,
    body: String,
}

impl ToXml for SshPublicKeyOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let key = &self.key;
        w.open("SSHPublicKey");
        w.field("UserName", &key.user_name);
        w.field("SSHPublicKeyId", &key.ssh_public_key_id);
        w.field("Fingerprint", &key.fingerprint);
        w.field("SSHPublicKeyBody", &self.body);
        w.field("Status", status(key.active));
        w.field("UploadDate", &iso8601(key.uploaded_at));
        w.close("SSHPublicKey");
    }
}

pub async fn upload_ssh_public_key(
    cx: &Ctx<'_>,
    input: UploadSshPublicKeyInput,
) -> Result<SshPublicKeyOutput, AwsError> {
    cx.authorize("iam:UploadSSHPublicKey", &user_arn(cx, &input.user_name))?;
    let (key, _) = openssh::parse(&input.body)?;
    let key = cx
        .app
        .store
        .upload_ssh_public_key(
            cx.account_id(),
            &input.user_name,
            &input.body,
            &key.blob(),
            &key.fingerprint(),
            cx.now(),
        )
        .await?;
    Ok(SshPublicKeyOutput {
        body: key.body.clone(),
        key,
    })
}

pub struct GetSshPublicKeyInput {
    user_name: String,
    ssh_public_key_id: String,
    pem: bool,
}

impl FromQuery for GetSshPublicKeyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &USER_NAME);
        let ssh_public_key_id = input.required("SSHPublicKeyId", &CREDENTIAL_ID);
        let encoding = input.required_enum("Encoding", &["SSH", "PEM"]);
        input.finish()?;
        Ok(GetSshPublicKeyInput {
            user_name,
            ssh_public_key_id,
            pem: encoding == "PEM",
        })
    }
}

/// The key in the encoding asked for: as uploaded when it was uploaded in that encoding,
/// else converted.
pub async fn get_ssh_public_key(
    cx: &Ctx<'_>,
    input: GetSshPublicKeyInput,
) -> Result<SshPublicKeyOutput, AwsError> {
    cx.authorize("iam:GetSSHPublicKey", &user_arn(cx, &input.user_name))?;
    let key = cx
        .app
        .store
        .ssh_public_key(cx.account_id(), &input.user_name, &input.ssh_public_key_id)
        .await?;
    let (parsed, uploaded_as_ssh) = openssh::parse(&key.body)?;
    let body = match (input.pem, uploaded_as_ssh) {
        (false, true) | (true, false) => key.body.clone(),
        (false, false) => parsed.to_ssh(),
        (true, true) => parsed.to_pem(),
    };
    Ok(SshPublicKeyOutput { key, body })
}

pub struct ListSshPublicKeysInput {
    user_name: Option<String>,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for ListSshPublicKeysInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &USER_NAME);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListSshPublicKeysInput {
            user_name,
            marker,
            max_items: max_items.unwrap_or(super::users::DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct ListSshPublicKeysOutput {
    keys: Vec<SshPublicKey>,
    marker: Option<String>,
}

impl ToXml for ListSshPublicKeysOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("SSHPublicKeys", &self.keys, |w, key| {
            w.field("UserName", &key.user_name);
            w.field("SSHPublicKeyId", &key.ssh_public_key_id);
            w.field("Status", status(key.active));
            w.field("UploadDate", &iso8601(key.uploaded_at));
        });
        write_truncation(w, self.marker.as_deref());
    }
}

/// Without a name, the calling user's keys; the root has none (iamlocal's answer: AWS
/// documents only the user case).
pub async fn list_ssh_public_keys(
    cx: &Ctx<'_>,
    input: ListSshPublicKeysInput,
) -> Result<ListSshPublicKeysOutput, AwsError> {
    let user_name = match (input.user_name, &cx.caller.principal) {
        (Some(name), _) => name,
        (None, Principal::User(me)) => me.user_name.clone(),
        (None, Principal::Root { account_id }) => {
            cx.authorize("iam:ListSSHPublicKeys", &crate::arn::root(account_id))?;
            return Ok(ListSshPublicKeysOutput {
                keys: Vec::new(),
                marker: None,
            });
        }
        (None, _) => return Err(super::users::non_user_credentials()),
    };
    cx.authorize("iam:ListSSHPublicKeys", &user_arn(cx, &user_name))?;
    let keys = cx
        .app
        .store
        .list_ssh_public_keys(cx.account_id(), &user_name)
        .await?;
    let (keys, marker) = super::page_by_key(
        &keys,
        |k| super::made_order(k.uploaded_at, &k.ssh_public_key_id),
        input.marker.as_deref(),
        input.max_items,
    )?;
    Ok(ListSshPublicKeysOutput { keys, marker })
}

pub struct UpdateSshPublicKeyInput {
    user_name: String,
    ssh_public_key_id: String,
    active: bool,
}

impl FromQuery for UpdateSshPublicKeyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &USER_NAME);
        let ssh_public_key_id = input.required("SSHPublicKeyId", &CREDENTIAL_ID);
        let status = input.required_enum("Status", KEY_STATUSES);
        input.finish()?;
        Ok(UpdateSshPublicKeyInput {
            user_name,
            ssh_public_key_id,
            active: settable_status(&status, "Public key")?,
        })
    }
}

pub async fn update_ssh_public_key(
    cx: &Ctx<'_>,
    input: UpdateSshPublicKeyInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:UpdateSSHPublicKey", &user_arn(cx, &input.user_name))?;
    cx.app
        .store
        .set_ssh_public_key_status(
            cx.account_id(),
            &input.user_name,
            &input.ssh_public_key_id,
            input.active,
        )
        .await?;
    Ok(Empty)
}

pub struct DeleteSshPublicKeyInput {
    user_name: String,
    ssh_public_key_id: String,
}

impl FromQuery for DeleteSshPublicKeyInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.required("UserName", &USER_NAME);
        let ssh_public_key_id = input.required("SSHPublicKeyId", &CREDENTIAL_ID);
        input.finish()?;
        Ok(DeleteSshPublicKeyInput {
            user_name,
            ssh_public_key_id,
        })
    }
}

pub async fn delete_ssh_public_key(
    cx: &Ctx<'_>,
    input: DeleteSshPublicKeyInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteSSHPublicKey", &user_arn(cx, &input.user_name))?;
    cx.app
        .store
        .delete_ssh_public_key(cx.account_id(), &input.user_name, &input.ssh_public_key_id)
        .await?;
    Ok(Empty)
}
