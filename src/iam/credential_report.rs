//! The credential report: one CSV row per user (the root first) saying which credentials
//! each has and when they were set and used — dates and states only, never a secret.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html>
//!
//! AWS generates a report in the background; iamlocal builds it at once when
//! `GenerateCredentialReport` starts it, so `ReportInProgress` never happens here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::{Duration, OffsetDateTime};

use super::account::NoInput;
use crate::api::Ctx;
use crate::aws_error;
use crate::clock::iso8601;
use crate::error::AwsError;
use crate::protocol::xml::{ToXml, XmlWriter};
use crate::store::{CredentialReport, CredentialRow, KeyColumns};

/// "You can generate a credential report as often as once every four hours": a newer one is
/// returned as it is. iamlocal also takes this as the age at which a report expires.
const REPORT_LIFETIME: Duration = Duration::hours(4);

/// The columns of the report, in AWS's order.
pub const COLUMNS: &[&str] = &[
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

const NOT_APPLICABLE: &str = "N/A";
const NOT_SUPPORTED: &str = "not_supported";
const NO_INFORMATION: &str = "no_information";

pub struct GenerateCredentialReportOutput {
    state: &'static str,
    description: Option<&'static str>,
}

impl ToXml for GenerateCredentialReportOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("State", self.state);
        w.opt_field("Description", self.description);
    }
}

pub async fn generate_credential_report(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<GenerateCredentialReportOutput, AwsError> {
    cx.authorize("iam:GenerateCredentialReport", "*")?;
    let store = &cx.app.store;
    let account = cx.account_id();
    let now = cx.now();
    let previous = store.credential_report(account).await?;
    let description = match &previous {
        Some(report) if !is_expired(report, now) => {
            return Ok(GenerateCredentialReportOutput {
                state: "COMPLETE",
                description: None,
            });
        }
        // AWS's words for a first report; iamlocal's for a stale one.
        None => "No report exists. Starting a new report generation task",
        Some(_) => "Report is older than 4 hours. Starting a new report generation task",
    };
    // Key uses are noted in memory first: the report must see them.
    cx.app.flush_key_uses().await?;
    let rows = store.credential_rows(account).await?;
    let max_password_age = store
        .password_policy(account)
        .await?
        .and_then(|p| p.max_password_age);
    let report = CredentialReport {
        generated_at: now,
        content: report_csv(&rows, max_password_age),
    };
    store.save_credential_report(account, &report).await?;
    Ok(GenerateCredentialReportOutput {
        state: "STARTED",
        description: Some(description),
    })
}

pub struct GetCredentialReportOutput {
    report: CredentialReport,
}

impl ToXml for GetCredentialReportOutput {
    fn write_xml(&self, w: &mut XmlWriter) {
        w.field("Content", &STANDARD.encode(&self.report.content));
        w.field("ReportFormat", "text/csv");
        w.field("GeneratedTime", &iso8601(self.report.generated_at));
    }
}

pub async fn get_credential_report(
    cx: &Ctx<'_>,
    _: NoInput,
) -> Result<GetCredentialReportOutput, AwsError> {
    cx.authorize("iam:GetCredentialReport", "*")?;
    let report = cx
        .app
        .store
        .credential_report(cx.account_id())
        .await?
        .ok_or_else(|| {
            aws_error!(
                ReportNotPresent,
                "The credential report does not exist. To generate a credential report, use GenerateCredentialReport."
            )
        })?;
    if is_expired(&report, cx.now()) {
        return Err(aws_error!(
            ReportExpired,
            "The most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport."
        ));
    }
    Ok(GetCredentialReportOutput { report })
}

fn is_expired(report: &CredentialReport, now: OffsetDateTime) -> bool {
    now - report.generated_at >= REPORT_LIFETIME
}

/// The report's CSV text: the header, then a line per row.
pub fn report_csv(rows: &[CredentialRow], max_password_age: Option<i64>) -> String {
    let mut csv = COLUMNS.join(",");
    for row in rows {
        csv.push('\n');
        let fields: Vec<String> = row_fields(row, max_password_age)
            .iter()
            .map(|f| quoted(f))
            .collect();
        csv.push_str(&fields.join(","));
    }
    csv
}

fn row_fields(row: &CredentialRow, max_password_age: Option<i64>) -> Vec<String> {
    let mut fields = match &row.user_name {
        // The root's password is not IAM's: its columns are `not_supported`.
        None => vec![
            "<root_account>".to_owned(),
            row.arn.clone(),
            report_time(row.created_at),
            NOT_SUPPORTED.to_owned(),
            NO_INFORMATION.to_owned(),
            NOT_SUPPORTED.to_owned(),
            NOT_SUPPORTED.to_owned(),
        ],
        Some(name) => {
            let changed = row.password_last_changed;
            vec![
                name.clone(),
                row.arn.clone(),
                report_time(row.created_at),
                flag(changed.is_some()),
                // iamlocal has no console sign-in, so a password is never used.
                changed
                    .map_or(NOT_APPLICABLE, |_| NO_INFORMATION)
                    .to_owned(),
                changed.map_or(NOT_APPLICABLE.to_owned(), report_time),
                match (changed, max_password_age) {
                    (Some(at), Some(days)) => report_time(at + Duration::days(days)),
                    _ => NOT_APPLICABLE.to_owned(),
                },
            ]
        }
    };
    fields.push(flag(mfa_active(row)));
    for n in 0..2 {
        fields.extend(key_fields(row.keys.get(n)));
    }
    for n in 0..2 {
        fields.extend(certificate_fields(row, n));
    }
    fields
}

/// `mfa_active`: whether an MFA device is enabled for the user (or root).
fn mfa_active(row: &CredentialRow) -> bool {
    row.mfa_active
}

/// `cert_N_active` and `cert_N_last_rotated` of the user's `n`th (0-based) signing
/// certificate.
fn certificate_fields(row: &CredentialRow, n: usize) -> [String; 2] {
    match row.certificates.get(n) {
        Some((active, uploaded_at)) => [flag(*active), report_time(*uploaded_at)],
        None => [flag(false), NOT_APPLICABLE.to_owned()],
    }
}

/// The five columns of one access key: active, last rotated, and where it was last used.
fn key_fields(key: Option<&KeyColumns>) -> [String; 5] {
    let na = || NOT_APPLICABLE.to_owned();
    let Some(key) = key else {
        return [flag(false), na(), na(), na(), na()];
    };
    let (used_at, region, service) = match &key.last_used {
        Some(used) => (
            report_time(used.at),
            non_empty(&used.region),
            non_empty(&used.service),
        ),
        None => (na(), na(), na()),
    };
    [
        flag(key.active),
        // "If the user does not have an active access key, the value is N/A."
        if key.active {
            report_time(key.created_at)
        } else {
            na()
        },
        used_at,
        region,
        service,
    ]
}

fn non_empty(value: &str) -> String {
    if value.is_empty() {
        NOT_APPLICABLE.to_owned()
    } else {
        value.to_owned()
    }
}

/// Booleans as the report writes them.
fn flag(value: bool) -> String {
    value.to_string()
}

/// ISO 8601 with the offset spelled out, as the report writes times
/// (`2015-06-17T19:11:50+00:00`).
fn report_time(t: OffsetDateTime) -> String {
    let mut text = iso8601(t);
    text.pop();
    text.push_str("+00:00");
    text
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180): IAM
/// names and paths may hold commas.
fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_report_has_the_header_then_the_root_row() {
        let rows = vec![CredentialRow {
            user_name: None,
            arn: "arn:aws:iam::000000000000:root".into(),
            created_at: datetime!(2020-01-02 03:04:05 UTC),
            password_last_changed: None,
            keys: Vec::new(),
            mfa_active: false,
            certificates: Vec::new(),
        }];
        let csv = report_csv(&rows, None);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "<root_account>,arn:aws:iam::000000000000:root,2020-01-02T03:04:05+00:00,\
             not_supported,no_information,not_supported,not_supported,false,\
             false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
        );
        assert_eq!(lines[1].split(',').count(), COLUMNS.len());
    }

    #[test]
    fn a_user_row_shows_its_mfa_device_and_signing_certificates() {
        let uploaded = datetime!(2021-05-06 07:08:09 UTC);
        let row = CredentialRow {
            user_name: Some("ann".into()),
            arn: "arn:aws:iam::000000000000:user/ann".into(),
            created_at: datetime!(2020-01-02 03:04:05 UTC),
            password_last_changed: None,
            keys: Vec::new(),
            mfa_active: true,
            certificates: vec![(false, uploaded)],
        };
        let fields = row_fields(&row, None);
        let column = |name: &str| &fields[COLUMNS.iter().position(|c| *c == name).unwrap()];
        assert_eq!(column("mfa_active"), "true");
        assert_eq!(column("cert_1_active"), "false");
        assert_eq!(column("cert_1_last_rotated"), "2021-05-06T07:08:09+00:00");
        assert_eq!(column("cert_2_active"), "false");
        assert_eq!(column("cert_2_last_rotated"), "N/A");
    }

    #[test]
    fn fields_with_commas_are_quoted() {
        assert_eq!(quoted("a,b"), "\"a,b\"");
        assert_eq!(quoted("plain"), "plain");
    }
}
