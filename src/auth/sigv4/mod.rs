//! SigV4 verification, step 2 of the request path (`server → protocol::query → auth → api`):
//! who signed this request, and is the signature good?
//!
//! - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>
//!   (the algorithm; also the AWS example the tests are pinned to)
//! - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html>
//!   (the error messages)
//!
//! Pure: no I/O, no async, no clock reads. [`parse`] finds the signature (header or presigned
//! URL); the caller looks up the key it names; [`verify`] checks the time window against the
//! real clock it is given and the signature against the secret.

mod canonical;
mod header;
mod presigned;
mod request;
mod scope;
mod signature;
mod timestamp;
mod verify;

#[cfg(test)]
mod oracle;
#[cfg(test)]
mod testing;

pub use canonical::{CanonicalRequest, StringToSign};
pub use request::HttpRequest;
pub use scope::CredentialScope;
pub use signature::{Signature, SignatureLocation, parse};
pub use verify::{MAX_CLOCK_SKEW, SigningKey, check_time, signing_key, verify, verify_with_key};
