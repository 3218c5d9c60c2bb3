//! Tags of IAM entities. Every taggable family has its own table of the same shape; keys
//! are unique per entity regardless of case, and tags keep the order they were added in.

use sqlx::SqliteConnection;

use crate::error::AwsError;
use crate::view::Change;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// Which entity's tags: each names its table's statements (sqlx takes only static SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Tagged {
    User,
    Policy,
    Role,
    OidcProvider,
    InstanceProfile,
    ServerCertificate,
    SamlProvider,
    MfaDevice,
}

impl Tagged {
    fn select(self) -> &'static str {
        match self {
            Tagged::User => {
                "SELECT tag_key, tag_value FROM user_tags WHERE user_id = ? ORDER BY rowid"
            }
            Tagged::Policy => {
                "SELECT tag_key, tag_value FROM policy_tags WHERE policy_id = ? ORDER BY rowid"
            }
            Tagged::Role => {
                "SELECT tag_key, tag_value FROM role_tags WHERE role_id = ? ORDER BY rowid"
            }
            Tagged::OidcProvider => {
                "SELECT tag_key, tag_value FROM oidc_provider_tags WHERE provider_arn = ? ORDER BY rowid"
            }
            Tagged::InstanceProfile => {
                "SELECT tag_key, tag_value FROM instance_profile_tags
                 WHERE instance_profile_id = ? ORDER BY rowid"
            }
            Tagged::ServerCertificate => {
                "SELECT tag_key, tag_value FROM server_certificate_tags
                 WHERE server_certificate_id = ? ORDER BY rowid"
            }
            Tagged::SamlProvider => {
                "SELECT tag_key, tag_value FROM saml_provider_tags WHERE provider_arn = ? ORDER BY rowid"
            }
            Tagged::MfaDevice => {
                "SELECT tag_key, tag_value FROM mfa_device_tags WHERE serial_number = ? ORDER BY rowid"
            }
        }
    }

    fn upsert(self) -> &'static str {
        match self {
            Tagged::User => {
                "INSERT INTO user_tags (user_id, tag_key, tag_value) VALUES (?, ?, ?)
                 ON CONFLICT (user_id, tag_key)
                 DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value"
            }
            Tagged::Policy => {
                "INSERT INTO policy_tags (policy_id, tag_key, tag_value) VALUES (?, ?, ?)
                 ON CONFLICT (policy_id, tag_key)
                 DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value"
            }
            Tagged::Role => {
                "INSERT INTO role_tags (role_id, tag_key, tag_value) VALUES (?, ?, ?)
                 ON CONFLICT (role_id, tag_key)
                 DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value"
            }
            Tagged::OidcProvider => {
                "INSERT INTO oidc_provider_tags (provider_arn, tag_key, tag_value) VALUES (?, ?, ?)
                 ON CONFLICT (provider_arn, tag_key)
                 DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value"
            }
            Tagged::InstanceProfile => {
                "INSERT INTO instance_profile_tags (instance_profile_id, tag_key, tag_value)
                 VALUES (?, ?, ?)
                 ON CONFLICT (instance_profile_id, tag_key)
                 DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value"
            }
            Tagged::ServerCertificate => {
                "INSERT INTO server_certificate_tags (server_certificate_id, tag_key, tag_value)
                 VALUES (?, ?, ?)
                 ON CONFLICT (server_certificate_id, tag_key)
                 DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value"
            }
            Tagged::SamlProvider => {
                "INSERT INTO saml_provider_tags (provider_arn, tag_key, tag_value) VALUES (?, ?, ?)
                 ON CONFLICT (provider_arn, tag_key)
                 DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value"
            }
            Tagged::MfaDevice => {
                "INSERT INTO mfa_device_tags (serial_number, tag_key, tag_value) VALUES (?, ?, ?)
                 ON CONFLICT (serial_number, tag_key)
                 DO UPDATE SET tag_key = excluded.tag_key, tag_value = excluded.tag_value"
            }
        }
    }

    fn select_all(self) -> &'static str {
        match self {
            Tagged::User => "SELECT user_id, tag_key, tag_value FROM user_tags ORDER BY rowid",
            Tagged::Policy => {
                "SELECT policy_id, tag_key, tag_value FROM policy_tags ORDER BY rowid"
            }
            Tagged::Role => "SELECT role_id, tag_key, tag_value FROM role_tags ORDER BY rowid",
            Tagged::OidcProvider => {
                "SELECT provider_arn, tag_key, tag_value FROM oidc_provider_tags ORDER BY rowid"
            }
            Tagged::InstanceProfile => {
                "SELECT instance_profile_id, tag_key, tag_value FROM instance_profile_tags
                 ORDER BY rowid"
            }
            Tagged::ServerCertificate => {
                "SELECT server_certificate_id, tag_key, tag_value FROM server_certificate_tags
                 ORDER BY rowid"
            }
            Tagged::SamlProvider => {
                "SELECT provider_arn, tag_key, tag_value FROM saml_provider_tags ORDER BY rowid"
            }
            Tagged::MfaDevice => {
                "SELECT serial_number, tag_key, tag_value FROM mfa_device_tags ORDER BY rowid"
            }
        }
    }

    fn delete(self) -> &'static str {
        match self {
            Tagged::User => "DELETE FROM user_tags WHERE user_id = ? AND tag_key = ?",
            Tagged::Policy => "DELETE FROM policy_tags WHERE policy_id = ? AND tag_key = ?",
            Tagged::Role => "DELETE FROM role_tags WHERE role_id = ? AND tag_key = ?",
            Tagged::OidcProvider => {
                "DELETE FROM oidc_provider_tags WHERE provider_arn = ? AND tag_key = ?"
            }
            Tagged::InstanceProfile => {
                "DELETE FROM instance_profile_tags WHERE instance_profile_id = ? AND tag_key = ?"
            }
            Tagged::ServerCertificate => {
                "DELETE FROM server_certificate_tags WHERE server_certificate_id = ? AND tag_key = ?"
            }
            Tagged::SamlProvider => {
                "DELETE FROM saml_provider_tags WHERE provider_arn = ? AND tag_key = ?"
            }
            Tagged::MfaDevice => {
                "DELETE FROM mfa_device_tags WHERE serial_number = ? AND tag_key = ?"
            }
        }
    }
}

pub(super) async fn tags_of(
    conn: &mut SqliteConnection,
    of: Tagged,
    id: &str,
) -> Result<Vec<Tag>, AwsError> {
    let rows: Vec<(String, String)> = sqlx::query_as(of.select())
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(key, value)| Tag { key, value })
        .collect())
}

/// Every entity's tags at once, by entity id: one query where a query per entity would make
/// start-up with many users slow.
pub(super) async fn all_tags(
    conn: &mut SqliteConnection,
    of: Tagged,
) -> Result<std::collections::HashMap<String, Vec<Tag>>, AwsError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(of.select_all())
        .fetch_all(&mut *conn)
        .await?;
    let mut tags: std::collections::HashMap<String, Vec<Tag>> = std::collections::HashMap::new();
    for (id, key, value) in rows {
        tags.entry(id).or_default().push(Tag { key, value });
    }
    Ok(tags)
}

/// Adds tags, replacing the values (and the case of the keys) of keys already present.
pub(super) async fn put_tags(
    conn: &mut SqliteConnection,
    of: Tagged,
    id: &str,
    tags: &[Tag],
) -> Result<(), AwsError> {
    for tag in tags {
        sqlx::query(of.upsert())
            .bind(id)
            .bind(&tag.key)
            .bind(&tag.value)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Adds tags as [`put_tags`] does, within the quota of 50 per entity; returns them all.
pub(super) async fn add_tags_within_quota(
    conn: &mut SqliteConnection,
    of: Tagged,
    id: &str,
    tags: &[Tag],
) -> Result<Vec<Tag>, AwsError> {
    put_tags(conn, of, id, tags).await?;
    let tags = tags_of(conn, of, id).await?;
    if tags.len() > crate::iam::shapes::MAX_TAGS {
        return Err(crate::aws_error!(
            LimitExceeded,
            "The number of tags has reached the maximum limit."
        ));
    }
    Ok(tags)
}

pub(super) async fn remove_tags(
    conn: &mut SqliteConnection,
    of: Tagged,
    id: &str,
    keys: &[String],
) -> Result<(), AwsError> {
    for key in keys {
        sqlx::query(of.delete())
            .bind(id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The data plane's record of the tags of a resource that is no principal (a managed
/// policy, an instance profile); no tags forgets it.
pub(super) fn resource_tags_change(arn: &str, tags: &[Tag]) -> Change {
    Change::ResourceTags {
        arn: arn.to_owned(),
        tags: tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect(),
    }
}

/// [`resource_tags_change`]s from `(arn, key, value)` rows in tag order, one per resource.
pub(super) fn resource_tags_changes(rows: Vec<(String, String, String)>) -> Vec<Change> {
    let mut by_arn: Vec<(String, Vec<Tag>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (arn, key, value) in rows {
        let i = *index.entry(arn.clone()).or_insert_with(|| {
            by_arn.push((arn, Vec::new()));
            by_arn.len() - 1
        });
        by_arn[i].1.push(Tag { key, value });
    }
    by_arn
        .iter()
        .map(|(arn, tags)| resource_tags_change(arn, tags))
        .collect()
}
