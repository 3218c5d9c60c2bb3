//! Who am I, and whose key is this?
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>

use crate::api::{Ctx, FromQuery};
use crate::aws_error;
use crate::error::AwsError;
use crate::iam::shapes::ACCESS_KEY_ID;
use crate::ids::account_of_access_key;
use crate::protocol::query::{Input, Params};
use crate::protocol::xml::{ToXml, XmlWriter};

pub struct NoInput;

impl FromQuery for NoInput {
    fn from_query(_: &Params) -> Result<Self, AwsError> {
        Ok(NoInput)
    }
}

pub struct GetCallerIdentityOutput {
    user_id: String,
    account: String,
    arn: String,
}

impl ToXml for GetCallerIdentityOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("UserId", &self.user_id);
        w.field("Account", &self.account);
        w.field("Arn", &self.arn);
    }
}

/// Needs no permission: AWS answers it even when every action is denied.
pub async fn get_caller_identity(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<GetCallerIdentityOutput, AwsError> {
    let caller = cx.caller;
    Ok(GetCallerIdentityOutput {
        user_id: caller.user_id(),
        account: caller.account_id().to_owned(),
        arn: caller.arn(),
    })
}

pub struct GetAccessKeyInfoInput {
    access_key_id: String,
}

impl FromQuery for GetAccessKeyInfoInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let access_key_id = input.required("AccessKeyId", &ACCESS_KEY_ID);
        input.finish()?;
        Ok(GetAccessKeyInfoInput { access_key_id })
    }
}

pub struct GetAccessKeyInfoOutput {
    account: String,
}

impl ToXml for GetAccessKeyInfoOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("Account", &self.account);
    }
}

/// The account a key id belongs to, read from the id itself as AWS does: it works for keys
/// of any account, existing or not.
pub async fn get_access_key_info(
    cx: &Ctx<'_>,
    input: GetAccessKeyInfoInput,
) -> Result<GetAccessKeyInfoOutput, AwsError> {
    cx.authorize("sts:GetAccessKeyInfo", "*")?;
    // AWS does not document its answer for an id that does not decode (iamlocal's own
    // `test` or 12-digit root keys); iamlocal refuses it as an invalid parameter.
    let account = account_of_access_key(&input.access_key_id).ok_or_else(|| {
        aws_error!(
            InvalidParameterValue,
            "The access key ID {} is not valid.",
            input.access_key_id
        )
    })?;
    Ok(GetAccessKeyInfoOutput { account })
}
