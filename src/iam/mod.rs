//! IAM actions, one file per resource family.

pub mod access_advisor;
pub mod access_keys;
pub mod account;
pub mod authorization_details;
pub mod credential_report;
mod der;
pub mod groups;
pub mod identity_policies;
pub mod instance_profiles;
pub mod login_profiles;
pub mod mfa_devices;
pub mod oidc_providers;
pub(crate) mod openssh;
pub mod outbound_federation;
pub mod passwords;
pub mod policies;
pub mod roles;
pub mod saml_providers;
pub mod server_certificates;
pub mod service_credentials;
pub mod service_linked_roles;
pub mod shapes;
pub mod signing_certificates;
pub mod simulate;
pub mod ssh_public_keys;
pub mod tagging;
pub mod users;
pub(crate) mod x509;

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::api::FromQuery;
use crate::aws_error;
use crate::error::AwsError;
use crate::protocol::query::{Input, Params};
use shapes::{MARKER, PATH_PREFIX};

/// The input of the account-wide listings (`ListUsers`, `ListRoles`, `ListGroups`): a path
/// prefix and a page.
pub struct PathListing {
    pub path_prefix: String,
    pub marker: Option<String>,
    pub max_items: usize,
}

impl FromQuery for PathListing {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let path_prefix = input.string("PathPrefix", &PATH_PREFIX);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(PathListing {
            path_prefix: path_prefix.unwrap_or_else(|| "/".into()),
            marker,
            max_items: max_items.unwrap_or(users::DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

/// The input of the listings about one user (the caller by default): `ListAccessKeys`,
/// `ListSigningCertificates`, `ListMFADevices`.
pub struct UserListing {
    pub user_name: Option<String>,
    pub marker: Option<String>,
    pub max_items: usize,
}

impl FromQuery for UserListing {
    fn from_query(params: &Params) -> Result<Self, AwsError> {
        let mut input = Input::new(params);
        let user_name = input.string("UserName", &shapes::EXISTING_USER_NAME);
        let marker = input.string("Marker", &MARKER);
        let max_items = input.integer("MaxItems", 1, 1000);
        input.finish()?;
        Ok(UserListing {
            user_name,
            marker,
            max_items: max_items.unwrap_or(users::DEFAULT_MAX_ITEMS) as usize,
        })
    }
}

/// One page of a short list held in memory, in the order of `key` (case aside; unique in
/// the list). The marker is the key of the first item of the next page, so that page starts
/// there however the list changed in between (an offset would skip or repeat items); it is
/// percent-encoded, as keys may hold characters a marker may not.
pub(crate) fn page_by_key<T: Clone>(
    items: &[T],
    key: impl Fn(&T) -> String,
    marker: Option<&str>,
    max_items: usize,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let order = |key: String| (key.to_lowercase(), key);
    let start = match marker {
        None => None,
        Some(m) => Some(order(
            percent_decode_str(m)
                .decode_utf8()
                .map_err(|_| aws_error!(InvalidInput, "Invalid Marker."))?
                .into_owned(),
        )),
    };
    let mut keyed: Vec<((String, String), &T)> = items
        .iter()
        .map(|item| (order(key(item)), item))
        .filter(|(k, _)| start.as_ref().is_none_or(|start| k >= start))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let next = keyed
        .get(max_items)
        .map(|((_, key), _)| utf8_percent_encode(key, NON_ALPHANUMERIC).to_string());
    let page = keyed
        .into_iter()
        .take(max_items)
        .map(|(_, item)| item.clone());
    Ok((page.collect(), next))
}

/// A [`page_by_key`] key that keeps items in the order they were made (ties by id), as the
/// store lists them.
pub(crate) fn made_order(at: time::OffsetDateTime, id: &str) -> String {
    format!("{:024}/{id}", at.unix_timestamp_nanos())
}

/// The marker of a list paged in memory ([`page_by_offset`]): an offset we handed out.
pub(crate) fn offset_marker(marker: Option<String>) -> Result<Option<usize>, AwsError> {
    marker
        .map(|m| m.parse())
        .transpose()
        .map_err(|_| aws_error!(InvalidInput, "Invalid Marker."))
}

/// One page of a list held in memory whose items cannot change between pages (a computed
/// report, a simulation's results): the marker is an offset into it.
pub(crate) fn page_by_offset<T: Clone>(
    items: &[T],
    marker: Option<usize>,
    max_items: usize,
) -> (Vec<T>, Option<String>) {
    let start = marker.unwrap_or(0).min(items.len());
    let end = start.saturating_add(max_items).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    (items[start..end].to_vec(), next)
}
