//! Virtual MFA devices: their TOTP seeds, the user each is enabled for, and the one-time
//! codes they accept (each once, within a step of the device's clock).
//!
//! A device is in use when it has an enable date; one in use with no user is the root
//! user's. Where a user name is optional below, `None` means the root user.
//!
//! AWS does not document the messages of these errors; those here are as observed from
//! AWS where known (`Cannot delete entity, must delete MFA device first.`, `Authentication
//! code for device is not valid.`), else iamlocal's wording.

use sqlx::SqliteConnection;
use time::OffsetDateTime;

use super::tags::{
    Tag, Tagged, add_tags_within_quota, put_tags, remove_tags, resource_tags_change,
    resource_tags_changes, tags_of,
};
use super::user_names::UserNames;
use super::users::{user_by_id, user_id};
use super::{Page, Store, User, from_millis, lagging, to_millis, unique_or};
use crate::arn;
use crate::aws_error;
use crate::error::{AwsError, ErrorCode};
use crate::iam::mfa_devices::totp;
use crate::view::{Change, MfaDeviceRecord};

/// AWS's quota of MFA devices in use per user.
pub const DEVICES_PER_USER: i64 = 8;

/// AWS's quota of virtual MFA devices per account (assigned or not): its quota of users.
const DEVICES_PER_ACCOUNT: i64 = 5000;

#[derive(Debug, Clone)]
pub struct VirtualMfaDevice {
    pub serial_number: String,
    /// The seed in base32.
    pub seed: String,
    /// The user it is enabled for (none when it is unassigned or the root user's), and
    /// since when.
    pub user: Option<User>,
    pub enabled_at: Option<OffsetDateTime>,
    pub tags: Vec<Tag>,
}

/// An MFA device enabled for a user, as `ListMFADevices` shows it.
#[derive(Debug, Clone)]
pub struct MfaDevice {
    /// The user's name; for the root user, which has none, the account ID (its user ID).
    pub user_name: String,
    pub serial_number: String,
    pub enabled_at: OffsetDateTime,
}

/// Which virtual devices `ListVirtualMFADevices` wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    Assigned,
    Unassigned,
    Any,
}

#[derive(sqlx::FromRow)]
struct DeviceRow {
    serial_number: String,
    seed: String,
    user_id: Option<String>,
    enabled_at: Option<i64>,
    last_step: i64,
    drift_steps: i64,
}

impl DeviceRow {
    /// Is the device in use by this user (by unique ID; `None` for root)?
    fn is_enabled_for(&self, user_id: Option<&str>) -> bool {
        self.enabled_at.is_some() && self.user_id.as_deref() == user_id
    }

    fn key(&self) -> Result<Vec<u8>, AwsError> {
        totp::base32_decode(&self.seed)
            .ok_or_else(|| AwsError::internal("a stored MFA seed is not base32"))
    }

    async fn into_device(
        self,
        conn: &mut SqliteConnection,
        tags: Vec<Tag>,
    ) -> Result<VirtualMfaDevice, AwsError> {
        let user = match &self.user_id {
            Some(id) => user_by_id(conn, id).await?,
            None => None,
        };
        Ok(VirtualMfaDevice {
            serial_number: self.serial_number,
            seed: self.seed,
            user,
            enabled_at: self.enabled_at.map(from_millis),
            tags,
        })
    }
}

macro_rules! select_devices {
    ($rest:literal) => {
        concat!(
            "SELECT serial_number, seed, user_id, enabled_at, last_step, drift_steps
             FROM mfa_devices ",
            $rest
        )
    };
}

impl Store {
    pub async fn create_virtual_mfa_device(
        &self,
        account_id: &str,
        name: &str,
        path: &str,
        tags: &[Tag],
        now: OffsetDateTime,
    ) -> Result<VirtualMfaDevice, AwsError> {
        let mut w = self.begin().await?;
        let (devices,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM mfa_devices WHERE account_id = ?")
                .bind(account_id)
                .fetch_one(&mut *w.tx)
                .await?;
        if devices >= DEVICES_PER_ACCOUNT {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for VirtualMFADevicesPerAccount: {DEVICES_PER_ACCOUNT}"
            ));
        }
        let serial_number = arn::mfa(account_id, path, name);
        let seed = totp::new_seed();
        sqlx::query(
            "INSERT INTO mfa_devices (serial_number, account_id, device_name, path, seed, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&serial_number)
        .bind(account_id)
        .bind(name)
        .bind(path)
        .bind(&seed)
        .bind(to_millis(now))
        .execute(&mut *w.tx)
        .await
        .map_err(|e| unique_or(e, || {
                aws_error!(
                    EntityAlreadyExists,
                    "MFADevice entity at the same path and name already exists."
                )
            }))?;
        put_tags(&mut w.tx, Tagged::MfaDevice, &serial_number, tags).await?;
        if !tags.is_empty() {
            w.record(resource_tags_change(&serial_number, tags));
        }
        w.record(device_change(account_id, &serial_number, None));
        w.commit().await?;
        Ok(VirtualMfaDevice {
            serial_number,
            seed,
            user: None,
            enabled_at: None,
            tags: tags.to_vec(),
        })
    }

    pub async fn delete_virtual_mfa_device(
        &self,
        account_id: &str,
        serial: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = device_row(&mut w.tx, account_id, serial).await?;
        if row.enabled_at.is_some() {
            return Err(aws_error!(
                DeleteConflict,
                "MFA device is in use; deactivate it before deleting it."
            ));
        }
        sqlx::query("DELETE FROM mfa_devices WHERE serial_number = ?")
            .bind(serial)
            .execute(&mut *w.tx)
            .await?;
        w.record(resource_tags_change(serial, &[]));
        w.record(Change::MfaDeviceRemoved {
            serial_number: serial.to_owned(),
        });
        w.commit().await
    }

    /// A page of the account's virtual devices by serial number; `marker` is the serial to
    /// start at. Listings leave out seeds and tags, as AWS's do.
    pub async fn list_virtual_mfa_devices(
        &self,
        account_id: &str,
        assignment: Assignment,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<VirtualMfaDevice>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return Ok(lagging::virtual_mfa_devices(
                view, account_id, assignment, marker, max_items,
            ));
        }
        let mut conn = self.read().await?;
        let mut rows: Vec<DeviceRow> = sqlx::query_as(select_devices!(
            "WHERE account_id = ?1 AND serial_number >= ?2
               AND (?3 = 'Any' OR (enabled_at IS NOT NULL) = (?3 = 'Assigned'))
             ORDER BY serial_number LIMIT ?4"
        ))
        .bind(account_id)
        .bind(marker.unwrap_or(""))
        .bind(match assignment {
            Assignment::Assigned => "Assigned",
            Assignment::Unassigned => "Unassigned",
            Assignment::Any => "Any",
        })
        .bind(max_items as i64 + 1)
        .fetch_all(&mut *conn)
        .await?;
        let marker = (rows.len() > max_items).then(|| rows.pop().expect("len > max").serial_number);
        let mut items = Vec::with_capacity(rows.len());
        for mut row in rows {
            row.seed.clear();
            items.push(row.into_device(&mut conn, Vec::new()).await?);
        }
        Ok(Page { items, marker })
    }

    /// Enables a device for a user (or root), once two consecutive codes of it check out.
    pub async fn enable_mfa_device(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        serial: &str,
        codes: (&str, &str),
        now: OffsetDateTime,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = owner_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let row = device_row(&mut w.tx, account_id, serial).await?;
        if row.enabled_at.is_some() {
            return Err(aws_error!(
                EntityAlreadyExists,
                "MFA Device is already in use."
            ));
        }
        let (in_use,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM mfa_devices
             WHERE account_id = ? AND user_id IS ? AND enabled_at IS NOT NULL",
        )
        .bind(account_id)
        .bind(&user_id)
        .fetch_one(&mut *w.tx)
        .await?;
        if in_use >= DEVICES_PER_USER {
            return Err(aws_error!(
                LimitExceeded,
                "Cannot exceed quota for MFADevicesPerUser: {DEVICES_PER_USER}"
            ));
        }
        let (step, drift) = check_pair(&row, codes, now)?;
        sqlx::query(
            "UPDATE mfa_devices SET user_id = ?, enabled_at = ?, last_step = ?, drift_steps = ?
             WHERE serial_number = ?",
        )
        .bind(&user_id)
        .bind(to_millis(now))
        .bind(step)
        .bind(drift)
        .bind(serial)
        .execute(&mut *w.tx)
        .await?;
        w.record(device_change(account_id, serial, Some((user_id, now))));
        w.commit().await
    }

    /// Measures again how far the device's clock is off, from two consecutive codes.
    pub async fn resync_mfa_device(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        serial: &str,
        codes: (&str, &str),
        now: OffsetDateTime,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = owner_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        let row = users_device(&mut w.tx, account_id, user_id.as_deref(), serial).await?;
        let (step, drift) = check_pair(&row, codes, now)?;
        sqlx::query(
            "UPDATE mfa_devices SET last_step = ?, drift_steps = ? WHERE serial_number = ?",
        )
        .bind(step)
        .bind(drift)
        .bind(serial)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    pub async fn deactivate_mfa_device(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        serial: &str,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let user_id = owner_id(&mut w.tx, &self.user_names, account_id, user_name).await?;
        users_device(&mut w.tx, account_id, user_id.as_deref(), serial).await?;
        sqlx::query(
            "UPDATE mfa_devices SET user_id = NULL, enabled_at = NULL, drift_steps = 0
             WHERE serial_number = ?",
        )
        .bind(serial)
        .execute(&mut *w.tx)
        .await?;
        w.record(device_change(account_id, serial, None));
        w.commit().await
    }

    /// A page of the devices enabled for a user (or root), by serial number.
    pub async fn list_mfa_devices(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        marker: Option<&str>,
        max_items: usize,
    ) -> Result<Page<MfaDevice>, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            return lagging::mfa_devices(view, account_id, user_name, marker, max_items);
        }
        let mut conn = self.read().await?;
        let user_id = owner_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let mut rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT serial_number, enabled_at FROM mfa_devices
             WHERE account_id = ?1 AND user_id IS ?2 AND enabled_at IS NOT NULL
               AND serial_number >= ?3
             ORDER BY serial_number LIMIT ?4",
        )
        .bind(account_id)
        .bind(&user_id)
        .bind(marker.unwrap_or(""))
        .bind(max_items as i64 + 1)
        .fetch_all(&mut *conn)
        .await?;
        let marker = (rows.len() > max_items).then(|| rows.pop().expect("len > max").0);
        let items = rows
            .into_iter()
            .map(|(serial_number, enabled_at)| MfaDevice {
                user_name: user_name.unwrap_or(account_id).to_owned(),
                serial_number,
                enabled_at: from_millis(enabled_at),
            })
            .collect();
        Ok(Page { items, marker })
    }

    /// One device enabled for the user (or root).
    pub async fn mfa_device(
        &self,
        account_id: &str,
        user_name: Option<&str>,
        serial: &str,
    ) -> Result<MfaDevice, AwsError> {
        if let Some(view) = self.propagation.lagging_view() {
            let page = lagging::mfa_devices(view, account_id, user_name, Some(serial), 1)?;
            return (page.items.into_iter())
                .find(|d| d.serial_number == serial)
                .ok_or_else(|| no_such_device(serial));
        }
        let mut conn = self.read().await?;
        let user_id = owner_id(&mut conn, &self.user_names, account_id, user_name).await?;
        let row = users_device(&mut conn, account_id, user_id.as_deref(), serial).await?;
        Ok(MfaDevice {
            user_name: user_name.unwrap_or(account_id).to_owned(),
            serial_number: row.serial_number,
            enabled_at: row.enabled_at.map(from_millis).unwrap_or(from_millis(0)),
        })
    }

    /// Checks a one-time code of a device enabled for the user (by unique id; `None` for
    /// root) that STS is given; the code is spent. AWS's two answers: the device is not that
    /// user's, or the code is wrong (or already used, or too far from the device's clock).
    pub async fn check_mfa_code(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        serial: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        let row = find_device(&mut w.tx, account_id, serial)
            .await?
            .filter(|row| row.is_enabled_for(user_id))
            .ok_or_else(AwsError::mfa_not_validated)?;
        let expected = totp::step_at(now) + row.drift_steps;
        let step = totp::matching_step(
            &row.key()?,
            code,
            (expected - totp::WINDOW..=expected + totp::WINDOW).filter(|&s| s > row.last_step),
        )
        .ok_or_else(AwsError::mfa_code_invalid)?;
        sqlx::query("UPDATE mfa_devices SET last_step = ? WHERE serial_number = ?")
            .bind(step)
            .bind(serial)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }

    pub async fn tag_mfa_device(
        &self,
        account_id: &str,
        serial: &str,
        tags: &[Tag],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        device_row(&mut w.tx, account_id, serial).await?;
        let tags = add_tags_within_quota(&mut w.tx, Tagged::MfaDevice, serial, tags).await?;
        w.record(resource_tags_change(serial, &tags));
        w.commit().await
    }

    pub async fn untag_mfa_device(
        &self,
        account_id: &str,
        serial: &str,
        keys: &[String],
    ) -> Result<(), AwsError> {
        let mut w = self.begin().await?;
        device_row(&mut w.tx, account_id, serial).await?;
        remove_tags(&mut w.tx, Tagged::MfaDevice, serial, keys).await?;
        let tags = tags_of(&mut w.tx, Tagged::MfaDevice, serial).await?;
        w.record(resource_tags_change(serial, &tags));
        w.commit().await
    }

    pub async fn mfa_device_tags(
        &self,
        account_id: &str,
        serial: &str,
    ) -> Result<Vec<Tag>, AwsError> {
        let mut conn = self.read().await?;
        device_row(&mut conn, account_id, serial).await?;
        tags_of(&mut conn, Tagged::MfaDevice, serial).await
    }

    pub(super) async fn mfa_device_tag_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT serial_number, tag_key, tag_value FROM mfa_device_tags ORDER BY rowid",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(resource_tags_changes(rows))
    }

    /// Every virtual MFA device, for the view's first build.
    pub(super) async fn mfa_device_changes(&self) -> Result<Vec<Change>, AwsError> {
        let rows: Vec<(String, String, Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT serial_number, account_id, user_id, enabled_at FROM mfa_devices",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(serial, account_id, user_id, enabled_at)| {
                let enabled = enabled_at.map(|at| (user_id, from_millis(at)));
                device_change(&account_id, &serial, enabled)
            })
            .collect())
    }
}

/// A device as the view keeps it: whom it is enabled for (and since when), never its seed.
fn device_change(
    account_id: &str,
    serial: &str,
    enabled: Option<(Option<String>, OffsetDateTime)>,
) -> Change {
    let (user_id, enabled_at) = enabled.unzip();
    let user_id = user_id.flatten();
    Change::MfaDevicePut(std::sync::Arc::new(MfaDeviceRecord {
        serial_number: serial.to_owned(),
        account_id: crate::view::account_id(account_id),
        user_id,
        enabled_at,
    }))
}

/// Two consecutive codes, anywhere within the resynchronisation window: the step of the
/// second (spent with it) and how far the device's clock is off.
fn check_pair(
    row: &DeviceRow,
    codes: (&str, &str),
    now: OffsetDateTime,
) -> Result<(i64, i64), AwsError> {
    let now_step = totp::step_at(now);
    let key = row.key()?;
    let first = totp::matching_pair(&key, codes, now_step, row.last_step).ok_or_else(|| {
        AwsError::new(
            ErrorCode::InvalidAuthenticationCode,
            "Authentication code for device is not valid.",
        )
    })?;
    Ok((first + 1, totp::drift(now_step, first + 1)))
}

async fn device_row(
    conn: &mut SqliteConnection,
    account_id: &str,
    serial: &str,
) -> Result<DeviceRow, AwsError> {
    find_device(conn, account_id, serial)
        .await?
        .ok_or_else(|| no_such_device(serial))
}

async fn find_device(
    conn: &mut SqliteConnection,
    account_id: &str,
    serial: &str,
) -> Result<Option<DeviceRow>, AwsError> {
    Ok(sqlx::query_as(select_devices!(
        "WHERE account_id = ? AND serial_number = ?"
    ))
    .bind(account_id)
    .bind(serial)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A device enabled for the user (or root); any other is, for the user's actions, no such
/// entity.
async fn users_device(
    conn: &mut SqliteConnection,
    account_id: &str,
    user_id: Option<&str>,
    serial: &str,
) -> Result<DeviceRow, AwsError> {
    find_device(conn, account_id, serial)
        .await?
        .filter(|row| row.is_enabled_for(user_id))
        .ok_or_else(|| no_such_device(serial))
}

/// The unique ID of the named user; `None` for the root user.
async fn owner_id(
    conn: &mut SqliteConnection,
    names: &UserNames,
    account_id: &str,
    user_name: Option<&str>,
) -> Result<Option<String>, AwsError> {
    match user_name {
        Some(name) => Ok(Some(user_id(conn, names, account_id, name).await?)),
        None => Ok(None),
    }
}

fn no_such_device(serial: &str) -> AwsError {
    aws_error!(
        NoSuchEntity,
        "MFA Device with serial number {serial} does not exist."
    )
}

/// `DeleteUser`'s conflict when the user still has an MFA device enabled.
pub(super) async fn mfa_device_conflict(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> Result<Option<AwsError>, AwsError> {
    let (devices,): (i64,) = sqlx::query_as("SELECT count(*) FROM mfa_devices WHERE user_id = ?")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((devices > 0).then(|| {
        aws_error!(
            DeleteConflict,
            "Cannot delete entity, must delete MFA device first."
        )
    }))
}
