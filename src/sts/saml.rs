//! `AssumeRoleWithSAML`: not supported yet. iamlocal cannot verify SAML assertions, and it
//! never answers a fake success: the request is validated as AWS would, then refused with
//! `NotImplemented`.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html>

use crate::api::{Ctx, FromQuery, Origin};
use crate::aws_error;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::Empty;

use super::role_session::{ROLE_ARN, SessionPolicyInput};

const SAML_ASSERTION: Shape = Shape {
    min: 4,
    max: 100_000,
    pattern: None,
};

pub struct AssumeRoleWithSamlInput;

impl FromQuery for AssumeRoleWithSamlInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        input.required("RoleArn", &ROLE_ARN);
        input.required("PrincipalArn", &ROLE_ARN);
        input.required("SAMLAssertion", &SAML_ASSERTION);
        SessionPolicyInput::read(&mut input);
        input.integer("DurationSeconds", 900, 43200);
        input.finish()?;
        Ok(AssumeRoleWithSamlInput)
    }
}

pub async fn assume_role_with_saml(
    cx: &Ctx<'_>,
    input: AssumeRoleWithSamlInput,
) -> Result<Empty, AwsError> {
    unsigned(&cx.origin(), input).await
}

/// AWS answers `AssumeRoleWithSAML` unsigned: the assertion is the proof of identity.
pub async fn unsigned(
    _origin: &Origin<'_>,
    _input: AssumeRoleWithSamlInput,
) -> Result<Empty, AwsError> {
    Err(aws_error!(
        NotImplemented,
        "iamlocal does not support AssumeRoleWithSAML yet: it cannot verify SAML assertions. \
         Use AssumeRoleWithWebIdentity with an OpenID Connect provider (iamlocal has a \
         built-in issuer) or AssumeRole instead."
    ))
}
