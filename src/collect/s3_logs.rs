//! `collect logs --s3 s3://bucket/prefix`: invocation logs as Bedrock delivers them to S3
//! (`AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz`), listed
//! page by page and fetched object by object (a few at a time), never the whole prefix on disk.

use aws_sdk_s3::Client;
use chrono::{DateTime, NaiveDate, Utc};
use tokio::task::JoinSet;

use super::aws::fault::{describe, Failure};

/// Objects fetched at once.
pub const CONCURRENCY: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Calls {
    pub list_objects: u64,
    pub get_object: u64,
    /// Objects skipped: not log files, or an hour folder outside the window.
    pub skipped_objects: u64,
    pub bytes: u64,
}

impl S3Calls {
    /// S3 Standard request charges (us-east-1 list prices: LIST $0.005 and GET $0.0004 per
    /// 1,000), in micro-dollars rounded up. Other regions and storage classes differ slightly.
    pub fn cost_micros(&self) -> u64 {
        let nano = self.list_objects * 5_000 + self.get_object * 400;
        nano.div_ceil(1_000)
    }
}

/// `.../YYYY/MM/DD/HH/data/...`: where Bedrock puts bodies too large for the record.
fn in_data_folder(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    parts.windows(5).any(|w| {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        digits(w[0], 4) && digits(w[1], 2) && digits(w[2], 2) && digits(w[3], 2) && w[4] == "data"
    })
}

/// The hour a delivery key is filed under (`.../YYYY/MM/DD/HH/file`), if it has that layout.
pub fn key_hour(key: &str) -> Option<DateTime<Utc>> {
    let parts: Vec<&str> = key.split('/').collect();
    parts.windows(4).rev().find_map(|w| {
        let (y, m, d, h) = (w[0], w[1], w[2], w[3]);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 || h.len() != 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?
            .and_hms_opt(h.parse().ok()?, 0, 0)
            .map(|t| t.and_utc())
    })
}

/// Whether an object may hold records in `[start, end)`: log files only (the `data/` folder
/// of large bodies, right under an hour folder, is skipped), and hour folders within the window
/// (one hour of slack either side for delivery delay).
pub fn wanted(key: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    if !crate::usage::ingest::is_log_file(std::path::Path::new(name)) || in_data_folder(key) {
        return false;
    }
    match key_hour(key) {
        Some(h) => h + chrono::Duration::hours(2) > start && h - chrono::Duration::hours(1) < end,
        None => true,
    }
}

/// Lists the prefix and fetches each wanted object, calling `on_object(key, bytes)` as objects
/// arrive. A failed GET is reported and the others still read.
pub async fn fetch(
    client: &Client,
    bucket: &str,
    prefix: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    calls: &mut S3Calls,
    failures: &mut Vec<Failure>,
    mut on_object: impl FnMut(String, Vec<u8>),
) -> Result<(), Failure> {
    // A prefix is a folder: `bedrock` lists `bedrock/...` only (not `bedrock-old/`), and matches
    // the `s3:prefix` condition `bedrock/*` of the policy `iam-policy` prints.
    let prefix = match prefix.trim_matches('/') {
        "" => String::new(),
        p => format!("{p}/"),
    };
    let mut token: Option<String> = None;
    let mut tasks: JoinSet<(String, Result<Vec<u8>, Failure>)> = JoinSet::new();
    let mut finish = |r: (String, Result<Vec<u8>, Failure>),
                      calls: &mut S3Calls,
                      failures: &mut Vec<Failure>| {
        calls.get_object += 1;
        match r {
            (key, Ok(bytes)) => {
                calls.bytes += bytes.len() as u64;
                on_object(key, bytes);
            }
            (_, Err(f)) => failures.push(f),
        }
    };
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(&prefix)
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| describe("s3", None, "s3", "ListObjectsV2", &e))?;
        calls.list_objects += 1;
        for o in page.contents() {
            let Some(key) = o.key() else { continue };
            if !wanted(key, start, end) {
                calls.skipped_objects += 1;
                continue;
            }
            while tasks.len() >= CONCURRENCY {
                match tasks.join_next().await {
                    Some(Ok(r)) => finish(r, calls, failures),
                    Some(Err(e)) => failures.push(lost(e)),
                    None => break,
                }
            }
            let (c, b, k) = (client.clone(), bucket.to_string(), key.to_string());
            tasks.spawn(async move {
                let got = async {
                    let o = c
                        .get_object()
                        .bucket(&b)
                        .key(&k)
                        .send()
                        .await
                        .map_err(|e| describe("s3", None, "s3", "GetObject", &e))?;
                    o.body
                        .collect()
                        .await
                        .map(|d| d.to_vec())
                        .map_err(|e| Failure {
                            source: "s3".into(),
                            region: None,
                            call: "s3:GetObject".into(),
                            message: format!("s3://{b}/{k}: reading the object failed: {e}"),
                            hint: None,
                        })
                }
                .await;
                (format!("s3://{b}/{k}"), got)
            });
        }
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) && !t.is_empty() => {
                token = Some(t.to_string())
            }
            _ => break,
        }
    }
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(r) => finish(r, calls, failures),
            Err(e) => failures.push(lost(e)),
        }
    }
    Ok(())
}

/// The log objects (key, size as stored) Bedrock delivered for `accounts` under
/// `s3://bucket/prefix` in the hour folders that can hold records of `[start, end)` (the same
/// objects `fetch` reads and Athena's partition pruning scans): the log regions found with one
/// delimited listing per account, then one listing per region and day.
pub async fn list_window(
    client: &Client,
    bucket: &str,
    prefix: &str,
    accounts: &[String],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    calls: &mut S3Calls,
) -> Result<Listing, Failure> {
    let root = root_of(prefix);
    let mut out = vec![];
    let mut all_regions = std::collections::BTreeSet::new();
    for account in accounts {
        let base = format!("{root}AWSLogs/{account}/BedrockModelInvocationLogs/");
        let regions: Vec<String> = list(client, bucket, &base, Some("/"), calls)
            .await?
            .1
            .into_iter()
            .filter_map(|p| {
                p.strip_prefix(&base)
                    .map(|r| r.trim_end_matches('/').to_string())
            })
            .collect();
        all_regions.extend(regions.iter().cloned());
        for region in regions {
            let mut day = (start - chrono::Duration::hours(2)).date_naive();
            while day <= (end + chrono::Duration::hours(1)).date_naive() {
                let p = format!("{base}{region}/{}/", day.format("%Y/%m/%d"));
                for (key, size) in list(client, bucket, &p, None, calls).await?.0 {
                    if wanted(&key, start, end) {
                        out.push((key, size));
                    } else {
                        calls.skipped_objects += 1;
                    }
                }
                day = day.succ_opt().expect("a day after");
            }
        }
    }
    Ok(Listing {
        objects: out,
        regions: all_regions.into_iter().collect(),
    })
}

/// What `list_window` found: the objects (key, bytes as stored) and every log region folder of
/// the accounts.
pub struct Listing {
    pub objects: Vec<(String, u64)>,
    pub regions: Vec<String>,
}

/// `prefix/` (or nothing): the folder holding `AWSLogs/`.
fn root_of(prefix: &str) -> String {
    match prefix.trim_matches('/') {
        "" => String::new(),
        p => format!("{p}/"),
    }
}

/// The account folders under `s3://bucket/prefix/AWSLogs/` (one delimited listing).
pub async fn accounts_under(
    client: &Client,
    bucket: &str,
    prefix: &str,
    calls: &mut S3Calls,
) -> Result<Vec<String>, Failure> {
    let base = format!("{}AWSLogs/", root_of(prefix));
    Ok(list(client, bucket, &base, Some("/"), calls)
        .await?
        .1
        .into_iter()
        .filter_map(|p| {
            p.strip_prefix(&base)
                .map(|a| a.trim_end_matches('/').to_string())
        })
        .collect())
}

/// Every page of a listing: the objects (key, size) and, with a delimiter, the common prefixes.
async fn list(
    client: &Client,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    calls: &mut S3Calls,
) -> Result<(Vec<(String, u64)>, Vec<String>), Failure> {
    let (mut objects, mut prefixes) = (vec![], vec![]);
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_string))
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| describe("s3", None, "s3", "ListObjectsV2", &e))?;
        calls.list_objects += 1;
        for o in page.contents() {
            if let Some(k) = o.key() {
                objects.push((k.to_string(), o.size().unwrap_or(0).max(0) as u64));
            }
        }
        prefixes.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string)),
        );
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) && !t.is_empty() => {
                token = Some(t.to_string())
            }
            _ => break,
        }
    }
    Ok((objects, prefixes))
}

/// A fetch task that ended without a result (it panicked or was cancelled).
fn lost(e: tokio::task::JoinError) -> Failure {
    Failure {
        source: "s3".into(),
        region: None,
        call: "s3:GetObject".into(),
        message: format!("an object fetch did not complete: {e}"),
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn delivery_keys_are_filtered_by_hour_folder_and_type() {
        let k = "logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/10/05/13/20261005T1300Z_ab.json.gz";
        assert_eq!(key_hour(k), Some(t("2026-10-05T13:00:00Z")));
        let (s, e) = (t("2026-10-01T00:00:00Z"), t("2026-11-01T00:00:00Z"));
        assert!(wanted(k, s, e));
        assert!(!wanted(
            k,
            t("2026-10-06T00:00:00Z"),
            t("2026-10-07T00:00:00Z")
        ));
        // An hour folder just before the window may hold records delivered late.
        assert!(wanted(
            k,
            t("2026-10-05T14:30:00Z"),
            t("2026-10-06T00:00:00Z")
        ));
        assert!(!wanted("logs/amazon-bedrock-logs-permission-check", s, e));
        assert!(!wanted("p/us-east-1/2026/10/05/13/data/big.json.gz", s, e));
        // A `data` folder elsewhere (the user's own prefix) is not the bodies folder.
        assert!(wanted(
            "data/bedrock/us-east-1/2026/10/05/13/x.json.gz",
            s,
            e
        ));
        assert!(wanted("anything/x.jsonl", s, e));
    }

    #[test]
    fn request_charges() {
        let c = S3Calls {
            list_objects: 1,
            get_object: 155,
            ..Default::default()
        };
        // 5,000 + 155 x 400 = 67,000 nano-dollars -> 67 micro-dollars.
        assert_eq!(c.cost_micros(), 67);
    }
}
