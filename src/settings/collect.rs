//! `collect`'s flags resolved before the first call: the window (default: this month up to
//! now; aligned to whole buckets for metrics and --server-side), the metrics period, S3
//! locations, the endpoint URL, the regions, the --out directory; and the notes to print.

use std::path::Path;

use chrono::{DateTime, Datelike, TimeZone, Utc};

use super::parse_bound;
use crate::cli::{AwsTarget, CollectCommand};
use crate::collect::aws::iam_policy::parse_s3;
use crate::collect::metric_plan;
use crate::error::UsageError;
use crate::io::clean;
use crate::snapshot::{self, Manifest, Window};

/// A collection's settings, all checked.
pub struct CollectSettings<'a> {
    pub target: &'a AwsTarget,
    /// The window to collect (aligned where the source needs whole buckets).
    pub window: Window,
    /// The end asked for is in the future and was cut to now.
    pub cut: bool,
    /// `collect metrics --period`, in seconds.
    pub period: Option<u32>,
    /// `collect logs --s3`: (bucket, prefix).
    pub s3_locations: Vec<(String, String)>,
    /// `collect logs --athena`.
    pub athena: Option<AthenaPlan>,
    /// Notes for stderr (alignment, ListMetrics' 14-day limit).
    pub notes: Vec<String>,
}

/// The snapshot directory a collection writes, if any.
pub fn out_of(c: &CollectCommand) -> Option<&Path> {
    target_of(c).out.as_deref()
}

fn target_of(c: &CollectCommand) -> &AwsTarget {
    match c {
        CollectCommand::Metrics(a) => &a.target,
        CollectCommand::Logs(a) => &a.target,
        CollectCommand::Costs(a) => &a.target,
        CollectCommand::Profiles(a) => &a.target,
        CollectCommand::All(a) => &a.target,
    }
}

/// The window asked for: default from the first day of this month to now; an end in the
/// future is cut to now.
fn window_of(t: &AwsTarget, now: DateTime<Utc>) -> anyhow::Result<(Window, bool)> {
    let start = match &t.start {
        Some(s) => parse_bound("--start", s, false)?,
        None => Utc
            .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
            .single()
            .expect("first of the month exists"),
    };
    let asked_end = match &t.end {
        Some(s) => parse_bound("--end", s, true)?,
        None => now,
    };
    let cut = asked_end > now;
    let end = asked_end.min(now);
    if start >= end {
        return Err(UsageError::new(
            format!(
                "the period is empty: --start {} is not before {}",
                start.format("%Y-%m-%dT%H:%M:%SZ"),
                if cut {
                    "now".to_string()
                } else {
                    end.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                }
            ),
            "--end is the last day to include (default: now); --start must come before it",
        )
        .into());
    }
    Ok((Window { start, end }, cut && t.end.is_some()))
}

/// The window on whole buckets of `period` seconds: the start rounded down, the end rounded up
/// (but never past now).
fn align(w: &Window, period: u32, now: DateTime<Utc>) -> Window {
    let p = i64::from(period);
    let down = |t: i64| t.div_euclid(p) * p;
    let start = down(w.start.timestamp());
    let e = w.end.timestamp();
    let end = if e % p == 0 { e } else { down(e) + p };
    let at = |s: i64| DateTime::from_timestamp(s, 0).expect("in range");
    Window {
        start: at(start),
        end: at(end).min(now.max(w.end)),
    }
}

/// `1m`, `5m`, `1h`, `1d` or seconds.
pub fn parse_period_flag(s: &str) -> Result<u32, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u32 = num
        .parse()
        .map_err(|_| format!("--period `{s}` is not a duration"))?;
    let mult = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("--period `{s}`: unknown unit `{unit}`")),
    };
    n.checked_mul(mult)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("--period `{s}` is out of range"))
}

/// Checks every flag of `c` before any AWS call.
pub fn resolve(c: &CollectCommand, now: DateTime<Utc>) -> anyhow::Result<CollectSettings<'_>> {
    let t = target_of(c);
    let (mut window, cut) = window_of(t, now)?;
    if let Some(u) = &t.endpoint_url {
        if !(u.starts_with("http://") || u.starts_with("https://"))
            || u.contains(char::is_whitespace)
        {
            return Err(UsageError::new(
                format!("--endpoint-url `{}` is not an http(s) URL", clean(u)),
                "e.g. --endpoint-url http://127.0.0.1:5000 (as for the AWS CLI)",
            )
            .into());
        }
    }
    check_accounts(c, t)?;
    let mut notes = vec![];
    // Source-specific checks, all before the first call.
    let period = match c {
        CollectCommand::Metrics(a) => {
            let p = parse_period_flag(&a.period).map_err(|e| {
                UsageError::new(e, "use 1m, 5m, 1h, 1d or seconds (multiple of 60)")
            })?;
            // CloudWatch buckets start at multiples of the period: a window on those bounds
            // never overlaps a bucket collected before. Retention is checked on it.
            let aligned = align(&window, p, now);
            metric_plan::check_period(aligned.start, aligned.end, p, now).map_err(|e| {
                UsageError::new(
                    e,
                    "CloudWatch keeps 1-minute data 15 days, 5-minute data 63 days, hourly data 455 days",
                )
            })?;
            let moved = aligned.start != window.start
                || (t.end.is_some() && aligned.end.timestamp() != window.end.timestamp());
            if moved {
                notes.push(format!(
                    "note: the period is aligned to whole {}-second buckets: {} to {}",
                    p,
                    aligned.start.format("%Y-%m-%dT%H:%M:%SZ"),
                    aligned.end.format("%Y-%m-%dT%H:%M:%SZ")
                ));
            }
            window = aligned;
            if a.model_id.is_empty() && window.start < now - chrono::Duration::days(14) {
                notes.push(
                    "note: ListMetrics lists only metrics with data in the last 14 days: models idle since then are not found (name them with --model-id)"
                        .to_string(),
                );
            }
            Some(p)
        }
        _ => None,
    };
    let mut s3_locations = vec![];
    let mut athena = None;
    if let CollectCommand::Logs(a) = c {
        if let Some(url) = &a.athena.athena {
            let x = &a.athena;
            athena = Some(check_athena(url, x)?);
            let aligned = align(&window, 3600, now);
            if aligned.start != window.start {
                notes.push(format!(
                    "note: --athena sums whole hours: from {}",
                    aligned.start.format("%Y-%m-%dT%H:%M:%SZ")
                ));
            }
            window = aligned;
        } else if !a.athena.by.is_empty() || a.athena.athena_create {
            return Err(UsageError::new(
                "--by and --athena-create go with --athena",
                "add --athena s3://bucket/prefix (the sums are grouped by Athena), or drop them: --s3 and --log-group collect every record, and `report --by` groups them",
            )
            .into());
        }
        if a.server_side {
            // Aggregates are per hour: whole hours replace whole hours in a snapshot.
            let aligned = align(&window, 3600, now);
            if aligned.start != window.start {
                notes.push(format!(
                    "note: --server-side sums whole hours: from {}",
                    aligned.start.format("%Y-%m-%dT%H:%M:%SZ")
                ));
            }
            window = aligned;
        }
        if a.log_group.is_empty() && a.s3.is_empty() && a.athena.athena.is_none() {
            return Err(UsageError::new(
                "collect logs needs --log-group NAME, --s3 s3://bucket/prefix or --athena s3://bucket/prefix",
                "give the CloudWatch Logs group or S3 location your model-invocation logging writes to (Bedrock console > Settings)",
            )
            .into());
        }
        if a.server_side && !a.s3.is_empty() {
            return Err(UsageError::new(
                "--server-side aggregates CloudWatch Logs groups only, not S3",
                "drop --server-side for --s3 (objects are streamed), or collect them in two runs",
            )
            .into());
        }
        for url in &a.s3 {
            s3_locations.push(parse_s3(url).ok_or_else(|| {
                UsageError::new(
                    format!("--s3 {url}: not an s3://bucket/prefix location"),
                    "e.g. --s3 s3://my-log-bucket/bedrock",
                )
            })?);
        }
    }
    if let Some(dir) = &t.out {
        if dir.exists() && !dir.is_dir() {
            return Err(UsageError::new(
                format!("--out {}: exists and is not a directory", dir.display()),
                "give a directory for the snapshot (created if missing)",
            )
            .into());
        }
        if dir.join(snapshot::MANIFEST).exists() {
            Manifest::load(dir).map_err(|e| {
                UsageError::new(
                    format!("--out: {e:#}"),
                    "collect into an empty directory or an existing bedrock-lens snapshot",
                )
            })?;
        }
    }
    Ok(CollectSettings {
        target: t,
        window,
        cut,
        period,
        s3_locations,
        athena,
        notes,
    })
}

/// Which accounts: several profiles, or a role assumed in --account / --organization accounts;
/// --account alone names the folders --athena reads.
fn check_accounts(c: &CollectCommand, t: &crate::cli::AwsTarget) -> anyhow::Result<()> {
    for a in &t.accounts {
        super::check_account(a)?;
    }
    let athena = matches!(c, CollectCommand::Logs(a) if a.athena.athena.is_some());
    let many = t.organization || t.accounts.len() != 1;
    if athena && ((t.role_arn.is_some() && many) || t.profile.len() > 1) {
        return Err(UsageError::new(
            "--athena reads one bucket with one set of credentials: not with several --profile, or --role-arn in several accounts",
            "for many accounts, point --athena at the central log-archive bucket and name its AWSLogs/ACCOUNT folders with --account",
        )
        .into());
    }
    if t.role_arn.is_some() && t.profile.len() > 1 {
        return Err(UsageError::new(
            "--role-arn is assumed from one set of credentials, but several --profile are given",
            "give at most one --profile (the one the roles trust) with --role-arn",
        )
        .into());
    }
    match &t.role_arn {
        Some(_) if t.accounts.is_empty() && !t.organization => Err(UsageError::new(
            "--role-arn: no account to assume it in",
            "add --account ID (repeatable) or --organization (every active account of the organization)",
        )
        .into()),
        Some(r) if !r.contains("{account}") && (t.accounts.len() > 1 || t.organization) => {
            Err(UsageError::new(
                format!("--role-arn {}: has no {{account}} for the accounts to go in", clean(r)),
                "e.g. --role-arn 'arn:aws:iam::{account}:role/BedrockLensReader'",
            )
            .into())
        }
        None if !t.accounts.is_empty() && !athena => Err(UsageError::new(
            "--account names the accounts to assume --role-arn in (or, with --athena, the bucket's folders)",
            "add --role-arn 'arn:aws:iam::{account}:role/NAME', or drop --account to collect the credentials' own account",
        )
        .into()),
        _ => Ok(()),
    }
}

/// `collect logs --athena`, checked: where the logs are and what to sum them by.
pub struct AthenaPlan {
    pub bucket: String,
    pub prefix: String,
    pub keys: Vec<crate::collect::athena_sql::Key>,
    /// (database, table).
    pub table: (String, String),
}

fn check_athena(url: &str, x: &crate::cli::AthenaArgs) -> anyhow::Result<AthenaPlan> {
    use crate::collect::athena_sql::{parse_s3_root, Key};
    let (bucket, prefix) = parse_s3_root(url).ok_or_else(|| {
        UsageError::new(
            format!("--athena {}: not an s3://bucket/prefix location", crate::io::clean(url)),
            "the location Bedrock delivers to, e.g. --athena s3://my-log-bucket/bedrock (it holds AWSLogs/)",
        )
    })?;
    // Every row has these keys already; a key given twice is one key.
    let always = [
        "model", "model_id", "region", "account", "profile", "month", "hour", "day",
    ];
    let mut seen = std::collections::BTreeSet::new();
    let keys =
        x.by.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty() && !always.contains(s))
            .map(Key::parse)
            .filter(|k| k.as_ref().map_or(true, |k| seen.insert(k.column())))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                UsageError::new(
                    format!("--by: {e}"),
                    "e.g. --by identity_arn,operation,meta:team",
                )
            })?;
    let (db, t) = x.athena_table.split_once('.').unwrap_or(("", ""));
    for n in [db, t] {
        let ok = !n.is_empty()
            && n.len() <= 255
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(UsageError::new(
                format!("--athena-table {}: not DATABASE.TABLE", crate::io::clean(&x.athena_table)),
                "lower-case letters, digits and _ (Athena's rule), e.g. bedrock_lens.invocation_logs",
            )
            .into());
        }
    }
    if let Some(o) = &x.athena_output {
        if parse_s3_root(o).is_none() {
            return Err(UsageError::new(
                format!("--athena-output {}: not an s3://bucket/prefix location", crate::io::clean(o)),
                "where Athena may write query results, e.g. --athena-output s3://my-athena-results/bedrock-lens/",
            )
            .into());
        }
    }
    if x.max_scan_usd.is_sign_negative() {
        return Err(UsageError::new(
            "--max-scan-usd: a negative amount",
            "the most the query may cost, e.g. --max-scan-usd 5",
        )
        .into());
    }
    Ok(AthenaPlan {
        bucket,
        prefix,
        keys,
        table: (db.to_string(), t.to_string()),
    })
}

/// The regions to read: those given (checked, de-duplicated), else the configured one.
pub fn regions_of(configured: Option<&str>, given: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = vec![];
    for r in given.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        super::check_region(r)?;
        if !out.iter().any(|o| o == r) {
            out.push(r.to_string());
        }
    }
    if out.is_empty() {
        match configured {
            Some(r) => out.push(r.to_string()),
            None => return Err(UsageError::new(
                "no region: none given and none configured",
                "pass --region us-east-1 (repeatable), or set AWS_REGION or the profile's region",
            )
            .into()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_whole_buckets_and_never_pass_now() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let w = |a: &str, b: &str| Window {
            start: t(a),
            end: t(b),
        };
        let now = t("2026-11-22T06:59:30Z");
        assert_eq!(
            align(
                &w("2026-11-20T10:30:00Z", "2026-11-21T11:10:00Z"),
                3600,
                now
            ),
            w("2026-11-20T10:00:00Z", "2026-11-21T12:00:00Z")
        );
        // Already aligned: unchanged.
        let a = w("2026-11-20T10:00:00Z", "2026-11-21T12:00:00Z");
        assert_eq!(align(&a, 3600, now), a);
        // Rounding the end up stops at now.
        assert_eq!(
            align(
                &w("2026-11-22T05:10:00Z", "2026-11-22T06:59:30Z"),
                3600,
                now
            ),
            w("2026-11-22T05:00:00Z", "2026-11-22T06:59:30Z")
        );
        assert_eq!(
            align(&w("2026-11-22T06:58:10Z", "2026-11-22T06:59:00Z"), 60, now),
            w("2026-11-22T06:58:00Z", "2026-11-22T06:59:00Z")
        );
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period_flag("1m"), Ok(60));
        assert_eq!(parse_period_flag("5m"), Ok(300));
        assert_eq!(parse_period_flag("1h"), Ok(3600));
        assert_eq!(parse_period_flag("1d"), Ok(86_400));
        assert_eq!(parse_period_flag("120"), Ok(120));
        assert!(parse_period_flag("0").is_err());
        assert!(parse_period_flag("1w").is_err());
        assert!(parse_period_flag("h").is_err());
    }
}
