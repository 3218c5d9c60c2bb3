//! The one error type of the request path, and its one rendering as AWS's `<ErrorResponse>`.
//!
//! Each code's HTTP status and fault live in a single table (`ErrorCode::meta`) so they
//! cannot drift apart. Messages that AWS words in a fixed way have named constructors here,
//! so the wording lives in one place.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html>

use std::borrow::Cow;
use std::fmt;

use axum::http::StatusCode;

/// Who is at fault, rendered as `<Type>` in the error document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Sender,
    Receiver,
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $code:ident => $status:literal, $fault:ident; )*) => {
        /// Every error code iamlocal answers with, spelled exactly as on the wire.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode {
            $( $(#[$doc])* $code, )*
        }

        impl ErrorCode {
            /// The wire name, HTTP status and fault of this code.
            fn meta(self) -> (&'static str, u16, Fault) {
                match self {
                    $( ErrorCode::$code => (stringify!($code), $status, Fault::$fault), )*
                }
            }
        }
    };
}

error_codes! {
    // Common errors of the Query protocol.
    AccessDenied => 403, Sender;
    IncompleteSignature => 400, Sender;
    InternalFailure => 500, Receiver;
    InvalidAction => 400, Sender;
    InvalidClientTokenId => 403, Sender;
    InvalidParameterCombination => 400, Sender;
    InvalidParameterValue => 400, Sender;
    InvalidQueryParameter => 400, Sender;
    MalformedQueryString => 404, Sender;
    MissingAction => 400, Sender;
    MissingAuthenticationToken => 403, Sender;
    MissingParameter => 400, Sender;
    RequestExpired => 400, Sender;
    ServiceUnavailable => 503, Receiver;
    SignatureDoesNotMatch => 403, Sender;
    ThrottlingException => 400, Sender;
    ValidationError => 400, Sender;
    /// The request body is larger than iamlocal accepts (AWS answers 413 too).
    RequestEntityTooLarge => 413, Sender;
    /// The client stopped sending its request body (S3's code; IAM and STS document none).
    RequestTimeout => 400, Sender;
    /// An operation of the AWS model that iamlocal does not answer yet.
    NotImplemented => 501, Receiver;
    // IAM.
    ConcurrentModification => 409, Sender;
    DeleteConflict => 409, Sender;
    EntityAlreadyExists => 409, Sender;
    InvalidInput => 400, Sender;
    LimitExceeded => 409, Sender;
    MalformedPolicyDocument => 400, Sender;
    NoSuchEntity => 404, Sender;
    ServiceFailure => 500, Receiver;
    PasswordPolicyViolation => 400, Sender;
    InvalidUserType => 400, Sender;
    /// A service-linked role (or other AWS-protected entity) that only AWS may change.
    UnmodifiableEntity => 400, Sender;
    ReportNotPresent => 410, Sender;
    ReportExpired => 410, Sender;
    ReportInProgress => 404, Sender;
    /// The account is in no organization (iamlocal's accounts never are).
    OrganizationNotFoundException => 400, Sender;
    /// Outbound web identity federation is already on / already off.
    FeatureEnabled => 409, Sender;
    FeatureDisabled => 404, Sender;
    MalformedCertificate => 400, Sender;
    KeyPairMismatch => 400, Sender;
    DuplicateCertificate => 409, Sender;
    DuplicateSSHPublicKey => 400, Sender;
    UnrecognizedPublicKeyEncoding => 400, Sender;
    InvalidPublicKey => 400, Sender;
    /// A service that has no service-specific credentials (`ServiceNotSupportedException`).
    NotSupportedService => 404, Sender;
    /// A one-time code of an MFA device that does not check out.
    InvalidAuthenticationCode => 403, Sender;
    // STS.
    ExpiredToken => 400, Sender;
    PackedPolicyTooLarge => 400, Sender;
    InvalidAuthorizationMessageException => 400, Sender;
    /// A web identity token that does not verify (signature, issuer, audience).
    InvalidIdentityToken => 400, Sender;
    /// A web identity token whose `exp` has passed (AWS spells this one with the suffix).
    ExpiredTokenException => 400, Sender;
    OutboundWebIdentityFederationDisabledException => 403, Sender;
    SessionDurationEscalationException => 403, Sender;
    ExpiredTradeInTokenException => 400, Sender;
    /// A web identity token whose claims are not valid now (`nbf` or `iat` in the future):
    /// AWS's "the claim is invalid".
    IDPRejectedClaim => 403, Sender;
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.meta().0
    }

    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.meta().1).expect("error table holds valid statuses")
    }

    pub fn fault(self) -> Fault {
        self.meta().2
    }
}

/// An AWS error: a code from the table and the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    /// For a denial by the policy engine: the decision in the decisions log, whose encoded
    /// form the response carries beside AWS's message.
    pub decision_id: Option<u64>,
}

/// Builds an [`AwsError`] with a formatted message: `aws_error!(NoSuchEntity, "… {name} …")`.
#[macro_export]
macro_rules! aws_error {
    ($code:ident, $($fmt:tt)+) => {
        $crate::error::AwsError::new($crate::error::ErrorCode::$code, format!($($fmt)+))
    };
}

impl AwsError {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        AwsError {
            code,
            message: message.into(),
            decision_id: None,
        }
    }

    pub fn internal(source: impl fmt::Display) -> Self {
        tracing::error!(error = %source, "internal failure");
        AwsError::new(
            ErrorCode::InternalFailure,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }

    pub fn missing_authentication_token() -> Self {
        AwsError::new(
            ErrorCode::MissingAuthenticationToken,
            "Request is missing Authentication Token",
        )
    }

    pub fn invalid_client_token_id() -> Self {
        AwsError::new(
            ErrorCode::InvalidClientTokenId,
            "The security token included in the request is invalid.",
        )
    }

    pub fn expired_token() -> Self {
        AwsError::new(
            ErrorCode::ExpiredToken,
            "The security token included in the request is expired",
        )
    }

    pub fn signature_does_not_match() -> Self {
        AwsError::new(
            ErrorCode::SignatureDoesNotMatch,
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. \
             Consult the service documentation for details.",
        )
    }

    pub fn no_such_user(name: &str) -> Self {
        aws_error!(NoSuchEntity, "The user with name {name} cannot be found.")
    }

    pub fn access_denied(message: impl Into<Cow<'static, str>>) -> Self {
        AwsError::new(ErrorCode::AccessDenied, message)
    }

    /// STS's answer to an MFA serial number that is no device of the caller's.
    pub fn mfa_not_validated() -> Self {
        AwsError::access_denied(
            "MultiFactorAuthentication failed, unable to validate MFA code.  \
             Please verify your MFA serial number is valid and associated with this user.",
        )
    }

    /// STS's answer to a wrong (or spent, or stale) MFA code.
    pub fn mfa_code_invalid() -> Self {
        AwsError::access_denied(
            "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        )
    }

    /// The XML document AWS sends for an error, for the given request id.
    pub fn to_xml(&self, request_id: &str) -> String {
        let mut w = crate::protocol::xml::XmlWriter::new();
        w.open("ErrorResponse");
        w.open("Error");
        w.field(
            "Type",
            match self.code.fault() {
                Fault::Sender => "Sender",
                Fault::Receiver => "Receiver",
            },
        );
        w.field("Code", self.code.as_str());
        w.field("Message", &self.message);
        w.close("Error");
        w.field("RequestId", request_id);
        w.close("ErrorResponse");
        w.finish()
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for AwsError {}

impl From<crate::policy::PolicyError> for AwsError {
    fn from(e: crate::policy::PolicyError) -> Self {
        AwsError::new(ErrorCode::MalformedPolicyDocument, e.message().to_owned())
    }
}

impl From<sqlx::Error> for AwsError {
    fn from(e: sqlx::Error) -> Self {
        AwsError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_carry_their_status_and_fault() {
        assert_eq!(ErrorCode::NoSuchEntity.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            ErrorCode::SignatureDoesNotMatch.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(ErrorCode::InternalFailure.fault(), Fault::Receiver);
        assert_eq!(
            ErrorCode::EntityAlreadyExists.as_str(),
            "EntityAlreadyExists"
        );
    }

    #[test]
    fn error_document_escapes_the_message() {
        let xml = aws_error!(ValidationError, "Value '<x>' & more").to_xml("req-1");
        assert!(xml.contains("<Code>ValidationError</Code>"));
        assert!(xml.contains("<Message>Value &apos;&lt;x&gt;&apos; &amp; more</Message>"));
        assert!(xml.contains("<Type>Sender</Type>"));
        assert!(xml.contains("<RequestId>req-1</RequestId>"));
    }
}
