//! `SerialNumber` and `TokenCode` of `AssumeRole` and `GetSessionToken`: a one-time code of
//! an MFA device enabled for the calling user (or root), checked (and spent) by the store.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html>

use time::OffsetDateTime;

use crate::api::Ctx;
use crate::error::AwsError;
use crate::protocol::query::{Input, Pattern, Shape};
use crate::view::Principal;

/// `[\w+=/:,.@-]*`
fn is_serial_number(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=/:,.@-".contains(&b))
}

const SERIAL_NUMBER: Shape = Shape {
    min: 9,
    max: 256,
    pattern: Some(Pattern {
        text: r"[\w+=/:,.@-]*",
        matches: is_serial_number,
    }),
};

const TOKEN_CODE: Shape = Shape {
    min: 6,
    max: 6,
    pattern: Some(Pattern {
        text: r"[\d]*",
        matches: |s| s.bytes().all(|b| b.is_ascii_digit()),
    }),
};

/// The MFA a request passes, if any.
pub struct MfaInput {
    serial_number: Option<String>,
    token_code: Option<String>,
}

impl MfaInput {
    pub fn read(input: &mut Input<'_>) -> MfaInput {
        MfaInput {
            serial_number: input.string("SerialNumber", &SERIAL_NUMBER),
            token_code: input.string("TokenCode", &TOKEN_CODE),
        }
    }

    pub fn is_given(&self) -> bool {
        self.serial_number.is_some() || self.token_code.is_some()
    }

    /// Checks the code against the calling user's device: when the request authenticates
    /// with MFA, the time it did (now); `None` when it passes no MFA.
    pub async fn check(&self, cx: &Ctx<'_>) -> Result<Option<OffsetDateTime>, AwsError> {
        if !self.is_given() {
            return Ok(None);
        }
        let now = cx.now();
        // IAM users and the root user have MFA devices; a code without a serial number, or
        // for anyone else, cannot be validated.
        let user_id = match &cx.caller.principal {
            Principal::User(user) => Some(user.user_id.as_str()),
            Principal::Root { .. } => None,
            Principal::AssumedRole(_) | Principal::FederatedUser(_) => {
                return Err(AwsError::mfa_not_validated());
            }
        };
        let (Some(serial), Some(code)) = (&self.serial_number, &self.token_code) else {
            return Err(AwsError::mfa_not_validated());
        };
        cx.app
            .store
            .check_mfa_code(cx.account_id(), user_id, serial, code, now)
            .await?;
        Ok(Some(now))
    }
}
