//! The busiest-hour check of `collect logs --athena`: the hour Athena priced the most
//! invocations in, recomputed from the same S3 objects with bedrock-lens's own reader, compared
//! per model id and region before anything is written. It is how what cannot be tested here (the
//! real SerDe, partition projection and timestamp parsing) gets checked in the user's account.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::collect::aws::fault::Failure;
use crate::collect::s3_logs::{self as s3, S3Calls};
use crate::money::group_thousands;
use crate::settings::collect::AthenaPlan;
use crate::snapshot::log_sums::{count_index, hour_of, usage, Sums};
use crate::usage::ingest::{self, IngestOptions, IngestStats, Sink, Source};
use crate::usage::{Diagnostics, UsageRecord};

/// Why the check did not pass.
pub enum Check {
    Failed(Failure),
    /// What differs, and the hint.
    Differs(String, &'static str),
}

const SERDE_HINT: &str = "the table does not read these logs as bedrock-lens does (its SerDe, columns or partition projection): compare it with `bedrock-lens athena ddl`, or collect with --s3; --no-verify skips this check";

/// Per (model id, region): invocations and the four token sums.
type HourTotals = BTreeMap<(String, String), [u64; 5]>;

/// Sums the records of one hour, each request id once.
struct HourSink {
    start: DateTime<Utc>,
    /// The end of the hour, or of the window when it ends within the hour.
    end: DateTime<Utc>,
    totals: HourTotals,
}

impl Sink for HourSink {
    fn record(&mut self, r: &UsageRecord) {
        if r.timestamp < self.start || r.timestamp >= self.end {
            return;
        }
        let t = self
            .totals
            .entry((r.model_id.to_string(), r.region.to_string()))
            .or_default();
        for (i, v) in [
            1,
            r.tokens.input,
            r.tokens.output,
            r.tokens.cache_read,
            r.tokens.cache_write,
        ]
        .into_iter()
        .enumerate()
        {
            t[i] += v;
        }
    }
    fn merge(&mut self, o: Self) {
        for (k, v) in o.totals {
            let t = self.totals.entry(k).or_default();
            for i in 0..5 {
                t[i] += v[i];
            }
        }
    }
}

/// Recomputes Athena's busiest hour from the same S3 objects with bedrock-lens's own reader and
/// compares the two, per model id and region.
pub async fn verify(
    s3c: &aws_sdk_s3::Client,
    plan: &AthenaPlan,
    objects: &[(String, u64)],
    sums: &Sums,
    window_end: DateTime<Utc>,
    s3_calls: &mut S3Calls,
) -> Result<String, Check> {
    let problem = sums.key("problem").expect("a fixed key");
    let (model, reg) = (
        sums.key("model_id").expect("fixed"),
        sums.key("region").expect("fixed"),
    );
    let mut by_hour: BTreeMap<DateTime<Utc>, HourTotals> = BTreeMap::new();
    for r in &sums.rows {
        if !sums.value(r, problem).unwrap_or("").is_empty() {
            continue;
        }
        let Some(h) = hour_of(sums, r) else { continue };
        let k = (
            sums.value(r, model).unwrap_or("").to_string(),
            sums.value(r, reg).unwrap_or("").to_string(),
        );
        let t = by_hour.entry(h).or_default().entry(k).or_default();
        for (i, v) in usage(r).into_iter().enumerate() {
            t[i] += v;
        }
    }
    let Some((hour, athena)) = by_hour.iter().max_by_key(|(h, t)| {
        (
            t.values().map(|v| v[0]).sum::<u64>(),
            std::cmp::Reverse(**h),
        )
    }) else {
        let unused: u64 = sums
            .rows
            .iter()
            .map(|r| r.counts[count_index("invocations")])
            .sum();
        return Err(Check::Differs(
            format!(
                "Athena priced no record in the {} object(s) listed ({} record(s) it could not use)",
                group_thousands(objects.len() as u64),
                group_thousands(unused)
            ),
            SERDE_HINT,
        ));
    };
    let hour = *hour;
    let wanted: Vec<&String> = objects
        .iter()
        .filter(|(k, _)| s3::wanted(k, hour, hour + chrono::Duration::hours(1)))
        .map(|(k, _)| k)
        .collect();
    if wanted.is_empty() {
        return Err(Check::Differs(
            format!(
                "the busiest hour ({}) has no object in its delivery folders (that hour's, or the one before or after): the logs are not filed by hour as Bedrock delivers them",
                hour.format("%Y-%m-%dT%H:00Z")
            ),
            "collect with --s3 (files are read whatever their folders), or --no-verify to skip this check",
        ));
    }
    let mut sources = vec![];
    for k in &wanted {
        s3_calls.get_object += 1;
        let o = s3c
            .get_object()
            .bucket(&plan.bucket)
            .key(k.as_str())
            .send()
            .await
            .map_err(|e| {
                Check::Failed(crate::collect::aws::fault::describe(
                    "s3",
                    None,
                    "s3",
                    "GetObject",
                    &e,
                ))
            })?;
        let data = o.body.collect().await.map_err(|e| {
            Check::Failed(Failure {
                source: "s3".into(),
                region: None,
                call: "s3:GetObject".into(),
                message: format!("s3://{}/{k}: reading the object failed: {e}", plan.bucket),
                hint: None,
            })
        })?;
        let data = data.to_vec();
        s3_calls.bytes += data.len() as u64;
        sources.push(Source::Memory {
            name: format!("s3://{}/{k}", plan.bucket),
            data: Arc::new(data),
        });
    }
    let (mut st, mut dg) = (IngestStats::default(), Diagnostics::default());
    let seen = crate::usage::dedup::Seen::default();
    let local = ingest::ingest(
        &sources,
        || {
            crate::usage::dedup::Dedup::with_dropped(
                HourSink {
                    start: hour,
                    end: window_end.min(hour + chrono::Duration::hours(1)),
                    totals: HourTotals::new(),
                },
                crate::usage::dedup::Discard,
                &seen,
            )
        },
        &IngestOptions::default(),
        &mut st,
        &mut dg,
    )
    .inner
    .totals;
    let h = hour.format("%Y-%m-%dT%H:00Z");
    if &local != athena {
        let names = [
            "invocations",
            "input tokens",
            "output tokens",
            "cache-read tokens",
            "cache-write tokens",
        ];
        let keys: std::collections::BTreeSet<_> = local.keys().chain(athena.keys()).collect();
        let first = keys
            .into_iter()
            .find_map(|k| {
                let (l, r) = (
                    local.get(k).copied().unwrap_or_default(),
                    athena.get(k).copied().unwrap_or_default(),
                );
                (0..5).find(|i| l[*i] != r[*i]).map(|i| {
                    format!(
                        "{} in {}: {} {} read locally, {} in Athena's sums",
                        k.0,
                        k.1,
                        group_thousands(l[i]),
                        names[i],
                        group_thousands(r[i])
                    )
                })
            })
            .unwrap_or_default();
        return Err(Check::Differs(
            format!(
                "the busiest hour ({h}) recomputed from its {} object(s) differs from Athena's sums: {first}",
                wanted.len()
            ),
            SERDE_HINT,
        ));
    }
    let n: u64 = local.values().map(|v| v[0]).sum();
    Ok(format!(
        "{h}: {} invocation(s) in {} object(s) read locally equal Athena's sums",
        group_thousands(n),
        wanted.len()
    ))
}
