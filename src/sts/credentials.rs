//! Temporary credentials: an `ASIA…` key id, a secret and a session token, with an expiry
//! on the virtual clock.

use time::{Duration, OffsetDateTime};

use crate::clock::iso8601;
use crate::ids::{IdKind, new_id, new_secret, new_session_token};
use crate::protocol::xml::XmlWriter;

pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: OffsetDateTime,
}

/// New credentials in `account_id`, valid for `seconds` from `now`.
pub fn mint(account_id: &str, now: OffsetDateTime, seconds: i64) -> Credentials {
    Credentials {
        access_key_id: new_id(IdKind::TemporaryAccessKey, account_id),
        secret_access_key: new_secret(),
        session_token: new_session_token(),
        expiration: now + Duration::seconds(seconds),
    }
}

impl Credentials {
    /// About the length of the `Credentials` element (the session token is 396 characters).
    pub const XML_BYTES: usize = 650;

    /// The `Credentials` element every STS action returns.
    pub fn write_xml(&self, w: &mut XmlWriter) {
        write_xml(
            w,
            &self.access_key_id,
            &self.secret_access_key,
            &self.session_token,
            self.expiration,
        );
    }
}

/// The `Credentials` element, from wherever the credentials are kept.
pub fn write_xml(
    w: &mut XmlWriter,
    access_key_id: &str,
    secret_access_key: &str,
    session_token: &str,
    expiration: OffsetDateTime,
) {
    w.open("Credentials");
    w.field("AccessKeyId", access_key_id);
    w.field("SecretAccessKey", secret_access_key);
    w.field("SessionToken", session_token);
    w.field("Expiration", &iso8601(expiration));
    w.close("Credentials");
}
