//! `DecodeAuthorizationMessage`: what stood behind a denial.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html>
//!
//! iamlocal's denials keep AWS's message and carry the encoded message beside it, in the
//! `x-iamlocal-encoded-authorization-message` response header: an HMAC-tagged id of the
//! decision in the decisions log. Decoding it reads that decision back, while the log still
//! holds it.

use crate::api::{Ctx, FromQuery};
use crate::aws_error;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Shape};
use crate::protocol::xml::{ToXml, XmlWriter};

const ENCODED_MESSAGE: Shape = Shape {
    min: 1,
    max: 10_240,
    pattern: None,
};

pub struct DecodeAuthorizationMessageInput {
    encoded_message: String,
}

impl FromQuery for DecodeAuthorizationMessageInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let encoded_message = input.required("EncodedMessage", &ENCODED_MESSAGE);
        input.finish()?;
        Ok(DecodeAuthorizationMessageInput { encoded_message })
    }
}

pub struct DecodeAuthorizationMessageOutput {
    decoded_message: String,
}

impl ToXml for DecodeAuthorizationMessageOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("DecodedMessage", &self.decoded_message);
    }
}

pub async fn decode_authorization_message(
    cx: &Ctx<'_>,
    input: DecodeAuthorizationMessageInput,
) -> Result<DecodeAuthorizationMessageOutput, AwsError> {
    cx.authorize("sts:DecodeAuthorizationMessage", "*")?;
    let decisions = &cx.app.decisions;
    // A decision of another account reads as an unknown message: the token says nothing of
    // whose it is. One the log no longer holds can no longer be decoded.
    let record = decisions
        .decode(&input.encoded_message)
        .and_then(|id| decisions.get(id))
        .filter(|record| record.account() == cx.account_id())
        .ok_or_else(|| {
            aws_error!(
                InvalidAuthorizationMessageException,
                "The message is not a valid encoded authorization message, or it is no longer kept."
            )
        })?;
    Ok(DecodeAuthorizationMessageOutput {
        decoded_message: record.decoded_message().to_string(),
    })
}
