//! Virtual MFA devices: made with a TOTP seed (shown once, in base32 and as a QR code),
//! enabled for a user with two consecutive codes, resynchronised, deactivated, deleted.
//! STS checks their codes (`SerialNumber` + `TokenCode`) through the store.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html>
//!
//! The root user's MFA: AWS enables it in the console only ("You cannot enable an MFA
//! device for the AWS account root user with the AWS CLI, AWS API …",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_cliapi.html>).
//! iamlocal has no console, so it lets root's own credentials stand in for it: without
//! `UserName`, root's calls of `EnableMFADevice`, `ResyncMFADevice`, `DeactivateMFADevice`,
//! `GetMFADevice` and `ListMFADevices` are about root's devices.

pub mod qr_png;
pub mod totp;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;

use super::UserListing;
use super::login_profiles::user_or_caller;
use super::shapes::{EXISTING_USER_NAME, MARKER, PATH, USER_NAME, check_tag_keys, read_tags};
use super::tagging::{Named, Taggable};
use super::users::{
    DEFAULT_MAX_ITEMS, user_arn, write_root_user, write_tags, write_truncation, write_user,
};
use crate::api::{Ctx, FromQuery, RequestKeys};
use crate::arn;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params, Pattern, Shape, missing_member};
use crate::protocol::xml::{Empty, ToXml, XmlWriter};
use crate::store::{Assignment, MfaDevice, Store, Tag, VirtualMfaDevice};
use crate::view::Principal;

/// `[\w+=/:,.@-]+`
fn is_serial_number(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=/:,.@-".contains(&b))
}

pub const SERIAL_NUMBER: Shape = Shape {
    min: 9,
    max: 256,
    pattern: Some(Pattern {
        text: r"[\w+=/:,.@-]+",
        matches: is_serial_number,
    }),
};

/// The model sets no maximum; 226 keeps `arn:aws:iam::ACCOUNT:mfa/NAME` within the 256
/// characters every other action accepts as its serial number.
pub(crate) const DEVICE_NAME: Shape = Shape {
    max: 226,
    ..USER_NAME
};

/// `[\d]+`, six of them.
const AUTHENTICATION_CODE: Shape = Shape {
    min: 6,
    max: 6,
    pattern: Some(Pattern {
        text: r"[\d]+",
        matches: |s| s.bytes().all(|b| b.is_ascii_digit()),
    }),
};

/// MFA devices for the generic tag actions (`TagMFADevice` …), named by serial number.
pub struct MfaDeviceKind;

impl Named for MfaDeviceKind {
    const NAME_PARAM: &'static str = "SerialNumber";
    const NAME_SHAPE: Shape = SERIAL_NUMBER;
    const NOUN: &'static str = "MFADevice";

    async fn arn(_cx: &Ctx<'_>, serial: &str) -> Result<String, AwsError> {
        Ok(serial.to_owned())
    }
}

impl Taggable for MfaDeviceKind {
    async fn tag(store: &Store, account: &str, serial: &str, tags: &[Tag]) -> Result<(), AwsError> {
        store.tag_mfa_device(account, serial, tags).await
    }

    async fn untag(
        store: &Store,
        account: &str,
        serial: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        store.untag_mfa_device(account, serial, keys).await
    }

    async fn tags(store: &Store, account: &str, serial: &str) -> Result<Vec<Tag>, AwsError> {
        store.mfa_device_tags(account, serial).await
    }
}

pub struct CreateVirtualMfaDeviceInput {
    name: String,
    path: String,
    tags: Vec<Tag>,
}

impl FromQuery for CreateVirtualMfaDeviceInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let path = input.string("Path", &PATH).unwrap_or_else(|| "/".into());
        let name = input.required("VirtualMFADeviceName", &DEVICE_NAME);
        let tags = read_tags(&mut input);
        input.finish()?;
        check_tag_keys(&tags)?;
        Ok(CreateVirtualMfaDeviceInput { name, path, tags })
    }
}

pub struct CreateVirtualMfaDeviceOutput {
    device: VirtualMfaDevice,
    qr_code_png: Vec<u8>,
}

impl ToXml for CreateVirtualMfaDeviceOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        let device = &self.device;
        w.open("VirtualMFADevice");
        w.field("SerialNumber", &device.serial_number);
        // Blobs travel in base64: the SDKs hand back the base32 text and the PNG's bytes.
        w.field("Base32StringSeed", &STANDARD.encode(&device.seed));
        w.field("QRCodePNG", &STANDARD.encode(&self.qr_code_png));
        write_tags(w, &device.tags);
        w.close("VirtualMFADevice");
    }
}

pub async fn create_virtual_mfa_device(
    cx: &Ctx<'_>,
    input: CreateVirtualMfaDeviceInput,
) -> Result<CreateVirtualMfaDeviceOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize_with(
        "iam:CreateVirtualMFADevice",
        &arn::mfa(account, &input.path, &input.name),
        RequestKeys::default().tags(&input.tags),
    )?;
    let store = &cx.app.store;
    let device = store
        .create_virtual_mfa_device(account, &input.name, &input.path, &input.tags, cx.now())
        .await?;
    // The label names the account by its alias when it has one, as AWS's does.
    let account_name = store.account_aliases(account).await?.pop();
    let uri = otpauth_uri(
        &input.name,
        account_name.as_deref().unwrap_or(account),
        &device.seed,
    );
    let qr_code_png = qr_png::qr_png(&uri)
        .ok_or_else(|| AwsError::internal("the otpauth URI does not fit a QR code"))?;
    Ok(CreateVirtualMfaDeviceOutput {
        device,
        qr_code_png,
    })
}

/// What a key URI's label escapes: all but RFC 3986's unreserved characters.
const LABEL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `otpauth://totp/NAME@ACCOUNT?secret=SEED`, the key URI authenticator apps scan, in the
/// form AWS documents for `QRCodePNG`.
/// <https://github.com/google/google-authenticator/wiki/Key-Uri-Format>
pub fn otpauth_uri(device_name: &str, account_name: &str, seed: &str) -> String {
    let name = utf8_percent_encode(device_name, LABEL);
    let account = utf8_percent_encode(account_name, LABEL);
    format!("otpauth://totp/{name}@{account}?secret={seed}")
}

pub struct SerialNumberInput {
    serial_number: String,
}

impl FromQuery for SerialNumberInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let serial_number = input.required("SerialNumber", &SERIAL_NUMBER);
        input.finish()?;
        Ok(SerialNumberInput { serial_number })
    }
}

pub async fn delete_virtual_mfa_device(
    cx: &Ctx<'_>,
    input: SerialNumberInput,
) -> Result<Empty, AwsError> {
    cx.authorize("iam:DeleteVirtualMFADevice", &input.serial_number)?;
    cx.app
        .store
        .delete_virtual_mfa_device(cx.account_id(), &input.serial_number)
        .await?;
    Ok(Empty)
}

pub struct ListVirtualMfaDevicesInput {
    assignment: Assignment,
    marker: Option<String>,
    max_items: usize,
}

impl FromQuery for ListVirtualMfaDevicesInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let assignment = input.enumeration("AssignmentStatus", &["Assigned", "Unassigned", "Any"]);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(ListVirtualMfaDevicesInput {
            assignment: match assignment.as_deref() {
                Some("Assigned") => Assignment::Assigned,
                Some("Unassigned") => Assignment::Unassigned,
                _ => Assignment::Any,
            },
            marker,
            max_items: max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

pub struct ListVirtualMfaDevicesOutput {
    devices: Vec<VirtualMfaDevice>,
    /// The account and when it was made: the root user, as the `User` of its devices.
    account_id: String,
    account_created_at: OffsetDateTime,
    marker: Option<String>,
}

impl ToXml for ListVirtualMfaDevicesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        // Listings leave out seeds, QR codes and tags, as AWS's do.
        w.members("VirtualMFADevices", &self.devices, |w, device| {
            w.field("SerialNumber", &device.serial_number);
            match (&device.user, device.enabled_at) {
                (Some(user), _) => {
                    w.open("User");
                    write_user(w, user);
                    w.close("User");
                }
                (None, Some(_)) => {
                    w.open("User");
                    write_root_user(w, &self.account_id, self.account_created_at);
                    w.close("User");
                }
                (None, None) => {}
            }
            if let Some(enabled_at) = device.enabled_at {
                w.field("EnableDate", &iso8601(enabled_at));
            }
        });
        write_truncation(w, self.marker.as_deref());
    }
}

pub async fn list_virtual_mfa_devices(
    cx: &Ctx<'_>,
    input: ListVirtualMfaDevicesInput,
) -> Result<ListVirtualMfaDevicesOutput, AwsError> {
    let account = cx.account_id();
    cx.authorize("iam:ListVirtualMFADevices", &arn::mfa(account, "/", ""))?;
    let store = &cx.app.store;
    let page = store
        .list_virtual_mfa_devices(
            account,
            input.assignment,
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListVirtualMfaDevicesOutput {
        devices: page.items,
        account_id: account.to_owned(),
        account_created_at: store.account_created_at(account).await?,
        marker: page.marker,
    })
}

/// `EnableMFADevice` and `ResyncMFADevice`: a user, a device and two consecutive codes.
pub struct CodesInput {
    /// Required, except of root (see the module's header).
    user_name: Option<String>,
    serial_number: String,
    code1: String,
    code2: String,
}

impl FromQuery for CodesInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        let serial_number = input.required("SerialNumber", &SERIAL_NUMBER);
        let code1 = input.required("AuthenticationCode1", &AUTHENTICATION_CODE);
        let code2 = input.required("AuthenticationCode2", &AUTHENTICATION_CODE);
        input.finish()?;
        Ok(CodesInput {
            user_name,
            serial_number,
            code1,
            code2,
        })
    }
}

impl CodesInput {
    /// The device's owner: the user named, or root when root leaves the name out.
    fn owner(&self, cx: &Ctx<'_>) -> Result<Owner, AwsError> {
        match (&self.user_name, &cx.caller.principal) {
            (None, Principal::Root { .. }) => Ok(Owner::Root),
            (None, _) => Err(missing_member("UserName")),
            (Some(name), _) => Ok(Owner::User(name.clone())),
        }
    }
}

/// Whose MFA devices an action is about.
enum Owner {
    User(String),
    Root,
}

impl Owner {
    /// The user named, else the caller: the root user too, when it signs.
    fn named_or_caller(cx: &Ctx<'_>, user_name: Option<String>) -> Result<Owner, AwsError> {
        match (user_name, &cx.caller.principal) {
            (None, Principal::Root { .. }) => Ok(Owner::Root),
            (user_name, _) => Ok(Owner::User(user_or_caller(cx, user_name)?)),
        }
    }

    /// What the action is authorized on: the user's ARN, or root's.
    fn arn(&self, cx: &Ctx<'_>) -> String {
        match self {
            Owner::User(name) => user_arn(cx, name),
            Owner::Root => arn::root(cx.account_id()),
        }
    }

    /// The user's name, as the store takes it (`None` for root).
    fn user_name(&self) -> Option<&str> {
        match self {
            Owner::User(name) => Some(name),
            Owner::Root => None,
        }
    }
}

pub async fn enable_mfa_device(cx: &Ctx<'_>, input: CodesInput) -> Result<Empty, AwsError> {
    let owner = input.owner(cx)?;
    cx.authorize("iam:EnableMFADevice", &owner.arn(cx))?;
    cx.app
        .store
        .enable_mfa_device(
            cx.account_id(),
            owner.user_name(),
            &input.serial_number,
            (&input.code1, &input.code2),
            cx.now(),
        )
        .await?;
    Ok(Empty)
}

pub async fn resync_mfa_device(cx: &Ctx<'_>, input: CodesInput) -> Result<Empty, AwsError> {
    let owner = input.owner(cx)?;
    cx.authorize("iam:ResyncMFADevice", &owner.arn(cx))?;
    cx.app
        .store
        .resync_mfa_device(
            cx.account_id(),
            owner.user_name(),
            &input.serial_number,
            (&input.code1, &input.code2),
            cx.now(),
        )
        .await?;
    Ok(Empty)
}

/// `DeactivateMFADevice` and `GetMFADevice`: a device of a user (the caller by default).
pub struct UserDeviceInput {
    user_name: Option<String>,
    serial_number: String,
}

impl FromQuery for UserDeviceInput {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &EXISTING_USER_NAME);
        let serial_number = input.required("SerialNumber", &SERIAL_NUMBER);
        input.finish()?;
        Ok(UserDeviceInput {
            user_name,
            serial_number,
        })
    }
}

pub async fn deactivate_mfa_device(
    cx: &Ctx<'_>,
    input: UserDeviceInput,
) -> Result<Empty, AwsError> {
    let owner = Owner::named_or_caller(cx, input.user_name)?;
    cx.authorize("iam:DeactivateMFADevice", &owner.arn(cx))?;
    cx.app
        .store
        .deactivate_mfa_device(cx.account_id(), owner.user_name(), &input.serial_number)
        .await?;
    Ok(Empty)
}

pub struct GetMfaDeviceOutput {
    device: MfaDevice,
}

impl ToXml for GetMfaDeviceOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        write_mfa_device(w, &self.device);
    }
}

pub async fn get_mfa_device(
    cx: &Ctx<'_>,
    input: UserDeviceInput,
) -> Result<GetMfaDeviceOutput, AwsError> {
    let owner = Owner::named_or_caller(cx, input.user_name)?;
    cx.authorize("iam:GetMFADevice", &owner.arn(cx))?;
    let device = cx
        .app
        .store
        .mfa_device(cx.account_id(), owner.user_name(), &input.serial_number)
        .await?;
    Ok(GetMfaDeviceOutput { device })
}

pub struct ListMfaDevicesOutput {
    devices: Vec<MfaDevice>,
    marker: Option<String>,
}

impl ToXml for ListMfaDevicesOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.members("MFADevices", &self.devices, write_mfa_device);
        write_truncation(w, self.marker.as_deref());
    }
}

/// Without a name, the caller's own devices (root's too).
pub async fn list_mfa_devices(
    cx: &Ctx<'_>,
    input: UserListing,
) -> Result<ListMfaDevicesOutput, AwsError> {
    let owner = Owner::named_or_caller(cx, input.user_name)?;
    cx.authorize("iam:ListMFADevices", &owner.arn(cx))?;
    let page = cx
        .app
        .store
        .list_mfa_devices(
            cx.account_id(),
            owner.user_name(),
            input.marker.as_deref(),
            input.max_items,
        )
        .await?;
    Ok(ListMfaDevicesOutput {
        devices: page.items,
        marker: page.marker,
    })
}

fn write_mfa_device(w: &mut XmlWriter, device: &MfaDevice) {
    w.field("UserName", &device.user_name);
    w.field("SerialNumber", &device.serial_number);
    w.field("EnableDate", &iso8601(device.enabled_at));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_uri_escapes_only_what_a_label_must() {
        assert_eq!(
            otpauth_uri("ann+phone", "my-alias", "MZXW6YTBOI"),
            "otpauth://totp/ann%2Bphone@my-alias?secret=MZXW6YTBOI"
        );
    }
}
